"""The rows of the SQLite and Postgres stores: one table, ``sg_store``, the same SQL on both
(written with ``?``; the Postgres store turns them into ``%s``).

A namespace is stored as its labels joined with dots (labels cannot hold one), so a prefix
scan is a string comparison. Values and vectors are JSON text; times are ISO 8601 text, and
``expires_at`` a Unix time so that a sweep is one ``DELETE``. ``seq`` keeps the order items
were first written in (an upsert keeps it), which is the order searches without a query
return them in, as the in-memory store does.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from streamgraph.store._engine import Row, RowStore

__all__ = ("COLUMNS", "SqlStore")

COLUMNS = "namespace, key, value, created_at, updated_at, ttl, expires_at, vectors"

UPSERT = (
    f"INSERT INTO sg_store ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
    "created_at = excluded.created_at, updated_at = excluded.updated_at, ttl = excluded.ttl, "
    "expires_at = excluded.expires_at, vectors = excluded.vectors"
)
READ = f"SELECT {COLUMNS} FROM sg_store WHERE namespace = ? AND key = ?"
SCAN_ALL = f"SELECT {COLUMNS} FROM sg_store ORDER BY seq"
SCAN = (
    f"SELECT {COLUMNS} FROM sg_store WHERE namespace = ? OR substr(namespace, 1, ?) = ? "
    "ORDER BY seq"
)
DELETE = "DELETE FROM sg_store WHERE namespace = ? AND key = ?"
NAMESPACES = "SELECT DISTINCT namespace FROM sg_store"
TOUCH = "UPDATE sg_store SET expires_at = ? WHERE namespace = ? AND key = ?"
SWEEP = "DELETE FROM sg_store WHERE expires_at IS NOT NULL AND expires_at <= ?"


class SqlStore(RowStore):
    """A ``RowStore`` over ``sg_store``. Subclasses connect and create the table."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._active = threading.local()  # the connection of the transaction this thread runs
        self.is_setup = False

    @abstractmethod
    def setup(self) -> None:
        """Create the table (harmless when it exists)."""

    @abstractmethod
    def connect(self) -> AbstractContextManager[Any]:
        """A connection inside one transaction."""

    @abstractmethod
    def execute(self, conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; the rows it returned (``[]`` for a write)."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if not self.is_setup:
            self.setup()
        with self.connect() as conn:
            self._active.conn = conn
            try:
                yield
            finally:
                self._active.conn = None

    def _run_sql(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.execute(self._active.conn, sql, params)

    def read(self, namespace: tuple[str, ...], key: str) -> Row | None:
        rows = self._run_sql(READ, (".".join(namespace), key))
        return _row(rows[0]) if rows else None

    def scan(self, prefix: tuple[str, ...]) -> Iterable[Row]:
        if not prefix:
            return [_row(r) for r in self._run_sql(SCAN_ALL)]
        joined = ".".join(prefix)
        rows = self._run_sql(SCAN, (joined, len(joined) + 1, joined + "."))
        return [_row(r) for r in rows]

    def write(self, row: Row) -> None:
        self._run_sql(
            UPSERT,
            (
                ".".join(row.namespace),
                row.key,
                orjson.dumps(row.value).decode(),
                row.created_at.isoformat(),
                row.updated_at.isoformat(),
                row.ttl,
                row.expires_at.timestamp() if row.expires_at is not None else None,
                orjson.dumps(row.vectors).decode(),
            ),
        )

    def remove(self, namespace: tuple[str, ...], key: str) -> None:
        self._run_sql(DELETE, (".".join(namespace), key))

    def namespaces(self) -> Iterable[tuple[str, ...]]:
        return [tuple(r[0].split(".")) for r in self._run_sql(NAMESPACES)]

    def touch(self, rows: Sequence[Row], at: datetime) -> None:
        for row in rows:
            if row.ttl is not None:
                expires = (at + timedelta(minutes=row.ttl)).timestamp()
                self._run_sql(TOUCH, (expires, ".".join(row.namespace), row.key))

    def sweep(self, at: datetime) -> int:
        before = self._run_sql("SELECT count(*) FROM sg_store")[0][0]
        self._run_sql(SWEEP, (at.timestamp(),))
        after = self._run_sql("SELECT count(*) FROM sg_store")[0][0]
        return int(before) - int(after)


def _row(r: Sequence[Any]) -> Row:
    namespace, key, value, created, updated, ttl, expires, vectors = r
    return Row(
        tuple(namespace.split(".")),
        key,
        orjson.loads(value),
        datetime.fromisoformat(created),
        datetime.fromisoformat(updated),
        ttl,
        datetime.fromtimestamp(expires, tz=UTC) if expires is not None else None,
        orjson.loads(vectors) if vectors else [],
    )
