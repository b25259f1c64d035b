"""Reading the tables ``langgraph-checkpoint-postgres`` writes (``checkpoints``,
``checkpoint_blobs``, ``checkpoint_writes``) in the same database, for the sync and async
savers: see ``streamgraph.checkpoint._langgraph`` for what is converted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from streamgraph.checkpoint._langgraph import convert, loads_typed
from streamgraph.checkpoint.base import CheckpointTuple

__all__ = ("COPY", "DELETE", "FIND_TABLES", "list_query", "to_tuple")

FIND_TABLES = (
    "SELECT to_regclass('checkpoints') IS NOT NULL AND to_regclass('checkpoint_blobs') IS NOT "
    "NULL AND to_regclass('checkpoint_writes') IS NOT NULL AND EXISTS (SELECT 1 FROM "
    "information_schema.columns WHERE table_name = 'checkpoint_writes' AND "
    "column_name = 'task_path' AND table_schema = current_schema())"
)
"""Whether LangGraph's tables are there (in a version with ``task_path``, 2024 and later)."""

_SELECT = (
    "SELECT c.thread_id, c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, "
    "c.checkpoint, c.metadata, "
    "(SELECT array_agg(array[convert_to(v.key, 'UTF8'), convert_to(b.type, 'UTF8'), b.blob]) "
    "FROM jsonb_each_text(c.checkpoint -> 'channel_versions') v CROSS JOIN LATERAL "
    "(SELECT type, blob FROM checkpoint_blobs WHERE thread_id = c.thread_id AND "
    "checkpoint_ns = c.checkpoint_ns AND channel = v.key AND version = v.value OFFSET 0) b), "
    "(SELECT array_agg(array[convert_to(w.task_id, 'UTF8'), convert_to(w.task_path, 'UTF8'), "
    "convert_to(w.channel, 'UTF8'), convert_to(coalesce(w.type, 'msgpack'), 'UTF8'), w.blob] "
    "ORDER BY w.task_id, w.idx) FROM checkpoint_writes w WHERE w.thread_id = c.thread_id AND "
    "w.checkpoint_ns = c.checkpoint_ns AND w.checkpoint_id = c.checkpoint_id) "
    "FROM checkpoints c"
)
DELETE = (
    "DELETE FROM checkpoints WHERE thread_id = %s",
    "DELETE FROM checkpoint_blobs WHERE thread_id = %s",
    "DELETE FROM checkpoint_writes WHERE thread_id = %s",
)
COPY = (
    "INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, "
    "type, checkpoint, metadata) SELECT %s, checkpoint_ns, checkpoint_id, parent_checkpoint_id,"
    " type, checkpoint, metadata FROM checkpoints WHERE thread_id = %s ON CONFLICT DO NOTHING",
    "INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob) "
    "SELECT %s, checkpoint_ns, channel, version, type, blob FROM checkpoint_blobs WHERE "
    "thread_id = %s ON CONFLICT DO NOTHING",
    "INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, "
    "channel, type, blob, task_path) SELECT %s, checkpoint_ns, checkpoint_id, task_id, idx, "
    "channel, type, blob, task_path FROM checkpoint_writes WHERE thread_id = %s "
    "ON CONFLICT DO NOTHING",
)
"""Parameters: (target thread, source thread)."""


def list_query(
    config: dict[str, Any] | None,
    filter: dict[str, Any] | None,
    before: dict[str, Any] | None,
    limit: int | None,
) -> tuple[str, list[Any]]:
    """LangGraph's checkpoints matching a ``list`` (or ``get_tuple``) call, newest first."""
    clauses: list[str] = []
    params: list[Any] = []
    configurable = (config or {}).get("configurable", {})
    for key in ("thread_id", "checkpoint_ns", "checkpoint_id"):
        if configurable.get(key) is not None:
            clauses.append(f"c.{key} = %s")
            params.append(str(configurable[key]))
    before_id = (before or {}).get("configurable", {}).get("checkpoint_id")
    if before_id is not None:
        clauses.append("c.checkpoint_id < %s")
        params.append(before_id)
    if filter:
        clauses.append("c.metadata @> %s::jsonb")
        params.append(orjson.dumps(filter).decode())
    sql = _SELECT + (" WHERE " + " AND ".join(clauses) if clauses else "")
    sql += " ORDER BY c.checkpoint_id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def to_tuple(row: Sequence[Any]) -> CheckpointTuple:
    thread_id, ns, checkpoint_id, parent_id, checkpoint, metadata, blobs, writes = row
    values = dict(checkpoint.get("channel_values") or {})
    for channel, kind, data in blobs or ():
        if kind.decode() != "empty":
            values[channel.decode()] = loads_typed(kind.decode(), data)
    checkpoint = {**checkpoint, "channel_values": values}
    rows = [
        (task.decode(), path.decode(), channel.decode(), kind.decode(), data)
        for task, path, channel, kind, data in writes or ()
    ]
    return convert((thread_id, ns, checkpoint_id, parent_id), checkpoint, metadata or {}, rows)
