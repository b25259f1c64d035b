"""What SQL savers store, and the mapping between rows and ``CheckpointTuple``s.

Shared by the SQLite and Postgres savers (sync and async). A checkpoint row holds the
checkpoint without its channel values, its metadata (as JSON text, which SQL can search) and
its blob refs; each channel value is a blob row, stored once by the checkpoint that changed
it (``_blobs.py``). A write row holds one task's write. Special writes (errors, interrupts,
resume values) have fixed negative indexes, so saving one again replaces it, while a task's
ordinary writes are saved once (saving them again is a no-op).

Rows written before blobs existed have no refs: their checkpoint holds its values, and they
are read as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import orjson

from streamgraph.checkpoint._blobs import Lineage, Parent, join, split, stored_lists
from streamgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    CheckpointTuple,
    PendingWrite,
)
from streamgraph.checkpoint.serde import JsonSerializer, Serializer

__all__ = (
    "StoredCheckpoint",
    "checkpoint_rows",
    "config_ids",
    "make_config",
    "parent_of",
    "to_tuple",
    "write_rows",
)

_METADATA = JsonSerializer()


def config_ids(config: dict[str, Any]) -> tuple[str, str, str | None]:
    """(thread_id, checkpoint_ns, checkpoint_id) of a config; a clear error without a thread."""
    configurable = config.get("configurable", {})
    if configurable.get("thread_id") is None:
        raise ValueError(
            "Checkpointer requires one or more of the following 'configurable' keys: "
            "thread_id, checkpoint_ns, checkpoint_id"
        )
    return (
        str(configurable["thread_id"]),
        configurable.get("checkpoint_ns", ""),
        configurable.get("checkpoint_id"),
    )


def _bytes(data: Any) -> bytes:
    return data.encode() if isinstance(data, str) else bytes(data)


def make_config(thread_id: str, ns: str, checkpoint_id: str) -> dict[str, Any]:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }


class StoredCheckpoint(NamedTuple):
    """What ``put`` stores: the checkpoint row, its blob rows, and what a child will need."""

    row: tuple[Any, ...]
    """(thread, ns, checkpoint id, parent id, type, checkpoint, metadata JSON text, refs JSON
    text)"""
    blobs: list[tuple[Any, ...]]
    """(thread, ns, channel, checkpoint id, type, value)"""
    lineage: Parent


def checkpoint_rows(
    serde: Serializer,
    config: dict[str, Any],
    checkpoint: Any,
    metadata: Any,
    new_versions: Any,
    parent: Parent | None,
) -> StoredCheckpoint:
    """The rows ``put`` stores; ``config`` names the parent, ``parent`` is what is known of
    it (``None``: nothing, so every value gets a blob)."""
    thread_id, ns, parent_id = config_ids(config)
    stored, refs, values, lists = split(checkpoint, new_versions, parent)
    checkpoint_id = checkpoint["id"]
    kind, data = serde.dumps_typed(stored)
    blobs = [
        (thread_id, ns, channel, checkpoint_id, *serde.dumps_typed(value))
        for channel, value in values.items()
    ]
    meta = _METADATA.dumps(dict(metadata)).decode()
    row = (thread_id, ns, checkpoint_id, parent_id or None, kind, data, meta, _json(refs))
    lineage = Parent(dict(checkpoint["channel_versions"]), refs, lists)
    return StoredCheckpoint(row, blobs, lineage)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def parent_of(serde: Serializer, kind: str, checkpoint: Any, refs: Any) -> Parent:
    """The ``Parent`` of a stored checkpoint row (old rows, without refs, have no blobs)."""
    versions = serde.loads_typed((kind, _bytes(checkpoint)))["channel_versions"]
    return Parent(versions, _refs(refs))


def _refs(refs: Any) -> dict[str, str]:
    if refs is None:
        return {}
    if isinstance(refs, dict):
        return refs
    return orjson.loads(refs)  # type: ignore[no-any-return]


def write_rows(
    serde: Serializer,
    config: dict[str, Any],
    writes: Sequence[tuple[str, Any]],
    task_id: str,
    task_path: str,
) -> list[tuple[Any, ...]]:
    """Rows for ``put_writes``: (thread, ns, checkpoint, task, idx, channel, type, value,
    task_path, replace), where ``replace`` tells whether the row overwrites an existing one."""
    thread_id, ns, checkpoint_id = config_ids(config)
    if checkpoint_id is None:
        raise ValueError("put_writes needs a config with a checkpoint_id")
    rows = []
    for index, (channel, value) in enumerate(writes):
        idx = WRITES_IDX_MAP.get(channel, index)
        kind, data = serde.dumps_typed(value)
        rows.append(
            (thread_id, ns, checkpoint_id, task_id, idx, channel, kind, data, task_path, idx < 0)
        )
    return rows


def to_tuple(
    serde: Serializer,
    row: Sequence[Any],
    writes: Iterable[Sequence[Any]],
    blobs: Iterable[Sequence[Any]] = (),
    lineage: Lineage | None = None,
) -> CheckpointTuple:
    """A checkpoint row (thread, ns, id, parent, type, checkpoint, metadata, refs), its write
    rows (task_id, channel, type, value) and its blob rows (channel, type, value) as a
    ``CheckpointTuple``; remembered in ``lineage`` for a child's ``put``."""
    thread_id, ns, checkpoint_id, parent_id, kind, data, metadata, refs = row
    pending: list[PendingWrite] = [
        (task_id, channel, serde.loads_typed((wkind, _bytes(value))))
        for task_id, channel, wkind, value in writes
    ]
    values = {channel: serde.loads_typed((bkind, _bytes(value))) for channel, bkind, value in blobs}
    checkpoint = join(serde.loads_typed((kind, _bytes(data))), values)
    if lineage is not None:
        refs = _refs(refs)
        lists = stored_lists(checkpoint["channel_values"], refs)
        parent = Parent(dict(checkpoint["channel_versions"]), refs, lists)
        lineage.remember(thread_id, ns, checkpoint_id, parent)
    return CheckpointTuple(
        make_config(thread_id, ns, checkpoint_id),
        checkpoint,  # type: ignore[arg-type]
        _METADATA.loads_typed(("json", _bytes(metadata))),
        make_config(thread_id, ns, parent_id) if parent_id else None,
        pending,
    )
