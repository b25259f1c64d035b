"""SqliteStore: the store in a SQLite file, with the standard library's ``sqlite3``.

One connection is shared by the process's threads, behind a lock; every batch is one write
transaction. The table is ``sg_store``, so the store can share a file with a ``SqliteSaver``.
Async code can use it as it is: ``abatch`` runs the batch in a worker thread.

Example::

    with SqliteStore.from_conn_string("memory.sqlite") as store:
        store.setup()
        graph = builder.compile(store=store)
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from streamgraph.store._sql import SqlStore
from streamgraph.store.base import IndexConfig, TTLConfig

__all__ = ("AsyncSqliteStore", "SqliteStore")

TABLE = """
CREATE TABLE IF NOT EXISTS sg_store (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ttl REAL,
    expires_at REAL,
    vectors TEXT,
    UNIQUE (namespace, key)
)
"""


class SqliteStore(SqlStore):
    """A store in SQLite. Safe to share between threads."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
    ) -> None:
        if not isinstance(conn, sqlite3.Connection):
            raise TypeError(
                f"SqliteStore needs a sqlite3.Connection, got {type(conn).__name__} "
                "(or use SqliteStore.from_conn_string(path))"
            )
        super().__init__(index=index, ttl=ttl)
        self.conn = conn
        self.lock = threading.RLock()

    @classmethod
    @contextmanager
    def from_conn_string(
        cls, conn_string: str, *, index: IndexConfig | None = None, ttl: TTLConfig | None = None
    ) -> Iterator[SqliteStore]:
        """A store on a new connection to ``conn_string`` (a path or ``":memory:"``), closed
        (and its TTL sweeper stopped) on exit."""
        conn = sqlite3.connect(conn_string, check_same_thread=False, isolation_level=None)
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
            self.conn.isolation_level = None
            if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA busy_timeout=5000")
            self.conn.execute(TABLE)
            self.is_setup = True

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def execute(
        self, conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        return conn.execute(sql, tuple(params)).fetchall()


AsyncSqliteStore = SqliteStore
"""The same class: its async methods run each batch in a worker thread."""
