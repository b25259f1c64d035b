"""The context variable that tells node code which task it runs in.

Set per task by the drivers (``pregel/_run.py``) in a copied ``contextvars.Context``, so it
reaches sync nodes on worker threads, async nodes, tools and nested graphs alike.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamgraph.pregel._scope import Task as Scope

SCOPE: ContextVar[Scope | None] = ContextVar("streamgraph_scope", default=None)

TOOL_CALL_WRITER: ContextVar[Callable[[Any], None] | None] = ContextVar(
    "streamgraph_tool_call_writer", default=None
)
"""While a LangChain tool runs in a run streaming ``tools`` mode: streams one
``tool-output-delta`` of that call (``ToolRuntime.emit_output_delta``)."""


def current_scope() -> Scope:
    """The running task's scope; a clear ``RuntimeError`` outside of one."""
    scope = SCOPE.get()
    if scope is None:
        raise RuntimeError(
            "Called get_config outside of a runnable context: no graph node is running in "
            "this context (a thread you start yourself must copy the context, e.g. with "
            "contextvars.copy_context().run)"
        )
    return scope
