"""Events reach the consumer while the node that wrote them still runs; the run moves at the
consumer's pace; closing the stream stops the run.

Latency bounds are generous (tens of milliseconds) and only distinguish "delivered while the
node runs" from "delivered when it ends": speed is measured in benchmarks/, not here.
"""

from __future__ import annotations

import asyncio
import operator
import threading
import time
from typing import Annotated, Any, TypedDict

from streamgraph.config import get_stream_writer
from streamgraph.graph import START, StateGraph

GAP = 0.05
BOUND = 0.03  # well under GAP: an event that waited for the node's end would miss it


class S(TypedDict):
    log: Annotated[list, operator.add]


def slow_writer(name: str) -> Any:
    def node(state: S) -> dict:
        writer = get_stream_writer()
        for i in range(3):
            writer({"node": name, "i": i, "t": time.perf_counter()})
            time.sleep(GAP)
        return {"log": [name]}

    node.__name__ = name
    return node


def aslow_writer(name: str) -> Any:
    async def node(state: S) -> dict:
        writer = get_stream_writer()
        for i in range(3):
            writer({"node": name, "i": i, "t": time.perf_counter()})
            await asyncio.sleep(GAP)
        return {"log": [name]}

    node.__name__ = name
    return node


def one_node(node: Any) -> Any:
    return StateGraph(S).add_node(node).add_edge(START, node.__name__).compile()


def check_live(received: list[tuple[float, Any]]) -> None:
    customs = [(t, c) for t, (mode, c) in received if mode == "custom"]
    update_time = next(t for t, (mode, _) in received if mode == "updates")
    assert [c["i"] for _, c in customs] == [0, 1, 2]
    for got, chunk in customs:
        assert got - chunk["t"] < BOUND
        assert got < update_time - GAP / 2  # well before the node ended


def test_custom_events_arrive_while_a_sync_node_runs() -> None:
    graph = one_node(slow_writer("w"))
    received = [
        (time.perf_counter(), chunk)
        for chunk in graph.stream({"log": []}, stream_mode=["custom", "updates"])
    ]
    check_live(received)


def test_custom_events_arrive_while_an_async_node_runs() -> None:
    async def main() -> list[tuple[float, Any]]:
        graph = one_node(aslow_writer("w"))
        return [
            (time.perf_counter(), c)
            async for c in graph.astream({"log": []}, stream_mode=["custom", "updates"])
        ]

    check_live(asyncio.run(main()))


def test_custom_events_arrive_while_a_sync_node_runs_under_astream() -> None:
    async def main() -> list[tuple[float, Any]]:
        graph = one_node(slow_writer("w"))
        return [
            (time.perf_counter(), c)
            async for c in graph.astream({"log": []}, stream_mode=["custom", "updates"])
        ]

    check_live(asyncio.run(main()))


def test_parallel_writers_interleave_in_real_time(stream: Any) -> None:
    def delayed(name: str, delay: float) -> Any:
        inner = slow_writer(name)

        def node(state: S) -> dict:
            time.sleep(delay)
            return inner(state)

        node.__name__ = name
        return node

    graph = (
        StateGraph(S)
        .add_node(delayed("a", 0))
        .add_node(delayed("b", GAP / 2))
        .add_edge(START, "a")
        .add_edge(START, "b")
        .compile()
    )
    chunks = stream(graph, {"log": []}, stream_mode="custom")
    assert [c["node"] for c in chunks] == ["a", "b", "a", "b", "a", "b"]


def test_events_of_a_subgraph_arrive_while_it_runs() -> None:
    sub = one_node(slow_writer("inner"))
    graph = StateGraph(S).add_node("outer", sub).add_edge(START, "outer").compile()
    for subgraphs in (True, False):
        received = []
        for chunk in graph.stream(
            {"log": []}, stream_mode=["custom", "updates"], subgraphs=subgraphs
        ):
            mode_and_chunk = chunk[1:] if subgraphs else chunk
            received.append((time.perf_counter(), mode_and_chunk))
        customs = [(t, c) for t, (m, c) in received if m == "custom"]
        assert len(customs) == 3
        for got, chunk in customs:
            assert got - chunk["t"] < BOUND


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
            await asyncio.sleep(5)
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
    assert time.perf_counter() - started < 2
    assert log == ["cancelled"]


def test_parallel_sync_nodes_run_concurrently(invoke: Any) -> None:
    def sleeper(name: str) -> Any:
        def node(state: S) -> dict:
            time.sleep(0.2)
            return {"log": [name]}

        node.__name__ = name
        return node

    builder = StateGraph(S)
    for i in range(20):
        builder.add_node(sleeper(f"n{i}")).add_edge(START, f"n{i}")
    started = time.perf_counter()
    result = invoke(builder.compile(), {"log": []})
    assert len(result["log"]) == 20
    assert time.perf_counter() - started < 1.0  # 20 x 0.2 s one after another would be 4 s


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

    def sleeper(name: str) -> Any:
        def node(state: S) -> dict:
            with lock:
                running.append(1)
                peak.append(len(running))
            time.sleep(0.02)
            with lock:
                running.pop()
            return {"log": [name]}

        node.__name__ = name
        return node

    builder = StateGraph(S)
    for i in range(8):
        builder.add_node(sleeper(f"n{i}")).add_edge(START, f"n{i}")
    result = invoke(builder.compile(), {"log": []}, config={"max_concurrency": 2})
    assert len(result["log"]) == 8
    assert max(peak) == 2


def test_cancelling_ainvoke_of_a_sync_graph_stops_at_the_next_step() -> None:
    log: list[str] = []

    def first(state: S) -> dict:
        time.sleep(0.1)
        log.append("first")
        return {"log": ["first"]}

    def second(state: S) -> dict:
        log.append("second")
        return {"log": ["second"]}

    graph = StateGraph(S).add_sequence([first, second]).add_edge(START, "first").compile()

    async def main() -> None:
        task = asyncio.create_task(graph.ainvoke({"log": []}))
        await asyncio.sleep(0.02)
        task.cancel()
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


def test_parallel_writers_inside_a_subgraph_node_arrive_live() -> None:
    """The outer step has one task (run in a greenlet on the consumer's thread); inside it a
    subgraph runs two writers on worker threads. Their events must still arrive live."""
    inner = (
        StateGraph(S)
        .add_node(slow_writer("a"))
        .add_node(slow_writer("b"))
        .add_edge(START, "a")
        .add_edge(START, "b")
        .compile()
    )

    def calls_inner(state: S) -> dict:
        return inner.invoke(state)

    graph = StateGraph(S).add_node(calls_inner).add_edge(START, "calls_inner").compile()
    for subgraphs in (False, True):
        received = []
        for chunk in graph.stream(
            {"log": []}, stream_mode=["custom", "updates"], subgraphs=subgraphs
        ):
            received.append((time.perf_counter(), chunk[-2:]))
        customs = [(t, c) for t, (m, c) in received if m == "custom"]
        assert sorted(c["node"] for _, c in customs) == ["a", "a", "a", "b", "b", "b"]
        for got, chunk in customs:
            assert got - chunk["t"] < BOUND


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
