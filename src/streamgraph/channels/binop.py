from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from typing import Any

from streamgraph.channels.base import MISSING, BaseChannel
from streamgraph.errors import InvalidUpdateError
from streamgraph.types import Overwrite

__all__ = ("BinaryOperatorAggregate",)


class BinaryOperatorAggregate(BaseChannel):
    """A key with a reducer (``Annotated[list, operator.add]``): folds every write into it.

    Starts from ``typ()`` when the type can be built without arguments (``[]``, ``0``, ``""``),
    which is why such keys always appear in ``values`` output.
    """

    __slots__ = ("operator",)

    def __init__(self, typ: Any, operator: Callable[[Any, Any], Any], key: str = "") -> None:
        super().__init__(typ, key)
        self.operator = operator
        self.value = self.initial_value()

    def initial_value(self) -> Any:
        origin = typing.get_origin(self.typ) or self.typ
        if origin is typing.Union or not callable(origin):
            return MISSING
        try:
            return origin()
        except Exception:
            return MISSING

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
