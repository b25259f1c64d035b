"""Shared fixtures: run one scenario under the sync and the async API."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

PG_ADMIN = os.environ.get("STREAMGRAPH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def collect_sync(graph: Any, input: Any, **kwargs: Any) -> list[Any]:
    return list(graph.stream(input, **kwargs))


def collect_async(graph: Any, input: Any, **kwargs: Any) -> list[Any]:
    async def run() -> list[Any]:
        return [chunk async for chunk in graph.astream(input, **kwargs)]

    return asyncio.run(run())


def invoke_sync(graph: Any, input: Any, **kwargs: Any) -> Any:
    return graph.invoke(input, **kwargs)


def invoke_async(graph: Any, input: Any, **kwargs: Any) -> Any:
    return asyncio.run(graph.ainvoke(input, **kwargs))


@pytest.fixture(params=["sync", "async"])
def stream(request: pytest.FixtureRequest) -> Callable[..., list[Any]]:
    """``stream(graph, input, **kwargs)`` -> list of chunks, via stream() or astream()."""
    return collect_sync if request.param == "sync" else collect_async


@pytest.fixture(params=["sync", "async"])
def invoke(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``invoke(graph, input, **kwargs)`` via invoke() or ainvoke()."""
    return invoke_sync if request.param == "sync" else invoke_async


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh database for the session (its URL); dropped afterwards."""
    import psycopg

    name = f"streamgraph_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Postgres unreachable at {PG_ADMIN} (CI needs it): {error}")
        pytest.skip(f"Postgres unreachable at {PG_ADMIN}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
