"""Names with a meaning to the runtime: the graph's entry and exit, and reserved tags."""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ("CONF", "END", "START", "TAG_HIDDEN", "TAG_NOSTREAM", "TASKS")

START = sys.intern("__start__")
"""The virtual node the input enters by: ``add_edge(START, "first")``."""

END = sys.intern("__end__")
"""The virtual node a path ends at: ``add_edge("last", END)``."""

TAG_NOSTREAM = sys.intern("nostream")
"""Tag a chat model with it to keep its tokens out of ``messages`` mode."""

TAG_HIDDEN = sys.intern("langsmith:hidden")
"""Tag a node with it to keep its output messages out of ``messages`` mode."""

CONF = sys.intern("configurable")
"""The config key of run options (``thread_id``, ``checkpoint_ns``...), as LangGraph exports
it."""

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


# Private LangGraph constants some programs import; as in LangGraph, importing them from here
# warns (they are not meant to be used directly).
_PRIVATE = {
    "CONF": "configurable",
    "CONFIG_KEY_RUNTIME": "__pregel_runtime",
    "PREVIOUS": "__previous__",
    "TASKS": TASKS,
    "PULL": PULL,
    "PUSH": PUSH,
    "INTERRUPT": INTERRUPT,
    "NS_SEP": NS_SEP,
    "NS_END": NS_END,
}


def __getattr__(name: str) -> Any:
    import warnings

    from streamgraph.warnings import LangGraphDeprecatedSinceV10

    if name in ("Send", "Interrupt"):
        warnings.warn(
            f"Importing {name} from langgraph.constants is deprecated. Please use 'from "
            f"langgraph.types import {name}' instead.",
            LangGraphDeprecatedSinceV10,
            stacklevel=2,
        )
        from streamgraph import types

        return getattr(types, name)
    if name in _PRIVATE:
        warnings.warn(
            f"Importing {name} from langgraph.constants is deprecated. This constant is now "
            "private and should not be used directly. Please let the LangGraph team know if "
            "you need this value.",
            LangGraphDeprecatedSinceV10,
            stacklevel=2,
        )
        return _PRIVATE[name]
    raise AttributeError(f"module has no attribute '{name}'")
