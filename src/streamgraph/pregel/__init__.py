"""The super-step runtime compiled graphs run on."""

from __future__ import annotations

from streamgraph.pregel._builder import NodeBuilder
from streamgraph.pregel.main import Pregel

__all__ = ("NodeBuilder", "Pregel")
