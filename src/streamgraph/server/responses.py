"""Streaming responses: a run's SSE stream, and JSON results that keep the connection alive.

``sse(...)`` follows a run's event log from a position and writes every event (several per
network write when they come together). When the client goes away before the run ends and
the request asked for ``on_disconnect=cancel``, the run is cancelled; otherwise it goes on.

``keepalive_json(...)`` waits for a run's result, writing one ``\\n`` every 5 seconds
meanwhile (leading whitespace is valid JSON), as LangGraph's ``/wait`` and ``/join`` do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.responses import StreamingResponse

from streamgraph.server.eventlog import EventLog
from streamgraph.server.runs import STOPPED
from streamgraph.server.serialize import dumps

__all__ = ("event_filter", "keepalive_json", "sse")

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
HEARTBEAT_SECONDS = 5.0


def sse(
    log: EventLog,
    *,
    after: int = 0,
    keep: Callable[[str], bool] | None = None,
    on_disconnect: Callable[[], None] | None = None,
    headers: dict[str, str] | None = None,
) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in log.follow(after, keep=keep, heartbeat=HEARTBEAT_SECONDS):
                yield chunk
        finally:
            # The client went away (not: the server stops, which ends every stream).
            if not log.closed and on_disconnect is not None and not log.server_stopping:
                on_disconnect()

    return StreamingResponse(
        body(), media_type="text/event-stream", headers={**SSE_HEADERS, **(headers or {})}
    )


def keepalive_json(
    result: Awaitable[Any],
    *,
    headers: dict[str, str] | None = None,
    on_disconnect: Callable[[], None] | None = None,
) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        pending = asyncio.ensure_future(result)
        finished = False
        try:
            while True:
                done, _ = await asyncio.wait([pending], timeout=HEARTBEAT_SECONDS)
                if done:
                    break
                yield b"\n"
            finished = True
            if pending.result() is not STOPPED:  # (else: the server stops, no result here)
                yield dumps(pending.result())
        finally:
            if not finished:
                pending.cancel()
                if on_disconnect is not None:
                    on_disconnect()

    return StreamingResponse(body(), media_type="application/json", headers=headers)


def event_filter(modes: list[str] | None) -> Callable[[str], bool] | None:
    """For joins with ``stream_mode``: keep events of those modes (namespaced ones too; any
    ``messages*`` event for ``messages`` or ``messages-tuple``), and ``metadata``/``error``."""
    if not modes:
        return None
    wanted = {("messages" if m.startswith("messages") else m) for m in modes}

    def keep(name: str) -> bool:
        base = name.split("|", 1)[0]
        if base in ("metadata", "error"):
            return True
        return ("messages" if base.startswith("messages") else base) in wanted

    return keep
