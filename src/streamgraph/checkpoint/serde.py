"""Serializing checkpoint values so that they round-trip Python types, without pickle.

Two formats, both readable by every serializer here: ``PackSerializer`` (the default: msgpack
with extension types, ``_pack.py``, walked in native code) and ``JsonSerializer`` (tagged
JSON, what checkpoints were stored as before, and still what metadata is stored as, since
databases search it).

In tagged JSON, plain JSON values pass through. Everything else becomes a tagged object
``{"__sg__": tag, ...}``: tuples, sets, bytes, datetimes, UUIDs, decimals, enums,
dataclasses, pydantic models (LangChain messages among them) and streamgraph's own types
(``Send``, ``Interrupt``, ...).

Nothing read back is unpickled. A tagged class is looked up by module and qualified name, and
rebuilt only if it is a dataclass, a pydantic model or an enum; its module must already be
imported (the graph that stored it imported it), except for ``langchain_core``, which is
imported on demand. A value of any other type cannot be stored: ``TypeError`` names it.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol
from uuid import UUID

import orjson

from streamgraph.checkpoint import _pack
from streamgraph.checkpoint._classes import find_class, rebuild

__all__ = ("JsonSerializer", "PackSerializer", "Serializer")

logger = logging.getLogger(__name__)

TAG = "__sg__"
_TAG_BYTES = b'"__sg__"'


class Serializer(Protocol):
    def dumps_typed(self, obj: Any) -> tuple[str, bytes]: ...

    def loads_typed(self, data: tuple[str, bytes]) -> Any: ...


def _class_ref(cls: type) -> list[str]:
    return [cls.__module__, cls.__qualname__]


def _is_pydantic(obj: Any) -> bool:
    return hasattr(type(obj), "model_fields") and hasattr(obj, "model_dump")


def _encode_object(value: Any) -> Any:
    """The tagged form of a value that is not plain JSON."""
    from streamgraph.types import Command, Interrupt, Overwrite, Send

    cls = type(value)
    if cls is tuple:
        return {TAG: "tuple", "v": [encode(v) for v in value]}
    if cls in (set, frozenset):
        return {TAG: cls.__name__, "v": [encode(v) for v in value]}
    if cls in (bytes, bytearray):
        return {TAG: cls.__name__, "v": base64.b64encode(value).decode()}
    if cls is dt.datetime:
        return {TAG: "datetime", "v": value.isoformat()}
    if cls is dt.date:
        return {TAG: "date", "v": value.isoformat()}
    if cls is dt.time:
        return {TAG: "time", "v": value.isoformat()}
    if cls is dt.timedelta:
        return {TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if cls is UUID:
        return {TAG: "uuid", "v": str(value)}
    if cls is Decimal:
        return {TAG: "decimal", "v": str(value)}
    if isinstance(value, Enum):
        return {TAG: "enum", "cls": _class_ref(cls), "v": encode(value.value)}
    if cls is Send:
        if value.timeout is not None:
            policy = value.timeout
            timeout = [policy.run_timeout, policy.idle_timeout, policy.refresh_on]
            return {TAG: "send", "v": [value.node, encode(value.arg), timeout]}
        return {TAG: "send", "v": [value.node, encode(value.arg)]}
    if cls is Interrupt:
        return {TAG: "interrupt", "v": [encode(value.value), value.id]}
    if cls is Overwrite:
        return {TAG: "overwrite", "v": encode(value.value)}
    if cls is Command:
        fields = {
            "graph": value.graph,
            "update": value.update,
            "resume": value.resume,
            "goto": value.goto,
        }
        return {TAG: "command", "v": encode(fields)}
    if _is_pydantic(value):
        fields = {name: getattr(value, name) for name in cls.model_fields}
        return {TAG: "pydantic", "cls": _class_ref(cls), "v": encode(fields)}
    if hasattr(cls, "__dataclass_fields__"):
        fields = {name: getattr(value, name) for name in cls.__dataclass_fields__}
        return {TAG: "dataclass", "cls": _class_ref(cls), "v": encode(fields)}
    for plain in (str, int, float):  # subclasses (LangChain's TextAccessor...): as the base
        if isinstance(value, plain):
            return plain(value)
    raise TypeError(
        f"cannot store a value of type {cls.__module__}.{cls.__qualname__} in a checkpoint: "
        "use JSON types, tuples, sets, bytes, datetimes, UUIDs, decimals, enums, dataclasses "
        "or pydantic models"
    )


_PLAIN = frozenset({str, int, float, bool, type(None)})


def encode(value: Any) -> Any:
    """``value`` as plain JSON data (tagged where JSON alone would lose its type)."""
    cls = type(value)
    if cls in _PLAIN:
        return value
    if cls is list:
        return [v if type(v) in _PLAIN else encode(v) for v in value]
    if cls is dict:
        return _encode_dict(value)
    return _encode_object(value)


def _encode_dict(value: dict[Any, Any]) -> Any:
    out = {}
    for key, item in value.items():
        if type(key) is not str or key == TAG:  # rare: keep the keys' types
            return {TAG: "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
        out[key] = item if type(item) in _PLAIN else encode(item)
    return out


def _decode_send(raw: list[Any]) -> Any:
    from streamgraph.types import Send, TimeoutPolicy

    if len(raw) < 3:
        return Send(raw[0], decode(raw[1]))
    run, idle, refresh = raw[2]
    return Send(
        raw[0],
        decode(raw[1]),
        timeout=TimeoutPolicy(run_timeout=run, idle_timeout=idle, refresh_on=refresh),
    )


def _decode_tagged(data: dict[str, Any]) -> Any:
    from streamgraph.types import Command, Interrupt, Overwrite

    tag, raw = data[TAG], data.get("v")
    simple: dict[str, Callable[[Any], Any]] = {
        "tuple": lambda v: tuple(decode(x) for x in v),
        "set": lambda v: {decode(x) for x in v},
        "frozenset": lambda v: frozenset(decode(x) for x in v),
        "bytes": lambda v: base64.b64decode(v),
        "bytearray": lambda v: bytearray(base64.b64decode(v)),
        "datetime": dt.datetime.fromisoformat,
        "date": dt.date.fromisoformat,
        "time": dt.time.fromisoformat,
        "timedelta": lambda v: dt.timedelta(*v),
        "uuid": UUID,
        "decimal": Decimal,
        "dict": lambda v: {decode(k): decode(x) for k, x in v},
        "send": _decode_send,
        "interrupt": lambda v: Interrupt(decode(v[0]), v[1]),
        "overwrite": lambda v: Overwrite(decode(v)),
        "command": lambda v: Command(**decode(v)),
    }
    if tag in simple:
        return simple[tag](raw)
    if tag == "enum":
        cls = find_class(data["cls"])
        if not issubclass(cls, Enum):
            raise TypeError(f"cannot restore {cls!r}: not an enum")
        return cls(decode(raw))
    if tag in ("pydantic", "dataclass"):
        if "<locals>" in data["cls"][1]:  # defined inside a function: not findable by name
            logger.warning(
                "cannot restore a %s.%s (a class defined inside a function): its fields are "
                "returned as a dict instead",
                *data["cls"],
            )
            return decode(raw)
        return rebuild(find_class(data["cls"]), decode(raw), tag)
    raise TypeError(f"unknown tag {tag!r} in stored data")


def decode(data: Any) -> Any:
    cls = type(data)
    if cls is list:
        return [v if type(v) in _PLAIN else decode(v) for v in data]
    if cls is dict:
        if TAG in data:
            return _decode_tagged(data)
        return {k: v if type(v) in _PLAIN else decode(v) for k, v in data.items()}
    return data


class JsonSerializer:
    """Tagged JSON (see the module docstring): what checkpoints were stored as before
    ``PackSerializer``; still what metadata is stored as (databases search it)."""

    def dumps(self, obj: Any) -> bytes:
        return orjson.dumps(encode(obj))

    def loads(self, data: bytes) -> Any:
        return decode(orjson.loads(data))

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return "json", self.dumps(obj)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return _loads_typed(data)


PACK = "sgpack"
"""The stored type name of ``PackSerializer``'s data."""


class PackSerializer:
    """The default serializer: msgpack with extension types (``_pack.py``), walked in native
    code. It reads what ``JsonSerializer`` wrote too, so existing databases stay readable."""

    def __init__(self) -> None:
        self._big = _pack.BigValues()

    def dumps(self, obj: Any) -> bytes:
        return self._big.pack(obj)

    def loads(self, data: bytes) -> Any:
        return _pack.unpack(data)

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return PACK, self._big.pack(obj)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return _loads_typed(data)


def _loads_typed(data: tuple[str, bytes]) -> Any:
    kind, payload = data
    if kind == PACK:
        return _pack.unpack(payload)
    if kind == "json":
        if _TAG_BYTES not in payload:  # nothing tagged: no walk (metadata, mostly)
            return orjson.loads(payload)
        return decode(orjson.loads(payload))
    raise TypeError(
        f"cannot read stored data of type {kind!r} (only {PACK!r} and 'json'; nothing is "
        "ever unpickled)"
    )
