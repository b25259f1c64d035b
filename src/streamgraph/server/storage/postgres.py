"""PostgresStorage: rows and checkpoints in Postgres, through one psycopg connection pool.

Its ``checkpointer`` is a ``PostgresSaver`` on the same pool. Calls wait on the network, so
the server makes them from worker threads (``blocking``); the pool lets them run in parallel.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import Connection
from psycopg_pool import PoolTimeout

from streamgraph.checkpoint.postgres import PostgresSaver
from streamgraph.server.storage.pgpool import GuardedPool, is_connection_error
from streamgraph.server.storage.sql import POSTGRES, SqlStorage
from streamgraph.store.postgres import PostgresStore

__all__ = ("PostgresStorage",)


class PostgresStorage(SqlStorage):
    """Assistants, threads, runs and checkpoints in the Postgres database at ``conninfo``
    (tables created or migrated on construction)."""

    blocking = True
    dialect = POSTGRES
    checkpointer: PostgresSaver

    def __init__(
        self,
        conninfo: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 5.0,
        connect_timeout: float = 3.0,
    ) -> None:
        # ``timeout``: how long a caller waits for a connection before the database counts
        # as down (then callers are refused at once until it answers: see ``pgpool``).
        self.pool = GuardedPool(
            conninfo,
            connect_timeout=connect_timeout,
            kwargs={"autocommit": True, "connect_timeout": max(1, int(connect_timeout))},
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=True,
        )
        try:
            self.pool.wait(30.0)  # an unreachable database fails here, clearly
            self.checkpointer = PostgresSaver(self.pool)
            self.checkpointer.setup()
            self.store = PostgresStore(self.pool)
            self.store.setup()
            self.migrate()
        except BaseException:
            self.pool.close()
            raise

    def close(self) -> None:
        self.store.stop_ttl_sweeper()
        self.pool.close()

    def refused(self, error: BaseException) -> str | None:
        if isinstance(error, psycopg.DataError):  # SQLSTATE class 22: a value it refuses
            return f"a value Postgres cannot store ({str(error).splitlines()[0]})"
        return None

    def outage(self, error: BaseException) -> str | None:
        if isinstance(error, PoolTimeout):
            return "Storage unavailable: Postgres does not answer"
        if is_connection_error(error):
            self.pool.mark_down(str(error).split("\n")[0])
            return "Storage unavailable: Postgres does not answer"
        return None

    @contextmanager
    def _reading(self) -> Iterator[Connection[Any]]:
        with self.pool.connection() as conn:
            yield conn

    @contextmanager
    def _writing(self) -> Iterator[Connection[Any]]:
        with self.pool.connection() as conn, conn.transaction():
            yield conn
