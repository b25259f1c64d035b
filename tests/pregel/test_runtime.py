"""The ``Runtime`` a node sees, ``context=`` coercion and the run options of invoke/stream."""

from __future__ import annotations

import dataclasses
from typing import Any, TypedDict

import pydantic
import pytest

from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.graph import START, StateGraph
from streamgraph.runtime import (
    DEFAULT_RUNTIME,
    ExecutionInfo,
    RunControl,
    Runtime,
    ServerInfo,
    get_runtime,
)


class S(TypedDict, total=False):
    text: str


@dataclasses.dataclass
class Ctx:
    user: str
    limit: int = 3


def graph_seeing(seen: list[Any], context_schema: Any = None, **compile_kwargs: Any) -> Any:
    def node(state: S, runtime: Runtime) -> dict:
        seen.append(runtime)
        return {"text": "done"}

    builder = StateGraph(S, context_schema=context_schema).add_node("node", node)
    return builder.add_edge(START, "node").compile(**compile_kwargs)


def test_execution_info_of_a_checkpointed_run(invoke: Any) -> None:
    seen: list[Runtime] = []
    graph = graph_seeing(seen, checkpointer=InMemorySaver())
    invoke(graph, {}, config={"configurable": {"thread_id": "t1"}, "run_id": "run-1"})
    info = seen[0].execution_info
    assert info is not None
    assert (info.thread_id, info.run_id, info.node_attempt) == ("t1", "run-1", 1)
    assert info.checkpoint_ns == f"node:{info.task_id}"
    assert graph.get_state({"configurable": {"thread_id": "t1"}}).config is not None
    assert isinstance(info.node_first_attempt_time, float)
    assert seen[0].server_info is None
    assert isinstance(seen[0].control, RunControl)


def test_server_info_comes_from_configurable() -> None:
    seen: list[Runtime] = []
    graph_seeing(seen).invoke({}, {"configurable": {"assistant_id": "a1", "graph_id": "g"}})
    assert seen[0].server_info == ServerInfo(assistant_id="a1", graph_id="g")


def test_context_dicts_become_the_context_schema(invoke: Any) -> None:
    seen: list[Runtime] = []
    graph = graph_seeing(seen, context_schema=Ctx)
    invoke(graph, {}, context={"user": "ann"})
    assert seen[0].context == Ctx(user="ann", limit=3)
    with pytest.raises(TypeError):
        graph.invoke({}, context={"nobody": 1})

    class Model(pydantic.BaseModel):
        user: str

    graph = graph_seeing(seen, context_schema=Model)
    graph.invoke({}, context={"user": "bob"})
    assert seen[-1].context == Model(user="bob")
    with pytest.raises(pydantic.ValidationError):
        graph.invoke({}, context={"user": 5})
    graph.invoke({})
    assert seen[-1].context is None


def test_get_runtime_inside_a_node_and_outside() -> None:
    def node(state: S) -> dict:
        return {"text": get_runtime(Ctx).context.user}

    graph = StateGraph(S, context_schema=Ctx).add_node("node", node).add_edge(START, "node")
    assert graph.compile().invoke({}, context=Ctx("cy")) == {"text": "cy"}
    with pytest.raises(RuntimeError):
        get_runtime()


def test_runtime_merge_override_and_patch() -> None:
    control = RunControl()
    base = Runtime(context=Ctx("a"), control=control)
    assert base.merge(Runtime(context=None)).context == Ctx("a")
    assert base.merge(Runtime(context=Ctx("b"))).control is control
    assert base.override(context=Ctx("c")).context == Ctx("c")
    info = ExecutionInfo(checkpoint_id="c", checkpoint_ns="n", task_id="t")
    patched = base.override(execution_info=info).patch_execution_info(node_attempt=2)
    assert patched.execution_info == dataclasses.replace(info, node_attempt=2)
    with pytest.raises(RuntimeError):
        base.patch_execution_info(node_attempt=2)
    assert DEFAULT_RUNTIME.context is None and DEFAULT_RUNTIME.execution_info is None
    DEFAULT_RUNTIME.heartbeat()  # a no-op outside a timed attempt


def test_print_mode_and_debug_print_chunks(capsys: pytest.CaptureFixture[str]) -> None:
    graph = graph_seeing([])
    assert graph.invoke({}, debug=True) == {"text": "done"}
    printed = capsys.readouterr().out
    assert "[updates]\x1b[0m {'node': {'text': 'done'}}" in printed
    assert "[values]\x1b[0m {'text': 'done'}" in printed
    chunks = list(graph.stream({}, stream_mode="updates", print_mode="values"))
    assert chunks == [{"node": {"text": "done"}}]
    assert "[values]" in capsys.readouterr().out
    assert graph.invoke({}, subgraphs=True) == {"text": "done"}


def test_unknown_run_arguments_are_errors() -> None:
    with pytest.raises(TypeError, match="bogus"):
        graph_seeing([]).invoke({}, bogus=1)
