"""The functional API behaves like LangGraph's: the same chunks for runs and resumes of
``@entrypoint`` programs, the same snapshots and history (ids and timestamps masked)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.differential._normalize import Normalizer
from tests.differential.func_scenarios import FUNC_SCENARIOS, func_libs
from tests.differential.test_threads import run_operation

LIBS = func_libs()


def transcript(lib_name: str, name: str, api: str) -> list[Any]:
    graph, operations = FUNC_SCENARIOS[name](LIBS[lib_name])
    normalize = Normalizer()
    return [(op[0], normalize(run_operation(graph, op, api))) for op in operations]


@pytest.mark.parametrize("api", ["sync", "async"])
@pytest.mark.parametrize("name", list(FUNC_SCENARIOS))
def test_program_matches_langgraph(name: str, api: str) -> None:
    expected = transcript("langgraph", name, api)
    actual = transcript("streamgraph", name, api)
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        assert got == want, f"operation {index} ({want[0]}) differs"


def _parallel(lib: Any, pause: float = 0.01) -> Any:
    @lib.task
    def square(n: int) -> int:
        time.sleep(pause)
        return n * n

    @lib.entrypoint()
    def main(numbers: list[int]) -> list[int]:
        futures = [square(n) for n in numbers]
        return [f.result() for f in futures]

    return main


def test_parallel_calls_overlap() -> None:
    """Calls started together run at once: ten 50 ms calls take far less than 500 ms."""
    main = _parallel(LIBS["streamgraph"], pause=0.05)
    main.invoke([0])  # warm up
    started = time.perf_counter()
    assert main.invoke(list(range(10))) == [n * n for n in range(10)]
    assert time.perf_counter() - started < 0.3


def test_parallel_updates_match_langgraph() -> None:
    def updates(lib_name: str) -> list[Any]:
        main = _parallel(LIBS[lib_name])
        chunks = list(main.stream([1, 2, 3]))
        return sorted(chunks[:-1], key=repr) + chunks[-1:]

    assert updates("streamgraph") == updates("langgraph")


def _async_program(lib: Any) -> Any:
    @lib.task
    async def mapper(n: int) -> str:
        await asyncio.sleep(0.001 * n)
        return str(n) * 2

    @lib.task
    def sync_mapper(n: int) -> str:
        return str(n)

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    async def main(numbers: list[int]) -> list[str]:
        mapped = await asyncio.gather(*(mapper(n) for n in numbers))
        tail = await sync_mapper(len(numbers))
        answer = lib.interrupt("question")
        return [m + answer for m in [*mapped, tail]]

    return main


@pytest.mark.parametrize("lib_name", ["langgraph", "streamgraph"])
def test_async_program_resumes(lib_name: str) -> None:
    lib = LIBS[lib_name]
    main = _async_program(lib)
    config = {"configurable": {"thread_id": "1"}}

    async def scenario() -> tuple[Any, Any]:
        first = [c async for c in main.astream([0, 1], config)]
        return first, await main.ainvoke(lib.Command(resume="!"), config)

    first, result = asyncio.run(scenario())
    updates = sorted(first[:-1], key=repr)
    assert updates == [{"mapper": "00"}, {"mapper": "11"}, {"sync_mapper": "2"}]
    assert [i.value for i in first[-1]["__interrupt__"]] == ["question"]
    assert result == ["00!", "11!", "2!"]


def test_task_outside_a_run_says_so() -> None:
    from streamgraph.func import task

    @task
    def alone(n: int) -> int:
        return n

    with pytest.raises(RuntimeError, match="outside of a running graph"):
        alone(1)


@pytest.mark.parametrize("lib_name", ["langgraph", "streamgraph"])
def test_parallel_interrupts_resumed_by_id(lib_name: str) -> None:
    """Two calls interrupt at once; the caller surfaces the one it waited for, but both are
    pending: a plain resume is refused, one keyed by interrupt id answers that one."""
    lib = LIBS[lib_name]

    @lib.task
    def ask(name: str) -> str:
        return lib.interrupt(f"add {name}?")

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def main(names: list[str]) -> list[str]:
        futures = [ask(n) for n in names]
        time.sleep(0.05)  # both calls have interrupted
        return [future.result() for future in futures]

    config = {"configurable": {"thread_id": "1"}}
    first = main.invoke(["ann", "bob"], config)
    assert [i.value for i in first["__interrupt__"]] == ["add ann?"]
    state = main.get_state(config)
    assert [i.value for i in state.interrupts] == ["add ann?"]
    with pytest.raises(RuntimeError, match="multiple pending interrupts"):
        main.invoke(lib.Command(resume="no"), config)
    answered = main.invoke(lib.Command(resume={state.interrupts[0].id: "yes"}), config)
    assert [i.value for i in answered["__interrupt__"]] == ["add bob?"]
    assert main.invoke(lib.Command(resume="no"), config) == ["yes", "no"]


def _v3_run(lib_name: str, name: str, api: str) -> Any:
    """The first run of a scenario as a v3 run stream (every mode's transformer)."""
    import warnings

    from tests.differential.test_v3 import _comparable, _transformers

    graph, operations = FUNC_SCENARIOS[name](LIBS[lib_name])
    _, input, options = operations[0]
    config = options.get("config", {"configurable": {"thread_id": "v3"}})
    kwargs = {"transformers": _transformers(lib_name)}
    normalize = Normalizer()
    events: list[Any] = []

    async def consume() -> Any:
        run = await graph.astream_events(input, config, version="v3", **kwargs)
        async for event in run:
            events.append(_comparable(event))
        return await run.output()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LangGraph's v3 API warns that it is in beta
        try:
            if api == "sync":
                run = graph.stream_events(input, config, version="v3", **kwargs)
                for event in run:
                    events.append(_comparable(event))
                outcome: Any = ("output", run.output)
            else:
                outcome = ("output", asyncio.run(consume()))
        except Exception as error:
            outcome = ("error", type(error).__name__)
    return normalize(events), normalize(outcome)


# Scenarios whose first run is sequential (no two calls finish in an order left to threads:
# in interrupt_in_entrypoint, whether LangGraph's call finishes before its caller's interrupt
# is up to thread timing).
V3_SCENARIOS = [
    "task_interrupt_resume",
    "previous_and_final",
    "failing_task_caught",
    "graph_inside_task",
    "model_in_task",
]


@pytest.mark.parametrize("api", ["sync", "async"])
@pytest.mark.parametrize("name", V3_SCENARIOS)
def test_v3_run_stream_matches_langgraph(name: str, api: str) -> None:
    expected = _v3_run("langgraph", name, api)
    actual = _v3_run("streamgraph", name, api)
    assert actual[0] == expected[0]
    assert actual[1] == expected[1]


def test_drawing_matches_langgraph() -> None:
    def mermaid(lib_name: str) -> str:
        lib = LIBS[lib_name]

        @lib.entrypoint()
        def main(n: int) -> int:
            return n

        return str(main.get_graph().draw_mermaid())

    assert mermaid("streamgraph") == mermaid("langgraph")
