"""Graphs of the auth tests: ``whoami`` says who the run belongs to (as a graph reads it from
its config), ``slow`` runs long enough to be joined and cancelled. Written for LangGraph;
our server serves a copy with ``langgraph`` renamed to ``streamgraph``."""

import asyncio
from typing import Any, TypedDict

from langgraph.config import get_config
from langgraph.graph import START, StateGraph


class State(TypedDict, total=False):
    topic: str
    user_id: Any
    identity: Any
    permissions: Any
    configurable_user_id: Any


def whoami(state: State) -> State:
    configurable = get_config()["configurable"]
    user = configurable.get("langgraph_auth_user")
    return {
        "user_id": configurable.get("langgraph_auth_user_id"),
        "identity": None if user is None else user.identity,
        "permissions": list(configurable.get("langgraph_auth_permissions") or []),
        "configurable_user_id": configurable.get("user_id"),
    }


async def tick(state: State) -> State:
    for _ in range(int(state.get("topic") or 1)):
        await asyncio.sleep(0.1)
    return {"topic": "done"}


whoami_graph = StateGraph(State).add_node("whoami", whoami).add_edge(START, "whoami").compile()
slow_graph = StateGraph(State).add_node("tick", tick).add_edge(START, "tick").compile()
