"""A server killed (kill -9) and started again on the same database: streams resumed with
``Last-Event-ID``, joins and waits all end with the run's real outcome; no step whose
``updates`` event reached a client is lost or executed twice (SQLite and Postgres). Logs past
their retention answer 410, and the SDK raises."""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamgraph.sdk import get_sync_client
from streamgraph.sdk.errors import APIStatusError
from tests.server.conftest import start_server
from tests.server.procs import ServerProcess
from tests.server.test_runs import parse_sse

pytestmark = pytest.mark.timeout(240)

RESTART = {
    "error": "ServerRestart",
    "message": "The server stopped while this run was running; its thread keeps the steps "
    "done before (a run with no input goes on from there)",
}


def _read_until(response: httpx.Response, updates: int) -> list[dict[str, Any]]:
    buffer = ""
    for text in response.iter_text():
        buffer += text
        events = parse_sse(buffer[: buffer.rfind("\r\n\r\n") + 4])
        if sum(e["event"] == "updates" for e in events) >= updates:
            return events
    raise AssertionError("the run ended early")


def _kill_mid_run(server: ServerProcess, thread_id: str, updates: int) -> list[dict[str, Any]]:
    """Stream a 30-step run, kill -9 the server after ``updates`` steps were received."""
    with (
        httpx.Client(base_url=server.url, timeout=30) as client,
        client.stream(
            "POST",
            f"/threads/{thread_id}/runs/stream",
            json={
                "assistant_id": "steps",
                "input": {"n": 30, "pause": 0.06},
                "stream_mode": "updates",
                "config": {"recursion_limit": 100},
            },
        ) as response,
    ):
        seen = _read_until(response, updates)
        server.kill()
    return seen


def _restart_round(folder: Path, db: str, seed: int) -> None:
    server = ServerProcess(folder, db).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            thread_id = client.post("/threads", json={}).json()["thread_id"]
        # (after 250 ms at least: a run's log goes to disk then, see eventlog.SPILL_SECONDS)
        seen = _kill_mid_run(server, thread_id, random.Random(seed).randint(6, 14))
        run_id = seen[0]["data"]["run_id"]
        received = max(e["data"]["step"]["count"] for e in seen if e["event"] == "updates")
        server.start()
        url = f"/threads/{thread_id}/runs/{run_id}"
        with httpx.Client(base_url=server.url, timeout=30) as client:
            # Every step the client saw as done is saved (durability), and the run ended.
            assert client.get(url).json()["status"] == "error"
            state = client.get(f"/threads/{thread_id}/state").json()
            assert state["values"]["count"] >= received
            assert client.get(f"/threads/{thread_id}").json()["status"] == "error"
            # A reconnect gets the rest of the log, then the run's end: exactly once each.
            rest = parse_sse(
                client.get(url + "/stream", headers={"Last-Event-ID": str(seen[-1]["id"])}).text
            )
            assert [e["id"] for e in seen + rest] == list(range(1, len(seen) + len(rest) + 1))
            assert rest[-1] == {"event": "error", "data": RESTART, "id": len(seen) + len(rest)}
            assert sum(e["event"] == "error" for e in seen + rest) == 1
            assert client.get(url + "/join").json() == {"__error__": RESTART}
            # The thread goes on from its last saved step: no completed step runs again.
            resumed = client.post(
                f"/threads/{thread_id}/runs/wait",
                json={
                    "assistant_id": "steps",
                    "input": None,
                    "config": {"recursion_limit": 100},
                },
            ).json()
            assert resumed.get("count") == 30, resumed
        done = server.done_steps()
        assert sorted(set(done)) == list(range(1, 31))
        assert all(done.count(step) == 1 for step in range(1, received + 1)), done
    finally:
        server.stop()


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_sqlite(tmp_path: Path, seed: int) -> None:
    _restart_round(tmp_path, str(tmp_path / "db.sqlite"), seed)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_postgres_loses_no_completed_step(tmp_path: Path, pg_url: str, seed: int) -> None:
    _restart_round(tmp_path, pg_url, seed)


