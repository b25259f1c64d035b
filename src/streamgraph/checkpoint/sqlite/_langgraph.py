"""Reading the tables ``langgraph-checkpoint-sqlite`` writes (``checkpoints``, ``writes``) in
the same file: see ``streamgraph.checkpoint._langgraph`` for what is converted."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from streamgraph.checkpoint._langgraph import convert, loads_typed
from streamgraph.checkpoint.base import CheckpointTuple

__all__ = ("COPY", "DELETE", "has_tables", "list_tuples")

_SELECT = (
    "SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, "
    "metadata FROM checkpoints"
)
DELETE = ("DELETE FROM checkpoints WHERE thread_id = ?", "DELETE FROM writes WHERE thread_id = ?")
COPY = (
    "INSERT OR REPLACE INTO checkpoints SELECT ?, checkpoint_ns, checkpoint_id, "
    "parent_checkpoint_id, type, checkpoint, metadata FROM checkpoints WHERE thread_id = ?",
)
"""Parameters: (target thread, source thread). Writes are not copied (LangGraph's table has
columns in an order that changed between versions): a copy keeps every checkpoint."""


def has_tables(conn: sqlite3.Connection) -> tuple[bool, bool]:
    """Whether the file has LangGraph's tables, and whether its writes have ``task_path``."""
    tables = {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN "
            "('checkpoints', 'writes')"
        )
    }
    if "checkpoints" not in tables or "writes" not in tables:
        return False, False
    return True, "task_path" in (tables["writes"] or "")


def _load(conn: sqlite3.Connection, row: Any, task_path: bool) -> CheckpointTuple:
    thread_id, ns, checkpoint_id, parent_id, kind, data, metadata = row
    path = "task_path" if task_path else "''"
    writes = conn.execute(
        f"SELECT task_id, {path}, channel, type, value FROM writes WHERE thread_id = ? AND "
        "checkpoint_ns = ? AND checkpoint_id = ? ORDER BY task_id, idx",
        (thread_id, ns, checkpoint_id),
    ).fetchall()
    meta = orjson.loads(metadata) if metadata else {}
    checkpoint = loads_typed(kind, data)
    return convert((thread_id, ns, checkpoint_id, parent_id), checkpoint, meta, writes)


def list_tuples(
    conn: sqlite3.Connection,
    task_path: bool,
    config: dict[str, Any] | None,
    filter: dict[str, Any] | None,
    before: str | None,
    limit: int | None,
) -> list[CheckpointTuple]:
    """LangGraph's checkpoints matching a ``list`` (or ``get_tuple``) call, newest first."""
    clauses: list[str] = []
    params: list[Any] = []
    configurable = (config or {}).get("configurable", {})
    for key in ("thread_id", "checkpoint_ns", "checkpoint_id"):
        if configurable.get(key) is not None:
            clauses.append(f"{key} = ?")
            params.append(str(configurable[key]))
    if before is not None:
        clauses.append("checkpoint_id < ?")
        params.append(before)
    sql = _SELECT + (" WHERE " + " AND ".join(clauses) if clauses else "")
    sql += " ORDER BY checkpoint_id DESC"
    if limit is not None and not filter:
        sql += f" LIMIT {int(limit)}"
    found = []
    for row in conn.execute(sql, params).fetchall():
        item = _load(conn, row, task_path)
        if filter and not all(item.metadata.get(k) == v for k, v in filter.items()):
            continue
        found.append(item)
        if limit is not None and len(found) >= limit:
            break
    return found
