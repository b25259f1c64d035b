"""Checkpointed threads behave like LangGraph's: the same chunks for runs and resumes, the
same snapshots from get_state/get_state_history, the same effect of update_state.

Each scenario's operations run in order on one thread; the transcript of every operation is
compared (ids and timestamps masked, consistently across the whole transcript).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.differential import agent_scenarios  # noqa: F401 - registers thread scenarios
from tests.differential._normalize import Normalizer
from tests.differential._turns import arun, awatch, watch
from tests.differential.scenarios import libs
from tests.differential.thread_scenarios import THREAD_SCENARIOS

LIBS = libs()
CONFIG = {"configurable": {"thread_id": "t"}}


async def _astream(graph: Any, input: Any, config: Any, kwargs: dict[str, Any]) -> list[Any]:
    stream = graph.astream(input, config, **kwargs)
    return [chunk async for chunk in awatch(stream, kwargs.get("stream_mode"))]


def _command(graph: Any, resume: Any) -> Any:
    module = type(graph).__module__.split(".")[0]
    types_module = __import__(f"{module}.types", fromlist=["Command"])
    return types_module.Command(resume=resume)


def run_operation(graph: Any, operation: tuple[Any, ...], api: str) -> Any:
    kind = operation[0]
    try:
        if kind == "stream":
            _, input, kwargs = operation
            kwargs = dict(kwargs)
            config = kwargs.pop("config", CONFIG)
            if api == "sync":
                return list(watch(graph.stream(input, config, **kwargs), kwargs.get("stream_mode")))
            return arun(_astream(graph, input, config, kwargs))
        if kind == "invoke":
            _, input, kwargs = operation
            config = kwargs.get("config", CONFIG)
            return (
                graph.invoke(input, config) if api == "sync" else arun(graph.ainvoke(input, config))
            )
        if kind == "resume_all_by_id":
            interrupts = graph.get_state(CONFIG).interrupts
            resume = {i.id: f"answer-{i.value}" for i in interrupts}
            return run_operation(graph, ("stream", _command(graph, resume), operation[2]), api)
        if kind in ("replay_step", "fork_step"):
            past = next(
                s for s in graph.get_state_history(CONFIG) if s.metadata["step"] == operation[1]
            )
            if kind == "fork_step":
                return graph.update_state(past.config, operation[2])
            return list(graph.stream(None, past.config, **operation[2]))
        if kind == "bulk_update":
            return graph.bulk_update_state(CONFIG, operation[1])
        if kind == "get_state":
            return graph.get_state(CONFIG, **operation[1])
        if kind == "saved_namespaces":  # every checkpoint the saver holds, by graph level
            saved = graph.checkpointer.list(None)
            return sorted(c.config["configurable"]["checkpoint_ns"].split(":")[0] for c in saved)
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
