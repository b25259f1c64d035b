"""A run stream cut many times at random points still delivers every event once, in order.

A ``CuttingProxy`` sits between the client and the server and cuts the stream's connections;
the client reconnects to the run's stream with ``Last-Event-ID``. Against LangGraph's server
the run must be ``stream_resumable=True`` (it sends event ids only then).

Cases: ``paced`` spaces events so that each reconnect completes between two events; ``live``
reconnects while events keep coming (every 2 ms); ``burst`` sends them all at once;
``stateless`` resumes a run that has no thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from streamgraph.sdk import _flow, get_client, get_sync_client

from ._proxy import CuttingProxy

CASES = {
    # case: (stateful, events, pause between events, sync client, first reconnect delay)
    "paced": (True, 150, 0.02, False, 0.001),
    "paced-sync": (True, 150, 0.02, True, 0.001),
    "live": (True, 300, 0.002, False, 0.01),
    "burst": (True, 300, 0.0, False, 0.01),
    "stateless": (False, 150, 0.002, False, 0.01),
}
# Our server's events are about 40 bytes (LangGraph's ids are longer): 150 of them came to
# four or five cuts of the proxy (one every 0.6-2.5 kB), depending on how many events the
# server framed per network write, for five asserted. 250 make some eight. (Not for
# langgraph dev: its reconnects replay what came before, and longer replays are cut over
# and over until the client gives up.)
OUR_EVENTS = 250


KNOWN_FAILURES = {
    ("langgraph", "live"): (
        "langgraph dev's join of a live resumable run replays the stored events after "
        "Last-Event-ID and then forwards the live ones without skipping those it just "
        "replayed: events arrive twice (the client drops repeats with lower ids, not those "
        "sharing the newest id), and same-millisecond ids lose events (see burst)"
    ),
    ("langgraph", "burst"): (
        "langgraph dev's in-memory event ids are '<unix ms>-0': events sent within one "
        "millisecond share an id, and a replay after that id skips the rest of them "
        "(server-api.md §2.6); exactly-once needs unique ids"
    ),
    ("langgraph", "stateless"): (
        "the LangGraph server points a stateless run's Location at /runs/{run_id}/stream, a "
        "route it does not have (404), so a stateless stream cannot be resumed there"
    ),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", CASES)
def test_a_stream_cut_at_random_points_delivers_every_event_once(
    server, server_name, case, request, monkeypatch
):
    reason = KNOWN_FAILURES.get((server_name, case))
    if reason:
        # "live" depends on timing: a reconnect that happens to fall between two events
        # gets everything right, so that case may pass
        request.applymarker(pytest.mark.xfail(reason=reason, strict=case != "live"))
    stateful, count, pause, sync, first_delay = CASES[case]
    if server_name == "streamgraph":
        count = max(count, OUR_EVENTS)
    # paced: reconnect within a millisecond, so before the next event
    monkeypatch.setattr(_flow, "RECONNECT", _flow.Backoff(first=first_delay, cap=0.2))
    payload: dict[str, Any] = {
        "input": {"count": count, "pause": pause},
        "stream_mode": "custom",
        "stream_resumable": True,
    }
    seed = sorted(CASES).index(case)
    with CuttingProxy(server, seed=seed) as proxy:
        with get_sync_client(url=server) as direct:
            thread_id = direct.threads.create()["thread_id"] if stateful else None
        if sync:
            with get_sync_client(url=proxy.url) as client:
                parts = list(client.runs.stream(thread_id, "custom", **payload))
        else:

            async def collect() -> list[Any]:
                async with get_client(url=proxy.url) as client:
                    return [
                        part async for part in client.runs.stream(thread_id, "custom", **payload)
                    ]

            parts = asyncio.run(collect())
    assert proxy.cuts >= 5, "the proxy should have cut the stream several times"
    assert [part.data for part in parts[1:]] == [{"i": i} for i in range(count)]
    assert [part.event for part in parts] == ["metadata"] + ["custom"] * count
    assert all(part.id is not None for part in parts)
