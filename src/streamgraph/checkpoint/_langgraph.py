"""Reading checkpoints that LangGraph's savers wrote, so a deployment can switch to
streamgraph without losing its threads.

``langgraph-checkpoint-sqlite`` keeps whole checkpoints in ``checkpoints`` and task writes in
``writes``; ``langgraph-checkpoint-postgres`` keeps checkpoints (JSONB) in ``checkpoints``,
channel values in ``checkpoint_blobs`` (by channel version) and writes in
``checkpoint_writes``. The SQL savers read those tables when a thread (or a checkpoint id) is
not in their own, and write what follows in their own tables: a continued thread's history
spans both, newest first (both libraries' checkpoint ids are time-ordered UUIDs).

What is converted:

- values: LangGraph's msgpack (and its ``null``/``bytes``/``bytearray`` types) is decoded
  under streamgraph's rules: nothing is unpickled (``pickle`` values are refused with a clear
  error), and a stored class is rebuilt only if it is one of the standard types LangGraph
  stores (datetimes, UUIDs, decimals, sets, paths, IP addresses, ...), an enum, a dataclass,
  a named tuple or a pydantic model (LangChain messages), from an imported module (or
  ``langchain_core``). LangGraph's ``Send``, ``Interrupt`` and ``Command`` become ours.
- channel versions (LangGraph's ``"<zero-padded int>.<random>"`` strings) become the integer
  part, which is what orders them.
- the ids of pending writes of a node's task (LangGraph derives them with another hash)
  become the ids streamgraph gives that task, so finished tasks of an interrupted step are not
  run again, and pending ``interrupt()`` calls show in ``get_state`` and are answered by
  ``Command(resume=...)`` as before the switch.

Not converted (clear errors or documented gaps, see COMPAT.md): values stored as ``pickle``
or LangGraph's old ``json`` type, numpy arrays, ``DeltaChannel`` snapshots, and ``Send``
tasks pending at the checkpoint (LangGraph keeps them as writes of the previous step).
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import pathlib
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Any

import ormsgpack

from streamgraph.checkpoint._classes import find_class, rebuild
from streamgraph.checkpoint.base import CheckpointTuple, PendingWrite

__all__ = ("convert", "loads_typed")

# LangGraph's msgpack extension codes (its on-disk format).
_SINGLE_ARG, _POS_ARGS, _KW_ARGS, _METHOD, _PYDANTIC_V1, _PYDANTIC_V2 = range(6)

_STANDARD: dict[tuple[str, str], Any] = {
    ("uuid", "UUID"): uuid.UUID,
    ("decimal", "Decimal"): decimal.Decimal,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "tuple"): tuple,
    ("collections", "deque"): deque,
    ("datetime", "datetime"): dt.datetime,
    ("datetime", "date"): dt.date,
    ("datetime", "time"): dt.time,
    ("datetime", "timedelta"): dt.timedelta,
    ("datetime", "timezone"): dt.timezone,
    ("pathlib", "Path"): pathlib.Path,
    ("pathlib", "PosixPath"): pathlib.PurePosixPath,
    ("pathlib", "WindowsPath"): pathlib.PureWindowsPath,
    ("pathlib", "PurePath"): pathlib.PurePath,
    ("pathlib", "PurePosixPath"): pathlib.PurePosixPath,
    ("pathlib", "PureWindowsPath"): pathlib.PureWindowsPath,
    **{
        ("ipaddress", name): getattr(ipaddress, name)
        for name in (
            "IPv4Address",
            "IPv4Interface",
            "IPv4Network",
            "IPv6Address",
            "IPv6Interface",
            "IPv6Network",
        )
    },
}
"""Classes LangGraph stores by constructor that are neither models nor dataclasses."""

_METHODS = {("datetime", "datetime", "fromisoformat"), ("datetime", "time", "fromisoformat")}


def _zone(key: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(key)


def _ours(module: str, name: str) -> Any:
    """LangGraph's own types, as streamgraph's."""
    if module.startswith("langgraph.") and name in ("Send", "Interrupt", "Command"):
        import streamgraph.types

        return getattr(streamgraph.types, name)
    return None


def _construct(code: int, module: str, name: str, args: Any, method: str | None) -> Any:
    if (module, name) == ("zoneinfo", "ZoneInfo"):
        return _zone(args)
    if code == _METHOD:
        if (module, name, method) not in _METHODS:
            raise TypeError(f"cannot restore {module}.{name}.{method}() from LangGraph data")
        return getattr(_STANDARD[(module, name)], str(method))(args)
    ours = _ours(module, name)
    if ours is not None:
        return _build_ours(ours, code, args)
    cls = _STANDARD.get((module, name))
    if cls is None:
        cls = find_class([module, name])
        if code in (_PYDANTIC_V1, _PYDANTIC_V2):
            return rebuild(cls, dict(args), "pydantic")
        if issubclass(cls, Enum):
            return cls(args)
        if issubclass(cls, tuple) and hasattr(cls, "_fields"):  # a named tuple
            return cls(**args) if code == _KW_ARGS else cls(*args)
        if code == _KW_ARGS and hasattr(cls, "__dataclass_fields__"):
            return rebuild(cls, dict(args), "dataclass")
        raise TypeError(
            f"cannot restore a {module}.{name} from LangGraph data: only standard types, "
            "enums, dataclasses, named tuples and pydantic models are rebuilt"
        )
    if code == _SINGLE_ARG:
        return cls(args)
    if code == _POS_ARGS:
        return cls(*args)
    return cls(**args)


def _build_ours(cls: Any, code: int, args: Any) -> Any:
    if cls.__name__ == "Send":
        node, arg = (args[0], args[1]) if code == _POS_ARGS else (args["node"], args["arg"])
        return cls(node, arg)
    if cls.__name__ == "Interrupt":
        if code == _KW_ARGS:
            return cls(args.get("value"), args.get("id", ""))
        return cls(*args[:2])
    names = ("graph", "update", "resume", "goto")
    fields = args if code == _KW_ARGS else dict(zip(names, args, strict=False))
    return cls(**{k: v for k, v in fields.items() if k in names})


def _hook(code: int, data: bytes) -> Any:
    if code > _PYDANTIC_V2:
        kind = {6: "a numpy array", 7: "a DeltaChannel snapshot"}.get(code, f"extension {code}")
        raise TypeError(f"cannot read {kind} from LangGraph data")
    found = ormsgpack.unpackb(data, ext_hook=_hook, option=ormsgpack.OPT_NON_STR_KEYS)
    module, name, args = found[0], found[1], found[2]
    method = found[3] if len(found) > 3 else None
    return _construct(code, module, name, args, method)


def _unpack(data: bytes) -> Any:
    try:
        return ormsgpack.unpackb(data, ext_hook=_hook, option=ormsgpack.OPT_NON_STR_KEYS)
    except ValueError:
        _raise_hook_error(data)
        raise


def _raise_hook_error(data: bytes) -> None:
    """ormsgpack hides a hook's exception: decode again keeping it, and raise it."""
    errors: list[BaseException] = []

    def keeping(code: int, payload: bytes) -> Any:
        try:
            if code > _PYDANTIC_V2:
                return _hook(code, payload)
            found = ormsgpack.unpackb(payload, ext_hook=keeping, option=ormsgpack.OPT_NON_STR_KEYS)
            method = found[3] if len(found) > 3 else None
            return _construct(code, found[0], found[1], found[2], method)
        except BaseException as error:
            errors.append(error)
            raise

    try:
        ormsgpack.unpackb(data, ext_hook=keeping, option=ormsgpack.OPT_NON_STR_KEYS)
    except ValueError:
        if errors:
            raise errors[0] from None


