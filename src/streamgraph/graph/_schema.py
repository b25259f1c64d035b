"""State schemas (TypedDict, dataclass, pydantic model) turned into channels and converters.

A schema answers three questions for the runtime: which keys exist and how each merges writes
(its channel), how to build what a node receives from a dict of values, and how to turn a
returned or given state object back into ``(key, value)`` writes.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Iterator
from functools import cache
from typing import Annotated, Any

from streamgraph.channels import BaseChannel, BinaryOperatorAggregate, LastValue
from streamgraph.errors import GraphSetupError, InvalidUpdateError

__all__ = ("ROOT", "Schema", "channel_for", "is_schema_class", "schema_of")

ROOT = "__root__"
"""The one channel of a graph whose state is a single value (``StateGraph(list)``)."""

Writes = list[tuple[str, Any]]


def is_typeddict(cls: Any) -> bool:
    """A TypedDict class, from ``typing`` or ``typing_extensions``."""
    return isinstance(cls, type) and issubclass(cls, dict) and hasattr(cls, "__total__")


def is_dataclass(obj: Any) -> bool:
    """A dataclass or an instance of one (without importing ``dataclasses``)."""
    return hasattr(obj, "__dataclass_fields__")


def _field_names(obj: Any) -> tuple[str, ...]:
    import dataclasses

    return tuple(f.name for f in dataclasses.fields(obj))


def _has_fields(cls: type) -> bool:
    """A plain class declaring its fields with annotations (used as a dict schema)."""
    return cls not in (dict, list, tuple, set, str, int, float, bool, bytes) and bool(
        getattr(cls, "__annotations__", None)
    )


def _is_pydantic(cls: Any) -> bool:
    return isinstance(cls, type) and hasattr(cls, "model_fields") and hasattr(cls, "model_validate")


def is_schema_class(obj: Any) -> bool:
    """Whether ``obj`` can serve as a state schema (used to read a node's input type hint)."""
    if not isinstance(obj, type) or obj in (dict, object):
        return False
    return is_typeddict(obj) or is_dataclass(obj) or _is_pydantic(obj)


def _is_reducer(fn: Any) -> bool:
    if not callable(fn) or isinstance(fn, type):
        return False
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)


def _check_reducer(key: str, item: Any) -> None:
    """The last ``Annotated`` item, when it is a function, must be a reducer ``(a, b) -> c``
    (LangGraph's rule): a one-argument function there is a mistake, not metadata."""
    import inspect

    if not inspect.isfunction(item) and not isinstance(item, functools.partial):
        return
    if not _is_reducer(item):
        raise GraphSetupError(
            f"Invalid reducer signature. Expected (a, b) -> c. Got {inspect.signature(item)} "
            f"(key '{key}')"
        )


def channel_for(key: str, hint: Any) -> BaseChannel:
    """The channel a state key annotation asks for: a reducer, a channel, or last-value."""
    if typing.get_origin(hint) is Annotated:
        typ, *meta = typing.get_args(hint)
        if meta:
            _check_reducer(key, meta[-1])
        for item in reversed(meta):
            if isinstance(item, BaseChannel):
                channel = item.copy_empty()
                channel.key = key
                bind_type = getattr(channel, "bind_type", None)
                if bind_type is not None:  # DeltaChannel: the annotation's type
                    bind_type(typ)
                return channel
            if isinstance(item, type) and issubclass(item, BaseChannel):
                return item(typ, key=key)
            if _is_reducer(item):
                return BinaryOperatorAggregate(typ, item, key=key)
        return LastValue(typ, key=key)
    return LastValue(hint, key=key)


def _unwrap_qualifiers(hint: Any) -> Any:
    """``NotRequired[Annotated[list, add]]`` -> ``Annotated[list, add]`` (also ``Required``
    and ``ReadOnly``, from ``typing`` or ``typing_extensions``): the qualifier says whether a
    TypedDict key must be present, not how it merges."""
    while getattr(typing.get_origin(hint), "_name", None) in (
        "NotRequired",
        "Required",
        "ReadOnly",
    ):
        hint = typing.get_args(hint)[0]
    return hint


def managed_value_of(hint: Any) -> Any | None:
    """The ``ManagedValue`` class a key's annotation names (``RemainingSteps``), if any."""
    if typing.get_origin(hint) is not Annotated:
        return None
    from streamgraph.managed import is_managed_value

    return next((item for item in typing.get_args(hint)[1:] if is_managed_value(item)), None)


def _type_hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception:
        # Unresolvable forward references (a class defined inside a function): keep the raw
        # annotations; keys without a resolvable reducer become last-value keys.
        hints: dict[str, Any] = {}
        for base in reversed(cls.__mro__):
            hints.update(getattr(base, "__annotations__", {}))
        return hints