def test_a_wait_in_flight_across_a_kill_ends_with_the_runs_outcome(tmp_path: Path) -> None:
    """The SDK's ``wait`` reconnects to the run's ``/join`` after the restart and raises
    the run's error (it used to return ``{}``); its ``join_stream`` gets the error event."""
    server = ServerProcess(tmp_path, str(tmp_path / "db.sqlite")).start()
    outcome: list[Any] = []
    try:
        with get_sync_client(url=server.url, api_key=None) as sdk:
            thread_id = sdk.threads.create()["thread_id"]

            def wait() -> None:
                try:
                    outcome.append(
                        sdk.runs.wait(
                            thread_id, "steps", input={"n": 40, "pause": 0.05}, raise_error=True
                        )
                    )
                except Exception as error:
                    outcome.append(error)

            waiter = threading.Thread(target=wait)
            waiter.start()
            deadline = time.monotonic() + 20
            while len(server.done_steps()) < 3:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            server.kill()
            server.start()
            waiter.join(timeout=60)
            assert outcome and isinstance(outcome[0], Exception), outcome
            assert "ServerRestart" in str(outcome[0])
            run_id = sdk.runs.list(thread_id)[0]["run_id"]
            parts = list(sdk.runs.join_stream(thread_id, run_id))
            assert parts[0].event == "metadata" and parts[-1].event == "error"
            assert parts[-1].data == RESTART
    finally:
        server.stop()


def test_a_run_whose_events_are_gone_answers_410_and_the_sdk_raises(tmp_path: Path) -> None:
    server = start_server(storage=str(tmp_path / "db.sqlite"), log_keep_seconds=0.2)
    try:
        with get_sync_client(url=server.url, api_key=None) as sdk:
            thread_id = sdk.threads.create()["thread_id"]
            sdk.runs.wait(thread_id, "joke", input={"topic": "old"})
            run_id = sdk.runs.list(thread_id)[0]["run_id"]
            time.sleep(0.4)
            sdk.runs.wait(None, "joke", input={"topic": "new"})  # (its start evicts old logs)
            with httpx.Client(base_url=server.url) as client:
                gone = client.get(f"/threads/{thread_id}/runs/{run_id}/stream")
            assert gone.status_code == 410
            assert "no longer kept" in gone.json()["detail"]
            assert "ended with status 'success'" in gone.json()["detail"]
            with pytest.raises(APIStatusError) as raised:
                list(sdk.runs.join_stream(thread_id, run_id))
            assert raised.value.response.status_code == 410
            assert sdk.runs.join(thread_id, run_id)["joke"].endswith("old and cats")
    finally:
        server.stop()


def test_sigint_with_open_streams_stops_the_server_promptly(tmp_path: Path) -> None:
    """An open stream, a /wait and a join of a 60 s run do not hold the server up: SIGINT
    ends them (it used to wait for the run, 20 s seen), and the run ends interrupted."""
    server = ServerProcess(tmp_path, str(tmp_path / "db.sqlite")).start()
    body = {"assistant_id": "steps", "input": {"n": 600, "pause": 0.1}}
    body["config"] = {"recursion_limit": 1000}
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            thread_id = client.post("/threads", json={}).json()["thread_id"]
            waiter = threading.Thread(
                target=lambda: httpx.post(server.url + "/runs/wait", json=body, timeout=60)
            )
            waiter.start()
            with client.stream(
                "POST", f"/threads/{thread_id}/runs/stream", json={**body, "stream_mode": "updates"}
            ) as response:
                chunks = response.iter_bytes()
                received = b""
                while received.count(b"event: updates") < 2:
                    received += next(chunks)
                took = server.stop(signal.SIGINT, timeout=20)
                rest = b"".join(chunks)  # the stream has ended
            seen = parse_sse(received.decode())
            waiter.join(timeout=20)
        assert took < 15, f"the server took {took:.1f} s to stop"
        assert server.process is not None and server.process.returncode == 0
        assert not waiter.is_alive()
        assert b"event: error" not in rest
        server.start()
        run_id = seen[0]["data"]["run_id"]
        with httpx.Client(base_url=server.url) as client:
            run = client.get(f"/threads/{thread_id}/runs/{run_id}").json()
        assert run["status"] == "interrupted"
    finally:
        server.stop()
