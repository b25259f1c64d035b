"""SQL shared by the sync and async Postgres savers (psycopg placeholders)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from streamgraph.checkpoint._blobs import Lineage
from streamgraph.checkpoint._rows import StoredCheckpoint
from streamgraph.checkpoint._rows import to_tuple as rows_to_tuple
from streamgraph.checkpoint.base import CheckpointTuple
from streamgraph.checkpoint.serde import Serializer

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
    "ALTER TABLE sg_checkpoints ADD COLUMN IF NOT EXISTS refs JSONB",
    """CREATE TABLE IF NOT EXISTS sg_blobs (
        thread_id TEXT NOT NULL,
        checkpoint_ns TEXT NOT NULL DEFAULT '',
        channel TEXT NOT NULL,
        checkpoint_id TEXT NOT NULL,
        type TEXT NOT NULL,
        value BYTEA NOT NULL,
        PRIMARY KEY (thread_id, checkpoint_ns, channel, checkpoint_id)
    )""",
)
"""Numbered by position; ``sg_migrations`` records the ones applied. Append, never edit."""

CREATE_MIGRATIONS = "CREATE TABLE IF NOT EXISTS sg_migrations (v INTEGER PRIMARY KEY)"
_BLOBS = (
    "(SELECT array_agg(array[convert_to(r.key, 'UTF8'), convert_to(b.type, 'UTF8'), b.value]) "
    "FROM jsonb_each_text(c.refs) r CROSS JOIN LATERAL (SELECT type, value FROM sg_blobs "
    "WHERE thread_id = c.thread_id AND checkpoint_ns = c.checkpoint_ns AND channel = r.key AND "
    "checkpoint_id = r.value OFFSET 0) b)"
)
"""A checkpoint's blobs, each looked up by primary key (``OFFSET 0`` keeps the planner from
hashing the whole thread's blobs instead)."""
_WRITES = (
    "(SELECT array_agg(array[convert_to(w.task_id, 'UTF8'), convert_to(w.channel, 'UTF8'), "
    "convert_to(w.type, 'UTF8'), w.value] ORDER BY w.seq) FROM sg_writes w WHERE "
    "w.thread_id = c.thread_id AND w.checkpoint_ns = c.checkpoint_ns AND "
    "w.checkpoint_id = c.checkpoint_id)"
)
SELECT = (
    "SELECT c.thread_id, c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, c.type, "
    f"c.checkpoint, c.metadata, c.refs, {_WRITES}, {_BLOBS} FROM sg_checkpoints c"
)
"""A checkpoint row with its writes and blobs, in one round trip (arrays of byte strings:
task/channel/type/value, channel/type/value)."""
SELECT_LATEST = (
    SELECT + " WHERE c.thread_id = %s AND c.checkpoint_ns = %s "
    "ORDER BY c.checkpoint_id DESC LIMIT 1"
)
SELECT_ONE = SELECT + " WHERE c.thread_id = %s AND c.checkpoint_ns = %s AND c.checkpoint_id = %s"
SELECT_PARENT = (
    "SELECT type, checkpoint, refs FROM sg_checkpoints WHERE thread_id = %s AND "
    "checkpoint_ns = %s AND checkpoint_id = %s"
)
UPSERT = (
    "INSERT INTO sg_checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id,"
    " type, checkpoint, metadata, refs, metadata_json) "
    "VALUES (%s, %s, %s, %s, %s, %s, convert_to(%s, 'UTF8'), %s::jsonb, %s::jsonb) "
    "ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET "
    "parent_checkpoint_id = EXCLUDED.parent_checkpoint_id, type = EXCLUDED.type, "
    "checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata, refs = EXCLUDED.refs, "
    "metadata_json = EXCLUDED.metadata_json"
)
UPSERT_BLOB = (
    "INSERT INTO sg_blobs (thread_id, checkpoint_ns, channel, checkpoint_id, type, value) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (thread_id, checkpoint_ns, channel, "
    "checkpoint_id) DO UPDATE SET type = EXCLUDED.type, value = EXCLUDED.value"
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
    "DELETE FROM sg_blobs WHERE thread_id = %s",
)

