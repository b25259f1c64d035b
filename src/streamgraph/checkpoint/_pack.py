"""The checkpoint codec: msgpack (ormsgpack) with extension types for what msgpack lacks.

ormsgpack walks dicts, lists, strings, numbers, booleans and bytes in native code; every other
value reaches ``default`` (tuples, sets, datetimes, UUIDs, enums, dataclasses and big integers
are passed through to it on purpose, so that none is silently flattened into a list, a string
or a map) and becomes an extension value: a code (``Code``) and a payload that is itself
packed with the same rules. A dataclass or pydantic model is stored as its class reference
and its fields, so LangChain messages (pydantic models) cost one ``default`` call each, their
contents being walked natively.

Reading follows the safety rules of ``serde.py``: nothing is unpickled; a stored class is
looked up by module and qualified name and rebuilt only if it is a dataclass, a pydantic model
or an enum (``serde.find_class``). Dicts whose keys are not all strings are rare: ormsgpack
refuses them, and the value is then packed again after a Python pass that turns such dicts
into key/value pairs. ormsgpack packs a ``bytearray`` as binary data: it comes back as
``bytes`` (as with LangGraph's serializer).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any
from uuid import UUID

import ormsgpack

from streamgraph.checkpoint._classes import find_class, rebuild

__all__ = ("BigValues", "Code", "pack", "unpack")

logger = logging.getLogger("streamgraph.checkpoint.serde")


class Code(IntEnum):
    """Extension codes (stored: never renumber, only append)."""

    TUPLE = 0
    SET = 1
    FROZENSET = 2
    DATETIME = 3
    DATE = 4
    TIME = 5
    TIMEDELTA = 6
    UUID = 7
    DECIMAL = 8
    ENUM = 9
    PYDANTIC = 10
    DATACLASS = 11
    PAIRS = 12
    BIG_INT = 13
    SEND = 14
    INTERRUPT = 15
    OVERWRITE = 16
    COMMAND = 17


_OPTIONS = (
    ormsgpack.OPT_PASSTHROUGH_TUPLE
    | ormsgpack.OPT_PASSTHROUGH_DATETIME
    | ormsgpack.OPT_PASSTHROUGH_UUID
    | ormsgpack.OPT_PASSTHROUGH_ENUM
    | ormsgpack.OPT_PASSTHROUGH_DATACLASS
    | ormsgpack.OPT_PASSTHROUGH_BIG_INT
    | ormsgpack.OPT_PASSTHROUGH_SUBCLASS
)


class _Pairs:
    """A dict with keys that are not all strings, on its way to a ``PAIRS`` extension."""

    __slots__ = ("items",)

    def __init__(self, items: list[list[Any]]) -> None:
        self.items = items


# -- packing -----------------------------------------------------------------------------------


def _class_ref(cls: type) -> list[str]:
    return [cls.__module__, cls.__qualname__]


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(obj: Any, cls: Any, pydantic: bool) -> dict[str, Any]:
    """A model's or dataclass's fields by name: its ``__dict__`` when that holds exactly the
    fields (the usual case, packed without a Python loop)."""
    fields = _FIELDS.get(cls)
    if fields is None:
        names = cls.model_fields if pydantic else cls.__dataclass_fields__
        fields = _FIELDS[cls] = tuple(names)
    found = getattr(obj, "__dict__", None)
    if found is not None and len(found) == len(fields):
        return found  # type: ignore[no-any-return]
    return {name: getattr(obj, name) for name in fields}


def _is_pydantic(obj: Any) -> bool:
    return hasattr(type(obj), "model_fields") and hasattr(obj, "model_dump")


def _ext(code: Code, payload: Any) -> ormsgpack.Ext:
    return ormsgpack.Ext(code, pack(payload))


def _default(value: Any) -> Any:
    """The extension value for what msgpack has no type for (see the module docstring)."""
    from streamgraph.types import Command, Interrupt, Overwrite, Send

    cls = type(value)
    if cls is tuple:
        return _ext(Code.TUPLE, list(value))
    if cls is set or cls is frozenset:
        return _ext(Code.SET if cls is set else Code.FROZENSET, list(value))
    if cls is dt.datetime:
        return _ext(Code.DATETIME, value.isoformat())
    if cls is dt.date:
        return _ext(Code.DATE, value.isoformat())
    if cls is dt.time:
        return _ext(Code.TIME, value.isoformat())
    if cls is dt.timedelta:
        return _ext(Code.TIMEDELTA, [value.days, value.seconds, value.microseconds])
    if cls is UUID:
        return ormsgpack.Ext(Code.UUID, value.bytes)
    if cls is Decimal:
        return _ext(Code.DECIMAL, str(value))
    if cls is int:
        return _ext(Code.BIG_INT, str(value))
    if cls is _Pairs:
        return _ext(Code.PAIRS, value.items)
    if isinstance(value, Enum):
        return _ext(Code.ENUM, [*_class_ref(cls), value.value])
    if cls is Send:
        if value.timeout is not None:
            policy = value.timeout
            timeout = [policy.run_timeout, policy.idle_timeout, policy.refresh_on]
            return _ext(Code.SEND, [value.node, value.arg, timeout])
        return _ext(Code.SEND, [value.node, value.arg])
    if cls is Interrupt:
        return _ext(Code.INTERRUPT, [value.value, value.id])
    if cls is Overwrite:
        return _ext(Code.OVERWRITE, value.value)
    if cls is Command:
        return _ext(Code.COMMAND, [value.graph, value.update, value.resume, value.goto])
    if _is_pydantic(value):
        return _ext(Code.PYDANTIC, [*_class_ref(cls), _fields(value, cls, True)])
    if hasattr(cls, "__dataclass_fields__"):
        return _ext(Code.DATACLASS, [*_class_ref(cls), _fields(value, cls, False)])
    for plain in (str, int, float):  # subclasses (LangChain's TextAccessor...): as the base
        if isinstance(value, plain):
            return plain(value)
    raise TypeError(f"cannot pack a {cls.__qualname__}")


def pack(value: Any) -> bytes:
    try:
        return ormsgpack.packb(value, default=_default, option=_OPTIONS)
    except TypeError as error:
        if "must be str" not in str(error):
            # ormsgpack's message hides which value failed: the JSON encoder, which accepts
            # the same types, names it (the bad value may be deep inside a model's fields).
            from streamgraph.checkpoint.serde import encode

            encode(value)
            raise
    # A dict with a key that is not a string, somewhere in ``value``'s containers.
    return ormsgpack.packb(_with_pairs(value), default=_default, option=_OPTIONS)


def _with_pairs(value: Any) -> Any:
    """``value`` with every dict that has a non-string key replaced by ``_Pairs``."""
    cls = type(value)
    if cls is dict:
        if all(type(k) is str for k in value):
            return {k: _with_pairs(v) for k, v in value.items()}
        return _Pairs([[_with_pairs(k), _with_pairs(v)] for k, v in value.items()])
    if cls is list:
        return [_with_pairs(v) for v in value]
    if cls is tuple:
        return tuple(_with_pairs(v) for v in value)
    return value  # other containers are packed by ``default``, which comes back here


class BigValues:
    """Packs values, reusing the packed form of the last few large strings and byte strings.

    A large string in a graph's state is typically stored three times by the first steps of
    a run: in the input, in the start task's writes, and as its channel's value. Strings and
    bytes are immutable, so the same object always packs the same way: it is packed once
    (looked up by identity, the object itself held so that its id stays its own). Large
    values are seen at the top of a value or one level down in a dict (the input).
    """

    LARGE = 1 << 16
    """Length from which a string or byte string is remembered."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._packed: OrderedDict[int, tuple[Any, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def pack(self, value: Any) -> bytes:
        cls = type(value)
        if cls is str or cls is bytes:
            if len(value) >= self.LARGE:
                return self._large(value)
        elif cls is dict and len(value) <= 64:
            for item in value.values():
                kind = type(item)
                if (kind is str or kind is bytes) and len(item) >= self.LARGE:
                    return self._map(value)
        return pack(value)

    def _large(self, value: str | bytes) -> bytes:
        with self._lock:
            found = self._packed.get(id(value))
            if found is not None and found[0] is value:
                self._packed.move_to_end(id(value))
                return found[1]
        packed = pack(value)
        with self._lock:
            self._packed[id(value)] = (value, packed)
            if len(self._packed) > self.size:
                self._packed.popitem(last=False)
        return packed

    def _map(self, value: dict[Any, Any]) -> bytes:
        if any(type(key) is not str for key in value):
            return pack(value)
        count = len(value)
        header = bytes([0x80 | count]) if count < 16 else b"\xde" + count.to_bytes(2, "big")
        parts = [header]
        for key, item in value.items():
            parts.append(pack(key))
            parts.append(self.pack(item) if type(item) in (str, bytes) else pack(item))
        return b"".join(parts)


