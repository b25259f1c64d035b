"""InMemoryStore: the store in a dict, for tests, scripts and ``langgraph dev``-style servers.

Example::

    store = InMemoryStore(index={"dims": 3, "embed": embed_fn, "fields": ["text"]})
    store.put(("users", "42"), "pref", {"text": "likes tea"})
    store.search(("users",), query="drinks")
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from streamgraph.store._engine import Row, RowStore, in_prefix
from streamgraph.store.base import IndexConfig, Op, Result, TTLConfig

__all__ = ("InMemoryStore",)


class InMemoryStore(RowStore):
    """A store held in memory (lost with the process). Safe to share between threads."""

    def __init__(self, *, index: IndexConfig | None = None, ttl: TTLConfig | None = None) -> None:
        super().__init__(index=index, ttl=ttl)
        self._data: dict[tuple[tuple[str, ...], str], Row] = {}  # in first-write order
        self._lock = threading.RLock()

    async def _arun(self, ops: list[Op], prepared: object) -> list[Result]:
        return self._run(ops, prepared)  # type: ignore[arg-type]  # no I/O: no thread needed

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            yield

    def read(self, namespace: tuple[str, ...], key: str) -> Row | None:
        return self._data.get((namespace, key))

    def scan(self, prefix: tuple[str, ...]) -> Iterable[Row]:
        return [row for row in self._data.values() if in_prefix(row.namespace, prefix)]

    def write(self, row: Row) -> None:
        self._data[row.namespace, row.key] = row

    def remove(self, namespace: tuple[str, ...], key: str) -> None:
        self._data.pop((namespace, key), None)

    def namespaces(self) -> Iterable[tuple[str, ...]]:
        return {namespace for namespace, _ in self._data}

    def touch(self, rows: Sequence[Row], at: datetime) -> None:
        for row in rows:
            if row.ttl is not None:
                row.expires_at = at + timedelta(minutes=row.ttl)

    def sweep(self, at: datetime) -> int:
        expired = [row for row in self._data.values() if row.expired(at)]
        for row in expired:
            self.remove(row.namespace, row.key)
        return len(expired)
