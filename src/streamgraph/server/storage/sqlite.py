"""SqliteStorage: the embedded backend, one SQLite file for rows and checkpoints.

Its ``checkpointer`` is a ``SqliteSaver`` on the same connection, sharing its lock: every
statement of either runs behind that one lock, so both may be used from the event loop and
from worker threads. The file is in WAL mode (see ``streamgraph.checkpoint.sqlite``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from streamgraph.checkpoint.sqlite import SqliteSaver
from streamgraph.server.storage.sql import SQLITE, SqlStorage
from streamgraph.store.sqlite import SqliteStore

__all__ = ("SqliteStorage",)


_OUTAGES = ("locked", "disk I/O error", "unable to open", "full", "readonly")


def _lower(text: Any) -> Any:
    return text.lower() if isinstance(text, str) else text


class SqliteStorage(SqlStorage):
    """Assistants, threads, runs and checkpoints in the SQLite file ``path`` (created, with
    its directory, if missing)."""

    blocking = False
    dialect = SQLITE
    checkpointer: SqliteSaver

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self.conn.create_function("sg_lower", 1, _lower, deterministic=True)
            self.checkpointer = SqliteSaver(self.conn)
            self.lock = self.checkpointer.lock
            self.checkpointer.setup()  # WAL mode, busy timeout, the checkpoint tables
            self.store = SqliteStore(self.conn)
            self.store.lock = self.lock  # one connection: one lock for every transaction
            self.store.setup()
            self.migrate()
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        self.store.stop_ttl_sweeper()
        with self.lock:
            self.conn.close()

    def outage(self, error: BaseException) -> str | None:
        if isinstance(error, sqlite3.OperationalError) and any(
            cause in str(error) for cause in _OUTAGES
        ):
            return f"Storage unavailable: SQLite ({error})"
        return None

    def refused(self, error: BaseException) -> str | None:
        if isinstance(error, OverflowError):
            return "a number too large for the database (SQLite integers have 64 bits)"
        return None

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self.conn

    def _writing(self) -> AbstractContextManager[sqlite3.Connection]:
        return self.checkpointer.transaction()