# -- unpacking ---------------------------------------------------------------------------------


def _decode_ext(code: int, payload: bytes, inner: Callable[[bytes], Any]) -> Any:
    decoder = _DECODERS.get(code)
    if decoder is None:
        raise TypeError(f"unknown extension code {code} in stored data")
    return decoder(payload, inner)


def _hook(code: int, payload: bytes) -> Any:
    return _decode_ext(code, payload, _inner)


def _inner(payload: bytes) -> Any:
    return ormsgpack.unpackb(payload, ext_hook=_hook)


def unpack(data: bytes) -> Any:
    try:
        return ormsgpack.unpackb(data, ext_hook=_hook)
    except ValueError:
        _raise_hook_error(data)
        raise


def _raise_hook_error(data: bytes) -> None:
    """ormsgpack replaces a hook's exception with its own message: decode again with hooks
    that keep it, and raise the real reason (a class that cannot be restored, ...)."""
    errors: list[BaseException] = []

    def keeping(code: int, payload: bytes) -> Any:
        try:
            return _decode_ext(code, payload, inner)
        except BaseException as error:
            errors.append(error)
            raise

    def inner(payload: bytes) -> Any:
        return ormsgpack.unpackb(payload, ext_hook=keeping)

    try:
        inner(data)
    except ValueError:
        if errors:
            raise errors[0] from None