class Schema:
    """One state schema class, analysed once."""

    __slots__ = (
        "_as_channels",
        "_fields_required",
        "cls",
        "hints",
        "keys",
        "kind",
        "managed",
        "stored_keys",
    )

    def __init__(self, cls: Any) -> None:
        self.cls = cls
        if _is_pydantic(cls):
            self.kind = "pydantic"
            hints = _type_hints(cls)
            keys = tuple(cls.model_fields)
        elif is_dataclass(cls) and isinstance(cls, type):
            self.kind = "dataclass"
            hints = _type_hints(cls)
            keys = _field_names(cls)
        elif isinstance(cls, type) and (is_typeddict(cls) or _has_fields(cls)):
            self.kind = "dict"
            hints = _type_hints(cls)
            keys = tuple(k for k in hints if typing.get_origin(hints[k]) is not typing.ClassVar)
            if keys == (ROOT,):  # ``__root__`` alone: LangGraph's older way to a root value
                self.kind = "root"
        else:  # any other type (str, list, dict, Annotated[list, add]...): one root value
            self.kind = "root"
            hints = {ROOT: cls}
            keys = (ROOT,)
        self.keys: tuple[str, ...] = keys
        self.hints = {k: _unwrap_qualifiers(hints.get(k, Any)) for k in keys}
        self.managed: dict[str, Any] = {
            k: manager for k in keys if (manager := managed_value_of(self.hints[k])) is not None
        }
        # The keys that have channels: every key but the managed ones.
        self.stored_keys: tuple[str, ...] = tuple(k for k in keys if k not in self.managed)
        for key in self.stored_keys:  # a bad reducer is named when the schema is declared
            hint = self.hints[key]
            if typing.get_origin(hint) is Annotated and len(typing.get_args(hint)) > 1:
                _check_reducer(key, typing.get_args(hint)[-1])

    def channels(self) -> dict[str, BaseChannel]:
        return {key: channel_for(key, self.hints[key]) for key in self.stored_keys}

    # As a mapping (LangGraph's ``builder.schemas[State]`` is a dict of the schema's channels
    # and managed values, which libraries read): key -> channel.

    def _mapping(self) -> dict[str, Any]:
        found = getattr(self, "_as_channels", None)
        if found is None:
            found = {**self.channels(), **self.managed}
            self._as_channels = found
        return found

    def __contains__(self, key: object) -> bool:
        return key in self.keys

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, key: str) -> Any:
        return self._mapping()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._mapping().get(key, default)

    def items(self) -> Any:
        return self._mapping().items()

    def values(self) -> Any:
        return self._mapping().values()

    def coerce(self, values: dict[str, Any]) -> Any:
        """What a node with this input schema receives, given the current values."""
        if self.kind == "dict":
            return values
        if self.kind == "root":
            return values.get(ROOT)
        return self.cls(**values)

    def writes_from_object(self, obj: Any) -> Writes | None:
        """Writes for a state object (all its fields); ``None`` if ``obj`` is not one."""
        if self.kind == "root":
            return [(ROOT, obj)]
        if _is_pydantic(type(obj)) or (is_dataclass(obj) and not isinstance(obj, type)):
            return object_writes(obj, self.keys)
        if not isinstance(obj, type) and getattr(type(obj), "__annotations__", None):
            return object_writes(obj, self.keys)
        return None

    def input_writes(self, value: Any, allowed: frozenset[str]) -> Writes:
        """Writes for graph input: a dict (its state keys, as given: a pydantic state is
        validated when a node reads it) or a state object."""
        if self.kind == "root":
            return [(ROOT, value)]
        if isinstance(value, dict):
            return [(k, v) for k, v in value.items() if k in allowed]
        if _is_pydantic(type(value)) or (is_dataclass(value) and not isinstance(value, type)):
            return [(k, v) for k, v in object_writes(value, self.keys) if k in allowed]
        raise InvalidUpdateError(
            f"Expected dict, got {value!r}: graph input must be a dict of state keys "
            f"or a {getattr(self.cls, '__name__', self.cls)} instance, not "
            f"{type(value).__name__}"
        )

    def to_output(self, values: dict[str, Any]) -> Any:
        """``values`` as an instance of this schema (v2 output); the dict when that fails."""
        if self.kind in ("dict", "root"):
            return values
        try:
            return self.cls(**values)
        except Exception:
            return values


_UNSET: Any = object()


def object_writes(obj: Any, keys: tuple[str, ...]) -> Writes:
    """The writes a state object stands for, by LangGraph's rule: every key it has, except
    a pydantic model's ``None`` values that are its fields' defaults and were not set
    explicitly (so a partial model does not erase other keys)."""
    fields = getattr(type(obj), "model_fields", None)
    if fields is not None:
        explicit = obj.model_fields_set
        writes = []
        for key in keys:
            value = getattr(obj, key, _UNSET)
            if value is _UNSET:
                continue
            field = fields.get(key)
            default = field.default if field is not None else _UNSET
            if value is not None or default is not None or key in explicit:
                writes.append((key, value))
        return writes
    return [(k, v) for k in keys if (v := getattr(obj, k, _UNSET)) is not _UNSET]


@cache
def schema_of(cls: Any) -> Schema:
    return Schema(cls)


def first_param_schema(fn: Callable[..., Any]) -> Any | None:
    """The schema class a node function's first parameter is annotated with, if any."""
    import inspect

    try:
        target = fn if inspect.isfunction(fn) or inspect.ismethod(fn) else fn.__call__  # type: ignore[operator]
        params = list(inspect.signature(target).parameters.values())
        if not params:
            return None
        hints = typing.get_type_hints(target)
        hint = hints.get(params[0].name)
    except Exception:
        return None
    return hint if is_schema_class(hint) else None
