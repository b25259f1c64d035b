"""The writer of the tool call running in this context (``tools`` stream mode).

While a tool runs in a graph streamed with ``"tools"``, the mode's handler sets
``_tool_call_writer`` to a function that streams ``tool-output-delta`` events for that call;
``ToolRuntime.emit_output_delta`` calls it (and does nothing when it is unset). The name is
LangGraph's, which libraries and tests import.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

__all__ = ("ToolCallWriter", "_tool_call_writer")

ToolCallWriter = Callable[[Any], None]

_tool_call_writer: ContextVar[ToolCallWriter | None] = ContextVar(
    "langgraph_tool_call_writer", default=None
)
