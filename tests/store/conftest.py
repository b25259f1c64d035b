"""Every store test runs on the in-memory, SQLite and Postgres stores (a fresh schema each)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from streamgraph.store.base import BaseStore

StoreFactory = Callable[..., AbstractContextManager[BaseStore]]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """``with make_store(index=..., ttl=...) as store:`` on the backend under test."""
    kind = request.param

    @contextmanager
    def memory(**kwargs: Any) -> Iterator[BaseStore]:
        from streamgraph.store.memory import InMemoryStore

        yield InMemoryStore(**kwargs)

    @contextmanager
    def sqlite(**kwargs: Any) -> Iterator[BaseStore]:
        from streamgraph.store.sqlite import SqliteStore

        with SqliteStore.from_conn_string(str(tmp_path / "store.sqlite"), **kwargs) as store:
            store.setup()
            yield store

    if kind == "memory":
        yield memory
    elif kind == "sqlite":
        yield sqlite
    else:
        yield _postgres(request.getfixturevalue("pg_url"))


def _postgres(pg_url: str) -> StoreFactory:
    import psycopg

    from streamgraph.store.postgres import PostgresStore

    @contextmanager
    def postgres(**kwargs: Any) -> Iterator[BaseStore]:
        schema = f"s_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
        url = f"{pg_url}?options=-csearch_path%3D{schema}"
        try:
            with PostgresStore.from_conn_string(url, **kwargs) as store:
                store.setup()
                yield store
        finally:
            with psycopg.connect(pg_url, autocommit=True) as admin:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")

    return postgres
