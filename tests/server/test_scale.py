"""Runs start when they are created: 500 concurrent streams all execute at once (with the
old default of 16 workers, the last waited 31 s for its first event). How long the first
event takes is measured by ``python -m benchmarks.server``, not here (no timed tests)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from streamgraph.server.runs import Phase
from tests.server.conftest import start_server
from tests.server.test_runs import parse_sse

pytestmark = pytest.mark.timeout(180)

STREAMS = 500


def test_500_concurrent_streams_all_run_at_once() -> None:
    server = start_server()
    most_running = 0

    async def watch(stop: asyncio.Event) -> None:
        nonlocal most_running
        while not stop.is_set():
            running = sum(a.phase is Phase.RUNNING for a in list(server.api.runs.active.values()))
            most_running = max(most_running, running)
            await asyncio.sleep(0.05)

    async def stream(client: httpx.AsyncClient) -> list[dict[str, Any]]:
        response = await client.post(
            "/runs/stream",
            json={"assistant_id": "slow", "input": {"topic": "20"}, "stream_mode": "custom"},
        )
        return parse_sse(response.text)

    async def main() -> list[list[dict[str, Any]]]:
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(stop))
        limits = httpx.Limits(max_connections=STREAMS)
        async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as client:
            results = await asyncio.gather(*(stream(client) for _ in range(STREAMS)))
        stop.set()
        await watcher
        return results

    try:
        results = asyncio.run(main())
    finally:
        server.stop()
    assert all(len(events) == 21 for events in results)  # metadata + 20 ticks each
    # Each run lasts 2 s (20 ticks of 0.1 s): nearly all of them ran at the same time.
    assert most_running >= STREAMS * 0.9, most_running
