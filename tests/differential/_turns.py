"""Parallel nodes that finish in a fixed order, whatever the machine's load.

A differential scenario runs the same graph under LangGraph and under streamgraph and compares
the streams chunk for chunk, so where parallel nodes race, both runs must see the same
completion order. Sleeps of 20-50 ms from the start of the slower node used to give it; on a
loaded machine the faster node's thread can start later than that, and the order (so the
comparison) flipped: about half the time with ten busy processes on the test's core.

Here the later node waits until the earlier one has finished (no timing in that), then
until the library's driver has taken the earlier result in, so that the two never arrive
together (given two results at once, LangGraph streams them in task order, not in completion
order). Under ``astream`` the driver is the consumer's event loop (``arun`` names it): the
later node waits until that loop has gone round ``_ROUNDS`` times, which it does only after
running the callbacks already queued, the earlier result's among them. Under ``stream`` the
driver is a thread nothing can wait on, so the later node also pauses ``SETTLE`` (under
both, to be safe): with ten busy processes on the test's core that pause alone sufficed in
800 runs out of 800, where the old sleeps failed 184 times out of 400 for LangGraph.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ("Turns", "arun")

T = TypeVar("T")

SETTLE = 0.05
_ROUNDS = 20  # event loop passes; an executor result reaches a task's callbacks in about 3
# Only reached when a node waits for one that never runs: a broken scenario, said clearly.
_NEVER = 30.0

_consumer_loop: asyncio.AbstractEventLoop | None = None


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


def _driver_caught_up() -> None:
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

    A turn is taken once per scenario: a node that runs again later (a resume, a retry)
    does not wait again. With ``rounds=True`` every run of the graph takes turns anew (the
    n-th ``take("a")`` waits for the n-th ``take("b")``): for nodes that all run again.
    """

    def __init__(self, *names: str, rounds: bool = False) -> None:
        self._names = names
        self._rounds = rounds
        self._taken = dict.fromkeys(names, 0)
        self._changed = threading.Condition()

    def take(self, name: str) -> None:
        earlier = self._names[: self._names.index(name)]
        if _one_at_a_time():
            return
        with self._changed:
            turn = self._taken[name] + 1
            if not earlier or (turn > 1 and not self._rounds):
                self._taken[name] = turn
                self._changed.notify_all()
                return
            if not self._changed.wait_for(
                lambda: all(self._taken[other] >= turn for other in earlier), _NEVER
            ):
                raise AssertionError(f"{earlier!r} never took turn {turn} before {name!r}")
        _driver_caught_up()
        with self._changed:
            self._taken[name] = turn
            self._changed.notify_all()
