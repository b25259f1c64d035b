"""LangGraph's module path for ``AnyValue``."""

from streamgraph.channels.ephemeral import AnyValue

__all__ = ("AnyValue",)
