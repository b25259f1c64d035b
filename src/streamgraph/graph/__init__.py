"""Build graphs: ``StateGraph``, ``START``, ``END``."""

from __future__ import annotations

from streamgraph.constants import END, START
from streamgraph.graph.state import CompiledStateGraph, StateGraph

__all__ = ("END", "START", "CompiledStateGraph", "StateGraph")
