"""Config keys LangGraph-based code reads (the values are LangGraph's)."""

from __future__ import annotations

__all__ = ("CONF", "CONFIG_KEY_RUNTIME")

CONF = "configurable"
CONFIG_KEY_RUNTIME = "__pregel_runtime"
"""``config["configurable"][CONFIG_KEY_RUNTIME]``: a ``Runtime`` given to code run outside a
node (a ``ToolNode`` invoked directly, say); inside a node the task's runtime is used."""
