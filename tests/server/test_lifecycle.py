"""The run state machine under races, on real servers (SQLite and Postgres): a cancel that
lands before, as or after a run starts (explicit, multitask interrupt/rollback,
``on_disconnect=cancel``, deleting the thread), with slots free or full, and restarts. No run
may stay ``pending``/``running``, no thread ``busy``, no waiter hang, and no run cancelled
before it started may execute (now or after a restart)."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx
import pytest

from tests.server.conftest import ServerThread, start_server
from tests.server.graphs import SIDE_EFFECTS
from tests.server.test_runs import parse_sse

pytestmark = pytest.mark.timeout(180)

ROUNDS = 500
AT_ONCE = 25
FINAL = {"success", "error", "interrupted", "timeout"}


async def _race(client: httpx.AsyncClient, rng: random.Random) -> tuple[str, str | None]:
    """One round: a run, and something that ends or displaces it at a random moment.
    Returns the thread id and the run id (None when the run cannot be known)."""
    thread_id = (await client.post("/threads", json={})).json()["thread_id"]
    body = {"assistant_id": "joke", "input": {"topic": "r"}}
    kind = rng.choice(["cancel", "rollback", "cancel_wait", "delete", "interrupt", "disconnect"])
    if kind == "disconnect":
        async with client.stream(
            "POST",
            f"/threads/{thread_id}/runs/stream",
            json={**body, "on_disconnect": "cancel"},
        ) as response:
            run_id = response.headers["content-location"].rsplit("/", 1)[1]
        return thread_id, run_id
    run = (await client.post(f"/threads/{thread_id}/runs", json=body)).json()
    run_id = run["run_id"]
    await asyncio.sleep(rng.choice([0, 0, 0.0005, 0.002, 0.005]))
    base = f"/threads/{thread_id}/runs/{run_id}"
    if kind in ("cancel", "rollback", "cancel_wait"):
        params = {"action": "rollback" if kind == "rollback" else "interrupt"}
        if kind == "cancel_wait":
            params["wait"] = "true"
        response = await client.post(base + "/cancel", params=params)
        assert response.status_code in (200, 202, 404), response.text
    elif kind == "delete":
        assert (await client.delete(f"/threads/{thread_id}")).status_code == 204
    else:
        second = {**body, "multitask_strategy": rng.choice(["interrupt", "rollback"])}
        response = await client.post(f"/threads/{thread_id}/runs", json=second)
        assert response.status_code == 200, response.text
    return thread_id, run_id


async def _settled(client: httpx.AsyncClient, thread_id: str, run_id: str | None) -> None:
    """The thread and run reached a final state; join and join_stream end."""
    deadline = time.monotonic() + 20
    while True:
        thread = await client.get(f"/threads/{thread_id}")
        runs = (
            []
            if thread.status_code == 404
            else (await client.get(f"/threads/{thread_id}/runs", params={"limit": 100})).json()
        )
        unfinished = [r for r in runs if r["status"] not in FINAL]
        if thread.status_code == 404 or (thread.json()["status"] != "busy" and not unfinished):
            break
        assert time.monotonic() < deadline, (
            thread.json()["status"],
            [(r["run_id"], r["status"], r["multitask_strategy"]) for r in runs],
        )
        await asyncio.sleep(0.05)
    for run in runs:
        url = f"/threads/{thread_id}/runs/{run['run_id']}"
        joined = await client.get(url + "/join")
        assert joined.status_code == 200
        streamed = await client.get(url + "/stream")
        assert streamed.status_code == 200 and parse_sse(streamed.text)[0]["event"] == "metadata"


def _race_rounds(server: ServerThread, seed: int) -> None:
    async def main() -> None:
        rng = random.Random(seed)
        limits = httpx.Limits(max_connections=AT_ONCE * 2)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
            for start in range(0, ROUNDS, AT_ONCE):
                made = await asyncio.gather(
                    *(_race(client, rng) for _ in range(min(AT_ONCE, ROUNDS - start)))
                )
                await asyncio.gather(*(_settled(client, t, r) for t, r in made))
        assert server.api.runs.active == {}
        assert server.api.runs.queue.executing == 0

    asyncio.run(main())


def test_cancels_racing_starts_leave_nothing_stuck_sqlite(tmp_path: Any) -> None:
    server = start_server(storage=str(tmp_path / "db.sqlite"))
    try:
        _race_rounds(server, seed=17)
    finally:
        server.stop()


def test_cancels_racing_starts_leave_nothing_stuck_postgres(pg_url: str) -> None:
    server = start_server(storage=pg_url)
    try:
        _race_rounds(server, seed=1717)
    finally:
        server.stop()


def _wait_status(client: httpx.Client, url: str, *statuses: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while (run := client.get(url).json())["status"] not in statuses:
        assert time.monotonic() < deadline, run
        time.sleep(0.02)
    return dict(run)


def test_a_run_cancelled_while_every_slot_is_taken_never_executes(tmp_path: Any) -> None:
    """With one slot held by a long run, a queued run on another thread is cancelled (202):
    it ends at once, and does not execute when the slot frees, nor after a restart."""
    db = str(tmp_path / "db.sqlite")
    server = start_server(storage=db, workers=1)
    SIDE_EFFECTS.clear()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            blocker_thread = client.post("/threads", json={}).json()["thread_id"]
            blocker = client.post(
                f"/threads/{blocker_thread}/runs",
                json={"assistant_id": "slow", "input": {"topic": "5"}},
            ).json()
            thread_id = client.post("/threads", json={}).json()["thread_id"]
            queued = client.post(
                f"/threads/{thread_id}/runs",
                json={"assistant_id": "nested_slow", "input": {"topic": "never"}},
            ).json()
            url = f"/threads/{thread_id}/runs/{queued['run_id']}"
            assert client.get(url).json()["status"] == "pending"
            assert client.post(url + "/cancel").status_code == 202
            assert client.get(url).json()["status"] == "interrupted"  # stored before the 202
            assert client.get(f"/threads/{thread_id}").json()["status"] == "idle"
            assert client.get(url + "/join").json() == {}
            events = parse_sse(client.get(url + "/stream").text)
            assert [e["event"] for e in events] == ["metadata"]
            later = client.post(
                f"/threads/{thread_id}/runs", json={"assistant_id": "joke", "input": {"topic": "a"}}
            ).json()  # the thread is free for the next run, which waits for the slot
            _wait_status(client, f"/threads/{blocker_thread}/runs/{blocker['run_id']}", "success")
            _wait_status(client, f"/threads/{thread_id}/runs/{later['run_id']}", "success")
    finally:
        server.stop()
    server = start_server(storage=db, workers=1)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            time.sleep(0.5)
            assert client.get(url).json()["status"] == "interrupted"
    finally:
        server.stop()
    assert "never" not in SIDE_EFFECTS


def test_queued_runs_survive_a_restart_and_keep_their_start_time(tmp_path: Any) -> None:
    """Runs still queued when the server stops stay pending and run after it starts again:
    one waiting behind its thread's run, one created with ``after_seconds`` (which starts
    at its time, not before)."""
    db = str(tmp_path / "db.sqlite")
    server = start_server(storage=db)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            thread_id = client.post("/threads", json={}).json()["thread_id"]
            first = client.post(
                f"/threads/{thread_id}/runs",
                json={"assistant_id": "slow", "input": {"topic": "30"}},
            ).json()
            behind = client.post(
                f"/threads/{thread_id}/runs",
                json={"assistant_id": "joke", "input": {"topic": "b"}},
            ).json()
            other = client.post("/threads", json={}).json()["thread_id"]
            delayed = client.post(
                f"/threads/{other}/runs",
                json={"assistant_id": "joke", "input": {"topic": "d"}, "after_seconds": 1.5},
            ).json()
            created = time.monotonic()
            _wait_status(client, f"/threads/{thread_id}/runs/{first['run_id']}", "running")
    finally:
        server.stop()
    server = start_server(storage=db)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert (
                client.get(f"/threads/{thread_id}/runs/{first['run_id']}").json()["status"]
                == "interrupted"
            )  # stopped with the server
            done = _wait_status(
                client, f"/threads/{thread_id}/runs/{behind['run_id']}", "success", "error"
            )
            assert done["status"] == "success"
            url = f"/threads/{other}/runs/{delayed['run_id']}"
            if time.monotonic() - created < 1.2:
                assert client.get(url).json()["status"] == "pending"
            _wait_status(client, url, "success")
            assert time.monotonic() - created >= 1.5
            assert client.get(f"/threads/{other}").json()["status"] == "idle"
    finally:
        server.stop()
