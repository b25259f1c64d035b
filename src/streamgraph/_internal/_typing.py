"""Typing helpers LangGraph-based libraries import (``DeprecatedKwargs``)."""

from __future__ import annotations

from typing_extensions import TypedDict

__all__ = ("DeprecatedKwargs",)


class DeprecatedKwargs(TypedDict):
    """Marks ``**kwargs`` that only carry deprecated keyword arguments."""
