"""Functional-API programs (``@entrypoint``/``@task``) written once for both libraries.

Each scenario builds its program from a library namespace and lists operations on one thread,
in the shape ``test_threads.run_operation`` understands. Calls whose finishing order would be
left to thread timing run one after another here (parallel calls are tested apart, with their
order ignored).
"""

from __future__ import annotations

import operator
import types
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

FUNC_SCENARIOS: dict[str, Callable[[Any], tuple[Any, list[tuple[Any, ...]]]]] = {}

ALL_MODES = ["updates", "values", "custom", "tasks", "checkpoints"]


def func_scenario(fn: Callable[[Any], tuple[Any, list[tuple[Any, ...]]]]) -> Any:
    FUNC_SCENARIOS[fn.__name__] = fn
    return fn


def func_libs() -> dict[str, types.SimpleNamespace]:
    import langgraph.checkpoint.memory
    import langgraph.config
    import langgraph.func
    import langgraph.graph
    import langgraph.types

    import streamgraph.checkpoint.memory
    import streamgraph.config
    import streamgraph.func
    import streamgraph.graph
    import streamgraph.types

    def ns(func: Any, graph: Any, types_: Any, config: Any, memory: Any) -> Any:
        return types.SimpleNamespace(
            entrypoint=func.entrypoint,
            task=func.task,
            InMemorySaver=memory.InMemorySaver,
            StateGraph=graph.StateGraph,
            START=graph.START,
            Command=types_.Command,
            RetryPolicy=types_.RetryPolicy,
            interrupt=types_.interrupt,
            get_stream_writer=config.get_stream_writer,
        )

    return {
        "langgraph": ns(
            langgraph.func,
            langgraph.graph,
            langgraph.types,
            langgraph.config,
            langgraph.checkpoint.memory,
        ),
        "streamgraph": ns(
            streamgraph.func,
            streamgraph.graph,
            streamgraph.types,
            streamgraph.config,
            streamgraph.checkpoint.memory,
        ),
    }


def _stream(input: Any, modes: Any = "updates", **kwargs: Any) -> tuple[Any, ...]:
    return ("stream", input, {"stream_mode": modes, **kwargs})


@func_scenario
def task_interrupt_resume(lib: Any) -> Any:
    """Calls before an interrupt raised inside a call are replayed, not run again, on resume;
    every stream mode, then the thread's state and history."""
    runs: list[int] = []

    @lib.task
    def add_one(x: int) -> int:
        runs.append(x)
        return x + 1

    @lib.task()
    def ask(question: str) -> str:
        return lib.interrupt(question)

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def main(numbers: list[int], *, writer: Any) -> dict[str, Any]:
        writer("started")
        added = [add_one(n).result() for n in numbers]
        answer = ask("which?").result()
        return {"added": added, "answer": answer, "runs": list(runs)}

    resume = lib.Command(resume="this one")
    return main, [
        _stream([1, 2], ALL_MODES),
        ("get_state", {}),
        _stream(resume, ALL_MODES),
        ("get_state", {}),
        ("history", {}),
    ]


@func_scenario
def previous_and_final(lib: Any) -> Any:
    """``previous`` is what the last run saved: ``entrypoint.final`` returns one value and
    saves another."""

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def counter(step: int, *, previous: Any = None) -> Any:
        total = (previous or 0) + step
        return lib.entrypoint.final(value={"total": total, "previous": previous}, save=total)

    return counter, [
        ("invoke", 1, {}),
        ("invoke", 2, {}),
        _stream(3, ["updates", "values"]),
        ("get_state", {}),
    ]


@func_scenario
def interrupt_in_entrypoint(lib: Any) -> Any:
    """An interrupt in the entrypoint itself after a call: the call's saved result is used
    on resume."""
    runs: list[str] = []

    @lib.task
    def shout(text: str) -> str:
        runs.append(text)
        return text.upper()

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def main(text: str) -> dict[str, Any]:
        loud = shout(text)
        answer = lib.interrupt(f"ok to say {text}?")
        return {"said": loud.result() if answer == "yes" else "", "runs": list(runs)}

    return main, [
        ("invoke", "hi", {}),
        _stream(lib.Command(resume="yes"), ["updates", "values", "tasks"]),
        ("get_state", {}),
    ]


