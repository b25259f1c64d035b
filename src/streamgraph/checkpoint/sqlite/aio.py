"""AsyncSqliteSaver: the SQLite saver for async code.

The same tables and SQL as ``SqliteSaver``; each operation runs on a worker thread (SQLite
has no async driver in the standard library), so the event loop never waits on the disk.

Example::

    async with AsyncSqliteSaver.from_conn_string("checkpoints.sqlite") as saver:
        graph = builder.compile(checkpointer=saver)
        await graph.ainvoke(inputs, {"configurable": {"thread_id": "1"}})
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from streamgraph.checkpoint.sqlite import SqliteSaver

__all__ = ("AsyncSqliteSaver",)


class AsyncSqliteSaver(SqliteSaver):
    """``SqliteSaver`` with an async context manager; its async methods (inherited) run the
    sync ones on a thread."""

    @classmethod
    @asynccontextmanager
    async def from_conn_string(  # type: ignore[override]
        cls, conn_string: str
    ) -> AsyncIterator[AsyncSqliteSaver]:
        conn = await asyncio.to_thread(
            sqlite3.connect, conn_string, check_same_thread=False, isolation_level=None
        )
        try:
            saver = cls(conn)
            await asyncio.to_thread(saver.setup)
            yield saver
        finally:
            await asyncio.to_thread(conn.close)
