"""UntrackedValue: a key that holds its last value for the run but is never checkpointed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from streamgraph.channels.base import MISSING, BaseChannel
from streamgraph.errors import InvalidUpdateError

__all__ = ("UntrackedValue",)


class UntrackedValue(BaseChannel):
    """Holds the last value written, for as long as the run lasts: it is left out of
    checkpoints, of saved task writes and of saved ``Send`` arguments (so it may hold what
    cannot or should not be stored: open sessions, per-run counters). A resumed run starts
    without it. ``guard=True`` (the default) refuses two writes in one step."""

    __slots__ = ("guard",)

    def __init__(self, typ: Any = Any, guard: bool = True, key: str = "") -> None:
        super().__init__(typ, key)
        self.guard = guard

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UntrackedValue) and other.guard == self.guard

    __hash__ = BaseChannel.__hash__

    def update(self, values: Sequence[Any]) -> bool:
        if not values:
            return False
        if len(values) != 1 and self.guard:
            raise InvalidUpdateError(
                f"At key '{self.key}': UntrackedValue(guard=True) can receive only one value "
                "per step. Use guard=False if you want to store any one of multiple values."
            )
        self.value = values[-1]
        return True

    def checkpoint(self) -> Any:
        return MISSING

    def from_checkpoint(self, checkpoint: Any) -> UntrackedValue:
        return self.copy_empty()  # type: ignore[return-value]
