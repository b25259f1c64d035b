from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from streamgraph.channels.base import MISSING, BaseChannel
from streamgraph.errors import ErrorCode, InvalidUpdateError, create_error_message
from streamgraph.types import Overwrite

__all__ = ("LastValue",)


class LastValue(BaseChannel):
    """A key without a reducer: holds the last value; two writes in one step are an error."""

    __slots__ = ()

    def copy_empty(self) -> LastValue:
        new = LastValue.__new__(LastValue)
        new.key = self.key
        new.typ = self.typ
        new.value = MISSING
        return new

    def update(self, values: Sequence[Any]) -> bool:
        if not values:
            return False
        if len(values) != 1:
            raise InvalidUpdateError(
                create_error_message(
                    message=f"At key '{self.key}': Can receive only one value per step. "
                    "Use an Annotated key to handle multiple values.",
                    error_code=ErrorCode.INVALID_CONCURRENT_GRAPH_UPDATE,
                )
            )
        value = values[0]
        self.value = value.value if type(value) is Overwrite else value
        return True
