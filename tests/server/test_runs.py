"""Run lifecycle over HTTP: multitask strategies, cancellation (really stopping nested
work), joins and reconnects that lose and repeat nothing, statuses stored before streams
end, webhooks, stateless runs."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

from tests.server.conftest import start_server
from tests.server.graphs import SIDE_EFFECTS

pytestmark = pytest.mark.timeout(60)


def parse_sse(text: str) -> list[dict[str, Any]]:
    """Events of an SSE body: {event, data, id}."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.split("\n"):
            if line.startswith(":") or not line:
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if "event" in fields:
            events.append(
                {
                    "event": fields["event"],
                    "data": json.loads(fields["data"]),
                    "id": int(fields["id"]) if "id" in fields else None,
                }
            )
    return events


def new_thread(client: httpx.Client) -> str:
    return str(client.post("/threads", json={}).json()["thread_id"])


def run_status(client: httpx.Client, thread_id: str, run_id: str) -> str:
    return str(client.get(f"/threads/{thread_id}/runs/{run_id}").json()["status"])


def wait_status(client: httpx.Client, thread_id: str, run_id: str, *statuses: str) -> str:
    deadline = time.monotonic() + 10
    while (status := run_status(client, thread_id, run_id)) not in statuses:
        assert time.monotonic() < deadline, f"run stayed {status}"
        time.sleep(0.02)
    return status


