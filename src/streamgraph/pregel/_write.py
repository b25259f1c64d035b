"""Channel writes of low-level ``Pregel`` nodes: what a node's output writes where.

``ChannelWriteEntry(channel)`` writes the node's output to ``channel``; with ``value=`` a fixed
value instead, with ``mapper=`` what the mapper makes of the output, and with
``skip_none=True`` nothing when that is ``None``. A ``Send`` written anywhere becomes a task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from streamgraph.constants import TASKS
from streamgraph.types import Send

__all__ = ("PASSTHROUGH", "ChannelWrite", "ChannelWriteEntry", "ChannelWriteTupleEntry")


class _Passthrough:
    __slots__ = ()

    def __repr__(self) -> str:
        return "PASSTHROUGH"


PASSTHROUGH: Any = _Passthrough()
"""Write the node's output itself."""


class ChannelWriteEntry(NamedTuple):
    channel: str
    """The channel written to."""
    value: Any = PASSTHROUGH
    """The value written (``PASSTHROUGH``: the node's output)."""
    skip_none: bool = False
    """Write nothing when the value is ``None``."""
    mapper: Callable[[Any], Any] | None = None
    """Turns the value into what is written."""


class ChannelWriteTupleEntry(NamedTuple):
    mapper: Callable[[Any], Sequence[tuple[str, Any]] | None]
    """Turns the value into ``(channel, value)`` pairs."""
    value: Any = PASSTHROUGH
    static: Sequence[tuple[str, Any, str | None]] | None = None


class ChannelWrite:
    """The writes a node makes from its output (a list of entries)."""

    __slots__ = ("tags", "writes")

    def __init__(
        self,
        writes: Sequence[ChannelWriteEntry | ChannelWriteTupleEntry | Send],
        *,
        tags: Sequence[str] | None = None,
    ) -> None:
        self.writes = list(writes)
        self.tags = list(tags or ())

    def __repr__(self) -> str:
        return f"ChannelWrite({self.writes!r})"

    def writes_for(self, output: Any) -> list[tuple[str, Any]]:
        """The ``(channel, value)`` writes ``output`` makes."""
        writes: list[tuple[str, Any]] = []
        for entry in self.writes:
            if isinstance(entry, Send):
                writes.append((TASKS, entry))
                continue
            value = output if entry.value is PASSTHROUGH else entry.value
            if isinstance(entry, ChannelWriteTupleEntry):
                writes.extend(entry.mapper(value) or ())
                continue
            if entry.mapper is not None:
                value = entry.mapper(value)
            if value is None and entry.skip_none:
                continue
            writes.append((TASKS, value) if isinstance(value, Send) else (entry.channel, value))
        return writes
