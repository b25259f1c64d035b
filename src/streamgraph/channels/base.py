"""BaseChannel: how one state key merges the writes it receives in a super-step."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from streamgraph.errors import EmptyChannelError

__all__ = ("MISSING", "BaseChannel")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()
"""Marks a channel that holds no value."""


class BaseChannel(ABC):
    """One state key: its current value and the rule that merges a step's writes into it.

    The runtime reads ``value`` directly (``MISSING`` when empty) on its hot path; ``get()``
    is the checked accessor for everyone else.
    """

    __slots__ = ("key", "typ", "value")

    clears_each_step = False
    """True for channels whose value lasts one step (the runtime then calls ``update([])``
    on them after every step in which they were not written)."""

    def __init__(self, typ: Any = Any, key: str = "") -> None:
        self.typ = typ
        self.key = key
        self.value: Any = MISSING

    def get(self) -> Any:
        """The current value; ``EmptyChannelError`` when nothing was written yet."""
        if self.value is MISSING:
            raise EmptyChannelError(self.key)
        return self.value

    def is_available(self) -> bool:
        return self.value is not MISSING

    @abstractmethod
    def update(self, values: Sequence[Any]) -> bool:
        """Merge one step's writes (in deterministic order); return whether the value changed."""

    def consume(self) -> bool:
        """Called when a task triggered by this channel is created; barriers reset here."""
        return False

    def checkpoint(self) -> Any:
        """A serializable form of the value (``MISSING`` when empty)."""
        return self.value

    def from_checkpoint(self, checkpoint: Any) -> BaseChannel:
        """A fresh channel of the same kind holding ``checkpoint``."""
        new = self.copy_empty()
        if checkpoint is not MISSING:
            new.value = checkpoint
        return new

    def copy_empty(self) -> BaseChannel:
        """A channel of the same kind and settings, with its initial value."""
        new = object.__new__(type(self))
        for cls in type(self).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                if slot != "value" and hasattr(self, slot):
                    setattr(new, slot, getattr(self, slot))
        new.value = self.initial_value()
        return new

    def initial_value(self) -> Any:
        return MISSING

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self.key!r}, value={self.value!r})"
