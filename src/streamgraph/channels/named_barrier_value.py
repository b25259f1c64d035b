"""LangGraph's module path for ``NamedBarrierValue``."""

from streamgraph.channels.barrier import NamedBarrierValue

__all__ = ("NamedBarrierValue",)
