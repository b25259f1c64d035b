"""Every saver, behind one fixture: ``saver`` yields an async context manager factory plus
whether to use the saver's sync or async methods.

Postgres savers use the real server on 127.0.0.1:5432 and a database created for the test
session (dropped at the end). Without a reachable server they are skipped, except under CI
(``CI`` set), where that is a failure.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

SAVERS = ["memory", "sqlite", "sqlite-async", "postgres", "postgres-pool", "postgres-async"]


Factory = Callable[[], AbstractAsyncContextManager[Any]]


@pytest.fixture(params=SAVERS)
def saver_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_saver(saver_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Factory:
    """``async with make_saver() as saver`` gives a fresh saver of the kind under test (its
    own empty database for SQLite; the session database, which tests share by using unique
    thread ids, for Postgres)."""

    @asynccontextmanager
    async def memory() -> AsyncIterator[Any]:
        from streamgraph.checkpoint.memory import InMemorySaver

        yield InMemorySaver()

    @asynccontextmanager
    async def sqlite() -> AsyncIterator[Any]:
        from streamgraph.checkpoint.sqlite import SqliteSaver

        with SqliteSaver.from_conn_string(str(tmp_path / f"{uuid.uuid4().hex}.db")) as saver:
            yield saver

    @asynccontextmanager
    async def sqlite_async() -> AsyncIterator[Any]:
        from streamgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        path = str(tmp_path / f"{uuid.uuid4().hex}.db")
        async with AsyncSqliteSaver.from_conn_string(path) as saver:
            yield saver

    @asynccontextmanager
    async def postgres() -> AsyncIterator[Any]:
        from streamgraph.checkpoint.postgres import PostgresSaver

        with PostgresSaver.from_conn_string(request.getfixturevalue("pg_url")) as saver:
            saver.setup()
            saver.conn.execute("TRUNCATE sg_checkpoints, sg_writes, sg_blobs")
            yield saver

    @asynccontextmanager
    async def postgres_pool() -> AsyncIterator[Any]:
        from psycopg_pool import ConnectionPool

        from streamgraph.checkpoint.postgres import PostgresSaver

        url = request.getfixturevalue("pg_url")
        with ConnectionPool(url, kwargs={"autocommit": True}, min_size=1, max_size=4) as pool:
            saver = PostgresSaver(pool)
            saver.setup()
            with pool.connection() as conn:
                conn.execute("TRUNCATE sg_checkpoints, sg_writes, sg_blobs")
            yield saver

    @asynccontextmanager
    async def postgres_async() -> AsyncIterator[Any]:
        from streamgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async with AsyncPostgresSaver.from_conn_string(request.getfixturevalue("pg_url")) as s:
            await s.setup()
            await s.conn.execute("TRUNCATE sg_checkpoints, sg_writes, sg_blobs")
            yield s

    factories = {
        "memory": memory,
        "sqlite": sqlite,
        "sqlite-async": sqlite_async,
        "postgres": postgres,
        "postgres-pool": postgres_pool,
        "postgres-async": postgres_async,
    }
    return factories[saver_kind]


@pytest.fixture
def use_async(saver_kind: str) -> bool:
    """Whether tests call the async methods (for the async savers) or the sync ones."""
    return saver_kind.endswith("-async")
