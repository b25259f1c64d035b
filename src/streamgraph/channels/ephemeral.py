from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from streamgraph.channels.base import MISSING, BaseChannel
from streamgraph.errors import InvalidUpdateError

__all__ = ("AnyValue", "EphemeralValue")


class EphemeralValue(BaseChannel):
    """Holds a value for the one step after it was written, then empties itself."""

    __slots__ = ("guard",)
    clears_each_step = True

    def __init__(self, typ: Any = Any, guard: bool = True, key: str = "") -> None:
        super().__init__(typ, key)
        self.guard = guard

    def update(self, values: Sequence[Any]) -> bool:
        if not values:
            if self.value is MISSING:
                return False
            self.value = MISSING
            return True
        if len(values) != 1 and self.guard:
            raise InvalidUpdateError(
                f"At key '{self.key}': EphemeralValue can receive only one value per step."
            )
        self.value = values[-1]
        return True


class AnyValue(BaseChannel):
    """Keeps the last of any number of writes (for values all writers agree on)."""

    __slots__ = ()

    def update(self, values: Sequence[Any]) -> bool:
        if not values:
            return False
        self.value = values[-1]
        return True
