"""Shared fixtures: run one scenario under the sync and the async API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest


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
