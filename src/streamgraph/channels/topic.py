from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from streamgraph.channels.base import BaseChannel

__all__ = ("Topic",)


class Topic(BaseChannel):
    """Collects every value written (lists are flattened); cleared each step unless
    ``accumulate`` is set."""

    __slots__ = ("accumulate",)

    def __init__(self, typ: Any = Any, accumulate: bool = False, key: str = "") -> None:
        super().__init__(typ, key)
        self.accumulate = accumulate
        self.value = []

    @property
    def clears_each_step(self) -> bool:  # type: ignore[override]
        return not self.accumulate

    def initial_value(self) -> Any:
        return []

    def is_available(self) -> bool:
        return bool(self.value)

    def update(self, values: Sequence[Any]) -> bool:
        old = self.value
        new = list(old) if self.accumulate else []
        for value in values:
            if isinstance(value, list):
                new.extend(value)
            else:
                new.append(value)
        self.value = new
        return bool(new != old)
