"""The super-step runtime compiled graphs run on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamgraph.pregel.main import Pregel

if TYPE_CHECKING:
    from streamgraph.pregel._builder import NodeBuilder

__all__ = ("NodeBuilder", "Pregel")


def __getattr__(name: str) -> Any:
    if name == "NodeBuilder":  # the low-level API, imported on first use
        from streamgraph.pregel._builder import NodeBuilder

        return NodeBuilder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
