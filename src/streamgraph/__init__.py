"""streamgraph: a LangGraph-compatible graph runtime built for streaming."""

from __future__ import annotations

__version__ = "0.1.0"
