"""What every streamgraph store shares: ``batch`` over four primitive row operations.

A backend (memory, SQLite, Postgres) only reads, writes, scans and deletes ``Row``s, inside
``transaction()``. Filtering, ranking, paging, TTLs and namespace listing happen here, so every
backend answers the same way. Embeddings are computed before the transaction (sync or async),
then the ops run in order, all in one transaction.
"""

from __future__ import annotations

import asyncio
import threading
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from streamgraph.store._embed import Index, cosine
from streamgraph.store.base import (
    BaseStore,
    GetOp,
    IndexConfig,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    TTLConfig,
    matches_filter,
    namespace_matches,
    validate_namespace,
)

__all__ = ("Row", "RowStore", "in_prefix", "now")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Row:
    """One stored item with its expiry (``ttl`` in minutes) and the vectors of its texts."""

    namespace: tuple[str, ...]
    key: str
    value: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    ttl: float | None = None
    expires_at: datetime | None = None
    vectors: list[list[float]] = field(default_factory=list)

    def item(self) -> Item:
        return Item(
            value=self.value,
            key=self.key,
            namespace=self.namespace,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )

    def expired(self, at: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= at


@dataclass
class _Prepared:
    """The embeddings a batch needs, computed before it runs."""

    documents: dict[int, list[list[float]]] = field(default_factory=dict)
    queries: dict[int, list[float]] = field(default_factory=dict)


class RowStore(BaseStore):
    """A store over a backend's rows. Subclasses implement the primitives below."""

    supports_ttl = True

    def __init__(self, *, index: IndexConfig | None = None, ttl: TTLConfig | None = None) -> None:
        self.index_config = index
        self.index = Index(index) if index is not None else None
        self.ttl_config = ttl
        self._sweeper: threading.Thread | None = None
        self._stop = threading.Event()

    def configure(self, *, index: IndexConfig | None = None, ttl: TTLConfig | None = None) -> None:
        """Set vector search and TTL settings after construction (a server's config file);
        starts the TTL sweeper when ``ttl`` asks for one."""
        if index is not None:
            self.index_config = index
            self.index = Index(index)
        if ttl is not None:
            self.ttl_config = ttl
            self.start_ttl_sweeper()

    # -- the backend's primitives (called inside ``transaction()``) --

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """Hold the backend (a lock, a database transaction) while a batch runs."""

    @abstractmethod
    def read(self, namespace: tuple[str, ...], key: str) -> Row | None: ...

    @abstractmethod
    def scan(self, prefix: tuple[str, ...]) -> Iterable[Row]:
        """The rows whose namespace starts with ``prefix``, oldest write first."""

    @abstractmethod
    def write(self, row: Row) -> None:
        """Insert or replace the row at its namespace and key (keeping its place in scans)."""

    @abstractmethod
    def remove(self, namespace: tuple[str, ...], key: str) -> None: ...

    @abstractmethod
    def namespaces(self) -> Iterable[tuple[str, ...]]:
        """Every namespace holding a row."""

    @abstractmethod
    def touch(self, rows: Sequence[Row], at: datetime) -> None:
        """Push the expiry of rows with a TTL back to ``at`` + their TTL."""

    @abstractmethod
    def sweep(self, at: datetime) -> int:
        """Delete the rows expired at ``at``; returns how many."""

    # -- batch --

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        ops = _checked(ops)
        prepared = _Prepared()
        if self.index is not None:
            texts = self._texts(ops)
            vectors = self.index.embed([text for _, text in texts])
            prepared = _assemble(texts, vectors)
            for i, op in enumerate(ops):
                if isinstance(op, SearchOp) and op.query:
                    prepared.queries[i] = self.index.embed_query(op.query)
        return self._run(ops, prepared)

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = _checked(ops)
        prepared = _Prepared()
        if self.index is not None:
            texts = self._texts(ops)
            vectors = await self.index.aembed([text for _, text in texts])
            prepared = _assemble(texts, vectors)
            for i, op in enumerate(ops):
                if isinstance(op, SearchOp) and op.query:
                    prepared.queries[i] = await self.index.aembed_query(op.query)
        return await self._arun(ops, prepared)

    async def _arun(self, ops: list[Op], prepared: _Prepared) -> list[Result]:
        """Run the ops off the event loop (backends may block)."""
        return await asyncio.to_thread(self._run, ops, prepared)

    def _texts(self, ops: list[Op]) -> list[tuple[int, str]]:
        assert self.index is not None
        return [
            (i, text)
            for i, op in enumerate(ops)
            if isinstance(op, PutOp) and op.value is not None and op.index is not False
            for text in self.index.texts(op.value, op.index)
        ]

    def _run(self, ops: list[Op], prepared: _Prepared) -> list[Result]:
        at = now()
        results: list[Result] = []
        with self.transaction():
            for i, op in enumerate(ops):
                if isinstance(op, GetOp):
                    results.append(self._get(op, at))
                elif isinstance(op, SearchOp):
                    results.append(self._search(op, prepared.queries.get(i), at))
                elif isinstance(op, PutOp):
                    self._put(op, prepared.documents.get(i, []), at)
                    results.append(None)
                else:
                    results.append(self._list(op, at))
        return results

    def _get(self, op: GetOp, at: datetime) -> Item | None:
        row = self.read(op.namespace, op.key)
        if row is None or row.expired(at):
            return None
        if op.refresh_ttl:
            self.touch([row], at)
        return row.item()

    def _put(self, op: PutOp, vectors: list[list[float]], at: datetime) -> None:
        if op.value is None:
            self.remove(op.namespace, op.key)
            return
        old = self.read(op.namespace, op.key)
        created = old.created_at if old is not None and not old.expired(at) else at
        expires = at + timedelta(minutes=op.ttl) if op.ttl is not None else None
        self.write(Row(op.namespace, op.key, dict(op.value), created, at, op.ttl, expires, vectors))

    def _search(self, op: SearchOp, query: list[float] | None, at: datetime) -> list[SearchItem]:
        rows = [
            row
            for row in self.scan(op.namespace_prefix)
            if not row.expired(at) and (not op.filter or matches_filter(row.value, op.filter))
        ]
        if query is not None:
            scored = [(max((cosine(query, v) for v in r.vectors), default=None), r) for r in rows]
            ranked = sorted(
                (pair for pair in scored if pair[0] is not None),
                key=lambda p: -p[0],  # type: ignore[operator]
            ) + [pair for pair in scored if pair[0] is None]
        else:
            ranked = [(None, row) for row in rows]
        page = ranked[op.offset : op.offset + op.limit]
        if op.refresh_ttl:
            self.touch([row for _, row in page], at)
        return [_found(row, score) for score, row in page]

    def _list(self, op: ListNamespacesOp, at: datetime) -> list[tuple[str, ...]]:
        self.sweep(at)
        found: Iterable[tuple[str, ...]] = self.namespaces()
        if op.match_conditions:
            found = (
                ns for ns in found if all(namespace_matches(c, ns) for c in op.match_conditions)
            )
        if op.max_depth is not None:
            found = (ns[: op.max_depth] for ns in found)
        return sorted(set(found))[op.offset : op.offset + op.limit]

    # -- the TTL sweeper --

    def start_ttl_sweeper(self, sweep_interval_minutes: float | None = None) -> None:
        """Delete expired items every ``sweep_interval_minutes`` in a daemon thread."""
        minutes = sweep_interval_minutes or (self.ttl_config or {}).get("sweep_interval_minutes")
        if not minutes or self._sweeper is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(float(minutes) * 60):
                with self.transaction():
                    self.sweep(now())

        self._sweeper = threading.Thread(target=loop, name="store-ttl-sweeper", daemon=True)
        self._sweeper.start()

    def stop_ttl_sweeper(self, timeout: float | None = None) -> bool:
        """Stop the sweeper thread; ``True`` when it has stopped."""
        if self._sweeper is None:
            return True
        self._stop.set()
        self._sweeper.join(timeout)
        stopped = not self._sweeper.is_alive()
        if stopped:
            self._sweeper = None
        return stopped

    def sweep_ttl(self) -> int:
        """Delete the expired items now; returns how many."""
        with self.transaction():
            return self.sweep(now())


def _checked(ops: Iterable[Op]) -> list[Op]:
    ops = list(ops)
    for op in ops:
        if isinstance(op, PutOp):
            validate_namespace(op.namespace)
            if op.value is not None and not isinstance(op.value, Mapping):
                raise ValueError(
                    f"a store value must be a dict, got {type(op.value).__name__} "
                    f"(at {op.namespace}/{op.key})"
                )
        elif not isinstance(op, GetOp | SearchOp | ListNamespacesOp):
            raise ValueError(f"Unknown store operation: {op!r}")
    return ops


def _assemble(texts: list[tuple[int, str]], vectors: list[list[float]]) -> _Prepared:
    prepared = _Prepared()
    for (i, _), vector in zip(texts, vectors, strict=True):
        prepared.documents.setdefault(i, []).append(vector)
    return prepared


def _found(row: Row, score: float | None) -> SearchItem:
    return SearchItem(row.namespace, row.key, row.value, row.created_at, row.updated_at, score)


def in_prefix(namespace: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    return namespace[: len(prefix)] == prefix