def loads_typed(kind: str, data: bytes | None) -> Any:
    """A value LangGraph's serializer stored as ``(kind, data)``."""
    if kind == "null":
        return None
    if kind == "bytes":
        return bytes(data or b"")
    if kind == "bytearray":
        return bytearray(data or b"")
    if kind == "msgpack":
        return _unpack(bytes(data or b""))
    raise TypeError(
        f"cannot read a LangGraph value stored as {kind!r}: only msgpack, null, bytes and "
        "bytearray are converted (streamgraph never unpickles)"
    )


def _version(value: Any) -> int:
    return value if isinstance(value, int) else int(str(value).split(".")[0])


# -- checkpoints and writes --------------------------------------------------------------------


def _task_ids(checkpoint: dict[str, Any], ns: str, step: int) -> Callable[[str, str], str]:
    """LangGraph task id -> streamgraph's, for a node's task (``task_path`` ``~__pregel_pull,
    <node>``); other tasks keep their id."""
    from streamgraph.pregel._ids import task_id

    seed = bytes.fromhex(checkpoint["id"].replace("-", ""))

    def ours(task: str, path: str) -> str:
        prefix = "~__pregel_pull, "
        if not path.startswith(prefix):
            return task
        node = path[len(prefix) :]
        return task_id(seed, ns, str(step + 1), node, "__pregel_pull", node)

    return ours


def convert(
    row: tuple[str, str, str, str | None],
    checkpoint: dict[str, Any],
    metadata: dict[str, Any],
    writes: Iterable[Sequence[Any]],
) -> CheckpointTuple:
    """A LangGraph checkpoint (decoded, with its channel values), its metadata and its write
    rows (task id, task path, channel, type, value) as streamgraph reads them. ``row``:
    (thread id, namespace, checkpoint id, parent id)."""
    thread_id, ns, checkpoint_id, parent_id = row
    versions = {k: _version(v) for k, v in checkpoint.get("channel_versions", {}).items()}
    seen = {
        node: {k: _version(v) for k, v in channels.items()}
        for node, channels in checkpoint.get("versions_seen", {}).items()
    }
    ours = {
        "v": 1,
        "id": checkpoint_id,
        "ts": checkpoint.get("ts", ""),
        "channel_values": dict(checkpoint.get("channel_values") or {}),
        "channel_versions": versions,
        "versions_seen": seen,
        "updated_channels": checkpoint.get("updated_channels"),
    }
    rename = _task_ids(ours, ns, int(metadata.get("step", -1)))
    pending: list[PendingWrite] = [
        (rename(task, path or ""), channel, loads_typed(kind, value))
        for task, path, channel, kind, value in writes
    ]

    def config(cid: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": cid}}

    return CheckpointTuple(
        config(checkpoint_id),
        ours,  # type: ignore[arg-type]
        metadata,  # type: ignore[arg-type]
        config(parent_id) if parent_id else None,
        pending,
    )
