from __future__ import annotations

import collections.abc
import typing
from collections.abc import Callable, Sequence
from typing import Any

from streamgraph.channels.base import MISSING, BaseChannel
from streamgraph.errors import InvalidUpdateError
from streamgraph.types import Overwrite

__all__ = ("BinaryOperatorAggregate",)

# Abstract collection types start from their everyday concrete kind: a key declared
# ``Annotated[Sequence[BaseMessage], add_messages]`` starts as ``[]``.
_CONCRETE: dict[Any, type] = {
    collections.abc.Sequence: list,
    collections.abc.MutableSequence: list,
    collections.abc.Set: set,
    collections.abc.MutableSet: set,
    collections.abc.Mapping: dict,
    collections.abc.MutableMapping: dict,
}


class BinaryOperatorAggregate(BaseChannel):
    """A key with a reducer (``Annotated[list, operator.add]``): folds every write into it.

    Starts from ``typ()`` when the type can be built without arguments (``[]``, ``0``, ``""``),
    which is why such keys always appear in ``values`` output.
    """

    __slots__ = ("factory", "operator")

    def __init__(self, typ: Any, operator: Callable[[Any, Any], Any], key: str = "") -> None:
        super().__init__(typ, key)
        self.operator = operator
        origin = typing.get_origin(typ) or typ
        origin = _CONCRETE.get(origin, origin)
        self.factory: Callable[[], Any] | None = None
        if origin is not typing.Union and callable(origin):
            try:
                origin()
                self.factory = origin
            except Exception:
                pass
        self.value = self.initial_value()

    def initial_value(self) -> Any:
        factory = self.factory
        return MISSING if factory is None else factory()

    def copy_empty(self) -> BinaryOperatorAggregate:
        new = BinaryOperatorAggregate.__new__(BinaryOperatorAggregate)
        new.key = self.key
        new.typ = self.typ
        new.operator = self.operator
        new.factory = factory = self.factory
        new.value = MISSING if factory is None else factory()
        return new

    def update(self, values: Sequence[Any]) -> bool:
        if not values:
            return False
        overwritten = False
        value = self.value
        for write in values:
            if type(write) is Overwrite:
                if overwritten:
                    raise InvalidUpdateError(
                        f"At key '{self.key}': Can receive only one Overwrite value per step."
                    )
                overwritten = True
                value = write.value
            elif value is MISSING:
                value = write
            else:
                value = self.operator(value, write)
        self.value = value
        return True
