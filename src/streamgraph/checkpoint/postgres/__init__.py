"""PostgresSaver: checkpoints in Postgres, with psycopg 3 (a connection or a pool).

Call ``setup()`` once per database (it applies the numbered migrations in ``_sql.py`` that
are not applied yet; running it again is harmless). Tables are named ``sg_*``.

Channel values are stored once, by the checkpoint that changed them (``sg_blobs``, see
``streamgraph.checkpoint._blobs``). Reading a checkpoint (or a page of history) is one
round trip: its writes and blobs come back as arrays in the same row. Several rows are
written with ``executemany``, which psycopg pipelines.

A database written by ``langgraph-checkpoint-postgres`` can be used as it is: its threads are
read from LangGraph's tables and continue in streamgraph's (``_langgraph.py``).

Example::

    with PostgresSaver.from_conn_string("postgresql://localhost/app") as saver:
        saver.setup()
        graph = builder.compile(checkpointer=saver)
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from psycopg import Connection
from psycopg_pool import ConnectionPool

from streamgraph.checkpoint._blobs import Lineage, Parent
from streamgraph.checkpoint._rows import (
    StoredCheckpoint,
    checkpoint_rows,
    config_ids,
    make_config,
    parent_of,
    write_rows,
)
from streamgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from streamgraph.checkpoint.postgres import _langgraph, _sql
from streamgraph.checkpoint.serde import Serializer

__all__ = ("PostgresSaver",)


class PostgresSaver(BaseCheckpointSaver):
    """Checkpoints in Postgres. Safe to share between threads (use a pool for parallelism)."""

    def __init__(
        self, conn: Connection[Any] | ConnectionPool[Any], *, serde: Serializer | None = None
    ) -> None:
        super().__init__(serde=serde)
        self.conn = conn
        # A single connection cannot interleave transactions from several threads.
        self.lock = threading.RLock()
        self.lineage = Lineage()
        self.langgraph: bool | None = None  # LangGraph's tables are there (asked once)

    @classmethod
    @contextmanager
    def from_conn_string(cls, conn_string: str) -> Iterator[PostgresSaver]:
        """A saver on a new connection to ``conn_string``, closed on exit."""
        with Connection.connect(conn_string, autocommit=True) as conn:
            yield cls(conn)

    @contextmanager
    def _connection(self) -> Iterator[Connection[Any]]:
        if isinstance(self.conn, ConnectionPool):
            with self.conn.connection() as conn:
                yield conn
        else:
            with self.lock:
                yield self.conn

    def setup(self) -> None:
        """Create the tables (apply the migrations not applied yet)."""
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(727274)")  # one migrator at a time
            conn.execute(_sql.CREATE_MIGRATIONS)
            done = {row[0] for row in conn.execute("SELECT v FROM sg_migrations")}
            for version, statement in enumerate(_sql.MIGRATIONS):
                if version not in done:
                    conn.execute(statement)
                    conn.execute("INSERT INTO sg_migrations (v) VALUES (%s)", (version,))

    def get_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        thread_id, ns, checkpoint_id = config_ids(config)
        with self._connection() as conn:
            if checkpoint_id is None:
                row = conn.execute(_sql.SELECT_LATEST, (thread_id, ns)).fetchone()
            else:
                row = conn.execute(_sql.SELECT_ONE, (thread_id, ns, checkpoint_id)).fetchone()
            if row is not None:
                return _sql.to_tuple(self.serde, row, self.lineage)
            theirs = self._theirs(conn, config, None, None, 1)
        return theirs[0] if theirs else None

    def _has_theirs(self, conn: Connection[Any]) -> bool:
        if self.langgraph is None:
            found = conn.execute(_langgraph.FIND_TABLES).fetchone()
            self.langgraph = bool(found and found[0])
        return self.langgraph

    def _theirs(
        self, conn: Connection[Any], config: Any, filter: Any, before: Any, limit: int | None
    ) -> builtins.list[CheckpointTuple]:
        """Checkpoints of LangGraph's tables, if the database has them (``_langgraph.py``)."""
        if not self._has_theirs(conn):
            return []
        sql, params = _langgraph.list_query(config, filter, before, limit)
        return [_langgraph.to_tuple(row) for row in conn.execute(sql, params).fetchall()]

    def list(
        self,
        config: dict[str, Any] | None,
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        sql, params = _sql.list_query(config, filter, before, limit)
        with self._connection() as conn:
            rows = conn.execute(sql, params).fetchall()
            theirs = self._theirs(conn, config, filter, before, limit)
        found = [_sql.to_tuple(self.serde, row, self.lineage) for row in rows]
        yield from _sql.merged(found, theirs, limit)

    def _stored(
        self, conn: Connection[Any], ops: Sequence[Any]
    ) -> tuple[_sql.Statements, builtins.list[StoredCheckpoint]]:
        """The statements of ``put`` and ``put_writes`` operations, in order."""
        statements: _sql.Statements = []
        puts: builtins.list[StoredCheckpoint] = []
        batch: dict[str, Parent] = {}
        for op in ops:
            if op.kind != "put":
                statements += _sql.write_statements(write_rows(self.serde, op.config, *op.args))
                continue
            thread_id, ns, parent_id = config_ids(op.config)
            parent = batch.get(parent_id or "") or self.lineage.get(thread_id, ns, parent_id)
            if parent is None and parent_id is not None:
                row = conn.execute(_sql.SELECT_PARENT, (thread_id, ns, parent_id)).fetchone()
                parent = None if row is None else parent_of(self.serde, *row)
            checkpoint, metadata, new_versions = op.args[:3]
            stored = checkpoint_rows(
                self.serde, op.config, checkpoint, metadata, new_versions, parent
            )
            batch[stored.row[2]] = stored.lineage
            puts.append(stored)
            statements += _sql.put_statements(stored)
        return statements, puts

    def _save(self, ops: Sequence[Any]) -> builtins.list[StoredCheckpoint]:
        with self._connection() as conn:
            statements, puts = self._stored(conn, ops)
            with conn.transaction(), conn.cursor() as cursor:
                for sql, params in statements:
                    cursor.executemany(sql, params)
        for stored in puts:
            thread_id, ns, checkpoint_id = stored.row[:3]
            self.lineage.remember(thread_id, ns, checkpoint_id, stored.lineage)
        return puts

    def put(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        (stored,) = self._save([_Op("put", config, (checkpoint, metadata, new_versions))])
        return make_config(stored.row[0], stored.row[1], checkpoint["id"])

    def put_writes(
        self,
        config: dict[str, Any],
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._save([_Op("put_writes", config, (writes, task_id, task_path))])

    def save_batch(self, ops: Sequence[Any]) -> None:
        """Several ``put``/``put_writes`` in one transaction."""
        self._save(ops)

    def delete_thread(self, thread_id: str) -> None:
        with self._connection() as conn:
            theirs = _langgraph.DELETE if self._has_theirs(conn) else ()
            with conn.transaction():
                for sql in _sql.DELETE_THREAD + theirs:
                    conn.execute(sql, (str(thread_id),))
        self.lineage.forget_thread(str(thread_id))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        if str(source_thread_id) == str(target_thread_id):
            return
        with self._connection() as conn:
            theirs = _langgraph.COPY if self._has_theirs(conn) else ()
            with conn.transaction():
                for sql in _sql.COPY_THREAD + theirs:
                    conn.execute(sql, (str(target_thread_id), str(source_thread_id)))

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        with self._connection() as conn, conn.transaction():
            for sql in _sql.DELETE_RUN_CHECKPOINTS:
                conn.execute(sql, {"thread": str(thread_id), "run": run_id})
        self.lineage.forget_thread(str(thread_id))


class _Op(NamedTuple):
    """A ``put`` or ``put_writes`` call, in the shape of the runtime's batched saves."""

    kind: str
    config: dict[str, Any]
    args: tuple[Any, ...]
