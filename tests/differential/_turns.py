"""Parallel nodes that finish in a fixed order, whatever the machine's load.

A differential scenario runs the same graph under LangGraph and under streamgraph and compares
the streams chunk for chunk, so where parallel nodes race, both runs must see the same
completion order. Sleeps of 20-50 ms from the start of the slower node used to give it; on a
loaded machine the faster node's thread can start later than that, and the order (so the
comparison) flipped: about half the time with ten busy processes on the test's core.

Here the later node waits until the earlier one has finished (no timing in that), then
until the library's driver has taken the earlier result in, so that the two never arrive
together (given two results at once, LangGraph streams them in task order, not in completion
order):

* where the stream shows each task's result (``updates``, ``tasks``, ``debug``, events) and
  the test reads it through ``watch``/``awatch``, until the consumer has received a chunk
  sent after the earlier node finished: the driver has streamed the earlier result then;
* under ``astream`` (``arun`` names the consumer's event loop), until that loop has gone
  round ``_ROUNDS`` times, which it does only after the callbacks already queued (the
  earlier result's among them) have run;
* and in any case ``SETTLE`` more (with ten busy processes on the test's core that pause
  alone sufficed in 800 runs out of 800, where the old sleeps failed 184 times out of 400
  for LangGraph; under the suite's own load it once did not, hence the two waits above).
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator, Coroutine, Iterable, Iterator
from typing import Any, TypeVar

__all__ = ("Turns", "arun", "awatch", "watch")

T = TypeVar("T")

SETTLE = 0.05
_ROUNDS = 20  # event loop passes; an executor result reaches a task's callbacks in about 3
# Only reached when a node waits for one that never runs: a broken scenario, said clearly.
_NEVER = 30.0

_consumer_loop: asyncio.AbstractEventLoop | None = None

# Stream modes in which every task's result is a chunk of its own.
_SHOWS_RESULTS = frozenset({"updates", "tasks", "debug", "events"})


class _Feed:
    """The chunks the consumer has received so far, while a test watches a stream."""

    def __init__(self, modes: Any) -> None:
        modes = [modes] if isinstance(modes, str) else list(modes or ["updates"])  # a graph's
        self.shows_results = bool(_SHOWS_RESULTS.intersection(modes))
        self.count = 0
        self.changed = threading.Condition()

    def received(self) -> None:
        with self.changed:
            self.count += 1
            self.changed.notify_all()

    def wait_past(self, count: int) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.count > count, _STREAMED)


_feed: _Feed | None = None
# A task's result shown in the stream comes well within this; where it is not shown after all
# (an interrupt a library streams at the step's end), the wait gives up and the pause remains.
_STREAMED = 1.0


def watch(chunks: Iterable[T], modes: Any) -> Iterator[T]:
    """``chunks`` (a ``stream()`` in ``modes``), telling ``Turns`` as each one arrives."""
    global _feed
    _feed = feed = _Feed(modes)
    try:
        for chunk in chunks:
            feed.received()
            yield chunk
    finally:
        _feed = None


async def awatch(chunks: AsyncIterable[T], modes: Any) -> AsyncIterator[T]:
    """``watch`` for an ``astream()``."""
    global _feed
    _feed = feed = _Feed(modes)
    try:
        async for chunk in chunks:
            feed.received()
            yield chunk
    finally:
        _feed = None


def arun(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, telling ``Turns`` which event loop consumes the stream."""

    async def consuming() -> T:
        global _consumer_loop
        _consumer_loop = asyncio.get_running_loop()
        try:
            return await main
        finally:
            _consumer_loop = None

    return asyncio.run(consuming())


async def _rounds() -> None:
    for _ in range(_ROUNDS):
        await asyncio.sleep(0)


def _driver_caught_up(streamed_past: int | None) -> None:
    feed = _feed
    if feed is not None and feed.shows_results and streamed_past is not None:
        feed.wait_past(streamed_past)
    loop = _consumer_loop
    if loop is not None and asyncio.events._get_running_loop() is not loop:
        asyncio.run_coroutine_threadsafe(_rounds(), loop).result(_NEVER)
    time.sleep(SETTLE)


def _one_at_a_time() -> bool:
    """Whether the running graph runs its tasks one at a time (``max_concurrency=1``, as
    ``tests/conformance`` does): they finish in task order then, and a node waiting for a
    later one would wait forever."""
    for module in ("streamgraph.config", "langgraph.config"):
        try:
            config = importlib.import_module(module).get_config()
        except RuntimeError:  # not a run of this library
            continue
        return bool(config.get("max_concurrency") == 1)
    return False


class Turns:
    """``Turns("b", "a")``: node ``a`` calls ``turns.take("a")`` where its order matters
    (before it returns, raises or streams) and waits there until ``b`` has taken its turn.
    ``take`` is ``wait`` then ``done``; a node whose own writes must come first calls them
    apart (``wait``, write, ``done``).

    A turn is taken once per scenario: a node that runs again later (a resume, a retry)
    does not wait again. With ``rounds=True`` every run of the graph takes turns anew (the
    n-th ``take("a")`` waits for the n-th ``take("b")``): for nodes that all run again.
    ``tasks=False`` when the parties are not tasks of the graph (tool calls inside one task):
    the stream shows no result of theirs to wait for.
    """

    def __init__(self, *names: str, rounds: bool = False, tasks: bool = True) -> None:
        self._names = names
        self._rounds = rounds
        self._tasks = tasks
        self._taken = dict.fromkeys(names, 0)
        self._streamed_at: dict[str, int] = {}  # chunks received when each took its turn
        self._changed = threading.Condition()

    def take(self, name: str) -> None:
        self.wait(name)
        self.done(name)

    def wait(self, name: str) -> None:
        earlier = self._names[: self._names.index(name)]
        if _one_at_a_time():
            return
        with self._changed:
            turn = self._taken[name] + 1
            if not earlier or (turn > 1 and not self._rounds):
                return
            if not self._changed.wait_for(
                lambda: all(self._taken[other] >= turn for other in earlier), _NEVER
            ):
                raise AssertionError(f"{earlier!r} never took turn {turn} before {name!r}")
            streamed = [self._streamed_at.get(other) for other in earlier if self._tasks]
        _driver_caught_up(max((n for n in streamed if n is not None), default=None))

    def done(self, name: str) -> None:
        with self._changed:
            self._taken[name] += 1
            if _feed is not None:
                self._streamed_at[name] = _feed.count
            self._changed.notify_all()