@func_scenario
def interrupts_in_sequence(lib: Any) -> Any:
    """A call interrupts twice in one run of the program: each resume answers one."""

    @lib.task
    def setup(n: int) -> int:
        return n

    @lib.task
    def ask(question: str) -> str:
        return lib.interrupt(question)

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def main(n: int) -> dict[str, Any]:
        count = setup(n).result()
        return {"answers": [ask(f"topic {i}?").result() for i in range(count)]}

    return main, [
        ("invoke", 2, {}),
        ("invoke", lib.Command(resume="first"), {}),
        _stream(lib.Command(resume="second"), ["updates", "debug"]),
    ]


@func_scenario
def failing_task_caught(lib: Any) -> Any:
    """A call that fails (after its retries) raises from ``result()``; the program may go on."""
    attempts: list[int] = []

    @lib.task(retry_policy=lib.RetryPolicy(max_attempts=2, initial_interval=0.001, jitter=False))
    def flaky(n: int) -> int:
        attempts.append(n)
        raise ValueError(f"bad {n}")

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def main(n: int) -> dict[str, Any]:
        try:
            flaky(n).result()
        except ValueError as error:
            return {"error": str(error), "attempts": len(attempts)}
        return {}

    return main, [_stream(5, ["updates", "tasks"])]


@func_scenario
def failing_entrypoint(lib: Any) -> Any:
    """An error out of the program ends the run; the thread stays at its input checkpoint."""

    @lib.task
    def double(n: int) -> int:
        return n * 2

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def main(n: int) -> int:
        doubled = double(n).result()
        raise RuntimeError(f"failed after {doubled}")

    return main, [_stream(4, ["updates"]), ("get_state", {})]


class Steps(TypedDict):
    steps: Annotated[list[str], operator.add]


@func_scenario
def task_in_graph_node(lib: Any) -> Any:
    """Tasks called from a StateGraph node: their updates stream under the task's name, an
    interrupt inside one pauses the graph, and resuming replays the finished call."""
    runs: list[str] = []

    @lib.task
    def fetch(key: str) -> str:
        runs.append(key)
        return f"<{key}>"

    @lib.task
    def confirm(value: str) -> str:
        return lib.interrupt(f"keep {value}?")

    def node(state: Steps) -> dict[str, Any]:
        value = fetch("a").result()
        answer = confirm(value).result()
        return {"steps": [value, answer, str(len(runs))]}

    builder = lib.StateGraph(Steps)
    builder.add_node("node", node)
    builder.add_edge(lib.START, "node")
    graph = builder.compile(checkpointer=lib.InMemorySaver())
    return graph, [
        _stream({"steps": []}, ["updates", "values"]),
        _stream(lib.Command(resume="yes"), ["updates", "values"]),
    ]


@func_scenario
def graph_inside_task(lib: Any) -> Any:
    """A graph run inside a call streams under the call's namespace (``subgraphs=True``)."""

    def shout(state: Steps) -> dict[str, Any]:
        return {"steps": ["shout"]}

    builder = lib.StateGraph(Steps)
    builder.add_node("shout", shout)
    builder.add_edge(lib.START, "shout")
    inner = builder.compile()

    @lib.task
    def run_inner(steps: list[str]) -> list[str]:
        return inner.invoke({"steps": steps})["steps"]

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def main(steps: list[str]) -> list[str]:
        return run_inner(steps).result()

    return main, [_stream(["start"], ["updates", "values"], subgraphs=True)]


@func_scenario
def custom_from_task(lib: Any) -> Any:
    """``get_stream_writer()`` inside a call writes to the run's ``custom`` stream."""

    @lib.task
    def work(n: int) -> int:
        lib.get_stream_writer()({"working on": n})
        return n * 10

    @lib.entrypoint()
    def main(n: int) -> int:
        return work(n).result() + work(n + 1).result()

    return main, [_stream(1, ["custom", "updates"], config={"configurable": {}})]


