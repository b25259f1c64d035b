"""AsyncInbox: a queue that any thread can put into and one coroutine reads from.

Events from async nodes arrive on the event loop's thread; events from sync nodes (worker
threads) arrive from elsewhere. A put from another thread schedules at most one wake-up
at a time, so a node writing thousands of events costs thousands of appends, not thousands of
``call_soon_threadsafe`` calls.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from typing import Any

__all__ = ("AsyncInbox",)


class AsyncInbox:
    """With a ``window``, another thread (a sync node) waits while the inbox holds
    ``window`` items or more, until the reader has taken half of them (it looks every
    millisecond). Tasks on the event loop never wait."""

    __slots__ = ("_items", "_loop", "_resume", "_thread", "_waiter", "_wake_scheduled", "_window")

    def __init__(self, window: int | None = None) -> None:
        self._items: deque[Any] = deque()
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._waiter: asyncio.Future[None] | None = None
        self._wake_scheduled = False
        self._window = window or 0
        self._resume = max(1, self._window // 2)

    def put(self, item: Any) -> None:
        on_loop = threading.get_ident() == self._thread
        if self._window and not on_loop and len(self._items) >= self._window:
            while len(self._items) >= self._resume:  # a worker thread lets the reader catch up
                time.sleep(0.001)
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
        return self._items.popleft()

    async def get(self) -> Any:
        items = self._items
        while not items:
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return items.popleft()
