"""A graph built wrong fails at add_*/compile time with an error that names the problem."""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

import pytest

from streamgraph.errors import GraphSetupError, StreamGraphError
from streamgraph.graph import END, START, StateGraph


class S(TypedDict):
    n: int
    log: Annotated[list, operator.add]


def a(state: S) -> dict:
    return {"n": 1}


def b(state: S) -> dict:
    return {"n": 2}


def test_setup_errors_are_value_errors_under_the_root() -> None:
    assert issubclass(GraphSetupError, ValueError)
    assert issubclass(GraphSetupError, StreamGraphError)


def test_edge_to_unknown_node_names_it() -> None:
    builder = StateGraph(S).add_node(a).add_edge(START, "a").add_edge("a", "ghost")
    with pytest.raises(GraphSetupError, match="unknown node `ghost`"):
        builder.compile()


def test_edge_from_unknown_node_names_it() -> None:
    builder = StateGraph(S).add_node(a).add_edge(START, "a").add_edge("ghost", "a")
    with pytest.raises(GraphSetupError, match="unknown node 'ghost'"):
        builder.compile()


def test_join_from_unknown_node_names_it() -> None:
    builder = StateGraph(S).add_node(a).add_edge(START, "a").add_edge(["a", "ghost"], END)
    with pytest.raises(GraphSetupError, match="ghost"):
        builder.compile()


def test_missing_entry_point() -> None:
    with pytest.raises(GraphSetupError, match="entrypoint"):
        StateGraph(S).add_node(a).compile()


def test_conditional_path_map_to_unknown_node() -> None:
    builder = StateGraph(S).add_node(a).add_conditional_edges(START, lambda s: "x", {"x": "ghost"})
    with pytest.raises(GraphSetupError, match="unknown target 'ghost'"):
        builder.compile()


def test_duplicate_node() -> None:
    builder = StateGraph(S).add_node(a)
    with pytest.raises(GraphSetupError, match="Node `a` already present"):
        builder.add_node(a)


@pytest.mark.parametrize("name", [START, END, "__interrupt__"])
def test_reserved_node_names(name: str) -> None:
    with pytest.raises(GraphSetupError, match="reserved"):
        StateGraph(S).add_node(name, a)


@pytest.mark.parametrize("name", ["a:b", "a|b"])
def test_reserved_characters_in_node_names(name: str) -> None:
    with pytest.raises(GraphSetupError, match="reserved character"):
        StateGraph(S).add_node(name, a)


def test_node_that_is_not_callable() -> None:
    with pytest.raises(TypeError, match="unsupported type"):
        StateGraph(S).add_node("x", 5)


def test_end_as_start_and_start_as_end() -> None:
    with pytest.raises(GraphSetupError, match="END cannot be a start node"):
        StateGraph(S).add_edge(END, "a")
    with pytest.raises(GraphSetupError, match="START cannot be an end node"):
        StateGraph(S).add_edge("a", START)


def test_interrupt_on_unknown_node() -> None:
    builder = StateGraph(S).add_node(a).add_edge(START, "a")
    with pytest.raises(GraphSetupError, match="Interrupt node `ghost` not found"):
        builder.compile(interrupt_before=["ghost"])


def test_unreachable_node_is_named() -> None:
    builder = StateGraph(S).add_node(a).add_node(b).add_edge(START, "a")
    with pytest.warns(UserWarning, match="Node `b` is not reachable"):
        builder.compile()


def test_nodes_reachable_through_command_are_not_flagged() -> None:
    from streamgraph.types import Command

    def router(state: S) -> Command:
        return Command(goto="b")

    StateGraph(S).add_node(router).add_node(b).add_edge(START, "router").compile()


def test_a_plain_type_is_a_single_value_state() -> None:
    # As LangGraph: any other type than a TypedDict/dataclass/model is one root value.
    graph = StateGraph(int).add_node("inc", lambda n: n + 1).add_edge(START, "inc").compile()
    assert graph.invoke(1) == 2


def test_empty_sequence() -> None:
    with pytest.raises(GraphSetupError, match="at least one node"):
        StateGraph(S).add_sequence([])
