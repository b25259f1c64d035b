"""Graphs the server tests serve: the seed 001 graphs and a few for lifecycle tests."""

import asyncio
import itertools
import time
from typing import TypedDict

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from streamgraph.config import get_stream_writer
from streamgraph.graph import END, START, StateGraph
from streamgraph.server.demo_graphs import State, joke, sub  # the seed 001 graphs
from streamgraph.types import interrupt

model = GenericFakeChatModel(messages=itertools.cycle([AIMessage("hello there friend")]))


def call_model(state: State):
    return {"joke": model.invoke([{"role": "user", "content": state["topic"]}]).content}


chat = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()


def emit(state: State):
    writer = get_stream_writer()
    for i in range(3):
        writer({"i": i})
    return {"joke": "emitted 2"}


custom = StateGraph(State).add_node(emit).add_edge(START, "emit").compile()


def ask(state: State):
    answer = interrupt({"question": "approve?", "topic": state["topic"]})
    return {"joke": f"answer {answer}"}


hitl = StateGraph(State).add_node(ask).add_edge(START, "ask").compile()


async def tick(state: State):
    writer = get_stream_writer()
    for i in range(int(state.get("topic") or 5)):
        writer({"tick": i})
        await asyncio.sleep(0.1)
    return {"joke": "slow"}


slow = StateGraph(State).add_node(tick).add_edge(START, "tick").compile()

SIDE_EFFECTS: list[str] = []


def sync_sleeper(state: State):
    time.sleep(0.3)
    SIDE_EFFECTS.append(state["topic"])
    return {"joke": "slept"}


inner = StateGraph(State).add_node(sync_sleeper).add_edge(START, "sync_sleeper").compile()


async def first(state: State):
    get_stream_writer()({"step": "first"})
    return {}


nested_slow = (
    StateGraph(State)
    .add_node(first)
    .add_node("inner", inner)
    .add_node("after", sync_sleeper)
    .add_edge(START, "first")
    .add_edge("first", "inner")
    .add_edge("inner", "after")
    .compile()
)


def many(state: State):
    writer = get_stream_writer()
    for i in range(int(state["topic"])):
        writer({"n": i})
    return {"joke": "done"}


burst = StateGraph(State).add_node(many).add_edge(START, "many").compile()


def boom(state: State):
    raise ValueError("boom happened")


err = StateGraph(State).add_node(boom).add_edge(START, "boom").compile()

GRAPHS = {
    "joke": joke,
    "sub": sub,
    "chat": chat,
    "custom": custom,
    "hitl": hitl,
    "slow": slow,
    "nested_slow": nested_slow,
    "burst": burst,
    "err": err,
}

STEPS_DONE: list[int] = []


class Steps(TypedDict, total=False):
    count: int
    n: int


def counted_step(state: Steps):
    count = state.get("count", 0) + 1
    STEPS_DONE.append(count)
    time.sleep(0.05)
    return {"count": count}


def more_steps(state: Steps):
    return "counted_step" if state["count"] < state["n"] else END


steps = StateGraph(Steps).add_node(counted_step).add_edge(START, "counted_step")
steps = steps.add_conditional_edges("counted_step", more_steps).compile()
GRAPHS["steps"] = steps