def _enum(payload: bytes, inner: Callable[[bytes], Any]) -> Any:
    module, qualname, value = inner(payload)
    cls = find_class([module, qualname])
    if not issubclass(cls, Enum):
        raise TypeError(f"cannot restore {cls!r}: not an enum")
    return cls(value)


def _model(kind: str) -> Callable[[bytes, Callable[[bytes], Any]], Any]:
    def decode(payload: bytes, inner: Callable[[bytes], Any]) -> Any:
        module, qualname, fields = inner(payload)
        if "<locals>" in qualname:  # defined inside a function: not findable by name
            logger.warning(
                "cannot restore a %s.%s (a class defined inside a function): its fields are "
                "returned as a dict instead",
                module,
                qualname,
            )
            return fields
        return rebuild(find_class([module, qualname]), fields, kind)

    return decode


def _typed(build: Callable[[Any], Any]) -> Callable[[bytes, Callable[[bytes], Any]], Any]:
    return lambda payload, inner: build(inner(payload))


def _send(raw: list[Any]) -> Any:
    from streamgraph.types import Send, TimeoutPolicy

    if len(raw) < 3:
        return Send(raw[0], raw[1])
    run, idle, refresh = raw[2]
    policy = TimeoutPolicy(run_timeout=run, idle_timeout=idle, refresh_on=refresh)
    return Send(raw[0], raw[1], timeout=policy)


def _types(name: str) -> Any:
    import streamgraph.types

    return getattr(streamgraph.types, name)


_DECODERS: dict[int, Callable[[bytes, Callable[[bytes], Any]], Any]] = {
    Code.TUPLE: _typed(tuple),
    Code.SET: _typed(set),
    Code.FROZENSET: _typed(frozenset),
    Code.DATETIME: _typed(dt.datetime.fromisoformat),
    Code.DATE: _typed(dt.date.fromisoformat),
    Code.TIME: _typed(dt.time.fromisoformat),
    Code.TIMEDELTA: _typed(lambda v: dt.timedelta(*v)),
    Code.UUID: lambda payload, inner: UUID(bytes=payload),
    Code.DECIMAL: _typed(Decimal),
    Code.BIG_INT: _typed(int),
    Code.PAIRS: _typed(dict),
    Code.ENUM: _enum,
    Code.SEND: _typed(lambda v: _send(v)),
    Code.INTERRUPT: _typed(lambda v: _types("Interrupt")(v[0], v[1])),
    Code.OVERWRITE: _typed(lambda v: _types("Overwrite")(v)),
    Code.COMMAND: _typed(
        lambda v: _types("Command")(graph=v[0], update=v[1], resume=v[2], goto=v[3])
    ),
    Code.PYDANTIC: _model("pydantic"),
    Code.DATACLASS: _model("dataclass"),
}
