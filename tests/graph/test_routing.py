"""Conditional edges: what they read, what they may be, where they run."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, Literal

import pytest
from langchain_core.runnables import RunnableLambda, RunnablePick
from typing_extensions import TypedDict

from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.graph import END, START, StateGraph
from streamgraph.types import Command


class State(TypedDict):
    log: Annotated[list[str], operator.add]


def test_a_route_sees_extra_keys_its_node_returned() -> None:
    seen: list[Any] = []

    def node(state: State) -> dict[str, Any]:
        return {"log": ["n"], "hint": "stop"}  # hint is no state key: not stored

    def route(state: dict[str, Any]) -> str:
        seen.append(dict(state))
        return END if state.get("hint") == "stop" else "node"

    builder = StateGraph(State)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    builder.add_conditional_edges("node", route)
    assert builder.compile().invoke({"log": []}) == {"log": ["n"]}
    assert seen == [{"log": ["n"], "hint": "stop"}]  # state keys win over the output's


def test_a_typeddict_of_root_alone_is_a_root_value() -> None:
    class Root(TypedDict):
        __root__: Annotated[list[int], operator.add]

    builder = StateGraph(Root)
    builder.add_node("count", lambda items: [len(items)])
    builder.add_edge(START, "count")
    assert builder.compile().invoke([7]) == [7, 1]


def test_a_runnable_as_route() -> None:
    class Both(TypedDict):
        items: Annotated[list[int], operator.add]
        other: str

    builder = StateGraph(Both)
    builder.add_node("grow", lambda s: {"items": [len(s["items"])]})
    builder.add_edge(START, "grow")
    route = RunnablePick("items") | RunnableLambda(
        lambda items: "end" if len(items) > 2 else "more"
    )
    builder.add_conditional_edges("grow", route, {"more": "grow", "end": END})
    graph = builder.compile()
    assert graph.invoke({"items": [0]}) == {"items": [0, 1, 2]}
    assert asyncio.run(graph.ainvoke({"items": [0]})) == {"items": [0, 1, 2]}


def _async_routed() -> StateGraph:
    def work(state: State) -> dict[str, Any]:  # a sync node...
        return {"log": ["work"]}

    async def route(state: State) -> Literal["done", "__end__"]:  # ...with an async route
        await asyncio.sleep(0)
        return "done" if len(state["log"]) < 3 else END

    builder = StateGraph(State)
    builder.add_node("work", work)
    builder.add_node("done", lambda s: {"log": ["done"]})
    builder.add_edge(START, "work")
    builder.add_conditional_edges("work", route)
    return builder


def test_an_async_route_of_a_sync_node_runs_in_async_runs() -> None:
    graph = _async_routed().compile()
    assert asyncio.run(graph.ainvoke({"log": []})) == {"log": ["work", "done"]}
    with pytest.raises(TypeError, match="No synchronous function provided to 'work'"):
        graph.invoke({"log": []})


def test_aupdate_state_runs_an_async_route() -> None:
    graph = _async_routed().compile(checkpointer=InMemorySaver(), interrupt_before=["work"])
    config = {"configurable": {"thread_id": "1"}}

    async def main() -> Any:
        await graph.ainvoke({"log": []}, config)
        await graph.aupdate_state(config, {"log": ["by hand"]}, as_node="work")
        return (await graph.aget_state(config)).next

    assert asyncio.run(main()) == ("done",)


def test_nodes_nothing_follows_are_drawn_to_end_after_the_declared_edges() -> None:
    def first(state: State) -> Command[Literal["second"]]:
        return Command(goto="second")

    def second(state: State) -> Literal["ignored"]:  # a bare Literal names no destination
        return "ignored"

    builder = StateGraph(State)
    builder.add_node("first", first)
    builder.add_node("second", second)
    builder.add_edge(START, "first")
    edges = builder.compile().get_graph().to_json()["edges"]
    assert edges == [
        {"source": "__start__", "target": "first"},
        {"source": "first", "target": "second", "conditional": True},
        {"source": "second", "target": "__end__"},
    ]
