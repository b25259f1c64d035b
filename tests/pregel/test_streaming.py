"""Stream shapes and identities that the differential tests cannot check (they mask ids), and
where streamgraph deliberately differs from LangGraph."""

from __future__ import annotations

import asyncio
import operator
import re
import threading
from typing import Annotated, Any, TypedDict

import pytest

from streamgraph.config import RunnableConfig, get_config, get_runtime, get_stream_writer
from streamgraph.graph import START, StateGraph
from streamgraph.runtime import Runtime
from streamgraph.types import RetryPolicy, StreamWriter

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class S(TypedDict):
    foo: str
    log: Annotated[list, operator.add]


def inner(state: S) -> dict:
    get_stream_writer()({"from": "inner"})
    return {"log": ["inner"]}


def subgraph() -> Any:
    return StateGraph(S).add_node(inner).add_edge(START, "inner").compile()


def test_a_task_has_one_id_in_every_mode_and_in_its_namespace(stream: Any) -> None:
    graph = StateGraph(S).add_node("child", subgraph()).add_edge(START, "child").compile()
    chunks = stream(
        graph, {"foo": "x", "log": []}, stream_mode=["tasks", "debug", "updates"], subgraphs=True
    )
    root_tasks = [c for ns, mode, c in chunks if mode == "tasks" and ns == ()]
    debug = [c["payload"] for ns, mode, c in chunks if mode == "debug" and ns == ()]
    child_ns = {ns for ns, _, _ in chunks if ns}
    task_id = root_tasks[0]["id"]
    assert UUID.match(task_id)
    assert {t["id"] for t in root_tasks} == {task_id}
    assert {d["id"] for d in debug} == {task_id}
    assert child_ns == {(f"child:{task_id}",)}


def test_task_ids_differ_between_runs(invoke: Any) -> None:
    graph = StateGraph(S).add_node(inner).add_edge(START, "inner").compile()
    ids = [graph.invoke({"log": []}, stream_mode="tasks")[0]["id"] for _ in range(2)]
    assert ids[0] != ids[1]


def test_custom_events_of_subgraphs_arrive_without_subgraphs_true(stream: Any) -> None:
    """Divergence (COMPAT.md): LangGraph drops them silently."""
    graph = StateGraph(S).add_node("child", subgraph()).add_edge(START, "child").compile()
    assert stream(graph, {"log": []}, stream_mode="custom") == [{"from": "inner"}]

    def calls_sub(state: S) -> dict:
        return subgraph().invoke(state)

    graph = StateGraph(S).add_node(calls_sub).add_edge(START, "calls_sub").compile()
    assert stream(graph, {"log": []}, stream_mode="custom") == [{"from": "inner"}]
    parts = stream(graph, {"log": []}, stream_mode="custom", version="v2")
    assert len(parts) == 1 and parts[0]["ns"][0].startswith("calls_sub:")


def test_other_modes_of_subgraphs_still_need_subgraphs_true(stream: Any) -> None:
    graph = StateGraph(S).add_node("child", subgraph()).add_edge(START, "child").compile()
    chunks = stream(graph, {"log": []}, stream_mode=["updates", "values"])
    assert chunks == [
        ("values", {"log": []}),
        ("updates", {"child": {"log": ["inner"]}}),
        ("values", {"log": ["inner"]}),
    ]


def test_a_graph_streamed_inside_a_node_feeds_its_own_consumer_and_the_outer_stream() -> None:
    seen_inside: list[Any] = []

    def streams_sub(state: S) -> dict:
        for chunk in subgraph().stream(state, stream_mode="custom"):
            seen_inside.append(chunk)
        return {"log": ["outer"]}

    graph = StateGraph(S).add_node(streams_sub).add_edge(START, "streams_sub").compile()
    outer = list(graph.stream({"log": []}, stream_mode="custom", subgraphs=True))
    assert seen_inside == [{"from": "inner"}]
    assert len(outer) == 1 and outer[0][0][0].startswith("streams_sub:")


def test_v2_parts(stream: Any) -> None:
    graph = StateGraph(S).add_node(inner).add_edge(START, "inner").compile()
    parts = stream(graph, {"log": []}, stream_mode=["values", "custom"], version="v2")
    assert parts == [
        {"type": "values", "ns": (), "data": {"log": []}, "interrupts": ()},
        {"type": "custom", "ns": (), "data": {"from": "inner"}},
        {"type": "values", "ns": (), "data": {"log": ["inner"]}, "interrupts": ()},
    ]


