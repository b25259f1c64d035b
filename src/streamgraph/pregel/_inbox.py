"""The hand-offs between the threads that produce a run's events and the one that consumes
them: ``Inbox`` for sync consumers, ``AsyncInbox`` for async ones (one coroutine reads).

Both are bounded: a producer on another thread waits when the consumer is ``LIMIT`` events
behind, until the consumer has caught up to half of that (``Room``). So a node writing events
faster than the consumer reads them runs at the consumer's pace, and a run's queued events
take a bounded amount of memory whatever their number. Why ``LIMIT`` is 1024: the producer and
the consumer swap the interpreter lock about once per 512 events (a few microseconds each
time, well under 1% of handing 512 events over), and 1024 queued events of a typical size
(a tuple and a small payload, ~100-200 bytes) are ~0.2 MB.

A producer never waits on the consumer's own thread: events written there (async nodes on the
event loop, inline and greenlet tasks of the sync driver) are handed over when that thread
gets to them, and waiting for itself would never end. Nor does it wait for a consumer whose
thread is busy running a nested sync graph (a sync ``invoke`` inside a node that runs on the
consumer's thread): that thread reads the queue only once the nested graph is done, and the
nested graph may be waiting for the very producer (``consumer_busy``).

``AsyncInbox`` also batches wake-ups: a put from another thread schedules at most one wake-up
of the event loop at a time, so a node writing thousands of events costs thousands of appends,
not thousands of ``call_soon_threadsafe`` calls.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from queue import SimpleQueue
from threading import get_ident
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by async runs only: `import streamgraph.graph` stays light
    import asyncio

__all__ = ("LIMIT", "AsyncInbox", "Inbox", "Room", "consumer_busy")

LIMIT = 1024
"""Events a consumer may be behind before producers on other threads wait (see above)."""


@contextmanager
def consumer_busy(puts: Iterable[Callable[[Any], None]]) -> Iterator[None]:
    """While a nested sync graph runs on this thread, the enclosing hand-offs read on this
    thread (``puts``: their put methods) are not read: producers must not wait for room."""
    thread = get_ident()
    rooms = [
        room
        for room in (getattr(getattr(put, "__self__", None), "room", None) for put in puts)
        if isinstance(room, Room) and room.consumer == thread
    ]
    for room in rooms:
        room.busy += 1
    try:
        yield
    finally:
        for room in rooms:
            room.busy -= 1


class Room:
    """The bound of one hand-off: producers wait while ``size()`` is at the limit."""

    __slots__ = ("_changed", "_size", "busy", "consumer", "limit", "low", "open", "waiting")

    def __init__(self, size: Callable[[], int]) -> None:
        self._size = size
        self._changed = threading.Condition(threading.Lock())
        self.waiting = 0
        limit = self.limit = LIMIT
        self.low = limit // 2
        self.consumer = get_ident()
        self.open = False  # set when nobody will read any more: nobody waits then
        self.busy = 0  # > 0 while the consumer's thread runs a nested sync graph

    def wait(self) -> None:
        """Called by a producer after a put: wait while the consumer is ``limit`` behind."""
        if self._size() < self.limit or self.open or self.busy or get_ident() == self.consumer:
            return
        with self._changed:
            while self._size() > self.low and not self.open and not self.busy:
                self.waiting += 1  # the consumer wakes us (once) and resets it
                # The timeout only guards against a consumer thread that became busy
                # (``consumer_busy``) after this producer started waiting.
                self._changed.wait(0.05)

    def taken(self) -> None:
        """Called by the consumer after a get while producers wait: wake them (once) when it
        has caught up."""
        if self._size() <= self.low:
            with self._changed:
                self.waiting = 0
                self._changed.notify_all()

    def release(self) -> None:
        """Nobody will read any more: let every producer go on without waiting."""
        self.open = True
        with self._changed:
            self._changed.notify_all()


class Inbox:
    """The sync driver's queue: any thread puts, the driver's thread gets."""

    __slots__ = ("_get", "_get_nowait", "_put", "empty", "get_raw", "qsize", "room")

    def __init__(self) -> None:
        queue: SimpleQueue[Any] = SimpleQueue()
        self._put = queue.put
        self._get = self.get_raw = queue.get  # get_raw: the caller calls room.taken()
        self._get_nowait = queue.get_nowait
        self.empty = queue.empty
        self.qsize = queue.qsize
        self.room = Room(queue.qsize)

    def put(self, item: Any) -> None:
        self._put(item)
        if self.qsize() >= LIMIT:  # (checked here too: one call less per event)
            self.room.wait()

    def put_nowait(self, item: Any) -> None:
        """Put without waiting for room (the caller waits afterwards: ``room.wait()``)."""
        self._put(item)

    def event_writer(self, ns: Any, mode: str) -> Callable[[Any], None]:
        """``lambda chunk: self.put((ns, mode, chunk))`` with one call less per event (a
        node writing a million events pays it a million times)."""
        put, qsize, room = self._put, self.qsize, self.room

        def write(chunk: Any) -> None:
            put((ns, mode, chunk))
            if qsize() >= LIMIT:
                room.wait()

        return write

    def get(self, timeout: float | None = None) -> Any:
        """The next item (``queue.Empty`` after ``timeout`` seconds without one)."""
        item = self._get() if timeout is None else self._get(timeout=timeout)
        if self.room.waiting:
            self.room.taken()
        return item

    def get_nowait(self) -> Any:
        """The next item; ``queue.Empty`` when there is none."""
        item = self._get_nowait()
        if self.room.waiting:
            self.room.taken()
        return item


class AsyncInbox:
    """The async driver's queue: any thread puts, one coroutine on the event loop gets."""

    __slots__ = ("_items", "_loop", "_thread", "_waiter", "_wake_scheduled", "room")

    def __init__(self) -> None:
        import asyncio

        self._items: deque[Any] = deque()
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._waiter: asyncio.Future[None] | None = None
        self._wake_scheduled = False
        self.room = Room(self._items.__len__)

    def put(self, item: Any) -> None:
        self._items.append(item)
        if threading.get_ident() == self._thread:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            return
        if not self._wake_scheduled:
            self._schedule_wake()
        if len(self._items) >= LIMIT:
            self.room.wait()

    def event_writer(self, ns: Any, mode: str) -> Callable[[Any], None]:
        """``lambda chunk: self.put((ns, mode, chunk))`` with one call less per event."""
        append, items, room = self._items.append, self._items, self.room
        thread, get_thread = self._thread, threading.get_ident

        def write(chunk: Any) -> None:
            if get_thread() == thread:
                self.put((ns, mode, chunk))
                return
            append((ns, mode, chunk))
            if not self._wake_scheduled:
                self._schedule_wake()
            if len(items) >= LIMIT:
                room.wait()

        return write

    def _schedule_wake(self) -> None:
        self._wake_scheduled = True
        try:
            self._loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop is closed: nobody is left to read
            self.room.release()

    def _wake(self) -> None:
        self._wake_scheduled = False
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> Any:
        """The next item; ``IndexError`` when there is none."""
        item = self._items.popleft()
        if self.room.waiting:
            self.room.taken()
        return item

    async def get(self) -> Any:
        items = self._items
        while not items:
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = items.popleft()
        if self.room.waiting:
            self.room.taken()
        return item
