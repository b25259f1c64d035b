"""Event logs: every event of a run, numbered, for any number of readers, live or late.

A run's worker appends each event once, already framed as SSE bytes (``event:``, ``data:``
and ``id:`` lines; the id is the event's sequence number in its run, from 1). Readers follow
a log from any position: they get what is already there at once, then each new batch as it
is appended, until the log is closed. A reader that reconnects with ``Last-Event-ID: n``
follows from ``n``, so it sees every later event exactly once.

Logs outlive their runs for ``keep_seconds`` (late joins and reconnects still work), and the
finished ones are dropped oldest first when all logs together hold more than ``max_bytes``.
Everything here runs on the server's event loop: no locks.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streamgraph.sdk.schema import Run

__all__ = ("EventLog", "EventLogs", "frame")

HEARTBEAT = b": heartbeat\r\n\r\n"


def frame(event: str, data: bytes, seq: int) -> bytes:
    """One SSE event, as LangGraph's server writes it (CRLF lines, one-line JSON data)."""
    return b"event: %s\r\ndata: %s\r\nid: %d\r\n\r\n" % (event.encode(), data, seq)


class EventLog:
    """One run's events (see the module docstring)."""

    __slots__ = ("_waiters", "closed", "closed_at", "frames", "names", "run", "size")

    def __init__(self) -> None:
        self.run: Run | None = None  # the run's row, for late joins
        self.frames: list[bytes] = []  # frames[i] has sequence number i + 1
        self.names: list[str] = []  # the event name of each frame, for filtered joins
        self.size = 0
        self.closed = False
        self.closed_at = 0.0
        self._waiters: list[asyncio.Future[None]] = []

    def append(self, event: str, data: bytes) -> int:
        seq = len(self.frames) + 1
        encoded = frame(event, data, seq)
        self.frames.append(encoded)
        self.names.append(event)
        self.size += len(encoded)
        self._wake()
        return seq

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.closed_at = time.monotonic()
            self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def follow(
        self, after: int = 0, *, keep: Callable[[str], bool] | None = None, heartbeat: float = 5.0
    ) -> AsyncIterator[bytes]:
        """Yield the frames after sequence number ``after`` (those whose event name ``keep``
        accepts), several at a time, then the new ones as they come, until the log closes.
        While nothing comes, a heartbeat comment every ``heartbeat`` seconds keeps proxies
        and clients from timing the stream out."""
        position = max(after, 0)
        loop = asyncio.get_running_loop()
        while True:
            if position < len(self.frames):
                end = len(self.frames)
                batch = (
                    self.frames[position:end]
                    if keep is None
                    else [
                        f
                        for f, name in zip(
                            self.frames[position:end], self.names[position:end], strict=True
                        )
                        if keep(name)
                    ]
                )
                position = end
                if batch:
                    yield b"".join(batch)
                continue
            if self.closed:
                return
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, heartbeat)
            except TimeoutError:
                yield HEARTBEAT


class EventLogs:
    """The logs of a server's runs, by run id, with retention (see the module docstring)."""

    def __init__(self, *, keep_seconds: float = 300.0, max_bytes: int = 256 * 2**20) -> None:
        self.keep_seconds = keep_seconds
        self.max_bytes = max_bytes
        self._logs: dict[str, EventLog] = {}
        self._finished: deque[tuple[str, EventLog]] = deque()  # in the order they closed
        self._finished_bytes = 0

    def create(self, run_id: str) -> EventLog:
        self._evict()
        log = self._logs[run_id] = EventLog()
        return log

    def get(self, run_id: str) -> EventLog | None:
        return self._logs.get(run_id)

    def close(self, run_id: str) -> None:
        """The run is over: close its log and start its retention time."""
        log = self._logs.get(run_id)
        if log is not None and not log.closed:
            log.close()
            self._finished.append((run_id, log))
            self._finished_bytes += log.size

    def _evict(self) -> None:
        """Drop finished logs past their time, then the oldest finished ones while over the
        byte budget (running runs' logs are never dropped)."""
        now = time.monotonic()
        finished = self._finished
        while finished and (
            now - finished[0][1].closed_at > self.keep_seconds
            or self._finished_bytes > self.max_bytes
        ):
            run_id, log = finished.popleft()
            self._finished_bytes -= log.size
            if self._logs.get(run_id) is log:
                del self._logs[run_id]
