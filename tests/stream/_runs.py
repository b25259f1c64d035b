"""Read a v3 run the same way through ``stream_events`` and ``astream_events``.

``read(graph, input, api, reader, **kwargs)`` starts a run and reads it with ``reader``:
``"events"`` (the raw events), ``"output"``/``"interrupted"``/``"interrupts"``, the name of
a projection (its items), or a function of the run (a coroutine function for ``"async"``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

Reader = str | Callable[[Any], Any]


def _sync_read(run: Any, reader: Reader) -> Any:
    if callable(reader):
        return reader(run)
    if reader == "events":
        return list(run)
    if reader in ("output", "interrupted", "interrupts"):
        return getattr(run, reader)
    return list(getattr(run, reader))


async def _async_read(run: Any, reader: Reader) -> Any:
    if callable(reader):
        return await reader(run)
    if reader == "events":
        return [event async for event in run]
    if reader in ("output", "interrupted", "interrupts"):
        return await getattr(run, reader)()
    return [item async for item in getattr(run, reader)]


def read(graph: Any, input: Any, api: str, reader: Reader = "events", **kwargs: Any) -> Any:
    """Start a v3 run of ``graph`` and read it (sync or async); an error comes out as
    ``("raised", error)``."""
    config = kwargs.pop("config", None)
    if api == "sync":
        try:
            return _sync_read(graph.stream_events(input, config, version="v3", **kwargs), reader)
        except Exception as error:
            return ("raised", error)

    async def go() -> Any:
        try:
            run = await graph.astream_events(input, config, version="v3", **kwargs)
            return await _async_read(run, reader)
        except Exception as error:
            return ("raised", error)

    return asyncio.run(go())


def methods(events: list[dict[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
    """``(method, namespace-without-task-ids)`` of each event."""
    return [
        (event["method"], tuple(seg.split(":")[0] for seg in event["params"]["namespace"]))
        for event in events
    ]
