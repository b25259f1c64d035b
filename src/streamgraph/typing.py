"""Type variables of generic graphs (``StateGraph[StateT, ContextT, InputT, OutputT]``), at
LangGraph's import path."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypeVar

__all__ = ("ContextT", "InputT", "OutputT", "StateT", "StateT_co", "StateT_contra")

StateT = TypeVar("StateT", bound=Any)
"""The graph's state."""
StateT_co = TypeVar("StateT_co", bound=Any, covariant=True)
StateT_contra = TypeVar("StateT_contra", bound=Any, contravariant=True)
ContextT = TypeVar("ContextT", bound=Any, default=None)
"""The run's context (``invoke(..., context=...)``)."""
ContextT_contra = TypeVar("ContextT_contra", bound=Any, contravariant=True, default=None)
InputT = TypeVar("InputT", bound=Any, default=StateT)
"""The graph's input (defaults to its state)."""
OutputT = TypeVar("OutputT", bound=Any, default=StateT)
"""The graph's output (defaults to its state)."""
NodeInputT = TypeVar("NodeInputT", bound=Any)
NodeInputT_contra = TypeVar("NodeInputT_contra", bound=Any, contravariant=True)