def test_injected_parameters(invoke: Any) -> None:
    seen: dict[str, Any] = {}

    def node(state: S, config: RunnableConfig, writer: StreamWriter, runtime: Runtime) -> dict:
        seen["node"] = config["metadata"]["langgraph_node"]
        seen["step"] = get_config()["metadata"]["langgraph_step"]
        seen["thread"] = config["configurable"]["thread_id"]
        seen["context"] = runtime.context
        seen["same_writer"] = runtime.stream_writer is writer
        seen["runtime"] = get_runtime().context
        return {"log": ["x"]}

    graph = StateGraph(S).add_node(node).add_edge(START, "node").compile()
    invoke(graph, {"log": []}, config={"configurable": {"thread_id": "t1"}}, context={"user": "u"})
    assert seen == {
        "node": "node",
        "step": 1,
        "thread": "t1",
        "context": {"user": "u"},
        "same_writer": True,
        "runtime": {"user": "u"},
    }


def test_retry_policy_gives_up_after_max_attempts(invoke: Any) -> None:
    calls: list[int] = []

    def flaky(state: S) -> dict:
        calls.append(1)
        raise ConnectionError("down")

    policy = RetryPolicy(initial_interval=0.001, jitter=False, max_attempts=3)
    graph = StateGraph(S).add_node(flaky, retry_policy=policy).add_edge(START, "flaky").compile()
    with pytest.raises(ConnectionError):
        invoke(graph, {"log": []})
    assert len(calls) == 3


def test_retry_policy_does_not_retry_programming_errors(invoke: Any) -> None:
    calls: list[int] = []

    def buggy(state: S) -> dict:
        calls.append(1)
        raise KeyError("oops")

    graph = (
        StateGraph(S)
        .add_node(buggy, retry_policy=RetryPolicy(initial_interval=0.001))
        .add_edge(START, "buggy")
        .compile()
    )
    with pytest.raises(KeyError):
        invoke(graph, {"log": []})
    assert len(calls) == 1


def test_batch_runs_inputs_concurrently_and_keeps_their_order() -> None:
    pairs = threading.Barrier(2)  # each run waits for a partner: passed only in parallel

    def meet(state: S) -> dict:
        pairs.wait(10)
        return {"foo": state["foo"] + "!"}

    graph = StateGraph(S).add_node(meet).add_edge(START, "meet").compile()
    results = graph.batch([{"foo": str(i)} for i in range(8)])
    assert not pairs.broken  # one after another, the first would have waited in vain
    assert [r["foo"] for r in results] == [f"{i}!" for i in range(8)]
    results = asyncio.run(graph.abatch([{"foo": "a"}, {"foo": "b"}]))
    assert [r["foo"] for r in results] == ["a!", "b!"]


def test_batch_return_exceptions() -> None:
    def fails_on_b(state: S) -> dict:
        if state["foo"] == "b":
            raise ValueError("b")
        return {"foo": "ok"}

    graph = StateGraph(S).add_node(fails_on_b).add_edge(START, "fails_on_b").compile()
    results = graph.batch([{"foo": "a"}, {"foo": "b"}], return_exceptions=True)
    assert results[0] == {"foo": "ok", "log": []} and isinstance(results[1], ValueError)
    with pytest.raises(ValueError):
        graph.batch([{"foo": "a"}, {"foo": "b"}])


def test_invoke_with_another_mode_returns_the_chunks(invoke: Any) -> None:
    graph = StateGraph(S).add_node(inner).add_edge(START, "inner").compile()
    assert invoke(graph, {"log": []}, stream_mode="updates") == [{"inner": {"log": ["inner"]}}]


def test_with_config_sets_run_defaults() -> None:
    seen: list[Any] = []

    def node(state: S, config: RunnableConfig) -> dict:
        seen.append(config["configurable"]["user"])
        return {}

    graph = StateGraph(S).add_node(node).add_edge(START, "node").compile()
    graph.with_config(configurable={"user": "u1"}).invoke({"log": []})
    assert seen == ["u1"]


def test_node_state_changes_do_not_leak_between_runs() -> None:
    def mutate(state: S) -> dict:
        state["log"].append("mutated")
        return {}

    graph = StateGraph(S).add_node(mutate).add_edge(START, "mutate").compile()
    assert graph.invoke({"foo": "x"})["log"] == ["mutated"]
    assert graph.invoke({"foo": "x"})["log"] == ["mutated"]


def test_a_writer_is_injected_by_annotation_under_any_name(stream: Any) -> None:
    """LangGraph fails with TypeError here (COMPAT.md): it injects by the name ``writer``."""

    def node(state: S, emit: StreamWriter) -> dict:
        emit("by annotation")
        return {}

    def plain(state: S, writer) -> dict:  # type: ignore[no-untyped-def]
        writer("by name")
        return {}

    graph = StateGraph(S).add_sequence([node, plain]).add_edge(START, "node").compile()
    assert stream(graph, {"log": []}, stream_mode="custom") == ["by annotation", "by name"]


def test_a_parameter_named_writer_with_another_annotation_is_left_alone(invoke: Any) -> None:
    seen: list[Any] = []

    def node(state: S, writer: int = 5) -> dict:
        seen.append(writer)
        return {}

    invoke(StateGraph(S).add_node(node).add_edge(START, "node").compile(), {"log": []})
    assert seen == [5]
