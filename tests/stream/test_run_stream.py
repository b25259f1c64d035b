"""v3 run streams over plain graphs: the protocol envelope, projections, output and
interrupts, subgraph handles and lifecycle, interleave, abort; under both APIs."""

from __future__ import annotations

import asyncio
import operator
import threading
import time
from typing import Annotated, Any, TypedDict

import pytest

from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.config import get_stream_writer
from streamgraph.graph import END, START, StateGraph
from streamgraph.stream import (
    CheckpointsTransformer,
    CustomTransformer,
    DebugTransformer,
    TasksTransformer,
    UpdatesTransformer,
)
from streamgraph.types import Command, interrupt
from tests.stream._runs import methods, read

APIS = ["sync", "async"]


class State(TypedDict):
    value: str
    items: Annotated[list[str], operator.add]


def step(name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        get_stream_writer()({"at": name})
        return {"value": state["value"] + name, "items": [name]}

    return node


def chain(*names: str, checkpointer: Any = None) -> Any:
    builder = StateGraph(State)
    previous = START
    for name in names:
        builder.add_node(name, step(name))
        builder.add_edge(previous, name)
        previous = name
    return builder.compile(checkpointer=checkpointer)


def nested() -> Any:
    inner = chain("i")
    return (
        StateGraph(State)
        .add_node("a", step("a"))
        .add_node("sub", inner)
        .add_edge(START, "a")
        .add_edge("a", "sub")
        .compile()
    )


START_INPUT = {"value": "", "items": []}


@pytest.mark.parametrize("api", APIS)
def test_events_have_the_protocol_envelope(api: str) -> None:
    events = read(nested(), START_INPUT, api)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    for event in events:
        assert list(event) == ["type", "method", "params", "seq"]
        assert event["type"] == "event"
        params = event["params"]
        assert isinstance(params["namespace"], list)
        assert isinstance(params["timestamp"], int)
        assert ("interrupts" in params) == (event["method"] == "values")
    assert methods(events) == [
        ("values", ()),
        ("values", ()),
        ("values", ("sub",)),
        ("lifecycle", ()),  # the subgraph starts with its first task
        ("values", ("sub",)),
        ("lifecycle", ()),  # and ends with the parent task's result
        ("values", ()),
    ]
    started, completed = (e["params"]["data"] for e in events if e["method"] == "lifecycle")
    sub_ns = events[2]["params"]["namespace"]
    assert started == {
        "event": "started",
        "namespace": sub_ns,
        "graph_name": "sub",
        "trigger_call_id": sub_ns[0].split(":")[1],
    }
    assert completed == {"event": "completed", "namespace": sub_ns}


@pytest.mark.parametrize("api", APIS)
def test_output_values_and_opt_in_projections(api: str) -> None:
    graph = chain("a", "b")
    assert read(graph, START_INPUT, api, "output") == {"value": "ab", "items": ["a", "b"]}
    assert read(graph, START_INPUT, api, "values")[-1] == {"value": "ab", "items": ["a", "b"]}
    # custom events flow only when a transformer asks for the mode
    assert "custom" not in {e["method"] for e in read(graph, START_INPUT, api)}
    custom = read(graph, START_INPUT, api, "custom", transformers=[CustomTransformer])
    assert custom == [{"at": "a"}, {"at": "b"}]
    updates = read(graph, START_INPUT, api, "updates", transformers=[UpdatesTransformer])
    assert updates == [
        {"a": {"value": "a", "items": ["a"]}},
        {"b": {"value": "ab", "items": ["b"]}},
    ]
    tasks = read(graph, START_INPUT, api, "tasks", transformers=[TasksTransformer])
    assert [(t["name"], "result" in t) for t in tasks] == [
        ("a", False),
        ("a", True),
        ("b", False),
        ("b", True),
    ]
    debug = read(graph, START_INPUT, api, "debug", transformers=[DebugTransformer])
    assert [d["type"] for d in debug] == ["task", "task_result", "task", "task_result"]


@pytest.mark.parametrize("api", APIS)
def test_checkpoints_projection(api: str) -> None:
    graph = chain("a", checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": f"cp-{api}"}}
    checkpoints = read(
        graph, START_INPUT, api, "checkpoints", config=config, transformers=[CheckpointsTransformer]
    )
    assert [c["metadata"]["step"] for c in checkpoints] == [-1, 0, 1]


def asks_approval(state: State) -> dict[str, Any]:
    answer = interrupt("approve?")
    return {"value": state["value"] + answer, "items": ["asked"]}


@pytest.mark.parametrize("api", APIS)
def test_interrupts_and_resume(api: str) -> None:
    graph = (
        StateGraph(State)
        .add_node("a", step("a"))
        .add_node("ask", asks_approval)
        .add_edge(START, "a")
        .add_edge("a", "ask")
        .compile(checkpointer=InMemorySaver())
    )
    config = {"configurable": {"thread_id": f"int-{api}"}}

    def everything(run: Any) -> Any:
        return run.output, run.interrupted, [i.value for i in run.interrupts]

    async def aeverything(run: Any) -> Any:
        output = await run.output()
        return output, await run.interrupted(), [i.value for i in await run.interrupts()]

    reader = everything if api == "sync" else aeverything
    assert read(graph, START_INPUT, api, reader, config=config) == (
        {"value": "a", "items": ["a"]},
        True,
        ["approve?"],
    )
    resumed = read(graph, Command(resume="!"), api, reader, config=config)
    assert resumed == ({"value": "a!", "items": ["a", "asked"]}, False, [])


def fails(state: State) -> dict[str, Any]:
    raise ValueError("boom")


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("reader", ["events", "values", "output", "interrupts"])
def test_a_failed_run_raises_its_error_from_every_reader(api: str, reader: str) -> None:
    graph = StateGraph(State).add_node("f", fails).add_edge(START, "f").compile()
    outcome = read(graph, START_INPUT, api, reader)
    assert outcome[0] == "raised" and isinstance(outcome[1], ValueError)


@pytest.mark.parametrize("api", APIS)
def test_subgraph_handles(api: str) -> None:
    failing = StateGraph(State).add_node("f", fails).add_edge(START, "f").compile()
    graph = (
        StateGraph(State)
        .add_node("sub", chain("x", "y"))
        .add_node("bad", failing)
        .add_edge(START, "sub")
        .add_edge("sub", "bad")
        .compile()
    )

    def handles(run: Any) -> Any:
        seen = []
        try:
            for handle in run.subgraphs:
                items = list(handle.values) if handle.graph_name == "sub" else None
                seen.append((handle.graph_name, handle.status, items))
                if handle.graph_name == "bad":
                    with pytest.raises(RuntimeError, match="boom"):
                        handle.output  # noqa: B018
                    seen.append((handle.status, handle.error))
        except ValueError:
            seen.append("run failed")
        return seen

    async def ahandles(run: Any) -> Any:
        seen = []
        try:
            async for handle in run.subgraphs:
                items = [v async for v in handle.values] if handle.graph_name == "sub" else None
                seen.append((handle.graph_name, handle.status, items))
                if handle.graph_name == "bad":
                    with pytest.raises(RuntimeError, match="boom"):
                        await handle.output()
                    seen.append((handle.status, handle.error))
        except ValueError:
            seen.append("run failed")
        return seen

    seen = read(graph, START_INPUT, api, handles if api == "sync" else ahandles)
    # a handle exists from the child's first task on: after the child's input values
    after_x, after_y = {"value": "x", "items": ["x"]}, {"value": "xy", "items": ["x", "y"]}
    assert seen == [
        ("sub", "completed", [after_x, after_y]),
        ("bad", "started", None),
        ("failed", "boom"),
        "run failed",
    ]


def test_a_run_inside_a_node_sees_its_own_level_with_full_namespaces() -> None:
    inner = chain("i", "j")
    seen: list[Any] = []

    def node(state: State) -> dict[str, Any]:
        run = inner.stream_events({"value": "", "items": []}, version="v3")
        events = list(run)
        seen.append(([e["params"]["namespace"] for e in events], run.output))
        return {"value": "done", "items": []}

    outer = StateGraph(State).add_node("n", node).add_edge(START, "n").compile()
    assert outer.stream_events(START_INPUT, version="v3").output["value"] == "done"
    [(namespaces, output)] = seen
    assert output == {"value": "ij", "items": ["i", "j"]}  # its own values, found by scope
    assert len({tuple(ns) for ns in namespaces}) == 1
    assert namespaces[0][0].startswith("n:")  # prefixed with the task it runs in


def test_interleave_reads_projections_in_arrival_order() -> None:
    graph = chain("a", "b")
    run = graph.stream_events(START_INPUT, version="v3", transformers=[CustomTransformer])
    pairs = list(run.interleave("values", "custom"))
    assert [name for name, _ in pairs] == ["values", "custom", "values", "custom", "values"]
    assert not run.values._subscribed and not run.custom._subscribed  # released
    with pytest.raises(KeyError, match="nope"):
        list(run.interleave("values", "nope"))


def test_each_projection_has_one_reader() -> None:
    run = chain("a").stream_events(START_INPUT, version="v3")
    iter(run.values)
    with pytest.raises(RuntimeError, match="already has a subscriber"):
        iter(run.values)
    first, second = run.messages.tee(2)
    assert list(first) == list(second) == []


def test_unknown_projection_names_the_registered_ones() -> None:
    run = chain("a").stream_events(START_INPUT, version="v3", transformers=[CustomTransformer])
    with pytest.raises(AttributeError, match="registered projections: custom, lifecycle"):
        run.updates  # noqa: B018
    assert run.extensions["custom"] is run.custom
    with pytest.raises(TypeError):
        run.extensions["x"] = 1  # type: ignore[index]


def test_sync_abort_stops_the_run() -> None:
    ran: list[str] = []

    def slow(name: str) -> Any:
        def node(state: State) -> dict[str, Any]:
            ran.append(name)
            return {"value": name, "items": []}

        return node

    graph = (
        StateGraph(State)
        .add_sequence([("a", slow("a")), ("b", slow("b")), ("c", slow("c"))])
        .add_edge(START, "a")
        .compile()
    )
    with graph.stream_events(START_INPUT, version="v3") as run:
        values = iter(run.values)
        next(values)  # the input
        next(values)  # after a
    assert ran == ["a"]  # leaving the block aborted the run: b never started
    assert list(values) == []
    run.abort()  # idempotent


def test_async_abort_cancels_nested_work() -> None:
    cancelled = threading.Event()

    async def sleeper(state: State) -> dict[str, Any]:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    inner = StateGraph(State).add_node("s", sleeper).add_edge(START, "s").compile()

    async def calls_inner(state: State) -> dict[str, Any]:
        await inner.ainvoke(state)
        return {}

    graph = StateGraph(State).add_node("n", calls_inner).add_edge(START, "n").compile()

    async def main() -> tuple[bool, list[Any]]:
        run = await graph.astream_events(START_INPUT, version="v3")
        consumed: list[Any] = []

        async def consume() -> None:
            async for event in run:
                consumed.append(event)

        consumer = asyncio.create_task(consume())
        await asyncio.sleep(0.1)  # the consumer waits inside the run for the sleeping node
        started = time.monotonic()
        await run.abort()
        await asyncio.wait_for(consumer, 2)  # the consumer's loop just ends
        return time.monotonic() - started < 2, consumed

    quick, consumed = asyncio.run(main())
    assert quick and cancelled.is_set()
    assert [e["method"] for e in consumed] == ["values", "values", "lifecycle"]


def test_cancelling_the_reading_task_stops_the_run() -> None:
    async def sleeper(state: State) -> dict[str, Any]:
        await asyncio.sleep(5)
        return {}

    graph = StateGraph(State).add_node("s", sleeper).add_edge(START, "s").compile()

    async def main() -> Any:
        run = await graph.astream_events(START_INPUT, version="v3")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(run.output(), 0.1)
        with pytest.raises(RuntimeError, match="cancelled"):
            await run.output()

    asyncio.run(main())


class Count(TypedDict):
    count: int


def test_sync_abort_stops_graphs_a_running_node_started() -> None:
    steps: list[int] = []

    def count(state: Count) -> dict[str, int]:
        steps.append(state["count"])
        return {"count": state["count"] + 1}

    inner = (
        StateGraph(Count)
        .add_node("count", count)
        .add_edge(START, "count")
        .add_conditional_edges("count", lambda s: END if s["count"] >= 10 else "count")
        .compile()
    )

    def runs_inner(state: Count) -> dict[str, int]:
        inner.invoke({"count": 0})
        return {}

    graph = StateGraph(Count).add_node("outer", runs_inner).add_edge(START, "outer").compile()
    run = graph.stream_events({"count": 0}, version="v3")
    for event in run:
        if event["params"]["namespace"] and event["params"]["data"]["count"] >= 2:
            break
    run.abort()  # the node itself cannot be interrupted; the graph it runs stops at its next step
    assert steps == [0, 1, 2]
