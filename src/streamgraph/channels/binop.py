from __future__ import annotations

import collections.abc
import operator
import typing
from collections.abc import Callable, Sequence
from typing import Any

from streamgraph._internal import _appends as appends
from streamgraph.channels.base import MISSING, BaseChannel
from streamgraph.errors import ErrorCode, InvalidUpdateError, create_error_message
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


_NOT_OVERWRITE: Any = object()


def _overwrite_value(write: Any) -> Any:
    """What an ``Overwrite`` write sets the key to (also in its JSON forms,
    ``{"__overwrite__": value}`` and ``{"type": "__overwrite__", "value": ...}``, as updates
    sent through a server arrive); ``_NOT_OVERWRITE`` for an ordinary write."""
    if type(write) is Overwrite:
        return write.value
    if type(write) is dict:
        if len(write) == 1 and "__overwrite__" in write:
            return write["__overwrite__"]
        if write.get("type") == "__overwrite__" and "value" in write:
            return write["value"]
    return _NOT_OVERWRITE


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
            replacement = _overwrite_value(write)
            if replacement is not _NOT_OVERWRITE:
                if overwritten:
                    raise InvalidUpdateError(
                        create_error_message(
                            message="Can receive only one Overwrite value per super-step.",
                            error_code=ErrorCode.INVALID_CONCURRENT_GRAPH_UPDATE,
                        )
                        + f" (key '{self.key}')"
                    )
                overwritten = True
                value = replacement
            elif overwritten:  # the step's Overwrite wins over every other write
                continue
            elif value is MISSING:
                value = write
            else:
                value = self.operator(value, write)
        if (
            self.operator is operator.add
            and type(value) is list
            and type(self.value) is list
            and not overwritten
        ):
            appends.record(value, self.value)  # a saver may store only the new items
        self.value = value
        return True
