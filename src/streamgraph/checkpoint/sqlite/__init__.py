"""SqliteSaver: checkpoints in a SQLite file, with the standard library's ``sqlite3``.

Channel values are stored once, by the checkpoint that changed them (``sg_blobs``, see
``streamgraph.checkpoint._blobs``): a step writes what it changed. Checkpoints stored before
blobs existed (no ``refs``) hold their values and are read as they are.

A file written by ``langgraph-checkpoint-sqlite`` can be opened as it is: its threads are
read from LangGraph's tables and continue in streamgraph's (``_langgraph.py``).

The database runs in WAL mode with ``synchronous=NORMAL``: a process that dies (even by
``kill -9``) loses nothing that was committed; only a power cut can lose the last
transactions. One connection is shared by all threads of the process, behind a lock.
Tables are named ``sg_*``, so a LangGraph checkpoint database can live in the same file.

Example::

    with SqliteSaver.from_conn_string("checkpoints.sqlite") as saver:
        graph = builder.compile(checkpointer=saver)
        graph.invoke(inputs, {"configurable": {"thread_id": "1"}})
"""

from __future__ import annotations

import builtins
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson

from streamgraph.checkpoint._blobs import Lineage, Parent
from streamgraph.checkpoint._rows import (
    StoredCheckpoint,
    checkpoint_rows,
    config_ids,
    make_config,
    parent_of,
    to_tuple,
    write_rows,
)
from streamgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from streamgraph.checkpoint.serde import Serializer
from streamgraph.checkpoint.sqlite import _langgraph

__all__ = ("SqliteSaver",)

MIGRATIONS = (
    """CREATE TABLE IF NOT EXISTS sg_checkpoints (
        thread_id TEXT NOT NULL,
        checkpoint_ns TEXT NOT NULL DEFAULT '',
        checkpoint_id TEXT NOT NULL,
        parent_checkpoint_id TEXT,
        type TEXT NOT NULL,
        checkpoint BLOB NOT NULL,
        metadata TEXT NOT NULL,
        PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
    )""",
    """CREATE TABLE IF NOT EXISTS sg_writes (
        thread_id TEXT NOT NULL,
        checkpoint_ns TEXT NOT NULL DEFAULT '',
        checkpoint_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        channel TEXT NOT NULL,
        type TEXT NOT NULL,
        value BLOB NOT NULL,
        task_path TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
    )""",
    "ALTER TABLE sg_checkpoints ADD COLUMN refs TEXT",
    """CREATE TABLE IF NOT EXISTS sg_blobs (
        thread_id TEXT NOT NULL,
        checkpoint_ns TEXT NOT NULL DEFAULT '',
        channel TEXT NOT NULL,
        checkpoint_id TEXT NOT NULL,
        type TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (thread_id, checkpoint_ns, channel, checkpoint_id)
    )""",
)
"""Numbered by position; ``sg_migrations`` records the ones applied. Append, never edit."""

