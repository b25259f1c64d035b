"""get_graph(): LangChain's drawable Graph with every way one node can lead to another."""

from __future__ import annotations

from typing import Literal, TypedDict

from streamgraph.graph import END, START, StateGraph
from streamgraph.types import Command


class S(TypedDict):
    x: int


def a(state: S) -> dict:
    return {}


def b(state: S) -> dict:
    return {}


def c(state: S) -> dict:
    return {}


def edges(graph: object) -> set[tuple[str, str, bool]]:
    return {(e.source, e.target, e.conditional) for e in graph.edges}  # type: ignore[attr-defined]


def test_static_join_and_implicit_end_edges() -> None:
    graph = (
        StateGraph(S)
        .add_node(a)
        .add_node(b)
        .add_node(c)
        .add_edge(START, "a")
        .add_edge(START, "b")
        .add_edge(["a", "b"], "c")
        .compile()
    )
    drawn = graph.get_graph()
    assert list(drawn.nodes) == ["__start__", "a", "b", "c", "__end__"]
    assert edges(drawn) == {
        ("__start__", "a", False),
        ("__start__", "b", False),
        ("a", "c", False),
        ("b", "c", False),
        ("c", "__end__", False),
    }


def test_conditional_edges_with_path_map_literal_hint_or_nothing() -> None:
    def to_b_or_end(state: S) -> Literal["b", "__end__"]:
        return "b"

    def anything(state: S) -> str:
        return "c"

    graph = (
        StateGraph(S)
        .add_node(a)
        .add_node(b)
        .add_node(c)
        .add_edge(START, "a")
        .add_conditional_edges("a", to_b_or_end)
        .add_conditional_edges("b", anything)
        .add_conditional_edges("c", anything, {"again": "a", "stop": END})
        .compile()
    )
    drawn = graph.get_graph()
    assert edges(drawn) == {
        ("__start__", "a", False),
        ("a", "b", True),
        ("a", "__end__", True),
        ("b", "a", True),
        ("b", "c", True),
        ("b", "__end__", True),
        ("c", "a", True),
        ("c", "__end__", True),
    }
    labels = {(e.source, e.target): e.data for e in drawn.edges}
    assert labels[("c", "a")] == "again"
    assert "c -. &nbsp;again&nbsp; .-> a;" in drawn.draw_mermaid()


def test_command_destinations_from_annotations_and_declared() -> None:
    def router(state: S) -> Command[Literal["b", "c"]]:
        return Command(goto="b")

    graph = (
        StateGraph(S)
        .add_node(router)
        .add_node(b)
        .add_node(c, destinations=("b",))
        .add_edge(START, "router")
        .compile()
    )
    assert edges(graph.get_graph()) == {
        ("__start__", "router", False),
        ("router", "b", True),
        ("router", "c", True),
        ("c", "b", True),
        ("b", "__end__", False),
    }


def test_xray_expands_subgraphs_to_a_given_depth() -> None:
    inner = StateGraph(S).add_node(a).add_node(b).add_edge(START, "a").add_edge("a", "b").compile()
    middle = StateGraph(S).add_node("inner", inner).add_edge(START, "inner").compile()
    graph = StateGraph(S).add_node("middle", middle).add_edge(START, "middle").compile()
    assert list(graph.get_graph().nodes) == ["__start__", "middle", "__end__"]
    assert list(graph.get_graph(xray=1).nodes) == ["__start__", "middle:inner", "__end__"]
    full = graph.get_graph(xray=True)
    assert list(full.nodes) == ["__start__", "middle:inner:a", "middle:inner:b", "__end__"]
    assert edges(full) == {
        ("__start__", "middle:inner:a", False),
        ("middle:inner:a", "middle:inner:b", False),
        ("middle:inner:b", "__end__", False),
    }


def test_to_json_has_langgraphs_shape() -> None:
    graph = StateGraph(S).add_node(a).add_edge(START, "a").add_edge("a", END).compile()
    assert graph.get_graph().to_json() == {
        "nodes": [
            {
                "id": "__start__",
                "type": "runnable",
                "data": {"id": ["streamgraph", "RunnableCallable"], "name": "__start__"},
            },
            {
                "id": "a",
                "type": "runnable",
                "data": {"id": ["streamgraph", "RunnableCallable"], "name": "a"},
            },
            {"id": "__end__"},
        ],
        "edges": [
            {"source": "__start__", "target": "a"},
            {"source": "a", "target": "__end__"},
        ],
    }
