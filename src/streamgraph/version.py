"""The package version, at LangGraph's import path (``langgraph.version.__version__``)."""

from __future__ import annotations

from streamgraph import __version__

__all__ = ("__version__",)