SELECT = (
    "SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, "
    "checkpoint, metadata, refs FROM sg_checkpoints"
)
SELECT_BLOBS = (
    "SELECT b.channel, b.type, b.value FROM json_each(?) r CROSS JOIN sg_blobs b ON "
    "b.thread_id = ? AND b.checkpoint_ns = ? AND b.channel = r.key AND b.checkpoint_id = r.value"
)
SELECT_PAGE_BLOBS = (
    "SELECT b.channel, b.checkpoint_id, b.type, b.value FROM json_each(?) r CROSS JOIN sg_blobs "
    "b ON b.thread_id = ? AND b.checkpoint_ns = ? AND "
    "b.channel = json_extract(r.value, '$[0]') AND b.checkpoint_id = json_extract(r.value, '$[1]')"
)
"""The blobs of a page of checkpoints: ``?`` is a JSON array of (channel, checkpoint id)."""
SELECT_PAGE_WRITES = (
    "SELECT checkpoint_id, task_id, channel, type, value FROM sg_writes WHERE thread_id = ? "
    "AND checkpoint_ns = ? AND checkpoint_id IN (SELECT value FROM json_each(?)) ORDER BY rowid"
)
SELECT_PARENT = (
    "SELECT type, checkpoint, refs FROM sg_checkpoints WHERE thread_id = ? AND "
    "checkpoint_ns = ? AND checkpoint_id = ?"
)
SELECT_WRITES = (
    "SELECT task_id, channel, type, value FROM sg_writes WHERE thread_id = ? AND "
    "checkpoint_ns = ? AND checkpoint_id = ? ORDER BY rowid"
)
INSERT = (
    "INSERT OR REPLACE INTO sg_checkpoints (thread_id, checkpoint_ns, checkpoint_id, "
    "parent_checkpoint_id, type, checkpoint, metadata, refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_BLOB = (
    "INSERT OR REPLACE INTO sg_blobs (thread_id, checkpoint_ns, channel, checkpoint_id, type, "
    "value) VALUES (?, ?, ?, ?, ?, ?)"
)
INSERT_WRITE = (
    "INSERT OR {verb} INTO sg_writes (thread_id, checkpoint_ns, checkpoint_id, "
    "task_id, idx, channel, type, value, task_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

COPY_THREAD = (
    "INSERT OR REPLACE INTO sg_checkpoints (thread_id, checkpoint_ns, checkpoint_id, "
    "parent_checkpoint_id, type, checkpoint, metadata, refs) SELECT ?, checkpoint_ns, "
    "checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata, refs FROM sg_checkpoints "
    "WHERE thread_id = ?",
    "INSERT OR REPLACE INTO sg_blobs (thread_id, checkpoint_ns, channel, checkpoint_id, type, "
    "value) SELECT ?, checkpoint_ns, channel, checkpoint_id, type, value FROM sg_blobs "
    "WHERE thread_id = ?",
    "INSERT OR REPLACE INTO sg_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, "
    "channel, type, value, task_path) SELECT ?, checkpoint_ns, checkpoint_id, task_id, idx, "
    "channel, type, value, task_path FROM sg_writes WHERE thread_id = ? ORDER BY rowid",
)
"""Parameters: (target thread, source thread). Writes keep their order (``rowid``)."""
DELETE_RUN_CHECKPOINTS = (
    "CREATE TEMP TABLE IF NOT EXISTS sg_doomed (checkpoint_ns TEXT, checkpoint_id TEXT)",
    "DELETE FROM temp.sg_doomed",
    "INSERT INTO temp.sg_doomed SELECT checkpoint_ns, checkpoint_id FROM sg_checkpoints "
    "WHERE thread_id = :thread AND json_extract(metadata, '$.run_id') = :run",
    "DELETE FROM sg_writes WHERE thread_id = :thread AND (checkpoint_ns, checkpoint_id) IN "
    "(SELECT checkpoint_ns, checkpoint_id FROM temp.sg_doomed)",
    "DELETE FROM sg_checkpoints WHERE thread_id = :thread AND (checkpoint_ns, checkpoint_id) "
    "IN (SELECT checkpoint_ns, checkpoint_id FROM temp.sg_doomed)",
    # The blobs the deleted checkpoints stored, unless a checkpoint left still refers to one.
    "DELETE FROM sg_blobs WHERE thread_id = :thread AND (checkpoint_ns, checkpoint_id) IN "
    "(SELECT checkpoint_ns, checkpoint_id FROM temp.sg_doomed) AND NOT EXISTS (SELECT 1 FROM "
    "sg_checkpoints c, json_each(c.refs) r WHERE c.thread_id = :thread AND c.checkpoint_ns = "
    "sg_blobs.checkpoint_ns AND r.key = sg_blobs.channel AND r.value = sg_blobs.checkpoint_id)",
)


def list_query(
    config: dict[str, Any] | None,
    filter: dict[str, Any] | None,
    before: dict[str, Any] | None,
    limit: int | None,
) -> tuple[str, list[Any], bool]:
    """SQL and parameters for ``list``; the flag says whether ``filter`` still has to be
    checked in Python (for values SQL cannot compare)."""
    clauses: list[str] = []
    params: list[Any] = []
    configurable = (config or {}).get("configurable", {})
    for key in ("thread_id", "checkpoint_ns", "checkpoint_id"):
        if configurable.get(key) is not None:
            clauses.append(f"{key} = ?")
            params.append(str(configurable[key]))
    before_id = (before or {}).get("configurable", {}).get("checkpoint_id")
    if before_id is not None:
        clauses.append("checkpoint_id < ?")
        params.append(before_id)
    in_python = False
    for key, value in (filter or {}).items():
        if isinstance(value, str | int | float | bool) or value is None:
            path = '$."' + key.replace('"', '""') + '"'
            clauses.append("json_extract(metadata, ?) IS ?")
            params.extend([path, value])
        else:
            in_python = True
    sql = SELECT + (" WHERE " + " AND ".join(clauses) if clauses else "")
    sql += " ORDER BY checkpoint_id DESC"
    if limit is not None and not in_python:
        sql += f" LIMIT {int(limit)}"
    return sql, params, in_python


class SqliteSaver(BaseCheckpointSaver):
    """Checkpoints in SQLite. Safe to share between threads."""

    def __init__(self, conn: sqlite3.Connection, *, serde: Serializer | None = None) -> None:
        super().__init__(serde=serde)
        self.conn = conn
        self.lock = threading.RLock()
        self.is_setup = False
        self.lineage = Lineage()
        self.langgraph = False  # the file has LangGraph's tables (read: setup())
        self._langgraph_paths = False

    @classmethod
    @contextmanager
    def from_conn_string(cls, conn_string: str) -> Iterator[SqliteSaver]:
        """A saver on a new connection to ``conn_string`` (a path or ``":memory:"``),
        closed on exit."""
        conn = sqlite3.connect(conn_string, check_same_thread=False, isolation_level=None)
        try:
            yield cls(conn)
        finally:
            conn.close()

    def setup(self) -> None:
        """Create the tables (apply the migrations not applied yet). Called on first use."""
        with self.lock:
            if self.is_setup:
                return
            conn = self.conn
            conn.isolation_level = None
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("CREATE TABLE IF NOT EXISTS sg_migrations (v INTEGER PRIMARY KEY)")
            done = {row[0] for row in conn.execute("SELECT v FROM sg_migrations")}
            for version, statement in enumerate(MIGRATIONS):
                if version not in done:
                    with self.transaction():
                        conn.execute(statement)
                        conn.execute("INSERT INTO sg_migrations (v) VALUES (?)", (version,))
            self.langgraph, self._langgraph_paths = _langgraph.has_tables(conn)
            self.is_setup = True

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one write transaction, behind the saver's lock (also what
        the server's SQLite storage writes its rows in, on the same connection)."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def _load(self, row: Sequence[Any]) -> CheckpointTuple:
        thread_id, ns, checkpoint_id, refs = row[0], row[1], row[2], row[7]
        writes = self.conn.execute(SELECT_WRITES, (thread_id, ns, checkpoint_id)).fetchall()
        blobs = () if refs is None else self.conn.execute(SELECT_BLOBS, (refs, thread_id, ns))
        return to_tuple(self.serde, row, writes, blobs, self.lineage)

    def _load_page(self, rows: Sequence[Sequence[Any]]) -> builtins.list[CheckpointTuple]:
        """``_load`` for many rows: two queries per namespace, not two per row."""
        if len(rows) < 2:
            return [self._load(row) for row in rows]
        groups: dict[tuple[str, str], builtins.list[Sequence[Any]]] = {}
        for row in rows:
            groups.setdefault((row[0], row[1]), []).append(row)
        writes: dict[tuple[str, str, str], builtins.list[Any]] = {}
        blobs: dict[tuple[str, str, str, str], tuple[str, str, Any]] = {}
        for (thread_id, ns), group in groups.items():
            ids = orjson.dumps([row[2] for row in group]).decode()
            for checkpoint_id, *write in self.conn.execute(
                SELECT_PAGE_WRITES, (thread_id, ns, ids)
            ):
                writes.setdefault((thread_id, ns, checkpoint_id), []).append(write)
            pairs = {pair for row in group if row[7] for pair in orjson.loads(row[7]).items()}
            if pairs:
                page = orjson.dumps(sorted(pairs)).decode()
                for channel, ref, kind, value in self.conn.execute(
                    SELECT_PAGE_BLOBS, (page, thread_id, ns)
                ):
                    blobs[(thread_id, ns, channel, ref)] = (channel, kind, value)
        found = []
        for row in rows:
            thread_id, ns, refs = row[0], row[1], row[7]
            own = [
                blobs[key]
                for key in ((thread_id, ns, c, r) for c, r in orjson.loads(refs or "{}").items())
                if key in blobs
            ]
            own_writes = writes.get((thread_id, ns, row[2]), [])
            found.append(to_tuple(self.serde, row, own_writes, own, self.lineage))
        return found

    def get_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        thread_id, ns, checkpoint_id = config_ids(config)
        self.setup()
        with self.lock:
            if checkpoint_id is None:
                row = self.conn.execute(
                    SELECT + " WHERE thread_id = ? AND checkpoint_ns = ? "
                    "ORDER BY checkpoint_id DESC LIMIT 1",
                    (thread_id, ns),
                ).fetchone()
            else:
                row = self.conn.execute(
                    SELECT + " WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
                    (thread_id, ns, checkpoint_id),
                ).fetchone()
            if row is not None:
                return self._load(row)
            if not self.langgraph:
                return None
            found = self._theirs(config, None, None, 1)
            return found[0] if found else None

    def _theirs(
        self, config: Any, filter: Any, before: dict[str, Any] | None, limit: int | None
    ) -> builtins.list[CheckpointTuple]:
        """Checkpoints of LangGraph's tables (``_langgraph.py``)."""
        before_id = (before or {}).get("configurable", {}).get("checkpoint_id")
        with self.lock:
            return _langgraph.list_tuples(
                self.conn, self._langgraph_paths, config, filter, before_id, limit
            )

    def list(
        self,
        config: dict[str, Any] | None,
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        self.setup()
        sql, params, in_python = list_query(config, filter, before, limit)
        with self.lock:
            found = self._load_page(self.conn.execute(sql, params).fetchall())
        if in_python:
            found = [
                t for t in found if all(t.metadata.get(k) == v for k, v in (filter or {}).items())
            ]
            found = found[:limit] if limit is not None else found
        if self.langgraph:
            found += self._theirs(config, filter, before, limit)
            found.sort(key=lambda t: t.config["configurable"]["checkpoint_id"], reverse=True)
            found = found[:limit] if limit is not None else found
        yield from found

    def _stored(
        self, config: dict[str, Any], args: Sequence[Any], batch: dict[str, Parent]
    ) -> StoredCheckpoint:
        """The rows of a ``put`` (``args``: checkpoint, metadata, new_versions); ``batch``
        holds what the same batch stored before it (not committed, not in ``lineage`` yet)."""
        thread_id, ns, parent_id = config_ids(config)
        parent = batch.get(parent_id or "") or self.lineage.get(thread_id, ns, parent_id)
        if parent is None and parent_id is not None:
            with self.lock:
                row = self.conn.execute(SELECT_PARENT, (thread_id, ns, parent_id)).fetchone()
            parent = None if row is None else parent_of(self.serde, *row)
        checkpoint, metadata, new_versions = args[:3]
        stored = checkpoint_rows(self.serde, config, checkpoint, metadata, new_versions, parent)
        batch[checkpoint["id"]] = stored.lineage
        return stored

    def _insert(self, conn: sqlite3.Connection, stored: StoredCheckpoint) -> None:
        conn.execute(INSERT, stored.row)
        if stored.blobs:
            conn.executemany(INSERT_BLOB, stored.blobs)

    def _remember(self, stored: Sequence[StoredCheckpoint]) -> None:
        for item in stored:
            thread_id, ns, checkpoint_id = item.row[:3]
            self.lineage.remember(thread_id, ns, checkpoint_id, item.lineage)

    def put(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        self.setup()
        stored = self._stored(config, (checkpoint, metadata, new_versions), {})
        with self.transaction() as conn:
            self._insert(conn, stored)
        self._remember([stored])
        return make_config(stored.row[0], stored.row[1], checkpoint["id"])

    def _write(self, conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        for *values, replace in rows:
            conn.execute(INSERT_WRITE.format(verb="REPLACE" if replace else "IGNORE"), values)

    def put_writes(
        self,
        config: dict[str, Any],
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        rows = write_rows(self.serde, config, writes, task_id, task_path)
        self.setup()
        with self.transaction() as conn:
            self._write(conn, rows)

    def save_batch(self, ops: Sequence[Any]) -> None:
        """Several ``put``/``put_writes`` in one transaction (the runtime's background saves
        use it: one commit per batch instead of one per operation)."""
        self.setup()
        batch: dict[str, Parent] = {}
        rows = [
            ("put", self._stored(op.config, op.args, batch))
            if op.kind == "put"
            else ("writes", write_rows(self.serde, op.config, *op.args))
            for op in ops
        ]
        with self.transaction() as conn:
            for kind, row in rows:
                if kind == "put":
                    self._insert(conn, row)  # type: ignore[arg-type]
                else:
                    self._write(conn, row)  # type: ignore[arg-type]
        self._remember([row for kind, row in rows if kind == "put"])  # type: ignore[misc]

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        if str(source_thread_id) == str(target_thread_id):
            return
        self.setup()
        with self.transaction() as conn:
            for sql in COPY_THREAD + (_langgraph.COPY if self.langgraph else ()):
                conn.execute(sql, (str(target_thread_id), str(source_thread_id)))

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        self.setup()
        with self.transaction() as conn:
            for sql in DELETE_RUN_CHECKPOINTS:
                conn.execute(sql, {"thread": str(thread_id), "run": run_id})
        self.lineage.forget_thread(str(thread_id))

    def delete_thread(self, thread_id: str) -> None:
        self.setup()
        with self.transaction() as conn:
            for table in ("sg_checkpoints", "sg_writes", "sg_blobs"):
                conn.execute(f"DELETE FROM {table} WHERE thread_id = ?", (str(thread_id),))
            for sql in _langgraph.DELETE if self.langgraph else ():
                conn.execute(sql, (str(thread_id),))
        self.lineage.forget_thread(str(thread_id))
