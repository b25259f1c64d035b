"""The Studio page in headless Chromium against a real server: a streamed agent run seen
token by token on a live graph, interrupts answered, a fork from an older checkpoint, a
cancelled run, a failing node, the API key prompt, and ten thousand tokens.

Each test saves screenshots in the session's ``studio-screenshots`` folder; with
``STUDIO_SCREENSHOTS=docs`` the two the README shows are written there too
(``make studio-screenshots``)."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import ServerThread, start_server
from tests.studio.graphs import FLOOD_TOKENS, GRAPHS

pytestmark = pytest.mark.timeout(90)

README_SHOTS = {"agent-run": "studio-agent.png", "fork": "studio-history.png"}
# The AI messages' text in the chat, and the nodes the graph shows as active.
LOOK = """() => ({
    text: [...document.querySelectorAll('.chat-message.ai .text')]
        .map(e => e.textContent).join('|'),
    active: [...document.querySelectorAll('svg.graph .node.active')].map(e => e.dataset.node),
})"""
PROBE_START = """() => {
    const p = (window.__probe = { gaps: [], longTasks: [], clicks: [], last: performance.now() });
    p.on = true;
    const frame = (now) => {
        p.gaps.push(now - p.last);
        p.last = now;
        if (p.on) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    new PerformanceObserver((list) => {
        for (const e of list.getEntries()) p.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
    new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (e.name === 'click') p.clicks.push(e.duration);
    }).observe({ type: 'event', durationThreshold: 16 });
}"""
PROBE_RESULT = """() => {
    const p = window.__probe;
    p.on = false;
    const gaps = p.gaps.slice(1).sort((a, b) => a - b);
    return {
        frames: gaps.length,
        max_gap_ms: gaps.at(-1),
        p95_gap_ms: gaps[Math.floor(gaps.length * 0.95)],
        long_tasks: p.longTasks.length,
        long_task_ms: p.longTasks.reduce((a, b) => a + b, 0),
        slow_clicks_ms: p.clicks,
    };
}"""


def shoot(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"))
    folder = os.environ.get("STUDIO_SCREENSHOTS")
    if folder and name in README_SHOTS:
        page.screenshot(path=str(Path(folder) / README_SHOTS[name]))


def open_graph(page: Any, server: ServerThread, graph: str) -> None:
    page.goto(server.url + "/studio/")
    page.click(f"[data-graph={graph}]")
    page.wait_for_selector(f"[data-graph={graph}].current")
    page.wait_for_selector("svg.graph [data-node]")


def run_state(page: Any) -> str | None:
    found = page.query_selector("[data-run-state]")
    return None if found is None else found.get_attribute("data-run-state")


def wait_run(page: Any, state: str) -> None:
    page.wait_for_selector(f"[data-run-state={state}]", timeout=30_000)


def test_agent_run_streams_tokens_on_a_live_graph(
    page: Any, studio_server: ServerThread, shots: Path
) -> None:
    open_graph(page, studio_server, "agent")
    shoot(page, shots, "agent-ready")
    page.click("[data-tab=chat]")
    page.fill("textarea[name=chat-message]", "what is the weather in Paris?")
    page.click("button[name=chat-send]")
    lengths: list[int] = []
    active: set[str] = set()
    shot_taken = False
    deadline = time.monotonic() + 30
    while run_state(page) in (None, "starting", "running"):
        assert time.monotonic() < deadline, "the run did not finish"
        seen = page.evaluate(LOOK)
        active.update(seen["active"])
        if "Here is what I found" in seen["text"]:
            lengths.append(len(seen["text"]))
            if not shot_taken and "sunglasses" in seen["text"]:
                page.click("[data-tab=stream]")
                shoot(page, shots, "agent-run")
                page.click("[data-tab=chat]")
                shot_taken = True
        time.sleep(0.03)
    wait_run(page, "success")
    # The answer grew over several looks, not all at once.
    assert len(set(lengths)) >= 3, lengths
    assert lengths[0] < max(lengths)
    # The node running the model was highlighted while it ran.
    assert "agent" in active
    final = page.inner_text(".chat-log")
    assert "It's always sunny in Paris!" in final and "enjoy the day outside." in final
    assert page.get_attribute("[data-node=agent]", "data-status") == "done"
    assert page.get_attribute("[data-node=tools]", "data-status") == "done"
    # Clicking a finished node shows its update.
    page.click("[data-node=tools]")
    assert "It's always sunny in Paris!" in page.inner_text("[data-details=tools] .node-update")
    page.click("[data-tab=thread]")
    page.wait_for_selector(".thread-values")
    assert "enjoy the day outside." in page.inner_text(".thread-values")
    shoot(page, shots, "agent-done")


def test_an_interrupt_is_answered_and_the_run_finishes(
    page: Any, studio_server: ServerThread, shots: Path
) -> None:
    open_graph(page, studio_server, "review")
    page.fill("[data-form=input] input[name=topic]", "cats")
    page.click("button[name=run]")
    wait_run(page, "interrupted")
    box = page.wait_for_selector(".interrupts")
    assert "Publish this joke?" in box.inner_text()
    assert page.get_attribute("[data-node=ask_reviewer]", "data-status") == "interrupted"
    shoot(page, shots, "interrupt")
    page.fill(".interrupts textarea[name=answer]", "approved")
    page.click("button[name=resume]")
    wait_run(page, "success")
    page.wait_for_selector(".interrupts", state="detached")
    page.click("[data-tab=thread]")
    page.wait_for_function(
        "() => document.querySelector('.thread-values')?.textContent.includes('(approved)')"
    )
    assert "This is a joke about cats (approved)" in page.inner_text(".thread-values")
    # Back on this thread from another graph's page: the page follows the thread's graph.
    thread_id = page.evaluate("() => location.hash.split('/')[2]")
    page.click("[data-graph=joke]")
    page.wait_for_selector("[data-graph=joke].current")
    page.click(f"[data-thread='{thread_id}']")
    page.wait_for_selector("[data-graph=review].current")
    page.wait_for_selector("svg.graph [data-node=ask_reviewer]")


def test_several_interrupts_are_answered_at_once(page: Any, studio_server: ServerThread) -> None:
    open_graph(page, studio_server, "approvals")
    page.click("button[name=run]")
    wait_run(page, "interrupted")
    page.wait_for_selector(".interrupt >> nth=1")
    boxes = page.query_selector_all(".interrupt")
    assert len(boxes) == 2
    for box in boxes:
        text = box.inner_text()
        box.query_selector("textarea").fill('"yes"' if "legal" in text else '{"max": 100}')
    page.click("button[name=resume]")
    wait_run(page, "success")
    page.click("[data-tab=thread]")
    page.wait_for_function(
        "() => document.querySelector('.thread-values')?.textContent.includes('max')"
    )
    values = json.loads(page.inner_text(".thread-values"))
    assert values["legal"] == "yes" and values["budget"] == {"max": 100}


def test_a_fork_from_an_older_checkpoint_is_a_new_branch(
    page: Any, studio_server: ServerThread, shots: Path
) -> None:
    open_graph(page, studio_server, "joke")
    page.fill("[data-form=input] input[name=topic]", "ice cream")
    page.click("button[name=run]")
    wait_run(page, "success")
    page.click("[data-tab=thread]")
    page.wait_for_selector(".timeline [data-step='2']")
    assert page.query_selector_all(".timeline .fork") == []
    # Step 1: refine_topic has run, generate_joke is next.
    page.click(".timeline [data-step='1']")
    page.click("button[name=edit-fork]")
    page.fill("textarea[name=fork-values]", '{"topic": "dogs"}')
    page.click("button[name=save-fork]")
    fork = page.wait_for_selector(".timeline .fork")
    assert "fork of step 1" in fork.inner_text()
    # The fork is the thread's head now; the run that followed step 1 is the other branch.
    assert "head" in (fork.get_attribute("class") or "")
    # It is selected: replay from it.
    assert "selected" in (fork.get_attribute("class") or "")
    page.click("button[name=replay]")
    wait_run(page, "success")
    page.click("[data-tab=thread]")
    page.wait_for_function(
        "() => document.querySelector('.thread-values')?.textContent.includes('about dogs')"
    )
    assert "This is a joke about dogs" in page.inner_text(".thread-values")
    assert page.query_selector_all(".timeline .off-line"), "the first run's branch is gone"
    shoot(page, shots, "fork")


def test_a_slow_run_is_cancelled(page: Any, studio_server: ServerThread, shots: Path) -> None:
    open_graph(page, studio_server, "slow")
    page.click("button[name=run]")
    page.click("[data-tab=stream]")
    page.click("[data-tab=custom]")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-pane=custom] .log-entry').length >= 3"
    )
    assert page.get_attribute("[data-node=tick]", "data-status") == "running"
    started = time.monotonic()
    page.click("button[name=cancel]")
    wait_run(page, "cancelled")
    assert time.monotonic() - started < 10  # the node alone would run 15 s
    shoot(page, shots, "cancelled")
    thread_id = page.evaluate("() => location.hash.split('/')[2]")
    runs = httpx.get(f"{studio_server.url}/threads/{thread_id}/runs").json()
    assert [run["status"] for run in runs] == ["interrupted"]
    ticks = page.inner_text("[data-tab=custom] .count")
    time.sleep(0.3)
    assert page.inner_text("[data-tab=custom] .count") == ticks, "events after the cancel"


def test_a_run_started_elsewhere_is_followed_live(
    page: Any, studio_server: ServerThread, shots: Path
) -> None:
    url = studio_server.url
    thread = httpx.post(f"{url}/threads", json={}).json()["thread_id"]
    # A client's background run: the page sees the modes that client asked for.
    body = {"assistant_id": "slow", "input": {"topic": "x"}, "stream_mode": ["custom", "tasks"]}
    run = httpx.post(f"{url}/threads/{thread}/runs", json=body).json()
    assistant = run["assistant_id"]
    page.goto(f"{url}/studio/#/{assistant}/{thread}")
    wait_run(page, "running")
    page.click("[data-tab=stream]")
    page.click("[data-tab=custom]")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-pane=custom] .log-entry').length >= 3"
    )
    assert page.get_attribute("[data-node=tick]", "data-status") == "running"
    page.click("button[name=cancel]")
    wait_run(page, "cancelled")
    status = httpx.get(f"{url}/threads/{thread}/runs/{run['run_id']}").json()["status"]
    assert status == "interrupted"


def test_subgraph_nodes_light_up_when_expanded(page: Any, studio_server: ServerThread) -> None:
    open_graph(page, studio_server, "sub")
    page.check("input[name=xray]")
    page.wait_for_selector("[data-node='node_2:subgraph_node_1']")
    page.fill("[data-form=input] input[name=foo]", "foo")
    page.click("button[name=run]")
    wait_run(page, "success")
    for node in ("node_1", "node_2:subgraph_node_1", "node_2:subgraph_node_2"):
        assert page.get_attribute(f"[data-node='{node}']", "data-status") == "done", node
    page.click("[data-node='node_2:subgraph_node_2']")
    assert '"foo": "hi! foobar"' in page.inner_text(".node-update")
    page.click("[data-tab=stream]")
    page.click("[data-tab=updates]")
    assert "node_2:" in page.inner_text("[data-pane=updates] .ns")


def test_a_failing_node_shows_its_error(page: Any, studio_server: ServerThread) -> None:
    open_graph(page, studio_server, "err")
    page.click("button[name=run]")
    wait_run(page, "error")
    page.click("[data-tab=stream]")
    assert "ValueError: boom happened" in page.inner_text(".run-summary .error-box")
    assert page.get_attribute("[data-node=boom]", "data-status") == "error"


def test_assistants_are_created_versioned_and_rolled_back(
    page: Any, studio_server: ServerThread, shots: Path
) -> None:
    open_graph(page, studio_server, "sub")
    page.click("[data-tab=assistants]")
    page.click("button[name=new-assistant]")
    page.fill("input[name=assistant-name]", "formal")
    page.fill("textarea[name=assistant-config]", '{"configurable": {"tone": "formal"}}')
    page.click("button[name=save-assistant]")
    page.wait_for_selector("[data-assistant=formal].current")
    assert "formal" in page.inner_text(".graph-title")
    page.fill("textarea[name=assistant-config]", '{"configurable": {"tone": "casual"}}')
    page.click("button[name=save-assistant]")
    page.wait_for_selector(".versions [data-version='2']")
    assert "v2" in page.inner_text("[data-assistant=formal]")
    shoot(page, shots, "assistants")
    page.click(".versions [data-version='1'] button")
    page.wait_for_function(
        "() => document.querySelector('[data-assistant=formal]')?.textContent.includes('v1')"
    )
    assistants = httpx.post(
        f"{studio_server.url}/assistants/search", json={"graph_id": "sub", "name": "formal"}
    ).json()
    assert [(a["version"], a["config"]["configurable"]) for a in assistants] == [
        (1, {"tone": "formal"})
    ]
    # Its graph counts it among its assistants.
    assert "2 assistants" in page.inner_text("[data-graph=sub]")


def test_a_server_that_does_not_answer_is_said_so(
    page: Any, studio_server: ServerThread, shots: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    page.goto(f"{studio_server.url}/studio/?api={dead}")
    banner = page.wait_for_selector(".banner.down")
    assert f"Cannot reach the server at {dead}" in banner.inner_text()
    assert "The server is not answering." in page.inner_text(".center")
    shoot(page, shots, "server-down")


def test_the_page_asks_once_for_the_api_key(page: Any) -> None:
    server = start_server(graphs={"joke": GRAPHS["joke"]}, studio=True, api_keys=["s3cret"])
    try:
        page.goto(server.url + "/studio/")
        # Turned down, the question is not asked again by itself (the page keeps retrying).
        page.click(".modal button[type=button]")
        assert "API key" in page.inner_text(".banner.down")
        page.wait_for_timeout(2500)
        assert page.query_selector(".modal") is None
        page.click("button[name=api-key]")
        page.fill("input[name=api-key-input]", "s3cret")
        page.click("button[name=api-key-save]")
        page.wait_for_selector("[data-graph=joke]")
        assert page.query_selector(".modal") is None
        # Kept for the next visit: no question the second time.
        page.reload()
        page.wait_for_selector("[data-graph=joke]")
        assert page.query_selector(".modal") is None
    finally:
        server.stop()


def test_ten_thousand_tokens_keep_the_page_responsive(
    page: Any, studio_server: ServerThread, shots: Path
) -> None:
    open_graph(page, studio_server, "flood")
    page.click("[data-tab=stream]")
    # Watch the main thread from inside the page: the gaps between frames, the long tasks
    # (over 50 ms), and how long clicks take to be handled and painted (Event Timing: a
    # click under 16 ms is not reported at all).
    page.evaluate(PROBE_START)
    started = time.monotonic()
    page.click("button[name=run]")
    # Mid-stream, a click on another pane and back.
    page.wait_for_function(
        "() => /([0-9]+) tokens/.exec(document.querySelector('.run-summary')?.textContent)"
        "?.[1] >= 2000"
    )
    for tab in ("values", "messages"):
        page.click(f"[data-tab={tab}]")
        page.wait_for_selector(f"[data-pane={tab}]")
    still_running = run_state(page) == "running"
    wait_run(page, "success")
    elapsed = time.monotonic() - started
    probe = page.evaluate(PROBE_RESULT)
    page.click("[data-tab=messages]")
    # A long message shows its tail while it streams, the whole of it on request.
    page.click("button[name=whole-text]")
    text = page.inner_text("[data-pane=messages] .tokens-text")
    assert text.startswith("t0 t1 t2 ") and text.rstrip().endswith(f"t{FLOOD_TOKENS - 1}")
    assert len(text.split()) == FLOOD_TOKENS
    summary = page.inner_text(".run-summary")
    assert f"{FLOOD_TOKENS} tokens" in summary
    # Still answers at once after the flood.
    page.click("[data-tab=values]")
    page.wait_for_selector("[data-pane=values]")
    shoot(page, shots, "flood")
    result = {
        "tokens": FLOOD_TOKENS,
        "seconds_click_to_done": round(elapsed, 2),
        "clicked_while_streaming": still_running,
        **probe,
    }
    (shots / "flood.json").write_text(json.dumps(result, indent=2))
    print(f"\n10k tokens in the studio: {result}")


@pytest.fixture(scope="module")
def langgraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """LangGraph's own server (``langgraph dev`` from ``.venv-ref``), as the SDK tests run it;
    skipped where it is not installed."""
    from tests.sdk.conftest import langgraph_server

    yield from langgraph_server(tmp_path_factory.mktemp("langgraph-dev"))


def test_the_page_drives_langgraph_s_own_server(
    page: Any, studio_server: ServerThread, langgraph_url: str, shots: Path
) -> None:
    # The page talks only to the public API: pointed at langgraph dev (?api=), it works as is.
    page.goto(f"{studio_server.url}/studio/?api={langgraph_url}")
    page.click("[data-graph=chat]")
    page.wait_for_selector("[data-graph=chat].current")
    page.wait_for_selector("svg.graph [data-node=call_model]")
    page.fill("[data-form=input] input[name=topic]", "cats")
    page.click("button[name=run]")
    wait_run(page, "success")
    page.click("[data-tab=stream]")
    page.wait_for_selector("[data-pane=messages] .tokens-text")
    assert page.inner_text("[data-pane=messages] .tokens-text") == "hello there friend"
    page.click("[data-graph=hitl]")
    page.wait_for_selector("svg.graph [data-node=ask]")
    page.fill("[data-form=input] input[name=topic]", "dogs")
    page.click("button[name=run]")
    wait_run(page, "interrupted")
    assert "approve?" in page.inner_text(".interrupts")
    page.fill(".interrupts textarea[name=answer]", "yes")
    page.click("button[name=resume]")
    wait_run(page, "success")
    page.click("[data-tab=thread]")
    page.wait_for_function(
        "() => document.querySelector('.thread-values')?.textContent.includes('yes: dogs')"
    )
    assert page.query_selector_all(".timeline .checkpoint")
    shoot(page, shots, "langgraph-dev")


def _owner_auth() -> Any:
    """Custom auth: ``Bearer <name>`` is user ``<name>``; each user sees only their threads."""
    from streamgraph.sdk import Auth

    auth = Auth()

    @auth.authenticate
    async def authenticate(authorization: str | None) -> str:
        if not authorization or not authorization.startswith("Bearer "):
            raise Auth.exceptions.HTTPException(status_code=401, detail="who are you?")
        return authorization.removeprefix("Bearer ")

    @auth.on.threads
    async def owner(ctx: Any, value: Any) -> dict[str, str]:
        if isinstance(value, dict) and isinstance(value.get("metadata"), dict):
            value["metadata"]["owner"] = ctx.user.identity
        return {"owner": ctx.user.identity}

    return auth


def test_custom_auth_takes_the_key_as_a_bearer_token(page: Any) -> None:
    server = start_server(graphs={"joke": GRAPHS["joke"]}, studio=True, auth=_owner_auth())
    try:
        page.goto(server.url + "/studio/")
        page.fill("input[name=api-key-input]", "ada")
        page.click("button[name=api-key-save]")
        open_graph(page, server, "joke")
        page.fill("[data-form=input] input[name=topic]", "cats")
        page.click("button[name=run]")
        wait_run(page, "success")
        # The thread the page made is ada's: her token sees it, another user's does not.
        mine = httpx.post(
            server.url + "/threads/search", json={}, headers={"Authorization": "Bearer ada"}
        ).json()
        theirs = httpx.post(
            server.url + "/threads/search", json={}, headers={"Authorization": "Bearer bob"}
        ).json()
        assert [t["metadata"]["owner"] for t in mine] == ["ada"]
        assert theirs == []
    finally:
        server.stop()


def test_a_dev_server_with_custom_auth_lets_the_studio_in(page: Any) -> None:
    server = start_server(
        graphs={"joke": GRAPHS["joke"]}, studio=True, auth=_owner_auth(), studio_auth=True
    )
    try:
        page.goto(server.url + "/studio/")
        page.wait_for_selector("[data-graph=joke]")
        assert page.query_selector(".modal") is None
    finally:
        server.stop()
