"""The worker threads sync nodes run on.

One pool per process, created on first use and shared by every graph, so a run never pays
for starting threads it could reuse. It grows instead of queueing: a submitted task always
gets a thread at once (an idle one, or a new one). Queueing could deadlock a graph whose
node waits on a subgraph that needs a worker too, and it would delay parallel nodes that
sleep on I/O. Threads idle for ``IDLE_SECONDS`` exit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any

__all__ = ("submit",)

IDLE_SECONDS = 60.0

Job = tuple[Callable[..., Any], tuple[Any, ...]]


class _Worker:
    __slots__ = ("jobs",)

    def __init__(self) -> None:
        self.jobs: SimpleQueue[Job] = SimpleQueue()


class _Pool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._count = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
            if worker is None:
                self._count += 1
                number = self._count
        if worker is None:
            worker = _Worker()
            worker.jobs.put((fn, args))
            thread = threading.Thread(
                target=self._work, args=(worker,), name=f"streamgraph-{number}", daemon=True
            )
            thread.start()
        else:
            worker.jobs.put((fn, args))

    def _work(self, worker: _Worker) -> None:
        jobs = worker.jobs
        idle = self._idle
        lock = self._lock
        while True:
            try:
                fn, args = jobs.get(timeout=IDLE_SECONDS)
            except Empty:
                with lock:
                    if worker in idle:
                        idle.remove(worker)
                        return
                continue  # a job was handed to us just as we timed out
            fn(*args)
            del fn, args
            with lock:
                idle.append(worker)


_pool = _Pool()
submit = _pool.submit
