"""A graph compiled with ``store=`` hands it to nodes (``store`` parameter, ``Runtime.store``,
``get_store()``) and to tools (``InjectedStore``)."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import tool

from streamgraph.config import get_store
from streamgraph.graph import END, START, StateGraph
from streamgraph.prebuilt import InjectedStore, ToolNode
from streamgraph.runtime import Runtime
from streamgraph.store.base import BaseStore
from streamgraph.store.memory import InMemoryStore


class State(TypedDict):
    n: int


def test_nodes_see_the_compiled_store(invoke: Any) -> None:
    store = InMemoryStore()

    def by_param(state: State, store: BaseStore) -> State:
        store.put(("seen",), "param", {"n": state["n"]})
        return {"n": state["n"] + 1}

    def by_runtime(state: State, runtime: Runtime[None]) -> State:
        assert runtime.store is not None
        runtime.store.put(("seen",), "runtime", {"n": state["n"]})
        return {"n": state["n"] + 1}

    def by_getter(state: State) -> State:
        get_store().put(("seen",), "getter", {"n": state["n"]})
        return {"n": state["n"] + 1}

    builder = StateGraph(State)
    builder.add_node(by_param)
    builder.add_node(by_runtime)
    builder.add_node(by_getter)
    builder.add_edge(START, "by_param")
    builder.add_edge("by_param", "by_runtime")
    builder.add_edge("by_runtime", "by_getter")
    builder.add_edge("by_getter", END)
    assert invoke(builder.compile(store=store), {"n": 0}) == {"n": 3}
    assert {i.key: i.value["n"] for i in store.search(("seen",))} == {
        "param": 0,
        "runtime": 1,
        "getter": 2,
    }


@tool
def remember(text: str, store: Annotated[Any, InjectedStore()]) -> str:
    """Remember a text."""
    store.put(("notes",), text, {"text": text})
    return "saved"


def _tool_graph(store: BaseStore | None) -> Any:
    class Messages(TypedDict):
        messages: list[Any]

    builder = StateGraph(Messages)
    builder.add_node("tools", ToolNode([remember]))
    builder.add_edge(START, "tools")
    return builder.compile(store=store)


def test_tools_get_the_injected_store() -> None:
    store = InMemoryStore()
    call = {"name": "remember", "args": {"text": "milk"}, "id": "1", "type": "tool_call"}
    out = _tool_graph(store).invoke({"messages": [AIMessage("", tool_calls=[call])]})
    assert out["messages"][-1].content == "saved"
    assert store.get(("notes",), "milk") is not None
    schema = remember.tool_call_schema.model_json_schema()  # the model never sees the store
    assert "store" not in schema["properties"]


def test_a_tool_wanting_a_store_without_one_is_told() -> None:
    call = {"name": "remember", "args": {"text": "milk"}, "id": "1", "type": "tool_call"}
    with pytest.raises(ValueError, match="compile your graph with a store"):
        _tool_graph(None).invoke({"messages": [AIMessage("", tool_calls=[call])]})


def test_subgraphs_use_the_parents_store(invoke: Any) -> None:
    store = InMemoryStore()

    def inner(state: State, store: BaseStore) -> State:
        store.put(("sub",), "seen", {"n": state["n"]})
        return {"n": state["n"] + 1}

    sub = StateGraph(State)
    sub.add_node(inner)
    sub.add_edge(START, "inner")
    parent = StateGraph(State)
    parent.add_node("sub", sub.compile())  # compiled without a store
    parent.add_edge(START, "sub")
    assert invoke(parent.compile(store=store), {"n": 5}) == {"n": 6}
    item = store.get(("sub",), "seen")
    assert item is not None and item.value == {"n": 5}