COPY_THREAD = (
    "INSERT INTO sg_checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id,"
    " type, checkpoint, metadata, refs, metadata_json) SELECT %s, checkpoint_ns, checkpoint_id,"
    " parent_checkpoint_id, type, checkpoint, metadata, refs, metadata_json FROM sg_checkpoints"
    " WHERE thread_id = %s ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET "
    "parent_checkpoint_id = EXCLUDED.parent_checkpoint_id, type = EXCLUDED.type, "
    "checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata, refs = EXCLUDED.refs, "
    "metadata_json = EXCLUDED.metadata_json",
    "INSERT INTO sg_blobs (thread_id, checkpoint_ns, channel, checkpoint_id, type, value) "
    "SELECT %s, checkpoint_ns, channel, checkpoint_id, type, value FROM sg_blobs WHERE "
    "thread_id = %s ON CONFLICT (thread_id, checkpoint_ns, channel, checkpoint_id) DO UPDATE "
    "SET type = EXCLUDED.type, value = EXCLUDED.value",
    "INSERT INTO sg_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, "
    "type, value, task_path) SELECT %s, checkpoint_ns, checkpoint_id, task_id, idx, channel, "
    "type, value, task_path FROM sg_writes WHERE thread_id = %s ORDER BY seq "
    "ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO UPDATE SET "
    "channel = EXCLUDED.channel, type = EXCLUDED.type, value = EXCLUDED.value, "
    "task_path = EXCLUDED.task_path",
)
"""Parameters: (target thread, source thread). Writes keep their order (``seq``)."""
DELETE_RUN_CHECKPOINTS = (
    "DELETE FROM sg_writes w USING sg_checkpoints c WHERE c.thread_id = %(thread)s AND "
    "c.metadata_json @> jsonb_build_object('run_id', %(run)s::text) AND "
    "w.thread_id = c.thread_id AND w.checkpoint_ns = c.checkpoint_ns AND "
    "w.checkpoint_id = c.checkpoint_id",
    # The blobs the doomed checkpoints stored, unless a checkpoint that stays refers to one.
    "DELETE FROM sg_blobs b USING sg_checkpoints c WHERE c.thread_id = %(thread)s AND "
    "c.metadata_json @> jsonb_build_object('run_id', %(run)s::text) AND "
    "b.thread_id = c.thread_id AND b.checkpoint_ns = c.checkpoint_ns AND "
    "b.checkpoint_id = c.checkpoint_id AND NOT EXISTS (SELECT 1 FROM sg_checkpoints k WHERE "
    "k.thread_id = b.thread_id AND k.checkpoint_ns = b.checkpoint_ns AND "
    "NOT k.metadata_json @> jsonb_build_object('run_id', %(run)s::text) AND "
    "k.refs @> jsonb_build_object(b.channel, b.checkpoint_id))",
    "DELETE FROM sg_checkpoints WHERE thread_id = %(thread)s AND "
    "metadata_json @> jsonb_build_object('run_id', %(run)s::text)",
)
"""Parameters: thread, run (run id); writes and blobs first, while their checkpoints still
say which."""


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
            clauses.append(f"c.{key} = %s")
            params.append(str(configurable[key]))
    before_id = (before or {}).get("configurable", {}).get("checkpoint_id")
    if before_id is not None:
        clauses.append("c.checkpoint_id < %s")
        params.append(before_id)
    if filter:
        clauses.append("c.metadata_json @> %s::jsonb")
        params.append(orjson.dumps(filter).decode())
    sql = SELECT + (" WHERE " + " AND ".join(clauses) if clauses else "")
    sql += " ORDER BY c.checkpoint_id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


Statements = list[tuple[str, list[tuple[Any, ...]]]]
"""SQL with its parameter rows, for ``executemany`` (pipelined by psycopg)."""


def put_statements(stored: StoredCheckpoint) -> Statements:
    """A checkpoint row and its blobs. The metadata goes twice: exact, and as JSONB (which
    reorders keys, but can be searched)."""
    row = stored.row
    statements: Statements = [(UPSERT, [(*row, row[6])])]
    if stored.blobs:
        statements.append((UPSERT_BLOB, stored.blobs))
    return statements


def write_statements(rows: list[tuple[Any, ...]]) -> Statements:
    """A task's write rows, grouped by statement (special writes replace, others do not)."""
    replacing = [tuple(values) for *values, replace in rows if replace]
    kept = [tuple(values) for *values, replace in rows if not replace]
    statements: Statements = []
    if kept:
        statements.append((INSERT_WRITE, kept))
    if replacing:
        statements.append((REPLACE_WRITE, replacing))
    return statements


def merged(
    ours: list[CheckpointTuple], theirs: list[CheckpointTuple], limit: int | None
) -> list[CheckpointTuple]:
    """Our checkpoints and LangGraph's (a thread continued after a switch), newest first."""
    if not theirs:
        return ours
    found = sorted(
        ours + theirs, key=lambda t: t.config["configurable"]["checkpoint_id"], reverse=True
    )
    return found[:limit] if limit is not None else found


def to_tuple(serde: Serializer, row: Sequence[Any], lineage: Lineage) -> CheckpointTuple:
    """A ``SELECT`` row (checkpoint columns, writes array, blobs array) as a tuple."""
    writes = [[v.decode() for v in w[:3]] + [w[3]] for w in row[8] or ()]
    blobs = [(b[0].decode(), b[1].decode(), b[2]) for b in row[9] or ()]
    return rows_to_tuple(serde, row[:8], writes, blobs, lineage)
