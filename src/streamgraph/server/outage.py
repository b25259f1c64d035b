"""Storage outages: requests fail at once with 503, runs pause.

A request that meets an unavailable database (``Storage.outage`` says which errors mean
that) gets ``503 {"detail": "Storage unavailable: Postgres does not answer"}`` (see
``app.py``). A run must not go on with a step it could not save: its saves, and the
writes that end it, are retried while the database is unavailable (``Pausing``: a delay
from 50 ms doubling to 1 s, for at most ``limit`` seconds, cancellable), so the run waits
where it is and continues when the database answers again; past the limit it fails.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ("PAUSE_SECONDS", "Pausing", "PausingSaver")

logger = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

PAUSE_SECONDS = 300.0
WRITES = ("put", "put_writes", "save_batch", "aput", "aput_writes", "asave_batch")


class Pausing:
    """Calls retried while ``outage(error)`` says the database is unavailable."""

    def __init__(self, outage: Callable[[BaseException], str | None], limit: float) -> None:
        self.outage = outage
        self.limit = limit

    def _retry(self, error: Exception, started: float, attempt: int, what: str) -> float:
        """The delay before the next attempt; raises ``error`` if it is not an outage or the
        outage has lasted too long."""
        reason = self.outage(error)
        if reason is None or time.monotonic() - started > self.limit:
            raise error
        if attempt == 0:
            logger.warning("%s paused: %s; retrying until it answers", what, reason)
        return float(min(1.0, 0.05 * 2**attempt))

    def call(self, what: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except Exception as error:
                time.sleep(self._retry(error, started, attempt, what))
                attempt += 1

    async def acall(
        self, what: str, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                return await fn(*args, **kwargs)
            except Exception as error:
                await asyncio.sleep(self._retry(error, started, attempt, what))
                attempt += 1


class PausingSaver:
    """A checkpointer whose writes pause through outages (``Pausing``); everything else is
    the wrapped saver's, unchanged (an attribute it lacks, this one lacks too).

    An async write goes on when its run is cancelled (it runs on a worker thread, which
    cannot be stopped): each is tracked by thread id, and ``settled(thread_id)`` waits for
    them, so a run's end (its rollback, the thread's values) comes after its last write."""

    def __init__(self, saver: Any, pausing: Pausing) -> None:
        self._saver = saver
        self._pausing = pausing
        self._writing: dict[str, set[asyncio.Future[Any]]] = {}

    async def settled(self, thread_id: str) -> None:
        writing = self._writing.get(thread_id)
        if writing:
            await asyncio.wait(list(writing))

    def _track(self, thread_id: str | None, write: Awaitable[Any]) -> asyncio.Future[Any]:
        future = asyncio.ensure_future(write)
        if thread_id is not None:
            writing = self._writing.setdefault(thread_id, set())
            writing.add(future)

            def done(_: asyncio.Future[Any]) -> None:
                writing.discard(future)
                if not writing and self._writing.get(thread_id) is writing:
                    del self._writing[thread_id]

            future.add_done_callback(done)
        return future

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._saver, name)
        if name not in WRITES:
            return value
        pausing = self._pausing
        what = f"saving a checkpoint ({name})"
        if name.startswith("a"):

            async def async_write(*args: Any, **kwargs: Any) -> Any:
                thread_id = _thread_of(args)

                async def attempt() -> Any:
                    return await asyncio.shield(self._track(thread_id, value(*args, **kwargs)))

                return await pausing.acall(what, attempt)

            return async_write

        def write(*args: Any, **kwargs: Any) -> Any:
            return pausing.call(what, value, *args, **kwargs)

        return write


def _thread_of(args: tuple[Any, ...]) -> str | None:
    """The thread id of a write's config (``aput``/``aput_writes``) or first operation
    (``asave_batch``)."""
    first = args[0] if args else None
    if isinstance(first, list) and first:
        first = getattr(first[0], "config", None)
    if isinstance(first, dict):
        thread_id = (first.get("configurable") or {}).get("thread_id")
        return str(thread_id) if thread_id is not None else None
    return None
