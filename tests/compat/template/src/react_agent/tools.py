"""This module provides example tools for the agent."""

from collections.abc import Callable
from typing import Any

from langgraph.runtime import get_runtime

from react_agent.context import Context


async def search(query: str) -> dict[str, Any] | None:
    """Search for general web results."""
    runtime = get_runtime(Context)
    return {"query": query, "results": runtime.context.max_search_results, "answer": "sunny"}


TOOLS: list[Callable[..., Any]] = [search]
