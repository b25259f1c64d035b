"""graph.step_timeout: a step that runs too long raises TimeoutError."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from typing_extensions import TypedDict

from streamgraph.graph import StateGraph


class State(TypedDict):
    hello: str


def _graph(slow: Any, quick: Any) -> Any:
    builder = StateGraph(State)
    builder.add_node("slow", slow)
    builder.add_node("quick", quick)
    builder.set_conditional_entry_point(lambda _: ["slow", "quick"])
    graph = builder.compile()
    graph.step_timeout = 0.3
    return graph


def test_async_steps_are_cancelled_at_the_deadline() -> None:
    cancelled = []

    async def slow(state: State) -> dict[str, Any]:
        try:
            await asyncio.sleep(2)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return {"hello": "late"}

    async def quick(state: State) -> dict[str, Any]:
        return {"hello": "1"}

    async def main() -> list[Any]:
        chunks = []
        with pytest.raises(TimeoutError):
            async for chunk in _graph(slow, quick).astream({"hello": "x"}):
                chunks.append(chunk)
        return chunks

    started = time.monotonic()
    assert asyncio.run(main()) == [{"quick": {"hello": "1"}}]
    assert time.monotonic() - started < 1.5
    assert cancelled == [True]  # stopped before the error reached the caller


def test_sync_steps_raise_once_their_nodes_are_done() -> None:
    finished = []

    def slow(state: State) -> dict[str, Any]:
        time.sleep(0.6)
        finished.append(True)
        return {"hello": "late"}

    graph = _graph(slow, lambda s: {"hello": "1"})
    with pytest.raises(TimeoutError):
        graph.invoke({"hello": "x"})
    assert finished == [True]  # threads cannot be stopped: waited for, as LangGraph does


def test_steps_within_the_deadline_run_as_usual() -> None:
    graph = _graph(lambda s: {"hello": "a"}, lambda s: None)
    assert graph.invoke({"hello": "x"}) == {"hello": "a"}
