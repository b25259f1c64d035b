"""StreamChannel: one projection's queue, read by one consumer, filled as the run advances.

Nothing runs in the background: when the consumer asks for the next item and the queue is
empty, the channel asks the run to advance by one event (its pump) and looks again. A
channel nobody subscribed to keeps nothing (``push`` only counts for a subscriber), so a
projection nobody reads costs no memory; a subscribed one holds what was pushed and not yet
read. A channel with a ``name`` also hands every item to the run's main event log.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from streamgraph.stream._mux import StreamMux

__all__ = ("StreamChannel",)

T = TypeVar("T")


class StreamChannel(Generic[T]):
    """A projection's items, for one subscriber (``for``/``async for``; ``tee(n)`` /
    ``atee(n)`` to fan out). Bound to sync or async iteration by the run that owns it.

    ``name``: also put each item into the run's main log (method ``name`` for native
    transformers, ``custom:<name>`` otherwise). ``maxlen`` is accepted and checked, and, as in
    LangGraph, not used: the consumer's pace already bounds what a channel holds.
    """

    def __init__(self, name: str | None = None, *, maxlen: int | None = None) -> None:
        if maxlen is not None and (not isinstance(maxlen, int) or maxlen <= 0):
            raise ValueError(f"StreamChannel maxlen must be a positive int or None, got {maxlen!r}")
        self.name = name
        self._maxlen = maxlen
        self._items: deque[tuple[int, T]] = deque()  # (arrival stamp, item)
        self._closed = False
        self._error: BaseException | None = None
        self._is_async: bool | None = None
        self._subscribed = False
        self._request_more: Callable[[], bool] | None = None
        self._arequest_more: Callable[[], Awaitable[bool]] | None = None
        self._wire_fn: Callable[[T], None] | None = None
        self._mux: StreamMux | None = None

    # -- set up by the run -------------------------------------------------------------------

    def _bind(self, *, is_async: bool) -> None:
        if self._is_async is not None:
            raise RuntimeError("StreamChannel is already bound to a run")
        self._is_async = is_async

    def _bind_mux(self, mux: StreamMux) -> None:
        self._mux = mux

    def _wire(self, forward: Callable[[T], None]) -> None:
        self._wire_fn = forward

    # -- producer ----------------------------------------------------------------------------

    def push(self, item: T) -> None:
        """Add an item (kept only for a subscriber) and forward it to the main log if
        the channel has a name."""
        if self._subscribed:
            if self._closed:
                raise RuntimeError("Cannot push to a closed StreamChannel")
            mux = self._mux
            if mux is None:
                self._items.append((0, item))
            else:  # arrival order across the run's channels, for interleave()
                stamp = mux._stamp = mux._stamp + 1
                self._items.append((stamp, item))
        forward = self._wire_fn
        if forward is not None:
            forward(item)

    def close(self) -> None:
        """No more items."""
        self._closed = True

    def fail(self, err: BaseException) -> None:
        """No more items; the subscriber gets ``err`` once it has read the rest."""
        self._error = err
        self._closed = True

    # -- consumer ----------------------------------------------------------------------------

    def _subscribe(self, is_async: bool) -> None:
        if self._is_async is None:
            raise TypeError(
                "StreamChannel has not been bound yet: it belongs to a run, which binds it "
                "when the transformer that returned it is registered"
            )
        if self._is_async != is_async:
            raise TypeError(
                "This StreamChannel is bound to async mode: use 'async for'"
                if self._is_async
                else "This StreamChannel is bound to sync mode: use 'for'"
            )
        if self._subscribed:
            raise RuntimeError(
                "StreamChannel already has a subscriber; use .tee(n) / .atee(n) to read it "
                "more than once"
            )
        self._subscribed = True

    def __iter__(self) -> Iterator[T]:
        self._subscribe(False)
        return self._cursor()

    def _cursor(self) -> Iterator[T]:
        items = self._items
        while True:
            if items:
                yield items.popleft()[1]
            elif self._closed:
                if self._error is not None:
                    raise self._error
                return
            else:
                pump = self._request_more
                if (pump is None or not pump()) and not items and not self._closed:
                    return

    def __aiter__(self) -> AsyncIterator[T]:
        self._subscribe(True)
        return self._acursor()

    async def _acursor(self) -> AsyncIterator[T]:
        items = self._items
        while True:
            if items:
                yield items.popleft()[1]
            elif self._closed:
                if self._error is not None:
                    raise self._error
                return
            else:
                apump = self._arequest_more
                if (apump is None or not await apump()) and not items and not self._closed:
                    return

    def tee(self, n: int = 2) -> tuple[Iterator[T], ...]:
        """Subscribe, and return ``n`` iterators that each see every item."""
        if n < 1:
            raise ValueError(f"tee() requires n >= 1, got {n}")
        source = iter(self)
        buffers: list[deque[T]] = [deque() for _ in range(n)]
        done = [False]

        def branch(buffer: deque[T]) -> Iterator[T]:
            while True:
                if buffer:
                    yield buffer.popleft()
                    continue
                if done[0]:
                    return
                try:
                    item = next(source)
                except StopIteration:
                    done[0] = True
                    return
                for each in buffers:
                    each.append(item)

        return tuple(branch(buffer) for buffer in buffers)

    def atee(self, n: int = 2) -> tuple[AsyncIterator[T], ...]:
        """Subscribe, and return ``n`` async iterators that each see every item."""
        if n < 1:
            raise ValueError(f"atee() requires n >= 1, got {n}")
        source = aiter(self)
        buffers: list[deque[T]] = [deque() for _ in range(n)]
        end: list[BaseException | None] = []  # [error or None] once the source is over
        lock = asyncio.Lock()

        async def branch(buffer: deque[T]) -> AsyncIterator[T]:
            while True:
                if buffer:
                    yield buffer.popleft()
                    continue
                if end:
                    if end[0] is not None:
                        raise end[0]
                    return
                async with lock:
                    if buffer or end:
                        continue
                    try:
                        item = await anext(source)
                    except StopAsyncIteration:
                        end.append(None)
                        continue
                    except Exception as error:
                        end.append(error)
                        continue
                    for each in buffers:
                        each.append(item)

        return tuple(branch(buffer) for buffer in buffers)

    def __repr__(self) -> str:
        state = "failed" if self._error else "closed" if self._closed else "open"
        return f"StreamChannel(name={self.name!r}, {state}, {len(self._items)} buffered)"
