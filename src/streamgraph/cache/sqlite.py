"""SqliteCache: node results cached in a SQLite file, kept across processes.

Example::

    graph = builder.compile(cache=SqliteCache(path="cache.sqlite"))
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence

from streamgraph.cache.base import BaseCache, FullKey, Namespace, ValueT
from streamgraph.checkpoint.serde import Serializer

__all__ = ("SqliteCache",)

TABLE = """
CREATE TABLE IF NOT EXISTS sg_cache (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    value BLOB NOT NULL,
    expires_at REAL,
    PRIMARY KEY (namespace, key)
)
"""


class SqliteCache(BaseCache[ValueT]):
    """A cache in the SQLite file at ``path`` (or on ``conn``). Thread-safe."""

    def __init__(
        self,
        *,
        path: str | None = None,
        conn: sqlite3.Connection | None = None,
        serde: Serializer | None = None,
    ) -> None:
        super().__init__(serde=serde)
        if (path is None) == (conn is None):
            raise ValueError("SqliteCache needs a path=... or a conn=... (one of them)")
        self.conn = conn or sqlite3.connect(path or "", check_same_thread=False)
        self.lock = threading.RLock()
        with self.lock, self.conn:
            self.conn.execute("PRAGMA busy_timeout=5000")
            self.conn.execute(TABLE)

    def get(self, keys: Sequence[FullKey]) -> dict[FullKey, ValueT]:
        now = time.time()
        found: dict[FullKey, ValueT] = {}
        with self.lock:
            for namespace, key in keys:
                row = self.conn.execute(
                    "SELECT type, value, expires_at FROM sg_cache WHERE namespace = ? AND key = ?",
                    (_ns(namespace), key),
                ).fetchone()
                if row is not None and (row[2] is None or row[2] > now):
                    found[tuple(namespace), key] = self.serde.loads_typed((row[0], row[1]))
        return found

    async def aget(self, keys: Sequence[FullKey]) -> dict[FullKey, ValueT]:
        return await asyncio.to_thread(self.get, keys)

    def set(self, pairs: Mapping[FullKey, tuple[ValueT, int | None]]) -> None:
        now = time.time()
        rows = []
        for (namespace, key), (value, ttl) in pairs.items():
            kind, data = self.serde.dumps_typed(value)
            rows.append((_ns(namespace), key, kind, data, now + ttl if ttl is not None else None))
        with self.lock, self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO sg_cache (namespace, key, type, value, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            self.conn.execute("DELETE FROM sg_cache WHERE expires_at <= ?", (now,))

    async def aset(self, pairs: Mapping[FullKey, tuple[ValueT, int | None]]) -> None:
        await asyncio.to_thread(self.set, pairs)

    def clear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        with self.lock, self.conn:
            if namespaces is None:
                self.conn.execute("DELETE FROM sg_cache")
            else:
                self.conn.executemany(
                    "DELETE FROM sg_cache WHERE namespace = ?", [(_ns(ns),) for ns in namespaces]
                )

    async def aclear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        await asyncio.to_thread(self.clear, namespaces)


def _ns(namespace: Sequence[str]) -> str:
    return "\x1f".join(namespace)  # a separator no node name holds
