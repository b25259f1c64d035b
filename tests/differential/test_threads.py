"""Checkpointed threads behave like LangGraph's: the same chunks for runs and resumes, the
same snapshots from get_state/get_state_history, the same effect of update_state.

Each scenario's operations run in order on one thread; the transcript of every operation is
compared (ids and timestamps masked, consistently across the whole transcript).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.differential._normalize import Normalizer
from tests.differential.scenarios import libs
from tests.differential.thread_scenarios import THREAD_SCENARIOS

LIBS = libs()
CONFIG = {"configurable": {"thread_id": "t"}}


async def _astream(graph: Any, input: Any, kwargs: dict[str, Any]) -> list[Any]:
    return [chunk async for chunk in graph.astream(input, CONFIG, **kwargs)]


def run_operation(graph: Any, operation: tuple[Any, ...], api: str) -> Any:
    kind = operation[0]
    try:
        if kind == "stream":
            _, input, kwargs = operation
            if api == "sync":
                return list(graph.stream(input, CONFIG, **kwargs))
            return asyncio.run(_astream(graph, input, kwargs))
        if kind == "get_state":
            return graph.get_state(CONFIG, **operation[1])
        if kind == "history":
            return list(graph.get_state_history(CONFIG, **operation[1]))
        if kind == "update_state":
            _, values, kwargs = operation
            return graph.update_state(CONFIG, values, **kwargs)
    except Exception as error:
        return ("raised", type(error).__name__)
    raise AssertionError(kind)


def transcript(lib_name: str, name: str, api: str) -> list[Any]:
    graph, operations = THREAD_SCENARIOS[name](LIBS[lib_name])
    normalize = Normalizer()
    return [(op[0], normalize(run_operation(graph, op, api))) for op in operations]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("api", ["sync", "async"])
@pytest.mark.parametrize("name", list(THREAD_SCENARIOS))
def test_thread_matches_langgraph(name: str, api: str) -> None:
    expected = transcript("langgraph", name, "sync")
    actual = transcript("streamgraph", name, api)
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        assert got == want, f"operation {index} ({want[0]}) differs"
