"""The run queue: where a created run waits until it may start, one run per thread at a time.

``RunQueue`` is the interface the run manager (``runs.py``) uses; ``EmbeddedQueue`` is the
one-process implementation, in memory on the event loop. A run waits, in this order, for:

1. its start time (``after_seconds``: the run's ``created_at`` lies in the future);
2. its thread: a thread runs one run at a time, in the order they arrived;
3. a slot: at most ``limit`` runs execute at once (``None``: no limit).

Then the queue calls ``start(run)``. ``remove(run)`` takes back a run that ends before it
starts (cancelled); ``finished(run)`` is called exactly once for every run put, when it has
ended (started or not), and frees its thread and its slot for the next ones.

A queue shared by many processes (issue 16: runs claimed from Postgres with ``FOR UPDATE
SKIP LOCKED`` under a lease) implements the same five methods: ``put`` inserts, the
``start`` callback becomes a claim loop, ``remove``/``finished`` release the claim.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Protocol, TypeVar

__all__ = ("EmbeddedQueue", "Queued", "RunQueue")


class Queued(Protocol):
    """What the queue needs of a run."""

    @property
    def run_id(self) -> str: ...

    @property
    def thread_id(self) -> str: ...


RunT = TypeVar("RunT", bound=Queued)


class RunQueue(Protocol[RunT]):
    """The interface (see the module docstring)."""

    def put(self, run: RunT, *, delay: float = 0.0) -> None: ...

    def remove(self, run: RunT) -> None: ...

    def finished(self, run: RunT) -> None: ...

    def on_thread(self, thread_id: str) -> list[RunT]:
        """The thread's runs not finished yet: the current one first, then those waiting
        for it, then those waiting for their start time."""
        ...

    def is_waiting(self, run: RunT) -> bool:
        """Put and not started yet (waiting for its time, its thread or a slot)."""
        ...


class EmbeddedQueue(RunQueue[RunT]):
    """The one-process queue (see the module docstring). Not thread-safe: call it from the
    event loop only."""

    def __init__(self, start: Callable[[RunT], None], limit: int | None = None) -> None:
        self._start = start
        self.limit = limit
        self.executing = 0  # runs holding a slot
        self._delayed: dict[str, tuple[RunT, asyncio.TimerHandle]] = {}
        self._current: dict[str, RunT] = {}  # the run each busy thread is on
        self._waiting: dict[str, deque[RunT]] = {}  # the runs behind it, in order
        self._ready: deque[RunT] = deque()  # own their thread, wait for a slot
        self._slots: set[str] = set()  # run ids holding a slot

    def put(self, run: RunT, *, delay: float = 0.0) -> None:
        if delay > 0:
            timer = asyncio.get_running_loop().call_later(delay, self._arrive, run)
            self._delayed[run.run_id] = (run, timer)
        else:
            self._arrive(run)

    def _arrive(self, run: RunT) -> None:
        self._delayed.pop(run.run_id, None)
        thread_id = run.thread_id
        if thread_id in self._current:
            self._waiting.setdefault(thread_id, deque()).append(run)
        else:
            self._current[thread_id] = run
            self._to_slot(run)

    def _to_slot(self, run: RunT) -> None:
        if self.limit is None or self.executing < self.limit:
            self.executing += 1
            self._slots.add(run.run_id)
            self._start(run)
        else:
            self._ready.append(run)

    def remove(self, run: RunT) -> None:
        """A run that will not start: out of every waiting place (its thread stays taken
        until ``finished``, so the next run there starts after this one's end is stored)."""
        delayed = self._delayed.pop(run.run_id, None)
        if delayed is not None:
            delayed[1].cancel()
        waiting = self._waiting.get(run.thread_id)
        if waiting is not None and run in waiting:
            waiting.remove(run)
            if not waiting:
                del self._waiting[run.thread_id]
        if run in self._ready:
            self._ready.remove(run)

    def finished(self, run: RunT) -> None:
        self.remove(run)
        if run.run_id in self._slots:
            self._slots.discard(run.run_id)
            self.executing -= 1
            while self._ready and (self.limit is None or self.executing < self.limit):
                self._to_slot(self._ready.popleft())
        thread_id = run.thread_id
        if self._current.get(thread_id) is run:
            del self._current[thread_id]
            waiting = self._waiting.pop(thread_id, None)
            if waiting:
                following = waiting.popleft()
                if waiting:
                    self._waiting[thread_id] = waiting
                self._current[thread_id] = following
                self._to_slot(following)

    def on_thread(self, thread_id: str) -> list[RunT]:
        current = self._current.get(thread_id)
        waiting = list(self._waiting.get(thread_id, ()))
        later = [run for run, _ in self._delayed.values() if run.thread_id == thread_id]
        return ([current] if current is not None else []) + waiting + later

    def is_waiting(self, run: RunT) -> bool:
        return run.run_id not in self._slots