@pytest.fixture
def client(server: Any) -> Any:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def test_every_event_has_an_id_and_the_stream_ends_after_the_status_is_stored(
    client: httpx.Client,
) -> None:
    thread_id = new_thread(client)
    response = client.post(
        f"/threads/{thread_id}/runs/stream",
        json={
            "assistant_id": "joke",
            "input": {"topic": "x"},
            "stream_mode": ["values", "updates"],
        },
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no"
    events = parse_sse(response.text)
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    run_id = events[0]["data"]["run_id"]
    assert response.headers["content-location"] == f"/threads/{thread_id}/runs/{run_id}"
    assert response.headers["location"] == f"/threads/{thread_id}/runs/{run_id}/stream"
    assert run_status(client, thread_id, run_id) == "success"  # no poll needed
    thread = client.get(f"/threads/{thread_id}").json()
    assert thread["status"] == "idle" and thread["values"]["joke"].startswith("This is")


def test_reconnecting_with_last_event_id_loses_and_repeats_nothing(client: httpx.Client) -> None:
    thread_id = new_thread(client)
    run = client.post(
        f"/threads/{thread_id}/runs",
        json={"assistant_id": "slow", "input": {"topic": "8"}, "stream_mode": "custom"},
    ).json()
    seen: list[dict[str, Any]] = []
    url = f"/threads/{thread_id}/runs/{run['run_id']}/stream"
    with client.stream("GET", url) as response:  # read three events, then drop
        buffer = ""
        for text in response.iter_text():
            buffer += text
            seen = parse_sse(buffer)
            if len(seen) >= 3:
                break
    rest = parse_sse(client.get(url, headers={"Last-Event-ID": str(seen[-1]["id"])}).text)
    whole = parse_sse(client.get(url).text)  # a join without the header: from the start
    combined = seen + rest
    assert [e["id"] for e in combined] == [e["id"] for e in whole]
    assert [e["data"] for e in combined] == [e["data"] for e in whole]
    assert [e["data"]["tick"] for e in whole[1:]] == list(range(8))


def test_join_filters_by_stream_mode_and_join_waits_for_values(client: httpx.Client) -> None:
    thread_id = new_thread(client)
    run = client.post(
        f"/threads/{thread_id}/runs",
        json={
            "assistant_id": "custom",
            "input": {"topic": "x"},
            "stream_mode": ["updates", "custom"],
        },
    ).json()
    url = f"/threads/{thread_id}/runs/{run['run_id']}"
    assert client.get(url + "/join").json() == {"topic": "x", "joke": "emitted 2"}
    only_custom = parse_sse(client.get(url + "/stream", params={"stream_mode": "custom"}).text)
    assert [e["event"] for e in only_custom] == ["metadata", "custom", "custom", "custom"]


@pytest.mark.parametrize("strategy", ["reject", "interrupt", "rollback", "enqueue"])
def test_multitask_strategies(client: httpx.Client, strategy: str) -> None:
    thread_id = new_thread(client)
    first = client.post(
        f"/threads/{thread_id}/runs", json={"assistant_id": "slow", "input": {"topic": "6"}}
    ).json()
    wait_status(client, thread_id, first["run_id"], "running")
    second = client.post(
        f"/threads/{thread_id}/runs",
        json={"assistant_id": "joke", "input": {"topic": "y"}, "multitask_strategy": strategy},
    )
    if strategy == "reject":
        assert second.status_code == 409
        assert "already running" in second.json()["detail"]
        assert wait_status(client, thread_id, first["run_id"], "success") == "success"
        return
    second_id = second.json()["run_id"]
    client.get(f"/threads/{thread_id}/runs/{second_id}/join")
    assert run_status(client, thread_id, second_id) == "success"
    first_state = client.get(f"/threads/{thread_id}/runs/{first['run_id']}")
    if strategy == "rollback":
        assert first_state.status_code == 404
        history = client.post(f"/threads/{thread_id}/history", json={"limit": 50}).json()
        assert {h["metadata"].get("run_id") for h in history} == {second_id}
    else:
        assert first_state.json()["status"] == (
            "interrupted" if strategy == "interrupt" else "success"
        )


def test_cancel_with_wait_returns_after_nested_work_has_stopped(client: httpx.Client) -> None:
    thread_id = new_thread(client)
    SIDE_EFFECTS.clear()
    run = client.post(
        f"/threads/{thread_id}/runs", json={"assistant_id": "nested_slow", "input": {"topic": "c1"}}
    ).json()
    time.sleep(0.15)  # inside the subgraph's sleeping node
    response = client.post(
        f"/threads/{thread_id}/runs/{run['run_id']}/cancel", params={"wait": "true"}
    )
    assert response.status_code == 200 and response.json() == {}
    assert run_status(client, thread_id, run["run_id"]) == "interrupted"
    done_at_cancel = list(SIDE_EFFECTS)
    time.sleep(0.8)  # the graph's next node ("after") must never run
    assert SIDE_EFFECTS == done_at_cancel and len(done_at_cancel) <= 1
    again = client.post(f"/threads/{thread_id}/runs/{run['run_id']}/cancel")
    assert again.status_code == 404


def test_cancel_without_wait_is_accepted(client: httpx.Client) -> None:
    thread_id = new_thread(client)
    run = client.post(
        f"/threads/{thread_id}/runs", json={"assistant_id": "slow", "input": {"topic": "20"}}
    ).json()
    response = client.post(f"/threads/{thread_id}/runs/{run['run_id']}/cancel")
    assert response.status_code == 202
    assert wait_status(client, thread_id, run["run_id"], "interrupted") == "interrupted"


@pytest.mark.parametrize("on_disconnect", ["cancel", "continue"])
def test_on_disconnect(client: httpx.Client, on_disconnect: str) -> None:
    thread_id = new_thread(client)
    with client.stream(
        "POST",
        f"/threads/{thread_id}/runs/stream",
        json={
            "assistant_id": "slow",
            "input": {"topic": "10"},
            "stream_mode": "custom",
            "on_disconnect": on_disconnect,
        },
    ) as response:
        run_id = response.headers["content-location"].rsplit("/", 1)[1]
        next(response.iter_text())
    expected = "interrupted" if on_disconnect == "cancel" else "success"
    assert wait_status(client, thread_id, run_id, "interrupted", "success") == expected


def test_errors_end_the_stream_with_one_error_event(client: httpx.Client) -> None:
    thread_id = new_thread(client)
    events = parse_sse(
        client.post(
            f"/threads/{thread_id}/runs/stream",
            json={"assistant_id": "err", "input": {"topic": "x"}},
        ).text
    )
    assert [e["event"] for e in events] == ["metadata", "values", "error"]
    assert events[-1]["data"] == {"error": "ValueError", "message": "boom happened"}
    thread = client.get(f"/threads/{thread_id}").json()
    assert thread["status"] == "error" and thread["error"]["message"] == "boom happened"
    waited = client.post(
        f"/threads/{thread_id}/runs/wait", json={"assistant_id": "err", "input": {"topic": "x"}}
    ).json()
    assert waited == {"__error__": {"error": "ValueError", "message": "boom happened"}}


def test_interrupt_and_resume_through_wait(client: httpx.Client) -> None:
    thread_id = new_thread(client)
    waited = client.post(
        f"/threads/{thread_id}/runs/wait", json={"assistant_id": "hitl", "input": {"topic": "t"}}
    ).json()
    assert waited["__interrupt__"][0]["value"] == {"question": "approve?", "topic": "t"}
    thread = client.get(f"/threads/{thread_id}").json()
    assert (
        thread["status"] == "interrupted"
        and list(thread["interrupts"].values())[0][0]["value"]["question"] == "approve?"
    )
    resumed = client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "hitl", "command": {"resume": "yes"}},
    ).json()
    assert resumed == {"topic": "t", "joke": "answer yes"}
    assert client.get(f"/threads/{thread_id}").json()["status"] == "idle"


