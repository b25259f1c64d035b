"""SQL shared by the sync and async Postgres savers (psycopg placeholders)."""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ("MIGRATIONS", "list_query")

MIGRATIONS = (
    """CREATE TABLE IF NOT EXISTS sg_checkpoints (
        thread_id TEXT NOT NULL,
        checkpoint_ns TEXT NOT NULL DEFAULT '',
        checkpoint_id TEXT NOT NULL,
        parent_checkpoint_id TEXT,
        type TEXT NOT NULL,
        checkpoint BYTEA NOT NULL,
        metadata BYTEA NOT NULL,
        metadata_json JSONB NOT NULL DEFAULT '{}',
        PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
    )""",
    """CREATE TABLE IF NOT EXISTS sg_writes (
        thread_id TEXT NOT NULL,
        checkpoint_ns TEXT NOT NULL DEFAULT '',
        checkpoint_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        seq BIGSERIAL,
        channel TEXT NOT NULL,
        type TEXT NOT NULL,
        value BYTEA NOT NULL,
        task_path TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
    )""",
    "CREATE INDEX IF NOT EXISTS sg_checkpoints_thread ON sg_checkpoints (thread_id)",
)
"""Numbered by position; ``sg_migrations`` records the ones applied. Append, never edit."""

CREATE_MIGRATIONS = "CREATE TABLE IF NOT EXISTS sg_migrations (v INTEGER PRIMARY KEY)"
SELECT = (
    "SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, "
    "checkpoint, metadata FROM sg_checkpoints"
)
SELECT_LATEST = (
    SELECT + " WHERE thread_id = %s AND checkpoint_ns = %s ORDER BY checkpoint_id DESC LIMIT 1"
)
SELECT_ONE = SELECT + " WHERE thread_id = %s AND checkpoint_ns = %s AND checkpoint_id = %s"
SELECT_WRITES = (
    "SELECT task_id, channel, type, value FROM sg_writes WHERE thread_id = %s AND "
    "checkpoint_ns = %s AND checkpoint_id = %s ORDER BY seq"
)
UPSERT = (
    "INSERT INTO sg_checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id,"
    " type, checkpoint, metadata, metadata_json) "
    "VALUES (%s, %s, %s, %s, %s, %s, convert_to(%s, 'UTF8'), %s::jsonb) "
    "ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET "
    "parent_checkpoint_id = EXCLUDED.parent_checkpoint_id, type = EXCLUDED.type, "
    "checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata, "
    "metadata_json = EXCLUDED.metadata_json"
)
_INSERT_WRITE = (
    "INSERT INTO sg_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, "
    "type, value, task_path) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) "
)
INSERT_WRITE = _INSERT_WRITE + "DO NOTHING"
REPLACE_WRITE = (
    _INSERT_WRITE + "DO UPDATE SET channel = EXCLUDED.channel, "
    "type = EXCLUDED.type, value = EXCLUDED.value, task_path = EXCLUDED.task_path"
)
DELETE_THREAD = (
    "DELETE FROM sg_checkpoints WHERE thread_id = %s",
    "DELETE FROM sg_writes WHERE thread_id = %s",
)

COPY_THREAD = (
    "INSERT INTO sg_checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id,"
    " type, checkpoint, metadata, metadata_json) SELECT %s, checkpoint_ns, checkpoint_id, "
    "parent_checkpoint_id, type, checkpoint, metadata, metadata_json FROM sg_checkpoints "
    "WHERE thread_id = %s ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET "
    "parent_checkpoint_id = EXCLUDED.parent_checkpoint_id, type = EXCLUDED.type, "
    "checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata, "
    "metadata_json = EXCLUDED.metadata_json",
    "INSERT INTO sg_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, "
    "type, value, task_path) SELECT %s, checkpoint_ns, checkpoint_id, task_id, idx, channel, "
    "type, value, task_path FROM sg_writes WHERE thread_id = %s ORDER BY seq "
    "ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO UPDATE SET "
    "channel = EXCLUDED.channel, type = EXCLUDED.type, value = EXCLUDED.value, "
    "task_path = EXCLUDED.task_path",
)
"""Parameters: (target thread, source thread). Writes keep their order (``seq``)."""
DELETE_RUN_CHECKPOINTS = (
    "DELETE FROM sg_writes w USING sg_checkpoints c WHERE c.thread_id = %s AND "
    "c.metadata_json @> jsonb_build_object('run_id', %s::text) AND w.thread_id = c.thread_id "
    "AND w.checkpoint_ns = c.checkpoint_ns AND w.checkpoint_id = c.checkpoint_id",
    "DELETE FROM sg_checkpoints WHERE thread_id = %s AND "
    "metadata_json @> jsonb_build_object('run_id', %s::text)",
)
"""Parameters: (thread, run id); writes first, while their checkpoints still say which."""


def list_query(
    config: dict[str, Any] | None,
    filter: dict[str, Any] | None,
    before: dict[str, Any] | None,
    limit: int | None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    configurable = (config or {}).get("configurable", {})
    for key in ("thread_id", "checkpoint_ns", "checkpoint_id"):
        if configurable.get(key) is not None:
            clauses.append(f"{key} = %s")
            params.append(str(configurable[key]))
    before_id = (before or {}).get("configurable", {}).get("checkpoint_id")
    if before_id is not None:
        clauses.append("checkpoint_id < %s")
        params.append(before_id)
    if filter:
        clauses.append("metadata_json @> %s::jsonb")
        params.append(orjson.dumps(filter).decode())
    sql = SELECT + (" WHERE " + " AND ".join(clauses) if clauses else "")
    sql += " ORDER BY checkpoint_id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def checkpoint_params(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """UPSERT parameters for a checkpoint row: the metadata twice, exact and as JSONB (which
    reorders keys, but can be searched)."""
    return (*row, row[-1])


def write_params(row: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    *values, replace = row
    return (REPLACE_WRITE if replace else INSERT_WRITE), tuple(values)
