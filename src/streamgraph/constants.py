"""Names with a meaning to the runtime: the graph's entry and exit, and reserved tags."""

from __future__ import annotations

import os
import sys

__all__ = ("END", "START", "TAG_HIDDEN", "TAG_NOSTREAM")

START = sys.intern("__start__")
"""The virtual node the input enters by: ``add_edge(START, "first")``."""

END = sys.intern("__end__")
"""The virtual node a path ends at: ``add_edge("last", END)``."""

TAG_NOSTREAM = sys.intern("nostream")
"""Tag a chat model with it to keep its tokens out of ``messages`` mode."""

TAG_HIDDEN = sys.intern("langsmith:hidden")
"""Tag a node with it to keep its output messages out of ``messages`` mode."""

# Internal channel names, kept identical to LangGraph's because they are visible in
# ``tasks``/``debug`` payloads (``triggers``) and in checkpoints.
INTERRUPT = sys.intern("__interrupt__")
TASKS = sys.intern("__pregel_tasks")
PULL = sys.intern("__pregel_pull")
PUSH = sys.intern("__pregel_push")
BRANCH_PREFIX = "branch:to:"
RESERVED_NAMES = frozenset({START, END, INTERRUPT, TASKS})
NS_SEP = "|"
NS_END = ":"

DEFAULT_RECURSION_LIMIT = int(os.environ.get("LANGGRAPH_DEFAULT_RECURSION_LIMIT", "10007"))
"""The ``recursion_limit`` of a run that sets none: LangGraph 1.2's (10007, or the
``LANGGRAPH_DEFAULT_RECURSION_LIMIT`` environment variable, read once at import)."""
