"""DeltaChannel: a key whose reducer folds a whole step's writes at once.

``Annotated[list, DeltaChannel(reducer)]`` calls ``reducer(value, [write, ...])`` once per
step with that step's writes (an ``Overwrite`` replaces the value instead). LangGraph uses it to
store only the writes in checkpoints and rebuild the value by replaying them; streamgraph's
checkpoints already store a value only in the checkpoint that changed it (``_blobs.py``), so
here the value is stored as it is and ``snapshot_frequency`` is accepted for compatibility.

The reducer must give the same result whatever the batching:
``reducer(reducer(s, xs), ys) == reducer(s, xs + ys)``.

Messages written to it get their ids as soon as their node returns (dicts such as
``{"role": "user", "content": ...}`` in a list become messages), so every read of a
checkpoint shows the same ids.
"""

from __future__ import annotations

import copy
import typing
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from streamgraph.channels.base import MISSING, BaseChannel
from streamgraph.channels.binop import _CONCRETE, _NOT_OVERWRITE, _overwrite_value
from streamgraph.errors import ErrorCode, InvalidUpdateError, create_error_message

__all__ = ("DeltaChannel",)


class DeltaChannel(BaseChannel):
    """A key reduced a step at a time: ``reducer(value, writes) -> value``."""

    __slots__ = ("factory", "reducer", "snapshot_frequency")

    def __init__(
        self,
        reducer: Callable[[Any, Sequence[Any]], Any],
        typ: Any = None,
        *,
        snapshot_frequency: int = 100,
        key: str = "",
    ) -> None:
        if not isinstance(snapshot_frequency, int) or snapshot_frequency <= 0:
            raise ValueError(
                f"snapshot_frequency must be a positive int, got {snapshot_frequency!r}"
            )
        if not callable(reducer):
            raise TypeError(f"DeltaChannel needs a reducer function, got {reducer!r}")
        super().__init__(list if typ is None else typ, key)
        self.reducer = reducer
        self.snapshot_frequency = snapshot_frequency
        self.factory: Callable[[], Any] | None = None
        self.bind_type(self.typ)

    def bind_type(self, typ: Any) -> None:
        """Use the type of the annotation the channel is declared in (``Annotated[T, ...]``)."""
        self.typ = typ
        origin = typing.get_origin(typ) or typ
        origin = _CONCRETE.get(origin, origin)
        self.factory = None
        if callable(origin):
            try:
                origin()
                self.factory = origin
            except Exception:
                pass
        self.value = self.initial_value()

    def initial_value(self) -> Any:
        return MISSING if self.factory is None else self.factory()

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DeltaChannel)
            and other.reducer == self.reducer
            and other.snapshot_frequency == self.snapshot_frequency
        )

    __hash__ = BaseChannel.__hash__

    def update(self, values: Sequence[Any]) -> bool:
        if not values:
            return False
        replaced = [v for v in map(_overwrite_value, values) if v is not _NOT_OVERWRITE]
        if len(replaced) > 1:
            raise InvalidUpdateError(
                create_error_message(
                    message="Can receive only one Overwrite value per super-step.",
                    error_code=ErrorCode.INVALID_CONCURRENT_GRAPH_UPDATE,
                )
                + f" (key '{self.key}')"
            )
        if replaced:
            value = replaced[0]
            self.value = copy.copy(value) if value is not None else self.initial_value()
            return True
        base = self.value
        if base is MISSING:
            base = self.initial_value()
            if base is MISSING:
                base = []
        self.value = self.reducer(base, list(values))
        return True

    def from_checkpoint(self, checkpoint: Any) -> DeltaChannel:
        """A channel holding ``checkpoint`` (``MISSING``: the type's empty value; ``None``
        is a value like any other)."""
        new = typing.cast(DeltaChannel, self.copy_empty())
        if checkpoint is not MISSING:
            new.value = checkpoint
        return new

    def replay_writes(self, writes: Sequence[tuple[str, str, Any]]) -> None:
        """Fold saved writes (``(task_id, channel, value)``, oldest first) into the value in
        one reducer call; the last ``Overwrite`` among them is the new base."""
        values = [value for _, _, value in writes]
        base, start = self.value, 0
        for i, value in enumerate(values):
            replacement = _overwrite_value(value)
            if replacement is not _NOT_OVERWRITE:
                base = copy.copy(replacement) if replacement is not None else self.initial_value()
                start = i + 1
        rest = values[start:]
        self.value = self.reducer(base, rest) if rest else base

    def prepare_write(self, value: Any) -> None:
        """Give the messages of a write their ids (see the module docstring)."""
        _give_ids(value)


def _give_ids(value: Any) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = _with_id(item)
    else:
        _with_id(value)


def _with_id(item: Any) -> Any:
    if isinstance(item, dict) and "content" in item and ("role" in item or "type" in item):
        from langchain_core.messages import convert_to_messages

        item = convert_to_messages([item])[0]
    base = type(item).__mro__
    if any(cls.__name__ == "BaseMessage" for cls in base) and getattr(item, "id", 1) is None:
        item.id = str(uuid.uuid4())
    return item
