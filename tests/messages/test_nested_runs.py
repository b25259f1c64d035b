"""A graph run inside a node with the node's config: its model tokens reach each stream once."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.runnables import RunnableConfig
from typing_extensions import TypedDict

from streamgraph.graph import START, MessagesState, StateGraph


def _inner() -> Any:
    model = GenericFakeChatModel(messages=iter(["two words"] * 3))

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": model.invoke(state["messages"])}

    return (
        StateGraph(MessagesState)
        .add_node("call_model", call_model)
        .add_edge(START, "call_model")
        .compile()
    )


def test_tokens_of_a_graph_invoked_in_a_node_stream_once() -> None:
    inner = _inner()

    def outer_node(state: MessagesState, config: RunnableConfig) -> dict[str, Any]:
        return {"messages": inner.invoke({"messages": state["messages"]}, config)["messages"][-1:]}

    outer = (
        StateGraph(MessagesState).add_node("outer", outer_node).add_edge(START, "outer").compile()
    )
    plain = list(outer.stream({"messages": "hi"}, stream_mode="messages"))
    # without subgraphs=True the nested run's tokens are not shown: the node's answer is
    assert [(type(m).__name__, m.content, meta["langgraph_node"]) for m, meta in plain] == [
        ("AIMessage", "two words", "outer")
    ]
    nested = list(outer.stream({"messages": "hi"}, stream_mode="messages", subgraphs=True))
    assert [(len(ns), m.content) for ns, (m, _) in nested] == [(1, "two"), (1, " "), (1, "words")]


def test_a_direct_messages_stream_inside_a_v3_run_stays_v1() -> None:
    inner = _inner()

    class Outer(TypedDict, total=False):
        seen: list[str]

    def outer_node(state: Outer, config: RunnableConfig) -> dict[str, Any]:
        parts = inner.stream({"messages": "hi"}, config, stream_mode="messages")
        return {"seen": [type(message).__name__ for message, _ in parts]}

    outer = StateGraph(Outer).add_node("outer", outer_node).add_edge(START, "outer").compile()
    assert outer.stream_events({}, version="v3").output == {"seen": ["AIMessageChunk"] * 3}
