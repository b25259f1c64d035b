from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from streamgraph.channels.base import BaseChannel
from streamgraph.errors import InvalidUpdateError

__all__ = ("NamedBarrierValue",)


class NamedBarrierValue(BaseChannel):
    """A join: available once every name in ``names`` has written; reset when consumed.

    ``add_edge(["a", "b"], "c")`` makes one (``join:a+b:c``) that ``a`` and ``b`` write
    their names to.
    """

    __slots__ = ("names",)

    def __init__(self, typ: Any, names: set[str] | frozenset[str], key: str = "") -> None:
        super().__init__(typ, key)
        self.names = frozenset(names)
        self.value = set()

    def initial_value(self) -> Any:
        return set()

    def is_available(self) -> bool:
        return bool(self.value == self.names)

    def update(self, values: Sequence[Any]) -> bool:
        changed = False
        for name in values:
            if name not in self.names:
                raise InvalidUpdateError(f"At key '{self.key}': value {name!r} is not a name")
            if name not in self.value:
                self.value.add(name)
                changed = True
        return changed

    def consume(self) -> bool:
        if self.value == self.names:
            self.value = set()
            return True
        return False

    def checkpoint(self) -> Any:
        return sorted(self.value)

    def from_checkpoint(self, checkpoint: Any) -> BaseChannel:
        new = self.copy_empty()
        new.value = set(checkpoint or ())
        return new
