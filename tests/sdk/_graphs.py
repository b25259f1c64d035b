"""Graphs the SDK tests run on a server, written against the ``langgraph`` API.

The server fixture copies this file next to a ``langgraph.json`` (``GRAPHS``). It only uses
``langgraph.graph``, ``langgraph.config``, ``langgraph.types`` and ``langchain_core``, so a
streamgraph server can serve the same file with ``langgraph`` replaced by ``streamgraph``.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

GRAPHS = ("joke", "sub", "custom", "chat", "hitl", "error", "slow")


# -- seed 001: the joke graph and the subgraph example ------------------------------------------


class State(TypedDict):
    topic: str
    joke: str


def refine_topic(state: State) -> dict[str, Any]:
    return {"topic": state["topic"] + " and cats"}


def generate_joke(state: State) -> dict[str, Any]:
    return {"joke": f"This is a joke about {state['topic']}"}


joke = (
    StateGraph(State)
    .add_node(refine_topic)
    .add_node(generate_joke)
    .add_edge(START, "refine_topic")
    .add_edge("refine_topic", "generate_joke")
    .add_edge("generate_joke", END)
    .compile()
)


class SubgraphState(TypedDict):
    foo: str
    bar: str


def subgraph_node_1(state: SubgraphState) -> dict[str, Any]:
    return {"bar": "bar"}


def subgraph_node_2(state: SubgraphState) -> dict[str, Any]:
    return {"foo": state["foo"] + state["bar"]}


_subgraph = (
    StateGraph(SubgraphState)
    .add_node(subgraph_node_1)
    .add_node(subgraph_node_2)
    .add_edge(START, "subgraph_node_1")
    .add_edge("subgraph_node_1", "subgraph_node_2")
    .compile()
)


class ParentState(TypedDict):
    foo: str


def node_1(state: ParentState) -> dict[str, Any]:
    return {"foo": "hi! " + state["foo"]}


sub = (
    StateGraph(ParentState)
    .add_node("node_1", node_1)
    .add_node("node_2", _subgraph)
    .add_edge(START, "node_1")
    .add_edge("node_1", "node_2")
    .compile()
)


# -- helpers ------------------------------------------------------------------------------------


class CountState(TypedDict, total=False):
    count: int
    pause: float
    done: int


async def emit(state: CountState) -> dict[str, Any]:
    """``count`` custom events ``{"i": n}``, ``pause`` seconds apart."""
    write = get_stream_writer()
    pause = state.get("pause", 0.0)
    for i in range(state["count"]):
        write({"i": i})
        if pause:
            await asyncio.sleep(pause)
    return {"done": state["count"]}


custom = StateGraph(CountState).add_node(emit).add_edge(START, "emit").compile()


def call_model(state: State) -> dict[str, Any]:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    model = GenericFakeChatModel(messages=iter([AIMessage("hello there friend")]))
    reply = model.invoke([{"role": "user", "content": f"Generate a joke about {state['topic']}"}])
    return {"joke": reply.content}


chat = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()


def ask(state: State) -> dict[str, Any]:
    answer = interrupt({"question": "approve?", "topic": state["topic"]})
    return {"joke": f"{answer}: {state['topic']}"}


hitl = StateGraph(State).add_node(ask).add_edge(START, "ask").compile()


def boom(state: State) -> dict[str, Any]:
    raise ValueError("boom happened")


error = StateGraph(State).add_node(boom).add_edge(START, "boom").compile()


class SlowState(TypedDict, total=False):
    topic: str
    joke: str
    sleep: float


async def slow_node(state: SlowState) -> dict[str, Any]:
    await asyncio.sleep(state.get("sleep", 1.0))
    return {"joke": f"slow {state['topic']}"}


slow = StateGraph(SlowState).add_node(slow_node).add_edge(START, "slow_node").compile()
