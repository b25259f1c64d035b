"""LangGraph's name for the writer of the tool call running in this context (``tools`` mode).

``_tool_call_writer`` is ``streamgraph._context.TOOL_CALL_WRITER``: set by the ``tools`` mode
handler while a tool runs, read by ``ToolRuntime.emit_output_delta``. Libraries and tests
import it from here, as from LangGraph.
"""

from __future__ import annotations

from streamgraph._context import TOOL_CALL_WRITER

__all__ = ("_tool_call_writer",)

_tool_call_writer = TOOL_CALL_WRITER
