"""What SQL savers store, and the mapping between rows and ``CheckpointTuple``s.

Shared by the SQLite and Postgres savers (sync and async): a checkpoint row holds the
serialized checkpoint and metadata; a write row one task's write. Special writes (errors,
interrupts, resume values) have fixed negative indexes, so saving one again replaces it,
while a task's ordinary writes are saved once (saving them again is a no-op).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from streamgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    CheckpointTuple,
    PendingWrite,
)
from streamgraph.checkpoint.serde import Serializer

__all__ = ("checkpoint_row", "config_ids", "make_config", "to_tuple", "write_rows")


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


def checkpoint_row(
    serde: Serializer, config: dict[str, Any], checkpoint: Any, metadata: Any
) -> tuple[Any, ...]:
    """Row for ``put``: (thread, ns, checkpoint id, parent id, type, checkpoint, metadata as
    JSON text); ``config`` names the parent."""
    thread_id, ns, parent_id = config_ids(config)
    kind, data = serde.dumps_typed(checkpoint)
    _, meta = serde.dumps_typed(dict(metadata))
    return (thread_id, ns, checkpoint["id"], parent_id or None, kind, data, meta.decode())


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
    serde: Serializer, row: Sequence[Any], writes: Iterable[Sequence[Any]]
) -> CheckpointTuple:
    """A checkpoint row (thread, ns, id, parent, type, checkpoint, metadata) and its write
    rows (task_id, channel, type, value) as a ``CheckpointTuple``."""
    thread_id, ns, checkpoint_id, parent_id, kind, checkpoint, metadata = row
    pending: list[PendingWrite] = [
        (task_id, channel, serde.loads_typed((wkind, _bytes(value))))
        for task_id, channel, wkind, value in writes
    ]
    return CheckpointTuple(
        make_config(thread_id, ns, checkpoint_id),
        serde.loads_typed((kind, _bytes(checkpoint))),
        serde.loads_typed((kind, _bytes(metadata))),
        make_config(thread_id, ns, parent_id) if parent_id else None,
        pending,
    )
