"""LangChain tracers in config["callbacks"] see the graph's run, its tasks' runs and what the
nodes call, nested as in LangGraph; a TracePolicy changes only what a task's run records."""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.tracers import BaseTracer
from langchain_core.tracers.schemas import Run

from streamgraph.graph import START, StateGraph
from streamgraph.types import TracePolicy


class Collector(BaseTracer):
    def __init__(self) -> None:
        super().__init__()
        self.roots: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        self.roots.append(run)


def tree(run: Run) -> Any:
    return (run.name, [tree(child) for child in run.child_runs])


class S(TypedDict):
    value: int


def traced_graph() -> Any:
    model = GenericFakeChatModel(messages=iter([AIMessage("hi")] * 4))

    def ask(state: S) -> dict:
        model.invoke("question")
        return {"value": state["value"] + 1}

    inner = StateGraph(S).add_node("inner", lambda s: {"value": 10}).add_edge(START, "inner")
    return (
        StateGraph(S)
        .add_node("ask", ask, trace_policy=TracePolicy(process_inputs=lambda s: {"hidden": 1}))
        .add_node("sub", inner.compile())
        .add_edge(START, "ask")
        .add_edge("ask", "sub")
        .compile()
    )


@pytest.mark.parametrize("use_async", [False, True])
def test_runs_nest_like_langgraph(use_async: bool) -> None:
    graph, tracer = traced_graph(), Collector()
    config = {"callbacks": [tracer], "tags": ["mine"]}
    if use_async:
        assert asyncio.run(graph.ainvoke({"value": 1}, config)) == {"value": 10}
    else:
        assert graph.invoke({"value": 1}, config) == {"value": 10}
    (root,) = tracer.roots
    assert tree(root) == (
        "LangGraph",
        [
            ("ask", [("GenericFakeChatModel", [])]),
            ("sub", [("LangGraph", [("inner", [])])]),
        ],
    )
    ask = root.child_runs[0]
    assert ask.tags == ["graph:step:1", "mine"]
    assert ask.inputs == {"hidden": 1} and ask.outputs == {"value": 2}
    assert ask.extra["metadata"]["langgraph_node"] == "ask"


def test_a_failing_node_fails_its_run_and_the_graphs() -> None:
    def boom(state: S) -> dict:
        raise ValueError("boom")

    graph = StateGraph(S).add_node("boom", boom).add_edge(START, "boom").compile()
    tracer = Collector()
    with pytest.raises(ValueError):
        graph.invoke({"value": 1}, {"callbacks": [tracer]})
    (root,) = tracer.roots
    assert root.error is not None and root.child_runs[0].error is not None


def test_astream_log_has_the_graph_stream_and_each_task_run() -> None:
    builder = StateGraph(S)
    builder.add_node("one", lambda s: {"value": s["value"] + 1})
    builder.add_node("two", lambda s: {"value": s["value"] * 10})
    builder.add_edge(START, "one")
    builder.add_edge("one", "two")
    graph = builder.compile()

    async def main() -> list[Any]:
        return [log async for log in graph.astream_log({"value": 1})]

    with pytest.warns(Warning, match="astream_log is deprecated"):  # LangChain's own warning
        patches = asyncio.run(main())
    ops = [(op["path"], op.get("value")) for log in patches for op in log.ops]
    assert ("/logs/one/streamed_output/-", {"value": 2}) in ops
    assert ("/logs/two/final_output", {"value": 20}) in ops
    assert [v for p, v in ops if p == "/streamed_output/-"] == [
        {"one": {"value": 2}},
        {"two": {"value": 20}},
    ]


def test_langsmith_tracing_gives_nodes_their_task_run() -> None:
    from unittest import mock

    import langsmith

    names: list[Any] = []

    def node(state: S) -> dict:
        run = langsmith.get_current_run_tree()
        names.append(run.name if run is not None else None)
        return {"value": 1}

    builder = StateGraph(S)
    builder.add_node("step", node)
    builder.add_edge(START, "step")
    graph = builder.compile()
    graph.invoke({"value": 0})  # not traced: no run tree
    with mock.patch("langchain_core.tracers.langchain.get_client") as get_client:
        get_client.return_value = mock.MagicMock(spec=langsmith.Client)
        with langsmith.tracing_context(enabled=True):
            graph.invoke({"value": 0})
            asyncio.run(graph.ainvoke({"value": 0}))
    assert names == [None, "step", "step"]


def test_a_route_is_a_run_after_its_node() -> None:
    def route(state: S) -> str:
        return "__end__"

    builder = StateGraph(S)
    builder.add_node("a", lambda s: {"value": 1})
    builder.add_edge(START, "a")
    builder.add_conditional_edges("a", route)
    tracer = Collector()
    builder.compile().invoke({"value": 0}, {"callbacks": [tracer]})
    (root,) = tracer.roots
    assert tree(root) == ("LangGraph", [("a", [("route", [])])])
    run = root.child_runs[0].child_runs[0]
    assert run.tags == ["seq:step:3"]
    assert (run.inputs, run.outputs) == ({"value": 1}, {"output": "__end__"})
