"""PostgresStore: the store in Postgres, with psycopg 3 (a connection or a pool).

Call ``setup()`` once per database (creating the table again is harmless). The table is
``sg_store``; each batch is one transaction. Async code can use it as it is: ``abatch`` runs
the batch in a worker thread.

Example::

    with PostgresStore.from_conn_string("postgresql://localhost/app") as store:
        store.setup()
        graph = builder.compile(store=store)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypedDict

from psycopg import Connection
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from streamgraph.store._sql import SqlStore
from streamgraph.store.base import IndexConfig, TTLConfig

__all__ = ("AsyncPostgresStore", "PoolConfig", "PostgresStore")

TABLE = """
CREATE TABLE IF NOT EXISTS sg_store (
    seq BIGSERIAL PRIMARY KEY,
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ttl DOUBLE PRECISION,
    expires_at DOUBLE PRECISION,
    vectors TEXT,
    UNIQUE (namespace, key)
)
"""


class PoolConfig(TypedDict, total=False):
    """The pool ``from_conn_string`` opens (psycopg_pool's ``min_size`` / ``max_size``)."""

    min_size: int
    max_size: int
    kwargs: dict[str, Any]


class PostgresStore(SqlStore):
    """A store in Postgres. Safe to share between threads (use a pool for parallelism)."""

    def __init__(
        self,
        conn: Connection[Any] | ConnectionPool[Any],
        *,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
    ) -> None:
        if not isinstance(conn, Connection | ConnectionPool):
            raise TypeError(
                f"PostgresStore needs a psycopg Connection or ConnectionPool, got "
                f"{type(conn).__name__} (or use PostgresStore.from_conn_string(url))"
            )
        super().__init__(index=index, ttl=ttl)
        self.conn = conn
        self.lock = threading.RLock()

    @classmethod
    @contextmanager
    def from_conn_string(
        cls,
        conn_string: str,
        *,
        pool_config: PoolConfig | None = None,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
    ) -> Iterator[PostgresStore]:
        """A store on a new connection (or, with ``pool_config``, a pool) to ``conn_string``,
        closed (and its TTL sweeper stopped) on exit."""
        conn: Connection[Any] | ConnectionPool[Any]
        if pool_config is not None:
            conn = ConnectionPool(
                conn_string,
                min_size=pool_config.get("min_size", 1),
                max_size=pool_config.get("max_size"),
                kwargs={"autocommit": True, **pool_config.get("kwargs", {})},
                open=True,
            )
        else:
            conn = Connection.connect(conn_string, autocommit=True)
        store = cls(conn, index=index, ttl=ttl)
        try:
            yield store
        finally:
            store.stop_ttl_sweeper()
            conn.close()

    def setup(self) -> None:
        with self.lock:
            if self.is_setup:
                return
            with self._connection() as conn, conn.transaction():
                conn.execute(TABLE)
            self.is_setup = True

    @contextmanager
    def _connection(self) -> Iterator[Connection[Any]]:
        if isinstance(self.conn, ConnectionPool):
            with self.conn.connection() as conn:
                yield conn
        else:
            with self.lock:
                yield self.conn

    @contextmanager
    def connect(self) -> Iterator[Connection[Any]]:
        with self._connection() as conn, conn.transaction():
            yield conn

    def execute(
        self, conn: Connection[Any], sql: str, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))
            return cur.fetchall() if cur.description is not None else []


AsyncPostgresStore = PostgresStore
"""The same class: its async methods run each batch in a worker thread."""