def test_stateless_runs_leave_nothing_unless_kept(client: httpx.Client) -> None:
    response = client.post("/runs/stream", json={"assistant_id": "joke", "input": {"topic": "x"}})
    events = parse_sse(response.text)
    run_id = events[0]["data"]["run_id"]
    assert response.headers["location"] == f"/runs/{run_id}/stream"
    assert [e["data"] for e in parse_sse(client.get(f"/runs/{run_id}/stream").text)] == [
        e["data"] for e in events
    ]  # a stateless run can be joined again
    kept = client.post(
        "/runs/wait",
        json={"assistant_id": "joke", "input": {"topic": "x"}, "on_completion": "keep"},
    )
    thread_id = kept.headers["location"].split("/")[2]
    assert client.get(f"/threads/{thread_id}").json()["values"]["topic"] == "x and cats"
    resume = client.post("/runs/wait", json={"assistant_id": "hitl", "command": {"resume": "x"}})
    assert resume.status_code == 400 and "thread_id" in resume.json()["detail"]


def test_webhook_gets_the_finished_run() -> None:
    received: list[dict[str, Any]] = []
    hook = _Receiver(received)
    server = start_server(webhooks={"url": {"disable_loopback": False}})  # (hook: loopback)
    try:
        httpx.post(
            server.url + "/runs/wait",
            json={"assistant_id": "joke", "input": {"topic": "w"}, "webhook": hook.url},
        )
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        hook.stop()
        server.stop()
    assert received and received[0]["status"] == "success"
    assert received[0]["values"]["joke"].endswith("w and cats")


class _Receiver:
    """A loopback HTTP server that records the JSON bodies POSTed to it."""

    def __init__(self, received: list[dict[str, Any]]) -> None:
        from http.server import BaseHTTPRequestHandler, HTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # (http.server calls it by this name)
                length = int(self.headers["content-length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_after_seconds_delays_the_start(client: httpx.Client) -> None:
    started = time.monotonic()
    client.post(
        "/runs/wait", json={"assistant_id": "joke", "input": {"topic": "x"}, "after_seconds": 0.3}
    )
    assert time.monotonic() - started >= 0.3


def test_joins_say_where_to_resume(client: httpx.Client) -> None:
    """A join's response carries ``Location`` (the SDK's join_stream resumes there with
    Last-Event-ID when a proxy cuts the connection)."""
    thread_id = new_thread(client)
    run = client.post(
        f"/threads/{thread_id}/runs", json={"assistant_id": "slow", "input": {"topic": "3"}}
    ).json()
    base = f"/threads/{thread_id}/runs/{run['run_id']}"
    with client.stream("GET", base + "/stream") as streamed:
        assert streamed.headers["location"] == base + "/stream"
        assert streamed.headers["content-location"] == base
    joined = client.get(base + "/join")
    stateless = client.post("/runs", json={"assistant_id": "joke", "input": {"topic": "s"}})
    path = f"/runs/{stateless.json()['run_id']}/stream"
    assert client.get(path).headers["location"] == path
    assert joined.json()["joke"] == "slow"
