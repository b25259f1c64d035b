"""v3 run streams produce LangGraph's protocol events for the same graphs: every scenario of
``scenarios.py`` (every mode, subgraphs, interrupts, checkpoints, chat models, the agent),
run with ``stream_events(version="v3")`` and ``astream_events(version="v3")``, with the
built-in transformers only and with every mode's transformer registered.

The raw event sequences (the run's main log) must be equal, event by event and key order
included, with ids and timestamps masked; so must the run's ``output`` or error. The
deliberate differences of v1/v2 streams (``test_differential.with_our_divergences``) apply.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest

from tests.differential import (  # noqa: F401 - they register scenarios
    agent_scenarios,
    message_scenarios,
)
from tests.differential._normalize import Normalizer
from tests.differential.scenarios import SCENARIOS, libs
from tests.differential.test_differential import with_our_divergences

LIBS = libs()
RUN_OPTIONS = ("config", "interrupt_before", "interrupt_after", "output_keys", "durability")


def _runs(variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The distinct v3 runs a scenario's stream() variants make (modes do not matter)."""
    runs: list[dict[str, Any]] = []
    for variant in variants:
        options = {k: v for k, v in variant.items() if k in RUN_OPTIONS}
        if options not in runs:
            runs.append(options)
    return runs


CASES = [
    pytest.param(name, options, all_modes, id=f"{name}-{index}-{'all' if all_modes else 'builtin'}")
    for name, (_, variants) in SCENARIOS.items()
    for index, options in enumerate(_runs(variants))
    for all_modes in (False, True)
]


def _transformers(lib_name: str) -> list[Any]:
    stream = __import__(f"{lib_name}.stream", fromlist=["_"])
    prebuilt = __import__(f"{lib_name}.prebuilt", fromlist=["_"])
    return [
        stream.UpdatesTransformer,
        stream.CustomTransformer,
        stream.CheckpointsTransformer,
        stream.DebugTransformer,
        stream.TasksTransformer,
        prebuilt.ToolCallTransformer,
    ]


def _comparable(event: dict[str, Any]) -> dict[str, Any]:
    params = dict(event["params"])
    params["timestamp"] = 0
    if event["method"] == "messages":
        params["data"] = with_our_divergences(params["data"])
    return {**event, "params": params}


def _call_of(event: dict[str, Any]) -> str:
    data = event["params"]["data"]
    if not isinstance(data, dict):
        return ""
    return str(data.get("tool_call_id", data.get("call", "")))


def _settle_parallel_calls(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tool calls of one ToolNode run side by side (in both libraries), so the order of
    their ``tools`` events (and of what they write) depends on thread timing: within each
    run of consecutive ``tools``/``custom`` events, order them by tool call, unnumbered."""
    out: list[dict[str, Any]] = []
    block: list[dict[str, Any]] = []

    def flush() -> None:
        if len(block) > 1 and any(event["method"] == "tools" for event in block):
            for event in sorted(block, key=_call_of):
                out.append({k: v for k, v in event.items() if k != "seq"})
        else:
            out.extend(block)
        block.clear()

    for event in events:
        if event["method"] in ("tools", "custom"):
            block.append(event)
        else:
            flush()
            out.append(event)
    flush()
    return out


def run_v3(lib_name: str, name: str, options: dict[str, Any], all_modes: bool, api: str) -> Any:
    build, _ = SCENARIOS[name]
    graph, input = build(LIBS[lib_name])
    kwargs = dict(options)
    config = kwargs.pop("config", None)
    if all_modes:
        kwargs["transformers"] = _transformers(lib_name)
    # Compared once the run is over, as the other differential tests do (message ids are
    # given earlier than LangGraph gives them: COMPAT.md).
    snapshot = Normalizer()
    raw: list[dict[str, Any]] = []

    def keep(event: dict[str, Any]) -> None:
        raw.append(_comparable(event))

    async def consume() -> Any:
        run = await graph.astream_events(input, config, version="v3", **kwargs)
        async for event in run:
            keep(event)
        return await run.output()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LangGraph's v3 API warns that it is in beta
        try:
            if api == "sync":
                run = graph.stream_events(input, config, version="v3", **kwargs)
                for event in run:
                    keep(event)
                outcome: Any = ("output", run.output)
            else:
                outcome = ("output", asyncio.run(consume()))
        except Exception as error:
            outcome = ("error", type(error).__name__)
    events = [snapshot(event) for event in _settle_parallel_calls(raw)]
    return events, snapshot(outcome)


# (scenario, with every mode's transformer) -> why streamgraph differs on purpose
DIVERGENCES: dict[tuple[str, bool], str] = {
    ("react_agent_hooks", True): (
        "LangGraph's agent changes the list in the model node's input after the node's "
        "`debug` task event was streamed: compared after the run, LangGraph's event shows "
        "the changed list (ours shows what the node was given)"
    ),
}


@pytest.mark.filterwarnings("ignore::streamgraph.graph._validate.UnreachableNodeWarning")
@pytest.mark.parametrize("api", ["sync", "async"])
@pytest.mark.parametrize(("name", "options", "all_modes"), CASES)
def test_v3_events_match_langgraph(
    name: str, options: dict[str, Any], all_modes: bool, api: str
) -> None:
    if (name, all_modes) in DIVERGENCES:
        pytest.skip(DIVERGENCES[(name, all_modes)])
    expected = run_v3("langgraph", name, options, all_modes, api)
    actual = run_v3("streamgraph", name, options, all_modes, api)
    assert actual[0] == expected[0]
    assert actual[1] == expected[1]
