"""Events reach the consumer while the node that wrote them still runs; the run moves at the
consumer's pace; closing the stream stops the run.

No check here depends on how fast the machine is (it is shared and loaded): a writer waits,
after each event, until the consumer has it, and the consumer records whether the event's
node was still running then. An event held back until its node ends would keep its writer
waiting (``NEVER`` seconds, then the test fails). Speed is measured in benchmarks/, not here.
"""

from __future__ import annotations

import asyncio
import operator
import threading
import time
from typing import Annotated, Any, TypedDict

import pytest

from streamgraph.config import get_stream_writer
from streamgraph.graph import START, StateGraph

NEVER = 10.0  # only waited out when something is wrong


class S(TypedDict):
    log: Annotated[list, operator.add]


class Live:
    """Writer nodes and a consumer that meet at every custom event.

    ``writer(name)`` (or ``awriter``) writes ``{"node": name, "i": i}`` three times and, after
    each, waits until the consumer has ``got`` it. ``got`` marks the event received and notes
    whether its node was still running; ``check`` then says every event came while it did.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.received: list[dict[str, Any]] = []
        self.running: set[str] = set()
        self.late: list[dict[str, Any]] = []  # received after their node had ended
        self.held: list[dict[str, Any]] = []  # their writer gave up waiting for them

    def got(self, chunk: dict[str, Any]) -> None:
        with self._changed:
            if chunk["node"] not in self.running:
                self.late.append(chunk)
            self.received.append(chunk)
            self._changed.notify_all()

    def _has(self, event: dict[str, Any]) -> bool:
        return event in self.received

    def wait_for(self, event: dict[str, Any]) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._has(event), NEVER):
                self.held.append(event)

    async def await_for(self, event: dict[str, Any]) -> None:
        deadline = time.monotonic() + NEVER
        while not self._has(event):  # the consumer is on this event loop: let it run
            if time.monotonic() > deadline:
                self.held.append(event)
                return
            await asyncio.sleep(0.001)

    def writer(self, name: str) -> Any:
        def node(state: S) -> dict:
            self.running.add(name)
            writer = get_stream_writer()
            for i in range(3):
                writer({"node": name, "i": i})
                self.wait_for({"node": name, "i": i})
            self.running.discard(name)
            return {"log": [name]}

        node.__name__ = name
        return node

    def awriter(self, name: str) -> Any:
        async def node(state: S) -> dict:
            self.running.add(name)
            writer = get_stream_writer()
            for i in range(3):
                writer({"node": name, "i": i})
                await self.await_for({"node": name, "i": i})
            self.running.discard(name)
            return {"log": [name]}

        node.__name__ = name
        return node

    def check(self, *names: str) -> None:
        assert self.held == [] and self.late == []  # every event came while its node ran
        for name in names:
            assert [c["i"] for c in self.received if c["node"] == name] == [0, 1, 2]


def one_node(node: Any) -> Any:
    return StateGraph(S).add_node(node).add_edge(START, node.__name__).compile()


def consume(live: Live, chunks: Any) -> list[Any]:
    """Hand each custom chunk of a ``stream(..., stream_mode=["custom", ...])`` to ``live``."""
    out = []
    for chunk in chunks:
        mode, data = chunk[-2:]
        if mode == "custom":
            live.got(data)
        out.append(chunk)
    return out


async def aconsume(live: Live, chunks: Any) -> list[Any]:
    out = []
    async for chunk in chunks:
        mode, data = chunk[-2:]
        if mode == "custom":
            live.got(data)
        out.append(chunk)
    return out


def test_custom_events_arrive_while_a_sync_node_runs() -> None:
    live = Live()
    graph = one_node(live.writer("w"))
    chunks = consume(live, graph.stream({"log": []}, stream_mode=["custom", "updates"]))
    live.check("w")
    assert chunks[-1] == ("updates", {"w": {"log": ["w"]}})


def test_custom_events_arrive_while_an_async_node_runs() -> None:
    live = Live()
    graph = one_node(live.awriter("w"))
    stream = graph.astream({"log": []}, stream_mode=["custom", "updates"])
    chunks = asyncio.run(aconsume(live, stream))
    live.check("w")
    assert chunks[-1] == ("updates", {"w": {"log": ["w"]}})


def test_custom_events_arrive_while_a_sync_node_runs_under_astream() -> None:
    live = Live()
    graph = one_node(live.writer("w"))
    stream = graph.astream({"log": []}, stream_mode=["custom", "updates"])
    chunks = asyncio.run(aconsume(live, stream))
    live.check("w")
    assert chunks[-1] == ("updates", {"w": {"log": ["w"]}})


@pytest.mark.parametrize("api", ["sync", "async"])
def test_parallel_writers_interleave_in_real_time(api: str) -> None:
    """Two writers take turns (a, b, a, b, a, b), each waiting until the consumer has the
    other's last event: the consumer gets them in that order only if every event is
    delivered while both nodes still run."""
    slots = ["a", "b", "a", "b", "a", "b"]
    arrived = threading.Condition()
    received: list[str] = []

    def turn_taker(name: str) -> Any:
        def node(state: S) -> dict:
            writer = get_stream_writer()
            for slot in [k for k, owner in enumerate(slots) if owner == name]:
                with arrived:
                    assert arrived.wait_for(lambda s=slot: len(received) >= s, NEVER), slot
                writer({"node": name, "slot": slot})
            return {"log": [name]}

        node.__name__ = name
        return node

    def got(chunk: dict[str, Any]) -> None:
        with arrived:
            received.append(chunk["node"])
            arrived.notify_all()

    graph = (
        StateGraph(S)
        .add_node(turn_taker("a"))
        .add_node(turn_taker("b"))
        .add_edge(START, "a")
        .add_edge(START, "b")
        .compile()
    )
    if api == "sync":
        for chunk in graph.stream({"log": []}, stream_mode="custom"):
            got(chunk)
    else:

        async def main() -> None:
            async for chunk in graph.astream({"log": []}, stream_mode="custom"):
                got(chunk)

        asyncio.run(main())
    assert received == slots


def test_events_of_a_subgraph_arrive_while_it_runs() -> None:
    for subgraphs in (True, False):
        live = Live()
        sub = one_node(live.writer("inner"))
        graph = StateGraph(S).add_node("outer", sub).add_edge(START, "outer").compile()
        stream = graph.stream({"log": []}, stream_mode=["custom", "updates"], subgraphs=subgraphs)
        consume(live, stream)
        assert len(live.received) == 3
        live.check("inner")


def test_nothing_runs_before_the_first_chunk_is_asked_for() -> None:
    ran: list[str] = []

    def node(state: S) -> dict:
        ran.append("node")
        return {"log": ["x"]}

    stream = one_node(node).stream({"log": []})
    time.sleep(0.01)
    assert ran == []
    assert list(stream) == [{"node": {"log": ["x"]}}]


def test_the_next_step_waits_for_the_consumer() -> None:
    started: list[float] = []

    def step(name: str) -> Any:
        def node(state: S) -> dict:
            started.append(time.perf_counter())
            return {"log": [name]}

        node.__name__ = name
        return node

    graph = (
        StateGraph(S)
        .add_sequence([step("n1"), step("n2"), step("n3")])
        .add_edge(START, "n1")
        .compile()
    )
    for _ in graph.stream({"log": []}):
        time.sleep(0.05)
    assert started[1] - started[0] >= 0.045
    assert started[2] - started[1] >= 0.045


def test_closing_a_sync_stream_waits_for_the_running_node_and_starts_nothing() -> None:
    log: list[str] = []

    def first(state: S) -> dict:
        get_stream_writer()("started")
        time.sleep(0.1)
        log.append("first done")
        return {"log": ["first"]}

    def second(state: S) -> dict:
        log.append("second ran")
        return {"log": ["second"]}

    graph = StateGraph(S).add_sequence([first, second]).add_edge(START, "first").compile()
    stream = graph.stream({"log": []}, stream_mode="custom")
    assert next(stream) == "started"
    stream.close()
    assert log == ["first done"]  # close() returned only after the node finished
    time.sleep(0.05)
    assert log == ["first done"]


def test_breaking_out_of_astream_cancels_the_running_node() -> None:
    log: list[str] = []

    async def first(state: S) -> dict:
        get_stream_writer()("started")
        try:
            await asyncio.sleep(50)  # a run that waited for it would take 50 s
        except asyncio.CancelledError:
            log.append("cancelled")
            raise
        return {"log": ["first"]}

    async def second(state: S) -> dict:
        log.append("second ran")
        return {"log": ["second"]}

    graph = StateGraph(S).add_sequence([first, second]).add_edge(START, "first").compile()

    async def main() -> None:
        stream = graph.astream({"log": []}, stream_mode="custom")
        async for chunk in stream:
            assert chunk == "started"
            break
        await stream.aclose()  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)

    started = time.perf_counter()
    asyncio.run(main())
    assert time.perf_counter() - started < 25  # cancelled, not waited for
    assert log == ["cancelled"]


def test_parallel_sync_nodes_run_concurrently(invoke: Any) -> None:
    all_in = threading.Barrier(20)  # passed only when the 20 nodes run at the same time

    def meeter(name: str) -> Any:
        def node(state: S) -> dict:
            all_in.wait(NEVER)
            return {"log": [name]}

        node.__name__ = name
        return node

    builder = StateGraph(S)
    for i in range(20):
        builder.add_node(meeter(f"n{i}")).add_edge(START, f"n{i}")
    result = invoke(builder.compile(), {"log": []})
    assert len(result["log"]) == 20
    assert not all_in.broken  # one after another, the first would have waited in vain


def test_sync_nodes_under_astream_do_not_block_the_event_loop() -> None:
    threads: list[str] = []

    def node(state: S) -> dict:
        threads.append(threading.current_thread().name)
        return {"log": ["x"]}

    async def main() -> None:
        await one_node(node).ainvoke({"log": []})

    asyncio.run(main())
    assert threads and threads[0] != threading.main_thread().name


def test_max_concurrency_limits_parallel_tasks(invoke: Any) -> None:
    running: list[int] = []
    peak: list[int] = []
    lock = threading.Lock()

    pairs = threading.Barrier(2)  # each node waits for a partner: two run at once

    def pairer(name: str) -> Any:
        def node(state: S) -> dict:
            with lock:
                running.append(1)
                peak.append(len(running))
            pairs.wait(NEVER)
            with lock:
                running.pop()
            return {"log": [name]}

        node.__name__ = name
        return node

    builder = StateGraph(S)
    for i in range(8):
        builder.add_node(pairer(f"n{i}")).add_edge(START, f"n{i}")
    result = invoke(builder.compile(), {"log": []}, config={"max_concurrency": 2})
    assert len(result["log"]) == 8
    assert max(peak) == 2


def test_cancelling_ainvoke_of_a_sync_graph_stops_at_the_next_step() -> None:
    log: list[str] = []

    running, cancelled = threading.Event(), threading.Event()

    def first(state: S) -> dict:
        running.set()
        cancelled.wait(NEVER)  # still running when the run is cancelled
        log.append("first")
        return {"log": ["first"]}

    def second(state: S) -> dict:
        log.append("second")
        return {"log": ["second"]}

    graph = StateGraph(S).add_sequence([first, second]).add_edge(START, "first").compile()

    async def main() -> None:
        task = asyncio.create_task(graph.ainvoke({"log": []}))
        while not running.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        for _ in range(3):  # let the run's task take the cancellation in (one loop pass)
            await asyncio.sleep(0)
        cancelled.set()
        try:
            await task
        except asyncio.CancelledError:
            pass
        else:
            raise AssertionError("ainvoke was not cancelled")
        assert log == ["first"]  # returned once the running node ended; nothing after it

    asyncio.run(main())
    time.sleep(0.05)
    assert log == ["first"]


def calling_a_parallel_subgraph(live: Live) -> Any:
    inner = (
        StateGraph(S)
        .add_node(live.writer("a"))
        .add_node(live.writer("b"))
        .add_edge(START, "a")
        .add_edge(START, "b")
        .compile()
    )

    def calls_inner(state: S) -> dict:
        return inner.invoke(state)

    return StateGraph(S).add_node(calls_inner).add_edge(START, "calls_inner").compile()


def test_parallel_writers_inside_a_subgraph_node_arrive_live() -> None:
    """The outer step has one task (run in a greenlet on the consumer's thread); inside it a
    subgraph runs two writers on worker threads. Their events must still arrive live."""
    for subgraphs in (False, True):
        live = Live()
        graph = calling_a_parallel_subgraph(live)
        stream = graph.stream({"log": []}, stream_mode=["custom", "updates"], subgraphs=subgraphs)
        consume(live, stream)
        assert sorted(c["node"] for c in live.received) == ["a", "a", "a", "b", "b", "b"]
        live.check("a", "b")


def test_a_consumer_that_stops_mid_node_lets_the_node_finish() -> None:
    finished: list[str] = []

    def chatty(state: S) -> dict:
        writer = get_stream_writer()
        for i in range(5):
            writer(i)
        finished.append("done")
        return {"log": ["chatty"]}

    graph = one_node(chatty)
    for chunk in graph.stream({"log": []}, stream_mode="custom"):
        assert chunk == 0
        break
    assert finished == ["done"]
