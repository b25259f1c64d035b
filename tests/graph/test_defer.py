"""``add_node(defer=True)``: a node that runs once nothing else is left to run."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.graph import END, START, StateGraph


class State(TypedDict, total=False):
    docs: Annotated[list[str], operator.add]
    answer: str


def _graph(join: bool, **compile_options: Any) -> Any:
    def fetch_a(state: State) -> State:
        return {"docs": ["a"]}

    def fetch_b(state: State) -> State:
        return {"docs": ["b"]}

    def more_a(state: State) -> State:
        return {"docs": ["a2"]}

    def summarize(state: State) -> State:
        return {"answer": "+".join(state["docs"])}

    builder = StateGraph(State)
    builder.add_node(fetch_a)
    builder.add_node(fetch_b)
    builder.add_node(more_a)
    builder.add_node(summarize, defer=True)
    builder.add_edge(START, "fetch_a")
    builder.add_edge(START, "fetch_b")
    builder.add_edge("fetch_a", "more_a")
    if join:
        builder.add_edge(["fetch_a", "fetch_b"], "summarize")
    else:
        builder.add_edge("fetch_a", "summarize")
        builder.add_edge("fetch_b", "summarize")
    builder.add_edge("summarize", END)
    return builder.compile(**compile_options)


@pytest.mark.parametrize("join", [True, False])
def test_a_deferred_node_runs_once_at_the_end(join: bool, stream: Any) -> None:
    chunks = stream(_graph(join), {"docs": []})
    assert chunks == [
        {"fetch_a": {"docs": ["a"]}},
        {"fetch_b": {"docs": ["b"]}},
        {"more_a": {"docs": ["a2"]}},  # triggered after it, yet before it
        {"summarize": {"answer": "a+b+a2"}},
    ]


@pytest.mark.parametrize("join", [True, False])
def test_a_waiting_deferred_node_survives_an_interrupt(join: bool) -> None:
    graph = _graph(join, checkpointer=InMemorySaver(), interrupt_after=["fetch_a"])
    config = {"configurable": {"thread_id": "1"}}
    graph.invoke({"docs": []}, config)
    assert graph.get_state(config).next == ("more_a",)
    assert list(graph.stream(None, config)) == [
        {"more_a": {"docs": ["a2"]}},
        {"summarize": {"answer": "a+b+a2"}},
    ]
    assert graph.get_state(config).next == ()


def test_an_update_keeps_a_deferred_node_due() -> None:
    graph = _graph(True, checkpointer=InMemorySaver(), interrupt_before=["summarize"])
    config = {"configurable": {"thread_id": "1"}}
    graph.invoke({"docs": []}, config)
    assert graph.get_state(config).next == ("summarize",)
    graph.update_state(config, {"docs": ["extra"]})
    assert graph.get_state(config).next == ("summarize",)
    assert graph.invoke(None, config)["answer"] == "a+b+a2+extra"
