"""A connection pool that says at once when Postgres is down, instead of making every caller
wait for a connection until its timeout.

Once getting a connection timed out (or a query found the server gone: ``mark_down``), the
pool is *down*: ``getconn`` raises ``PoolTimeout`` immediately, except that once a second
one caller tries a fresh connection (a probe, ``connect_timeout`` seconds at most); when it
connects, the pool drops its broken connections and is up again. So during an outage
requests get their 503 at once, and the first one after it succeeds.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

__all__ = ("GuardedPool", "is_connection_error")

logger = logging.getLogger(__name__)

PROBE_EVERY = 1.0


def is_connection_error(error: BaseException) -> bool:
    """A failure of the connection (or of the server), not of a statement."""
    if not isinstance(error, psycopg.OperationalError):
        return False
    state = error.sqlstate
    return state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")


class GuardedPool(ConnectionPool[Any]):
    """See the module docstring."""

    def __init__(
        self, conninfo: str, *, connect_timeout: float, kwargs: dict[str, Any], **options: Any
    ) -> None:
        self.down: str | None = None  # why, while the database does not answer
        self._target = conninfo
        self._connect_kwargs = {**kwargs, "connect_timeout": max(1, int(connect_timeout))}
        self._probe_lock = threading.Lock()
        self._next_probe = 0.0
        super().__init__(conninfo, kwargs=kwargs, **options)

    def getconn(self, timeout: float | None = None) -> Any:
        if self.down is not None and not self._probe():
            raise PoolTimeout(self.down)
        try:
            return super().getconn(timeout)
        except PoolTimeout as error:
            self.mark_down(str(error))
            raise

    def mark_down(self, reason: str) -> None:
        if self.down is None:
            logger.error("Postgres does not answer (%s): refusing requests until it does", reason)
        self.down = reason
        self._next_probe = time.monotonic() + PROBE_EVERY

    def _probe(self) -> bool:
        """One caller a second tries a new connection; True once the database answers."""
        if time.monotonic() < self._next_probe or not self._probe_lock.acquire(blocking=False):
            return False
        try:
            if self.down is None:
                return True
            self._next_probe = time.monotonic() + PROBE_EVERY
            try:
                psycopg.connect(self._target, **self._connect_kwargs).close()
            except psycopg.Error:
                return False
            self.check()  # (drops the connections the outage broke)
            self.down = None
            logger.warning("Postgres answers again")
            return True
        finally:
            self._probe_lock.release()
