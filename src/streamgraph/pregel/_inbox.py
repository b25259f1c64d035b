"""AsyncInbox: a queue that any thread can put into and one coroutine reads from.

Events from async nodes arrive on the event loop's thread; events from sync nodes (worker
threads) arrive from elsewhere. A put from another thread schedules at most one wake-up
at a time, so a node writing thousands of events costs thousands of appends, not thousands of
``call_soon_threadsafe`` calls.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from queue import SimpleQueue
from typing import Any

__all__ = ("AsyncInbox",)


class AsyncInbox:
    """With a ``window``, other threads (sync nodes) cannot put more than ``window`` events
    ahead of the reader: each event takes a token, given back half a window at a time as the
    reader reads (see ``_drive.PacedQueue``). Tasks on the event loop never wait."""

    __slots__ = (
        "_batch",
        "_items",
        "_loop",
        "_read",
        "_thread",
        "_tokens",
        "_waiter",
        "_wake_scheduled",
    )

    def __init__(self, window: int | None = None) -> None:
        self._items: deque[Any] = deque()
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._waiter: asyncio.Future[None] | None = None
        self._wake_scheduled = False
        self._tokens: SimpleQueue[None] | None = None
        self._batch = max(1, (window or 0) // 2)
        self._read = 0
        if window:
            self._tokens = SimpleQueue()
            for _ in range(window):
                self._tokens.put(None)

    def _give_back(self) -> None:
        self._read = 0
        tokens = self._tokens
        assert tokens is not None
        for _ in range(self._batch):
            tokens.put(None)

    def put(self, item: Any) -> None:
        on_loop = threading.get_ident() == self._thread
        if not on_loop and self._tokens is not None and type(item) is tuple:
            self._tokens.get()  # a worker thread waits for the reader to catch up
        self._items.append(item)
        if on_loop:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        elif not self._wake_scheduled:
            self._wake_scheduled = True
            try:
                self._loop.call_soon_threadsafe(self._wake)
            except RuntimeError:  # the loop is closed: nobody is left to read
                pass

    def _wake(self) -> None:
        self._wake_scheduled = False
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> Any:
        """The next item; ``IndexError`` when there is none."""
        item = self._items.popleft()
        if self._tokens is not None and type(item) is tuple:
            self._read += 1
            if self._read == self._batch:
                self._give_back()
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
        if self._tokens is not None and type(item) is tuple:
            self._read += 1
            if self._read == self._batch:
                self._give_back()
        return item
