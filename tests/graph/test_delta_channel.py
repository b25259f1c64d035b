"""``DeltaChannel``: a reducer that folds a step's writes in one call."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage

from streamgraph.channels.base import MISSING
from streamgraph.channels.delta import DeltaChannel
from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.errors import InvalidUpdateError
from streamgraph.graph import END, START, StateGraph
from streamgraph.graph.message import _messages_delta_reducer
from streamgraph.types import Overwrite


def concat(state: list[Any], writes: list[Any]) -> list[Any]:
    calls.append(len(writes))
    return [*state, *(item for write in writes for item in write)]


calls: list[int] = []


class Items(TypedDict):
    items: Annotated[list[str], DeltaChannel(concat)]


def _fan_out() -> Any:
    builder = StateGraph(Items)
    builder.add_node("a", lambda s: {"items": ["a"]})
    builder.add_node("b", lambda s: {"items": ["b"]})
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    return builder.compile(checkpointer=InMemorySaver())


def test_a_step_is_reduced_in_one_call(invoke: Any) -> None:
    calls.clear()
    config = {"configurable": {"thread_id": "1"}}
    graph = _fan_out()
    assert invoke(graph, {"items": ["in"]}, config=config) == {"items": ["in", "a", "b"]}
    assert calls == [1, 2]  # the input, then a and b together
    assert invoke(graph, {"items": ["again"]}, config=config)["items"] == [
        "in",
        "a",
        "b",
        "again",
        "a",
        "b",
    ]


def test_overwrite_and_one_overwrite_per_step() -> None:
    builder = StateGraph(Items)
    builder.add_node("reset", lambda s: {"items": Overwrite(["fresh"])})
    builder.add_edge(START, "reset")
    assert builder.compile().invoke({"items": ["old"]}) == {"items": ["fresh"]}
    builder = StateGraph(Items)
    builder.add_node("a", lambda s: {"items": Overwrite(["a"])})
    builder.add_node("b", lambda s: {"items": Overwrite(["b"])})
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    with pytest.raises(InvalidUpdateError, match="one Overwrite"):
        builder.compile().invoke({"items": []})


class Chat(TypedDict):
    messages: Annotated[list[Any], DeltaChannel(_messages_delta_reducer)]


def test_messages_get_stable_ids_and_reload() -> None:
    def reply(state: Chat) -> Chat:
        first = state["messages"][0]
        return {"messages": [AIMessage("hi"), RemoveMessage(id=first.id)]}

    graph = (
        StateGraph(Chat)
        .add_node("reply", reply)
        .add_edge(START, "reply")
        .add_edge("reply", END)
        .compile(checkpointer=InMemorySaver())
    )
    config = {"configurable": {"thread_id": "1"}}
    graph.invoke({"messages": [{"role": "user", "content": "hello"}]}, config)
    graph.invoke({"messages": [HumanMessage("again")]}, config)

    async def reread() -> list[Any]:
        return (await graph.aget_state(config)).values["messages"]

    first, second = graph.get_state(config).values["messages"], asyncio.run(reread())
    # each run removes the oldest message and adds a reply
    assert [(type(m).__name__, m.content) for m in first] == [
        ("HumanMessage", "again"),
        ("AIMessage", "hi"),
    ]
    assert [m.id for m in first] == [m.id for m in second]
    assert all(m.id for m in first)


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="snapshot_frequency"):
        DeltaChannel(concat, snapshot_frequency=0)
    with pytest.raises(TypeError, match="reducer"):
        DeltaChannel(42)  # type: ignore[arg-type]


def test_from_checkpoint_and_replayed_writes() -> None:
    channel = DeltaChannel(concat, list)
    assert channel.from_checkpoint(MISSING).get() == []
    seeded = channel.from_checkpoint(["seed"])
    seeded.replay_writes([("t1", "items", ["a"]), ("t2", "items", ["b"])])
    assert seeded.get() == ["seed", "a", "b"]
    reset = channel.from_checkpoint(["seed"])
    reset.replay_writes([("t1", "items", ["a"]), ("t2", "items", Overwrite(["new"]))])
    assert reset.get() == ["new"]
    last = DeltaChannel(lambda state, writes: writes[-1] if writes else state)
    from_none = last.from_checkpoint(None)
    from_none.replay_writes([])
    assert from_none.get() is None  # None is a value, not "nothing saved"