@func_scenario
def model_in_task(lib: Any) -> Any:
    """A chat model called inside a call streams its tokens in ``messages`` mode, with the
    call's name and path in the metadata."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    @lib.task
    def call_model(topic: str) -> str:
        reply = AIMessage(content=f"a joke about {topic}", id="reply")
        model = GenericFakeChatModel(messages=iter([reply]))
        return str(model.invoke(topic).content)

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def main(topic: str) -> str:
        return call_model(topic).result()

    return main, [_stream("cats", ["messages", "updates"])]


@func_scenario
def retried_entrypoint(lib: Any) -> Any:
    """An entrypoint retried by its policy makes its calls again (new ids); one that failed
    for good and is resumed from its checkpoint reuses the calls saved before the failure."""
    runs: list[int] = []
    attempts: list[int] = []

    @lib.task
    def double(n: int) -> int:
        runs.append(n)
        return n * 2

    policy = lib.RetryPolicy(max_attempts=3, initial_interval=0.001, jitter=False)

    @lib.entrypoint(checkpointer=lib.InMemorySaver(), retry_policy=policy)
    def retried(n: int) -> dict[str, Any]:
        doubled = double(n).result()
        attempts.append(n)
        if len(attempts) < 2:
            raise ConnectionError("flaky")
        return {"doubled": doubled, "runs": list(runs)}

    return retried, [_stream(3, ["updates", "tasks"])]


@func_scenario
def resumed_after_failure(lib: Any) -> Any:
    runs: list[int] = []
    attempts: list[int] = []

    @lib.task
    def double(n: int) -> int:
        runs.append(n)
        return n * 2

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def fails_once(n: int) -> dict[str, Any]:
        doubled = double(n).result()
        attempts.append(n)
        if len(attempts) < 2:
            raise ValueError("fails once")
        return {"doubled": doubled, "runs": list(runs)}

    return fails_once, [
        ("invoke", 4, {}),
        ("get_state", {}),
        _stream(None, ["updates", "tasks"]),
        ("get_state", {}),
    ]


@func_scenario
def tasks_in_async_graph_node(lib: Any) -> Any:
    """An async node awaits async and sync calls; a sync node calls an async task."""
    import asyncio

    @lib.task
    async def slow_upper(text: str) -> str:
        await asyncio.sleep(0)
        return text.upper()

    @lib.task
    def exclaim(text: str) -> str:
        return text + "!"

    async def first(state: Steps) -> dict[str, Any]:
        loud = await slow_upper("a")
        return {"steps": [loud, await exclaim(loud)]}

    def second(state: Steps) -> dict[str, Any]:
        return {"steps": [slow_upper("b").result()]}

    builder = lib.StateGraph(Steps)
    builder.add_node("first", first)
    builder.add_node("second", second)
    builder.add_edge(lib.START, "first")
    builder.add_edge("first", "second")
    graph = builder.compile(checkpointer=lib.InMemorySaver())
    return graph, [_stream({"steps": []}, ["updates", "values"])]


@func_scenario
def nested_calls_resume(lib: Any) -> Any:
    """A task calling tasks: an interrupt two calls deep pauses the run; on resume the outer
    call runs again, its finished inner call is replayed and the interrupted one answered."""
    runs: list[int] = []

    @lib.task
    def inner(n: int) -> int:
        runs.append(n)
        return n * 2

    @lib.task
    def ask(question: str) -> str:
        return lib.interrupt(question)

    @lib.task
    def outer(n: int) -> str:
        doubled = inner(n).result()
        return f"{doubled}-{ask(f'keep {doubled}?').result()}-{len(runs)}"

    @lib.entrypoint(checkpointer=lib.InMemorySaver())
    def main(n: int) -> str:
        return outer(n).result()

    return main, [
        _stream(3, ["updates", "tasks"]),
        ("get_state", {}),
        _stream(lib.Command(resume="yes"), ["updates", "tasks"]),
    ]
