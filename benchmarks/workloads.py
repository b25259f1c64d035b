"""The benchmarked workloads, written once against a ``lib`` namespace so the same code runs
on streamgraph and on LangGraph.

Each workload builds its graph outside the timed region and returns ``(run, unit_count)``:
``run`` is a zero-argument callable doing one unit of work (an ``async def`` for the async
rows).
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import operator
import os
import sqlite3
import tempfile
import types
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

WORKLOADS: dict[str, Callable[[Any], Any]] = {}


def workload(name: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    def register(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        WORKLOADS[name] = fn
        return fn

    return register


def load(package: str) -> types.SimpleNamespace:
    graph = importlib.import_module(f"{package}.graph")
    config = importlib.import_module(f"{package}.config")
    memory = importlib.import_module(f"{package}.checkpoint.memory")
    sqlite = importlib.import_module(f"{package}.checkpoint.sqlite")
    func = importlib.import_module(f"{package}.func")
    return types.SimpleNamespace(
        entrypoint=func.entrypoint,
        task=func.task,
        name=package,
        StateGraph=graph.StateGraph,
        START=graph.START,
        END=graph.END,
        get_stream_writer=config.get_stream_writer,
        InMemorySaver=memory.InMemorySaver,
        SqliteSaver=sqlite.SqliteSaver,
    )


def sqlite_saver(lib: Any) -> Any:
    """A SQLite saver on a fresh file (kept open for the benchmark's lifetime)."""
    path = os.path.join(tempfile.mkdtemp(prefix=f"bench-{lib.name}-"), "checkpoints.db")
    return lib.SqliteSaver(sqlite3.connect(path, check_same_thread=False))


def with_new_thread(graph: Any, make_input: Any) -> Any:
    """``invoke`` on a new thread each run."""
    counter = itertools.count()
    return lambda: graph.invoke(
        make_input(), {"configurable": {"thread_id": str(next(counter))}, "recursion_limit": 200}
    )


class Joke(TypedDict):
    topic: str
    joke: str


class Count(TypedDict):
    n: int


class Fan(TypedDict):
    xs: Annotated[list, operator.add]


def refine_topic(state: Joke) -> dict:
    return {"topic": state["topic"] + " and cats"}


def generate_joke(state: Joke) -> dict:
    return {"joke": f"This is a joke about {state['topic']}"}


def joke_graph(lib: Any, *, writes_custom: bool = False) -> Any:
    def generate(state: Joke) -> dict:
        if writes_custom:
            lib.get_stream_writer()({"custom_key": "writing"})
        return generate_joke(state)

    return (
        lib.StateGraph(Joke)
        .add_node(refine_topic)
        .add_node("generate_joke", generate)
        .add_edge(lib.START, "refine_topic")
        .add_edge("refine_topic", "generate_joke")
        .compile()
    )


@workload("2-node graph, stream(updates)")
def two_node_updates(lib: Any) -> Any:
    graph = joke_graph(lib)
    return lambda: list(graph.stream({"topic": "ice cream"}, stream_mode="updates"))


@workload("2-node graph, stream([values, updates, custom, debug])")
def two_node_four_modes(lib: Any) -> Any:
    graph = joke_graph(lib, writes_custom=True)
    modes = ["values", "updates", "custom", "debug"]
    return lambda: list(graph.stream({"topic": "ice cream"}, stream_mode=modes))


@workload("2-node graph, invoke")
def two_node_invoke(lib: Any) -> Any:
    graph = joke_graph(lib)
    return lambda: graph.invoke({"topic": "ice cream"})


@workload("2-node graph, ainvoke (sync nodes: each run hops to a thread)")
def two_node_ainvoke(lib: Any) -> Any:
    graph = joke_graph(lib)

    async def run() -> Any:
        return await graph.ainvoke({"topic": "ice cream"})

    return run


@workload("2-node graph, ainvoke (async nodes)")
def two_node_ainvoke_async_nodes(lib: Any) -> Any:
    async def refine(state: Joke) -> dict:
        return refine_topic(state)

    async def generate(state: Joke) -> dict:
        return generate_joke(state)

    graph = (
        lib.StateGraph(Joke)
        .add_node("refine_topic", refine)
        .add_node("generate_joke", generate)
        .add_edge(lib.START, "refine_topic")
        .add_edge("refine_topic", "generate_joke")
        .compile()
    )

    async def run() -> Any:
        return await graph.ainvoke({"topic": "ice cream"})

    return run


def chain_graph(lib: Any, checkpointer: Any = None) -> Any:
    builder = lib.StateGraph(Count)
    previous = lib.START
    for i in range(100):
        builder.add_node(f"n{i}", lambda s: {"n": s["n"] + 1})
        builder.add_edge(previous, f"n{i}")
        previous = f"n{i}"
    return builder.compile(checkpointer=checkpointer)


@workload("100-node chain, invoke")
def chain_100(lib: Any) -> Any:
    graph = chain_graph(lib)
    return lambda: graph.invoke({"n": 0}, {"recursion_limit": 200})


@workload("100-way fan-out with a list reducer, invoke")
def fanout_100(lib: Any) -> Any:
    builder = lib.StateGraph(Fan)
    for i in range(100):
        builder.add_node(f"n{i}", lambda s: {"xs": [1]})
        builder.add_edge(lib.START, f"n{i}")
    graph = builder.compile()
    return lambda: graph.invoke({"xs": []})


@workload("one node writing 20,000 custom events, stream(custom)")
def custom_20k(lib: Any) -> Any:
    def writer_node(state: Count) -> dict:
        write = lib.get_stream_writer()
        for i in range(20_000):
            write(i)
        return {"n": 1}

    graph = lib.StateGraph(Count).add_node(writer_node).add_edge(lib.START, "writer_node").compile()

    def run() -> int:
        count = sum(1 for _ in graph.stream({"n": 0}, stream_mode="custom"))
        assert count == 20_000
        return count

    return run


def _joke_with(lib: Any, checkpointer: Any) -> Any:
    return (
        lib.StateGraph(Joke)
        .add_node(refine_topic)
        .add_node(generate_joke)
        .add_edge(lib.START, "refine_topic")
        .add_edge("refine_topic", "generate_joke")
        .compile(checkpointer=checkpointer)
    )


@workload("2-node graph + InMemorySaver, invoke (new thread each run)")
def two_node_memory(lib: Any) -> Any:
    return with_new_thread(_joke_with(lib, lib.InMemorySaver()), lambda: {"topic": "ice"})


@workload("100-node chain + InMemorySaver, invoke (new thread each run)")
def chain_memory(lib: Any) -> Any:
    return with_new_thread(chain_graph(lib, lib.InMemorySaver()), lambda: {"n": 0})


@workload("2-node graph + SQLite saver, invoke (new thread each run)")
def two_node_sqlite(lib: Any) -> Any:
    return with_new_thread(_joke_with(lib, sqlite_saver(lib)), lambda: {"topic": "ice"})


@workload("100-node chain + SQLite saver, invoke (new thread each run)")
def chain_sqlite(lib: Any) -> Any:
    return with_new_thread(chain_graph(lib, sqlite_saver(lib)), lambda: {"n": 0})


def _functional(lib: Any, checkpointer: Any = None) -> Any:
    @lib.task
    def refine(topic: str) -> str:
        return topic + " and cats"

    @lib.task
    def joke(topic: str) -> str:
        return f"This is a joke about {topic}"

    @lib.entrypoint(checkpointer=checkpointer)
    def program(topic: str) -> str:
        return joke(refine(topic).result()).result()

    return program


@workload("functional API: entrypoint + 2 sequential tasks, invoke")
def functional_two_tasks(lib: Any) -> Any:
    program = _functional(lib)
    return lambda: program.invoke("ice cream")


@workload("functional API: entrypoint + 2 tasks, stream(updates)")
def functional_two_tasks_stream(lib: Any) -> Any:
    program = _functional(lib)
    return lambda: list(program.stream("ice cream", stream_mode="updates"))


@workload("functional API: entrypoint + 2 tasks + InMemorySaver (new thread each run)")
def functional_memory(lib: Any) -> Any:
    return with_new_thread(_functional(lib, lib.InMemorySaver()), lambda: "ice cream")


@workload("functional API: 100 parallel tasks, invoke")
def functional_fanout(lib: Any) -> Any:
    @lib.task
    def one(n: int) -> int:
        return n + 1

    @lib.entrypoint()
    def program(count: int) -> int:
        return sum(f.result() for f in [one(i) for i in range(count)])

    return lambda: program.invoke(100)


@workload("functional API: async entrypoint + 2 async tasks, ainvoke")
def functional_async(lib: Any) -> Any:
    @lib.task
    async def refine(topic: str) -> str:
        return topic + " and cats"

    @lib.task
    async def joke(topic: str) -> str:
        return f"This is a joke about {topic}"

    @lib.entrypoint()
    async def program(topic: str) -> str:
        return await joke(await refine(topic))

    async def run() -> Any:
        return await program.ainvoke("ice cream")

    return run


def is_async(run: Any) -> bool:
    return asyncio.iscoroutinefunction(run)
