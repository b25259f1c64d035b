"""The hand-off from the threads that write events to the consumer is bounded: a node that
writes faster than the consumer reads is held back once the consumer is ``LIMIT`` events
behind, in the sync and async drivers and in the server's worker-thread driver; nested graphs
run on the consumer's own thread do not deadlock on it. (No timing: the tests count how far
the writer gets ahead of the reader.)"""

from __future__ import annotations

import asyncio
import operator
import threading
import time
from collections.abc import Iterator
from typing import Annotated, Any, TypedDict

import pytest

import streamgraph.pregel._inbox as inbox
from streamgraph.config import get_stream_writer
from streamgraph.graph import START, StateGraph
from streamgraph.pregel._adrive import astream_on_worker

LIMIT = 32
EVENTS = 2_000


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(inbox, "LIMIT", LIMIT)
    yield


class S(TypedDict):
    n: Annotated[int, operator.add]


class Progress:
    """How many events the node has written, and the most the consumer was behind."""

    def __init__(self) -> None:
        self.written = 0
        self.most_behind = 0
        self.lock = threading.Lock()

    def node(self, state: S) -> dict[str, int]:
        write = get_stream_writer()
        for i in range(EVENTS):
            with self.lock:
                self.written += 1
            write(i)
        return {"n": 1}

    def received(self, index: int) -> None:
        with self.lock:
            self.most_behind = max(self.most_behind, self.written - (index + 1))


def two_writers(progress: Progress) -> Any:
    """Two parallel nodes: both run on worker threads, whatever the driver learned."""
    return (
        StateGraph(S)
        .add_node("a", progress.node)
        .add_node("b", progress.node)
        .add_edge(START, "a")
        .add_edge(START, "b")
        .compile()
    )


def slow_reader(index: int) -> None:
    if index % 50 == 0:
        time.sleep(0.002)  # lets the writers run ahead, if they can


def test_the_sync_consumer_is_never_more_than_the_limit_behind() -> None:
    progress = Progress()
    graph = two_writers(progress)
    for index, _ in enumerate(graph.stream({"n": 0}, stream_mode="custom")):
        progress.received(index)
        slow_reader(index)
    assert progress.written == 2 * EVENTS
    # Each writer may have put one event past the limit before it waits, and the one in
    # the consumer's hands counts too; the writers did get ahead (the bound is what held).
    assert LIMIT // 2 <= progress.most_behind <= LIMIT + 3


def test_a_single_node_on_a_worker_thread_is_held_back_too() -> None:
    progress = Progress()
    graph = StateGraph(S).add_node("w", progress.node).add_edge(START, "w").compile()
    list(graph.stream({"n": 0}, stream_mode="custom"))  # learns: a node writing thousands
    progress.written = progress.most_behind = 0
    for index, _ in enumerate(graph.stream({"n": 0}, stream_mode="custom")):
        progress.received(index)
        slow_reader(index)
    assert progress.written == EVENTS
    assert LIMIT // 2 <= progress.most_behind <= LIMIT + 2


def test_the_async_consumer_is_never_more_than_the_limit_behind() -> None:
    progress = Progress()
    graph = two_writers(progress)

    async def main() -> None:
        index = 0
        async for _ in graph.astream({"n": 0}, stream_mode="custom"):
            progress.received(index)
            if index % 50 == 0:
                await asyncio.sleep(0.002)
            index += 1

    asyncio.run(main())
    assert progress.written == 2 * EVENTS
    assert LIMIT // 2 <= progress.most_behind <= LIMIT + 3


def test_the_worker_thread_driver_is_held_back() -> None:
    """``astream_on_worker`` (the server's driver for graphs of sync nodes)."""
    progress = Progress()
    graph = StateGraph(S).add_node("w", progress.node).add_edge(START, "w").compile()

    async def main() -> int:
        loop = graph._start_run(
            {},
            modes=frozenset({"custom"}),
            subgraphs=False,
            output_keys=None,
            interrupt_before=None,
            interrupt_after=None,
            context=None,
            durability=None,
        )
        count = 0
        async for _ in astream_on_worker(loop, {"n": 0}, lambda e: e):
            progress.received(count)
            if count % 50 == 0:
                await asyncio.sleep(0.002)
            count += 1
        return count

    assert asyncio.run(main()) == EVENTS
    # The worker hands events over in batches: at most a limit plus a batch in flight.
    assert progress.most_behind <= 2 * LIMIT + 2


def test_closing_the_stream_releases_waiting_writers() -> None:
    progress = Progress()
    graph = two_writers(progress)
    stream = graph.stream({"n": 0}, stream_mode="custom")
    for index, _ in enumerate(stream):
        if index == 10:
            break
    stream.close()  # returns once both nodes have finished (their events dropped)
    assert progress.written == 2 * EVENTS


def nested_writers(progress: Progress) -> Any:
    return two_writers(progress)


def test_a_sync_subgraph_run_on_the_event_loop_does_not_deadlock() -> None:
    """An async node calling a sync graph's ``invoke``: the event loop (the outer consumer)
    is busy until the nested graph ends, so its writers must not wait for it."""
    progress = Progress()
    inner = nested_writers(progress)

    async def outer_node(state: S) -> dict[str, int]:
        inner.invoke({"n": 0})
        return {"n": 2}

    graph = StateGraph(S).add_node("outer", outer_node).add_edge(START, "outer").compile()

    async def main() -> int:
        return len([c async for c in graph.astream({"n": 0}, stream_mode="custom")])

    assert asyncio.run(asyncio.wait_for(main(), 30)) == 2 * EVENTS


def test_a_subgraph_streamed_inside_a_node_does_not_deadlock() -> None:
    """A sync node consuming a nested stream while the nested writers also feed the outer
    consumer (custom events of nested graphs reach the outer stream)."""
    progress = Progress()
    inner = nested_writers(progress)

    def outer_node(state: S) -> dict[str, int]:
        seen = sum(1 for _ in inner.stream({"n": 0}, stream_mode="custom"))
        return {"n": seen}

    graph = StateGraph(S).add_node("outer", outer_node).add_edge(START, "outer").compile()
    outer_events = 0
    final = None
    for mode, chunk in graph.stream({"n": 0}, stream_mode=["custom", "values"]):
        if mode == "custom":
            outer_events += 1
        else:
            final = chunk
    assert outer_events == 2 * EVENTS
    assert final == {"n": 2 * EVENTS}
