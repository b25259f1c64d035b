"""LangGraph's module path for ``EphemeralValue``."""

from streamgraph.channels.ephemeral import EphemeralValue

__all__ = ("EphemeralValue",)
