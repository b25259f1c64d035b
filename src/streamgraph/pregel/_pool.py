"""The worker threads sync nodes run on.

One pool per process, created on first use and shared by every graph, so a run never pays
for starting threads it could reuse. Jobs go into one shared queue that idle workers drain,
so a step of a hundred quick nodes is run by the few threads already awake instead of waking a
hundred.

The pool never makes a job wait for long: when jobs sit in the queue and none has started
for ``STALL_SECONDS`` (every worker is busy: sleeping on I/O, or waiting for a subgraph's
own tasks), a monitor thread starts a worker for each waiting job. So parallel nodes that
block really run in parallel, and a node waiting on nested work cannot deadlock the pool.
Workers idle for ``IDLE_SECONDS`` exit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any

__all__ = ("run_all", "submit")

IDLE_SECONDS = 60.0
STALL_SECONDS = 0.001
MAX_THREADS = 1024

Job = tuple[Callable[..., Any], tuple[Any, ...]]


class _Pool:
    def __init__(self) -> None:
        self._jobs: SimpleQueue[Job] = SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._threads = 0
        self._started = 0  # jobs taken by workers, ever: the monitor's progress signal
        self._queued = threading.Event()
        self._monitor: threading.Thread | None = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self._jobs.put((fn, args))
        if not self._idle:
            with self._lock:
                if not self._idle:
                    self._spawn(1)
        if not self._queued.is_set():
            self._queued.set()
            if self._monitor is None:
                self._start_monitor()

    def _spawn(self, count: int) -> None:
        """Start ``count`` workers (the lock is held)."""
        count = min(count, MAX_THREADS - self._threads)
        for _ in range(count):
            self._threads += 1
            self._idle += 1  # counted idle until it takes its first job
            threading.Thread(
                target=self._work, name=f"streamgraph-{self._threads}", daemon=True
            ).start()

    def _work(self) -> None:
        jobs = self._jobs
        lock = self._lock
        while True:
            try:
                fn, args = jobs.get(timeout=IDLE_SECONDS)
            except Empty:
                with lock:
                    self._idle -= 1
                    self._threads -= 1
                return
            with lock:
                self._idle -= 1
                self._started += 1
            fn(*args)
            del fn, args
            with lock:
                self._idle += 1

    def _start_monitor(self) -> None:
        with self._lock:
            if self._monitor is None:
                self._monitor = threading.Thread(
                    target=self._watch, name="streamgraph-monitor", daemon=True
                )
                self._monitor.start()

    def _watch(self) -> None:
        last = -1
        while True:
            self._queued.wait()
            time.sleep(STALL_SECONDS)
            with self._lock:
                waiting = self._jobs.qsize()
                if not waiting:
                    self._queued.clear()
                    last = -1
                    continue
                if self._started == last:
                    self._spawn(waiting)
                last = self._started


_pool = _Pool()
submit = _pool.submit


def run_all(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at once (each in a copy of the caller's context, so a tool sees its
    node's config and stream writer) and return their results in order. Every call finishes
    before the first failure, in call order, is raised. A single call runs inline."""
    if len(calls) == 1:
        return [calls[0]()]
    from contextvars import copy_context

    from streamgraph.pregel._mailbox import wait_for

    done: SimpleQueue[tuple[int, bool, Any]] = SimpleQueue()

    def run(index: int, call: Callable[[], Any], context: Any) -> None:
        try:
            done.put((index, True, context.run(call)))
        except BaseException as error:
            done.put((index, False, error))

    for index, call in enumerate(calls):
        submit(run, index, call, copy_context())
    outcomes: list[tuple[bool, Any]] = [(True, None)] * len(calls)
    for _ in calls:
        # wait_for: a task greenlet waiting here keeps its consumer's events flowing, so
        # what the calls write to the stream arrives while they run.
        index, ok, value = wait_for(done)
        outcomes[index] = (ok, value)
    for ok, value in outcomes:
        if not ok:
            raise value
    return [value for _, value in outcomes]
