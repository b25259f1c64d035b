"""Deprecated home of the types now in ``streamgraph.types`` (importing it warns, as
LangGraph's ``langgraph.pregel.types`` does)."""

from __future__ import annotations

import warnings

from streamgraph.types import (
    All,
    CachePolicy,
    PregelTask,
    RetryPolicy,
    StateSnapshot,
    StateUpdate,
    StreamMode,
    StreamWriter,
    default_retry_on,
)
from streamgraph.warnings import LangGraphDeprecatedSinceV10

__all__ = (
    "All",
    "CachePolicy",
    "PregelTask",
    "RetryPolicy",
    "StateSnapshot",
    "StateUpdate",
    "StreamMode",
    "StreamWriter",
    "default_retry_on",
)

warnings.warn(
    "Importing from langgraph.pregel.types is deprecated. Please use 'from langgraph.types "
    "import ...' instead.",
    LangGraphDeprecatedSinceV10,
    stacklevel=2,
)
