"""streamgraph's stream output equals LangGraph's for the same graphs (ids and timestamps
masked), under both stream() and astream().

Differences that are deliberate (COMPAT.md) are listed in ``DIVERGENCES`` with the reason;
everything else must match exactly, chunk for chunk and key order included.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.differential import (  # noqa: F401 - they register scenarios
    agent_scenarios,
    message_scenarios,
)
from tests.differential._normalize import normalize
from tests.differential._turns import arun, awatch, watch
from tests.differential.scenarios import SCENARIOS, libs

LIBS = libs()

CASES = [
    pytest.param(name, index, id=f"{name}-{index}")
    for name, (_, variants) in SCENARIOS.items()
    for index in range(len(variants))
]

# (scenario, variant index) -> why streamgraph differs on purpose
DIVERGENCES: dict[tuple[str, int], str] = {}


def with_our_divergences(chunk: Any) -> Any:
    """LangGraph's chunk as streamgraph means to stream it (COMPAT.md): no difference is left
    in what these scenarios stream."""
    return chunk


def run(lib_name: str, name: str, index: int, api: str) -> tuple[list[Any], Any]:
    build, variants = SCENARIOS[name]
    graph, input = build(LIBS[lib_name])
    kwargs = dict(variants[index])
    config = kwargs.pop("config", None)
    chunks: list[Any] = []

    modes = kwargs.get("stream_mode")

    async def consume() -> None:
        async for chunk in awatch(graph.astream(input, config, **kwargs), modes):
            chunks.append(chunk)

    try:
        if api == "sync":
            for chunk in watch(graph.stream(input, config, **kwargs), modes):
                chunks.append(chunk)
        else:
            arun(consume())
    except Exception as error:
        return chunks, type(error).__name__
    return chunks, None


@pytest.mark.filterwarnings("ignore::streamgraph.graph._validate.UnreachableNodeWarning")
@pytest.mark.parametrize("api", ["sync", "async"])
@pytest.mark.parametrize(("name", "index"), CASES)
def test_stream_matches_langgraph(name: str, index: int, api: str) -> None:
    if (name, index) in DIVERGENCES:
        pytest.skip(DIVERGENCES[(name, index)])
    expected, expected_error = run("langgraph", name, index, api)
    expected = [with_our_divergences(chunk) for chunk in expected]
    actual, actual_error = run("streamgraph", name, index, api)
    assert normalize(actual) == normalize(expected)
    assert actual_error == expected_error


def run_invoke(lib_name: str, name: str, api: str, version: str) -> Any:
    build, variants = SCENARIOS[name]
    graph, input = build(LIBS[lib_name])
    config = variants[0].get("config")  # the scenario's first config (a recursion_limit)
    try:
        if api == "sync":
            return graph.invoke(input, config, version=version)
        return arun(graph.ainvoke(input, config, version=version))
    except Exception as error:
        return ("raised", type(error).__name__)


@pytest.mark.filterwarnings("ignore::streamgraph.graph._validate.UnreachableNodeWarning")
@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("api", ["sync", "async"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_invoke_matches_langgraph(name: str, api: str, version: str) -> None:
    expected = run_invoke("langgraph", name, api, version)
    actual = run_invoke("streamgraph", name, api, version)
    assert normalize(actual) == normalize(expected)
