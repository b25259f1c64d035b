"""``Runtime``: what a node can ask for with a ``runtime`` parameter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from streamgraph.types import StreamWriter

__all__ = ("Runtime",)

ContextT = TypeVar("ContextT")


def _no_op(_: Any) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Runtime(Generic[ContextT]):
    """Run-scoped things a node may use: the ``context`` passed to ``invoke(..., context=)``,
    the store, and the ``custom`` stream writer."""

    context: ContextT = None  # type: ignore[assignment]
    store: Any = None
    stream_writer: StreamWriter = field(default=_no_op)
    previous: Any = None
