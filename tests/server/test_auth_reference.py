"""The same project with the same custom auth file, served by ``langgraph dev`` and by
``streamgraph serve``: the same requests get the same statuses, and the same bodies where
both servers word them alike (skipped when the reference server is not installed)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sdk.conftest import REF_LANGGRAPH, free_port, wait_until_up

pytestmark = pytest.mark.timeout(180)

PROJECT = Path(__file__).with_name("auth_project")
ROOT = Path(__file__).resolve().parents[2]
ALICE = {"Authorization": "Bearer alice-token"}
BOB = {"Authorization": "Bearer bob-token"}


def write_project(directory: Path, rename: bool) -> Path:
    graphs = (PROJECT / "graphs.py").read_text()
    if rename:  # porting is a rename (of the imports)
        graphs = re.sub(r"^(from|import) langgraph\b", r"\1 streamgraph", graphs, flags=re.M)
    (directory / "graphs.py").write_text(graphs)
    (directory / "auth.py").write_text((PROJECT / "auth.py").read_text())
    config = {
        "dependencies": ["."],
        "graphs": {"whoami": "./graphs.py:whoami_graph", "slow": "./graphs.py:slow_graph"},
        "auth": {"path": "./auth.py:auth"},
    }
    (directory / "langgraph.json").write_text(json.dumps(config))
    return directory / "langgraph.json"


def serve(
    command: list[str], directory: Path, env: dict[str, str], timeout: float
) -> Iterator[str]:
    port = free_port()
    log = directory / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=directory,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log, timeout=timeout)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group we started
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not REF_LANGGRAPH.exists():
        pytest.skip(f"the reference LangGraph server is not installed ({REF_LANGGRAPH})")
    directory = tmp_path_factory.mktemp("langgraph-auth")
    config = write_project(directory, rename=False)
    env = {
        **os.environ,
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_DISABLE_FILE_PERSISTENCE": "true",
    }
    command = [
        str(REF_LANGGRAPH),
        "dev",
        "--no-browser",
        "--host",
        "127.0.0.1",
        "--no-reload",
        "--config",
        str(config),
    ]
    yield from serve(command, directory, env, timeout=90)


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("streamgraph-auth")
    config = write_project(directory, rename=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "streamgraph.cli", "serve", "--db", ":memory:"]
    yield from serve([*command, "--config", str(config)], directory, env, timeout=30)


def scenario(url: str) -> list[tuple[str, int, Any]]:
    """Each request as (label, status, body), ids replaced by their role's name."""
    seen: list[tuple[str, int, Any]] = []
    names: dict[str, str] = {}
    client = httpx.Client(base_url=url, timeout=60)

    def call(label: str, method: str, path: str, headers: Any = None, **kw: Any) -> Any:
        response = client.request(method, path, headers=headers, **kw)
        text = response.text
        for real, name in names.items():
            text = text.replace(real, name)
        try:
            body = json.loads(text)
        except ValueError:
            body = text
        seen.append((label, response.status_code, body))
        return (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else None
        )

    nowhere = str(uuid.uuid4())
    names[nowhere] = "<nowhere>"
    call("no token", "GET", f"/threads/{nowhere}")
    call("wrong token", "POST", "/threads/search", {"Authorization": "Bearer x"}, json={})
    call("health", "GET", "/ok")
    thread = call("alice creates", "POST", "/threads", ALICE, json={"metadata": {"k": "v"}})
    names[thread["thread_id"]] = "<alice's thread>"
    call("bob reads her thread", "GET", f"/threads/{thread['thread_id']}", BOB)
    call("bob's search", "POST", "/threads/search", BOB, json={"metadata": {"k": "v"}})
    call("bob's count", "POST", "/threads/count", BOB, json={})
    call("alice's count", "POST", "/threads/count", ALICE, json={})
    tid = thread["thread_id"]
    run = {"assistant_id": "whoami", "input": {}}
    call("alice runs", "POST", f"/threads/{tid}/runs/wait", ALICE, json=run)
    call("bob runs on it", "POST", f"/threads/{tid}/runs/wait", BOB, json=run)
    call("bob runs in background", "POST", f"/threads/{tid}/runs", BOB, json=run)
    call("bob reads its state", "GET", f"/threads/{tid}/state", BOB)
    call("bob reads its history", "POST", f"/threads/{tid}/history", BOB, json={})
    call("bob deletes it", "DELETE", f"/threads/{tid}", BOB)
    call("bob's runs", "POST", "/runs/wait", BOB, json=run)
    assistant = call("alice's assistant", "POST", "/assistants", ALICE, json={"graph_id": "whoami"})
    names[assistant["assistant_id"]] = "<alice's assistant>"
    aid = assistant["assistant_id"]
    call("bob reads her assistant", "GET", f"/assistants/{aid}", BOB)
    call("bob searches assistants", "POST", "/assistants/search", BOB, json={})
    call("bob runs it", "POST", "/runs/wait", BOB, json={"assistant_id": aid, "input": {}})
    call("alice runs it", "POST", "/runs/wait", ALICE, json={"assistant_id": aid, "input": {}})
    client.close()
    return seen


# Steps whose bodies the servers word differently (LangGraph: "Not Found"; ours names the
# assistant), or that hold server-specific fields (timestamps, config keys): status only.
STATUS_ONLY = {"alice creates", "alice's assistant"}
KEYS_ONLY = {"bob reads her assistant"}


def test_custom_auth_answers_as_langgraph_dev_does(reference: str, ours: str) -> None:
    expected = scenario(reference)
    got = scenario(ours)
    assert [(label, status) for label, status, _ in got] == [
        (label, status) for label, status, _ in expected
    ]
    for (label, _, body), (_, _, theirs) in zip(got, expected, strict=True):
        if label in STATUS_ONLY:
            continue
        if label in KEYS_ONLY:
            assert isinstance(body, dict) and body.keys() == theirs.keys(), label
            continue
        assert body == theirs, label
    created = {label: body for label, _, body in got}
    assert created["alice creates"]["metadata"] == {"k": "v", "owner": "alice"}
    assert created["alice's assistant"]["metadata"] == {"owner": "alice"}
