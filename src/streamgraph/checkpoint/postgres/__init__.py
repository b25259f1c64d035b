"""PostgresSaver: checkpoints in Postgres, with psycopg 3 (a connection or a pool).

Call ``setup()`` once per database (it applies the numbered migrations in ``_sql.py`` that
are not applied yet; running it again is harmless). Tables are named ``sg_*``.

Example::

    with PostgresSaver.from_conn_string("postgresql://localhost/app") as saver:
        saver.setup()
        graph = builder.compile(checkpointer=saver)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from streamgraph.checkpoint._rows import (
    checkpoint_row,
    config_ids,
    make_config,
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
from streamgraph.checkpoint.postgres import _sql
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

    def _load(self, conn: Connection[Any], row: Sequence[Any]) -> CheckpointTuple:
        writes = conn.execute(_sql.SELECT_WRITES, tuple(row[:3])).fetchall()
        return to_tuple(self.serde, row, writes)

    def get_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        thread_id, ns, checkpoint_id = config_ids(config)
        with self._connection() as conn:
            if checkpoint_id is None:
                row = conn.execute(_sql.SELECT_LATEST, (thread_id, ns)).fetchone()
            else:
                row = conn.execute(_sql.SELECT_ONE, (thread_id, ns, checkpoint_id)).fetchone()
            return None if row is None else self._load(conn, row)

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
            found = [self._load(conn, row) for row in conn.execute(sql, params).fetchall()]
        yield from found

    def put(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        row = checkpoint_row(self.serde, config, checkpoint, metadata)
        with self._connection() as conn:
            conn.execute(_sql.UPSERT, _sql.checkpoint_params(row))
        return make_config(row[0], row[1], checkpoint["id"])

    def put_writes(
        self,
        config: dict[str, Any],
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        rows = write_rows(self.serde, config, writes, task_id, task_path)
        with self._connection() as conn, conn.transaction():
            for row in rows:
                conn.execute(*_sql.write_params(row))

    def save_batch(self, ops: Sequence[Any]) -> None:
        """Several ``put``/``put_writes`` in one transaction."""
        statements = _statements(self.serde, ops)
        with self._connection() as conn, conn.transaction():
            for sql, params in statements:
                conn.execute(sql, params)

    def delete_thread(self, thread_id: str) -> None:
        with self._connection() as conn, conn.transaction():
            for sql in _sql.DELETE_THREAD:
                conn.execute(sql, (str(thread_id),))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        if str(source_thread_id) == str(target_thread_id):
            return
        with self._connection() as conn, conn.transaction():
            for sql in _sql.COPY_THREAD:
                conn.execute(sql, (str(target_thread_id), str(source_thread_id)))

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        with self._connection() as conn, conn.transaction():
            for sql in _sql.DELETE_RUN_CHECKPOINTS:
                conn.execute(sql, (str(thread_id), run_id))


def _statements(serde: Serializer, ops: Sequence[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    statements: list[tuple[str, tuple[Any, ...]]] = []
    for op in ops:
        if op.kind == "put":
            row = checkpoint_row(serde, op.config, *op.args[:2])
            statements.append((_sql.UPSERT, _sql.checkpoint_params(row)))
        else:
            statements.extend(
                _sql.write_params(row) for row in write_rows(serde, op.config, *op.args)
            )
    return statements
