"""``@task`` calls: when they start, what stops them, what is saved."""

from __future__ import annotations

import asyncio
import operator
import threading
import time
from typing import Annotated, Any, TypedDict

import pytest

from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.func import entrypoint, task
from streamgraph.graph import START, StateGraph
from streamgraph.types import Command, interrupt


def test_cancelling_an_async_run_cancels_its_calls() -> None:
    cancelled: list[int] = []

    @task
    async def slow(n: int) -> int:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(n)
            raise
        return n

    @entrypoint()
    async def main(count: int) -> list[int]:
        return list(await asyncio.gather(*(slow(i) for i in range(count))))

    async def scenario() -> float:
        run = asyncio.create_task(main.ainvoke(3))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 1
    assert sorted(cancelled) == [0, 1, 2]


def test_a_call_nobody_waited_for_is_saved_before_an_interrupt() -> None:
    runs: list[int] = []
    release = threading.Event()

    @task
    def background(n: int) -> int:
        release.wait(5)
        runs.append(n)
        return n

    @entrypoint(checkpointer=InMemorySaver())
    def main(n: int) -> dict[str, Any]:
        later = background(n)
        release.set()
        answer = interrupt("go on?")  # before waiting for the call
        return {"n": later.result(), "answer": answer, "runs": len(runs)}

    config = {"configurable": {"thread_id": "1"}}
    assert "__interrupt__" in main.invoke(7, config)
    assert main.invoke(Command(resume="yes"), config) == {"n": 7, "answer": "yes", "runs": 1}


def test_a_sequential_call_runs_on_its_callers_thread() -> None:
    threads: list[int] = []

    @task
    def where() -> int:
        return threading.get_ident()

    @entrypoint()
    def main(_: Any) -> None:
        threads.append(threading.get_ident())
        threads.append(where().result())

    main.invoke(1)
    assert threads[0] == threads[1]


class Numbers(TypedDict):
    seen: Annotated[list[str], operator.add]


def test_parallel_nodes_calling_tasks_get_distinct_call_ids() -> None:
    """Two nodes of one step call tasks at the same time, without a checkpointer."""
    ids: list[str] = []

    @task
    def record(name: str) -> str:
        from streamgraph.config import get_config

        ids.append(get_config()["configurable"]["checkpoint_ns"])
        return name

    def make(name: str) -> Any:
        def node(state: Numbers) -> dict[str, Any]:
            futures = [record(f"{name}{i}") for i in range(20)]
            return {"seen": [f.result() for f in futures]}

        return node

    builder = StateGraph(Numbers)
    for name in ("a", "b"):
        builder.add_node(name, make(name))
        builder.add_edge(START, name)
    builder.add_node("join", lambda state: None)
    builder.add_edge(["a", "b"], "join")
    result = builder.compile().invoke({"seen": []})
    assert len(result["seen"]) == 40
    assert len(set(ids)) == 40


def test_an_async_task_called_from_sync_code_runs() -> None:
    @task
    async def double(n: int) -> int:
        await asyncio.sleep(0)
        return n * 2

    @entrypoint()
    def main(n: int) -> int:
        return int(double(n).result())

    assert main.invoke(4) == 8


def test_calls_waited_for_with_concurrent_futures_start() -> None:
    """``wait()``/``as_completed()`` on calls nobody asked the result of yet still end."""
    from concurrent.futures import as_completed, wait

    @task
    def square(n: int) -> int:
        return n * n

    @entrypoint()
    def main(count: int) -> list[int]:
        futures = [square(i) for i in range(count)]
        wait(futures[-1:], timeout=5)
        return sorted(f.result() for f in as_completed(futures, timeout=5))

    assert main.invoke(4) == [0, 1, 4, 9]

    @entrypoint()
    def polling(n: int) -> int:
        future = square(n)
        deadline = time.monotonic() + 5
        while not future.done() and time.monotonic() < deadline:
            time.sleep(0.001)
        return int(future.result())

    assert polling.invoke(3) == 9


def test_tools_run_side_by_side_call_tasks() -> None:
    from langchain_core.messages import AIMessage
    from langchain_core.tools import tool

    from streamgraph.graph import MessagesState
    from streamgraph.prebuilt import ToolNode

    @task
    def shout(text: str) -> str:
        return text.upper()

    @tool
    def loud(text: str) -> str:
        """Say it loud."""
        return str(shout(text).result())

    calls = [{"name": "loud", "args": {"text": t}, "id": t, "type": "tool_call"} for t in "abcd"]
    builder = StateGraph(MessagesState)
    builder.add_node("tools", ToolNode([loud]))
    builder.add_edge(START, "tools")
    graph = builder.compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "1"}}
    chunks = list(graph.stream({"messages": [AIMessage("", tool_calls=calls)]}, config))
    shouted = sorted(c["shout"] for c in chunks if "shout" in c)
    assert shouted == ["A", "B", "C", "D"]
    assert [m.content for m in graph.get_state(config).values["messages"][1:]] == list("ABCD")


def test_parallel_nodes_interrupted_in_calls_resume_by_id() -> None:
    @task
    def ask(question: str) -> str:
        return str(interrupt(question))

    def node(name: str) -> Any:
        return lambda state: {"seen": [ask(f"{name}?").result()]}

    builder = StateGraph(Numbers)
    for name in ("a", "b"):
        builder.add_node(name, node(name))
        builder.add_edge(START, name)
    graph = builder.compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "1"}}
    first = graph.invoke({"seen": []}, config)
    assert sorted(i.value for i in first["__interrupt__"]) == ["a?", "b?"]
    state = graph.get_state(config)
    assert state.next == ("a", "b")
    pending = sorted((t.name, t.interrupts[0].value) for t in state.tasks)
    assert pending == [("a", "a?"), ("b", "b?")]
    with pytest.raises(RuntimeError, match="multiple pending interrupts"):
        graph.invoke(Command(resume="x"), config)
    answers = {i.id: f"yes to {i.value}" for i in state.interrupts}
    assert graph.invoke(Command(resume=answers), config) == {"seen": ["yes to a?", "yes to b?"]}


def test_caching_is_refused_with_a_clear_error() -> None:
    from streamgraph.types import CachePolicy

    with pytest.raises(NotImplementedError, match=r"@entrypoint\(cache_policy=...\)"):
        entrypoint(cache_policy=CachePolicy())
    with pytest.raises(NotImplementedError, match=r"@task\(cache_policy=...\) on 'double'"):

        @task(cache_policy=CachePolicy())
        def double(n: int) -> int:
            return n * 2
