"""AsyncPostgresSaver: the Postgres saver with native async I/O (psycopg 3 async).

The same tables and SQL as ``PostgresSaver``. Its sync methods work from threads other than
the event loop's (they hand the work to the loop and wait); calling them on the event loop's
own thread would block it, so that raises a clear error instead.

Example::

    async with AsyncPostgresSaver.from_conn_string("postgresql://localhost/app") as saver:
        await saver.setup()
        graph = builder.compile(checkpointer=saver)
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

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
from streamgraph.checkpoint.postgres import _langgraph, _Op, _sql
from streamgraph.checkpoint.serde import Serializer

__all__ = ("AsyncPostgresSaver",)

T = TypeVar("T")


class AsyncPostgresSaver(BaseCheckpointSaver):
    """Checkpoints in Postgres, for async code."""

    def __init__(
        self,
        conn: AsyncConnection[Any] | AsyncConnectionPool[Any],
        *,
        serde: Serializer | None = None,
    ) -> None:
        super().__init__(serde=serde)
        self.conn = conn
        self.loop = asyncio.get_running_loop()
        self.lock = asyncio.Lock()  # one connection: one operation at a time
        self.lineage = Lineage()
        self.langgraph: bool | None = None  # LangGraph's tables are there (asked once)

    @classmethod
    @asynccontextmanager
    async def from_conn_string(cls, conn_string: str) -> AsyncIterator[AsyncPostgresSaver]:
        async with await AsyncConnection.connect(conn_string, autocommit=True) as conn:
            yield cls(conn)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        if isinstance(self.conn, AsyncConnectionPool):
            async with self.conn.connection() as conn:
                yield conn
        else:
            async with self.lock:
                yield self.conn

    async def setup(self) -> None:
        """Create the tables (apply the migrations not applied yet)."""
        async with self._connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(727274)")
            await conn.execute(_sql.CREATE_MIGRATIONS)
            rows = await (await conn.execute("SELECT v FROM sg_migrations")).fetchall()
            done = {row[0] for row in rows}
            for version, statement in enumerate(_sql.MIGRATIONS):
                if version not in done:
                    await conn.execute(statement)
                    await conn.execute("INSERT INTO sg_migrations (v) VALUES (%s)", (version,))

    async def aget_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        thread_id, ns, checkpoint_id = config_ids(config)
        async with self._connection() as conn:
            if checkpoint_id is None:
                cursor = await conn.execute(_sql.SELECT_LATEST, (thread_id, ns))
            else:
                cursor = await conn.execute(_sql.SELECT_ONE, (thread_id, ns, checkpoint_id))
            row = await cursor.fetchone()
            if row is not None:
                return _sql.to_tuple(self.serde, row, self.lineage)
            theirs = await self._theirs(conn, config, None, None, 1)
        return theirs[0] if theirs else None

    async def _has_theirs(self, conn: AsyncConnection[Any]) -> bool:
        if self.langgraph is None:
            found = await (await conn.execute(_langgraph.FIND_TABLES)).fetchone()
            self.langgraph = bool(found and found[0])
        return self.langgraph

    async def _theirs(
        self, conn: AsyncConnection[Any], config: Any, filter: Any, before: Any, limit: int | None
    ) -> builtins.list[CheckpointTuple]:
        """Checkpoints of LangGraph's tables, if the database has them (``_langgraph.py``)."""
        if not await self._has_theirs(conn):
            return []
        sql, params = _langgraph.list_query(config, filter, before, limit)
        rows = await (await conn.execute(sql, params)).fetchall()
        return [_langgraph.to_tuple(row) for row in rows]

    async def alist(
        self,
        config: dict[str, Any] | None,
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        sql, params = _sql.list_query(config, filter, before, limit)
        async with self._connection() as conn:
            rows = await (await conn.execute(sql, params)).fetchall()
            theirs = await self._theirs(conn, config, filter, before, limit)
        found = [_sql.to_tuple(self.serde, row, self.lineage) for row in rows]
        for item in _sql.merged(found, theirs, limit):
            yield item

    async def _stored(
        self, conn: AsyncConnection[Any], ops: Sequence[Any]
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
                cursor = await conn.execute(_sql.SELECT_PARENT, (thread_id, ns, parent_id))
                row = await cursor.fetchone()
                parent = None if row is None else parent_of(self.serde, *row)
            checkpoint, metadata, new_versions = op.args[:3]
            stored = checkpoint_rows(
                self.serde, op.config, checkpoint, metadata, new_versions, parent
            )
            batch[stored.row[2]] = stored.lineage
            puts.append(stored)
            statements += _sql.put_statements(stored)
        return statements, puts

    async def _save(self, ops: Sequence[Any]) -> builtins.list[StoredCheckpoint]:
        async with self._connection() as conn:
            statements, puts = await self._stored(conn, ops)
            async with conn.transaction(), conn.cursor() as cursor:
                for sql, params in statements:
                    await cursor.executemany(sql, params)
        for stored in puts:
            thread_id, ns, checkpoint_id = stored.row[:3]
            self.lineage.remember(thread_id, ns, checkpoint_id, stored.lineage)
        return puts

    async def aput(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        (stored,) = await self._save([_Op("put", config, (checkpoint, metadata, new_versions))])
        return make_config(stored.row[0], stored.row[1], checkpoint["id"])

    async def aput_writes(
        self,
        config: dict[str, Any],
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await self._save([_Op("put_writes", config, (writes, task_id, task_path))])

    async def asave_batch(self, ops: Sequence[Any]) -> None:
        await self._save(ops)

    async def adelete_thread(self, thread_id: str) -> None:
        async with self._connection() as conn:
            theirs = _langgraph.DELETE if await self._has_theirs(conn) else ()
            async with conn.transaction():
                for sql in _sql.DELETE_THREAD + theirs:
                    await conn.execute(sql, (str(thread_id),))
        self.lineage.forget_thread(str(thread_id))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        if str(source_thread_id) == str(target_thread_id):
            return
        async with self._connection() as conn:
            theirs = _langgraph.COPY if await self._has_theirs(conn) else ()
            async with conn.transaction():
                for sql in _sql.COPY_THREAD + theirs:
                    await conn.execute(sql, (str(target_thread_id), str(source_thread_id)))

    async def adelete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        async with self._connection() as conn, conn.transaction():
            for sql in _sql.DELETE_RUN_CHECKPOINTS:
                await conn.execute(sql, {"thread": str(thread_id), "run": run_id})
        self.lineage.forget_thread(str(thread_id))

    # -- sync twins, for code running on other threads (e.g. ainvoke's worker thread) -------

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            coroutine.close()
            raise RuntimeError(
                "AsyncPostgresSaver's sync methods cannot run on its event loop's thread: "
                "use the async ones (aget_tuple, aput, ...) or PostgresSaver"
            )
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def get_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        return self._run(self.aget_tuple(config))

    def list(
        self,
        config: dict[str, Any] | None,
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        async def collect() -> list[CheckpointTuple]:
            return [t async for t in self.alist(config, filter=filter, before=before, limit=limit)]

        yield from self._run(collect())

    def put(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        return self._run(self.aput(config, checkpoint, metadata, new_versions))

    def put_writes(
        self,
        config: dict[str, Any],
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._run(self.aput_writes(config, writes, task_id, task_path))

    def save_batch(self, ops: Sequence[Any]) -> None:
        self._run(self.asave_batch(ops))

    def delete_thread(self, thread_id: str) -> None:
        self._run(self.adelete_thread(thread_id))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self._run(self.acopy_thread(source_thread_id, target_thread_id))

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        self._run(self.adelete_run_checkpoints(thread_id, run_id))
