"""Build graphs: ``StateGraph``, ``START``, ``END`` (and ``MessagesState``, ``add_messages``)."""

from __future__ import annotations

from typing import Any

from streamgraph.constants import END, START
from streamgraph.graph.state import CompiledStateGraph, StateGraph

__all__ = (
    "END",
    "START",
    "CompiledStateGraph",
    "MessageGraph",
    "MessagesState",
    "StateGraph",
    "add_messages",
)

_LAZY = {"MessageGraph", "MessagesState", "add_messages"}


def __getattr__(name: str) -> Any:
    # Message state needs langchain-core: loaded when asked for, not by ``import`` of this
    # package (graphs that do not use it never import langchain-core).
    if name in _LAZY:
        from streamgraph.graph import message

        return getattr(message, name)
    raise AttributeError(f"module 'streamgraph.graph' has no attribute {name!r}")
