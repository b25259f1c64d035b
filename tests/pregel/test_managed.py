"""Managed values and the recursion limit they count down from."""

from __future__ import annotations

import operator
from typing import Annotated, Any, NotRequired, TypedDict

import pytest
from pydantic import BaseModel

from streamgraph.constants import DEFAULT_RECURSION_LIMIT
from streamgraph.errors import GraphRecursionError
from streamgraph.graph import END, START, StateGraph
from streamgraph.managed import IsLastStep, RemainingSteps


class Counting(TypedDict):
    seen: Annotated[list, operator.add]
    left: RemainingSteps
    last: NotRequired[IsLastStep]


def loop_until_last(state: Counting) -> Any:
    return {"seen": [(state["left"], state["last"])]}


def route(state: Counting) -> str:
    return END if state["last"] else "step"


def counting_graph() -> Any:
    return (
        StateGraph(Counting)
        .add_node("step", loop_until_last)
        .add_edge(START, "step")
        .add_conditional_edges("step", route)
        .compile()
    )


def test_managed_values_count_down_to_the_limit(stream: Any) -> None:
    chunks = stream(
        counting_graph(), {"seen": []}, stream_mode="values", config={"recursion_limit": 25}
    )
    seen = chunks[-1]["seen"]
    assert seen[0] == (24, False) and seen[-1] == (1, True) and len(seen) == 24
    assert all("left" not in chunk and "last" not in chunk for chunk in chunks)


def test_the_default_limit_is_langgraphs(stream: Any) -> None:
    # LangGraph 1.2's real default: 10007 (LANGGRAPH_DEFAULT_RECURSION_LIMIT overrides it)
    assert DEFAULT_RECURSION_LIMIT == 10007
    seen = stream(counting_graph(), {"seen": []}, stream_mode="values")[-1]["seen"]
    assert seen[0] == (10006, False) and seen[-1] == (1, True)


def test_managed_keys_are_not_input_output_or_state() -> None:
    graph = counting_graph()
    out = graph.invoke({"seen": [], "left": 1000}, {"recursion_limit": 4})
    assert out == {"seen": [(3, False), (2, False), (1, True)]}
    assert "left" not in graph.channel_protos


def test_pydantic_state_with_managed_value() -> None:
    class State(BaseModel):
        n: int = 0
        left: RemainingSteps = 0

    def bump(state: State) -> Any:
        return {"n": state.left}

    graph = StateGraph(State).add_node(bump).add_edge(START, "bump").compile()
    assert graph.invoke({"n": 1}, {"recursion_limit": 7}) == {"n": 6}


def test_not_required_keeps_the_reducer() -> None:
    class State(TypedDict):
        log: NotRequired[Annotated[list, operator.add]]

    def a(state: State) -> Any:
        return {"log": ["a"]}

    graph = StateGraph(State).add_node(a).add_edge(START, "a").compile()
    assert graph.invoke({"log": ["in"]}) == {"log": ["in", "a"]}


def test_an_endless_loop_stops_at_the_default_limit() -> None:
    class State(TypedDict):
        n: int

    graph = (
        StateGraph(State)
        .add_node("spin", lambda s: {"n": s["n"] + 1})
        .add_edge(START, "spin")
        .add_edge("spin", "spin")
        .compile()
    )
    with pytest.raises(GraphRecursionError, match="Recursion limit of 10007 reached"):
        graph.invoke({"n": 0})
