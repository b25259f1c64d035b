"""What the server logs: failed runs, failed webhooks and failed storage writes, each with
the run's and the thread's ids, from the logger of the module that saw it."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.server.conftest import ServerThread, start_server

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="streamgraph")
    return caplog


@pytest.fixture
def own_server() -> Iterator[ServerThread]:
    # its own: these tests break its storage and its webhooks (on loopback: allowed here)
    running = start_server(webhooks={"url": {"disable_loopback": False}})
    running.api.webhook_delays = (0.05,)
    yield running
    running.stop()


def _wait_for(logs: pytest.LogCaptureFixture, text: str) -> logging.LogRecord:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for record in logs.records:
            if text in record.getMessage():
                return record
        time.sleep(0.02)
    raise AssertionError(f"no log record with {text!r}: {[r.getMessage() for r in logs.records]}")


def _thread_run(client: httpx.Client, body: dict[str, Any]) -> tuple[str, str, httpx.Response]:
    thread_id = client.post("/threads", json={}).json()["thread_id"]
    response = client.post(f"/threads/{thread_id}/runs/wait", json=body)
    run_id = response.headers["content-location"].rsplit("/", 1)[-1]
    return thread_id, run_id, response


def test_a_failed_run_is_logged_with_its_ids(server: Any, logs: pytest.LogCaptureFixture) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        thread_id, run_id, _ = _thread_run(client, {"assistant_id": "err", "input": {}})
    record = _wait_for(logs, f"run {run_id} (thread {thread_id}) failed")
    assert record.levelno == logging.ERROR and record.name == "streamgraph.server.runs"
    assert "ValueError: boom happened" in record.getMessage()
    assert record.exc_info is not None  # with the graph's traceback


def test_a_cancelled_run_is_logged(server: Any, logs: pytest.LogCaptureFixture) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        thread_id = client.post("/threads", json={}).json()["thread_id"]
        run = client.post(
            f"/threads/{thread_id}/runs", json={"assistant_id": "slow", "input": {"topic": "50"}}
        ).json()
        client.post(f"/threads/{thread_id}/runs/{run['run_id']}/cancel?wait=true")
    record = _wait_for(logs, f"run {run['run_id']} (thread {thread_id}): cancelling")
    assert record.levelno == logging.INFO


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_failed_webhook_is_logged_with_its_ids(
    own_server: ServerThread, logs: pytest.LogCaptureFixture
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    with httpx.Client(base_url=own_server.url, timeout=30) as client:
        body = {"assistant_id": "joke", "input": {"topic": "w"}, "webhook": url}
        thread_id, run_id, response = _thread_run(client, body)
    assert response.status_code == 200  # the run itself is fine
    record = _wait_for(logs, f"run {run_id} (thread {thread_id}): webhook {url} failed")
    assert record.levelno == logging.WARNING and record.name == "streamgraph.server.webhooks"
    assert "retrying in 0.05 s" in record.getMessage()
    final = _wait_for(logs, f"run {run_id} (thread {thread_id}): webhook {url} failed 2 times")
    assert final.levelno == logging.ERROR and "giving up" in final.getMessage()


def test_a_failed_storage_write_is_logged_with_its_ids(
    own_server: ServerThread, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = own_server.api.storage

    def broken(thread_id: str, changes: Any) -> Any:
        if "values" in changes:  # the write that stores a finished run's state
            raise RuntimeError("disk full")
        return type(storage).update_thread(storage, thread_id, changes)

    monkeypatch.setattr(storage, "update_thread", broken)
    with httpx.Client(base_url=own_server.url, timeout=30) as client:
        thread_id, run_id, response = _thread_run(
            client, {"assistant_id": "joke", "input": {"topic": "x"}}
        )
    # The client learns that the server failed, not how: that is in the log, with the ids.
    assert response.json()["__error__"] == {
        "error": "InternalServerError",
        "message": "Internal Server Error",
    }
    record = _wait_for(logs, f"run {run_id} (thread {thread_id}): storing how it ended failed")
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "disk full" in str(record.exc_info[1])


def test_an_unexpected_error_is_logged_with_the_request(
    own_server: ServerThread, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(thread_id: str) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(own_server.api.storage, "get_thread", broken)
    with httpx.Client(base_url=own_server.url, timeout=30) as client:
        path = "/threads/00000000-0000-4000-8000-000000000000"
        response = client.get(path)
        assert response.status_code == 500
        assert response.json() == {"detail": "Internal Server Error"}  # (as LangGraph's)
    record = _wait_for(logs, f"unexpected error in GET {path}")
    assert record.name == "streamgraph.server.app" and record.exc_info is not None
