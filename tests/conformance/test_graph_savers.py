"""Graphs behave the same on every saver: each thread scenario (runs, resumes, state reads,
updates) gives, on SQLite and Postgres (sync and async), the transcript it gives on
InMemorySaver."""

from __future__ import annotations

import asyncio
import contextlib
import types
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.differential._normalize import Normalizer
from tests.differential.scenarios import libs
from tests.differential.test_threads import CONFIG, run_operation
from tests.differential.thread_scenarios import THREAD_SCENARIOS

STREAMGRAPH = libs()["streamgraph"]


def with_saver(saver: Any) -> types.SimpleNamespace:
    lib = types.SimpleNamespace(**vars(STREAMGRAPH))
    lib.InMemorySaver = lambda: saver
    return lib


async def arun_operation(graph: Any, operation: tuple[Any, ...]) -> Any:
    kind = operation[0]
    try:
        if kind == "stream":
            _, input, kwargs = operation
            kwargs = dict(kwargs)
            config = kwargs.pop("config", CONFIG)
            return [c async for c in graph.astream(input, config, **kwargs)]
        if kind == "invoke":
            return await graph.ainvoke(operation[1], operation[2].get("config", CONFIG))
        if kind == "bulk_update":
            return await graph.abulk_update_state(CONFIG, operation[1])
        if kind == "get_state":
            return await graph.aget_state(CONFIG, **operation[1])
        if kind == "history":
            return [s async for s in graph.aget_state_history(CONFIG, **operation[1])]
        if kind == "saved_namespaces":
            saved = [c async for c in graph.checkpointer.alist(None)]
            return sorted(c.config["configurable"]["checkpoint_ns"].split(":")[0] for c in saved)
        if kind == "update_state":
            return await graph.aupdate_state(CONFIG, operation[1], **operation[2])
        if kind == "resume_all_by_id":
            interrupts = (await graph.aget_state(CONFIG)).interrupts
            command = STREAMGRAPH.Command(resume={i.id: f"answer-{i.value}" for i in interrupts})
            return await arun_operation(graph, ("stream", command, operation[2]))
        if kind in ("replay_step", "fork_step"):
            history = [s async for s in graph.aget_state_history(CONFIG)]
            past = next(s for s in history if s.metadata["step"] == operation[1])
            if kind == "fork_step":
                return await graph.aupdate_state(past.config, operation[2])
            return [c async for c in graph.astream(None, past.config, **operation[2])]
    except Exception as error:
        return ("raised", type(error).__name__)
    raise AssertionError(kind)


@contextlib.asynccontextmanager
async def _in_memory() -> AsyncIterator[Any]:
    yield STREAMGRAPH.InMemorySaver()


def transcript_on(make_saver: Any, use_async: bool, name: str) -> list[Any]:
    async def main() -> list[Any]:
        async with make_saver() as saver:
            graph, operations = THREAD_SCENARIOS[name](with_saver(saver))
            # Parallel tasks report in the order they finish, which thread timing decides;
            # one at a time, they finish in task order, so transcripts compare exactly.
            graph = graph.with_config(max_concurrency=1)
            normalize = Normalizer()
            results = []
            for op in operations:
                if use_async:
                    result = await arun_operation(graph, op)
                else:  # the sync API, off the event loop
                    result = await asyncio.to_thread(run_operation, graph, op, "sync")
                results.append((op[0], normalize(result)))
            return results

    return asyncio.run(main())


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", list(THREAD_SCENARIOS))
def test_saver_gives_the_in_memory_transcript(
    make_saver: Any, use_async: bool, name: str, saver_kind: str
) -> None:
    if saver_kind == "memory":
        pytest.skip("the reference")
    expected = transcript_on(_in_memory, False, name)
    actual = transcript_on(make_saver, use_async, name)
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        assert got == want, f"operation {index} ({want[0]}) differs"
