"""A database written by LangGraph 1.2.22's savers (``langgraph-checkpoint-sqlite`` and
``-postgres``) opened by streamgraph's: its threads resume as they would have under LangGraph.

LangGraph writes two identical threads; LangGraph continues one and streamgraph the other,
with the same operations (a finished conversation taking new input, a run paused in a node by
``interrupt()`` and answered, a run stopped by ``interrupt_before`` and resumed); the state,
pending interrupts and results must match.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest

from tests.differential._normalize import Normalizer


class State(TypedDict):
    messages: Annotated[list, operator.add]
    tags: set[str]
    answer: str


def build(lib: str, saver: Any, *, stop_before: bool = False) -> Any:
    from langchain_core.messages import AIMessage, HumanMessage

    if lib == "langgraph":
        from langgraph.graph import START, StateGraph
        from langgraph.types import interrupt
    else:
        from streamgraph.graph import START, StateGraph
        from streamgraph.types import interrupt

    def greet(state: State) -> dict[str, Any]:
        count = len(state["messages"])
        return {"messages": [HumanMessage(f"hello {count}", id=f"h{count}")], "tags": {"greeted"}}

    def ask(state: State) -> dict[str, Any]:
        answer = interrupt({"question": "name?", "seen": len(state["messages"])})
        return {"messages": [AIMessage(f"hi {answer}", id=f"a{answer}")], "answer": answer}

    return (
        StateGraph(State)
        .add_node("greet", greet)
        .add_node("ask", ask)
        .add_edge(START, "greet")
        .add_edge("greet", "ask")
        .compile(checkpointer=saver, interrupt_before=["ask"] if stop_before else None)
    )


def command(lib: str, **kwargs: Any) -> Any:
    if lib == "langgraph":
        from langgraph.types import Command
    else:
        from streamgraph.types import Command
    return Command(**kwargs)


def written_by_langgraph(saver: Any, threads: list[str]) -> None:
    """Each thread: one finished run, then a run paused in ``ask`` (``interrupt()``); and a
    ``-before`` twin stopped by ``interrupt_before``."""
    graph = build("langgraph", saver)
    stopping = build("langgraph", saver, stop_before=True)
    for thread in threads:
        config = {"configurable": {"thread_id": thread}}
        graph.invoke({"messages": [], "tags": set(), "answer": ""}, config)
        graph.invoke(command("langgraph", resume="ann"), config)
        graph.invoke({"messages": []}, config)  # paused again, in ask
        before = {"configurable": {"thread_id": thread + "-before"}}
        stopping.invoke({"messages": [], "tags": set(), "answer": ""}, before)


def transcript(lib: str, saver: Any, thread: str) -> list[Any]:
    normalize = Normalizer()
    graph = build(lib, saver)
    config = {"configurable": {"thread_id": thread}}
    state = graph.get_state(config)
    out: list[Any] = [
        ("state", state.values, state.next, [i.value for i in state.interrupts]),
        ("history", [s.metadata["step"] for s in graph.get_state_history(config)]),
    ]
    out.append(("resume", list(graph.stream(command(lib, resume="bob"), config))))
    out.append(("new input", graph.invoke({"messages": []}, config)))
    out.append(("resume", graph.invoke(command(lib, resume="cy"), config)))
    state = graph.get_state(config)
    out.append(("state", state.values, state.next))
    stopping = build(lib, saver, stop_before=True)
    before = {"configurable": {"thread_id": thread + "-before"}}
    out.append(("before", stopping.get_state(before).next))
    out.append(("continue", list(stopping.stream(None, before))))
    out.append(("answered", stopping.invoke(command(lib, resume="dee"), before)))
    return normalize(out)


@contextmanager
def langgraph_sqlite(tmp_path: Path) -> Iterator[str]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = str(tmp_path / "langgraph.sqlite")
    conn = sqlite3.connect(path, check_same_thread=False)
    written_by_langgraph(SqliteSaver(conn), ["lg", "sg"])
    conn.close()
    yield path


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_langgraph_sqlite_database_resumes_under_streamgraph(tmp_path: Path) -> None:
    from langgraph.checkpoint.sqlite import SqliteSaver as LangGraphSaver

    from streamgraph.checkpoint.sqlite import SqliteSaver

    with langgraph_sqlite(tmp_path) as path:
        conn = sqlite3.connect(path, check_same_thread=False)
        expected = transcript("langgraph", LangGraphSaver(conn), "lg")
        conn.close()
        with SqliteSaver.from_conn_string(path) as saver:
            assert transcript("streamgraph", saver, "sg") == expected
            saver.delete_thread("sg")  # LangGraph's rows go too
            assert saver.get_tuple({"configurable": {"thread_id": "sg"}}) is None


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_langgraph_postgres_database_resumes_under_streamgraph(pg_url: str) -> None:
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver as LangGraphSaver

    from streamgraph.checkpoint.postgres import PostgresSaver

    schema = "lg_" + Normalizer.__name__.lower()
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.execute(f"CREATE SCHEMA {schema}")
    url = f"{pg_url}?options=-csearch_path%3D{schema}"
    try:
        with LangGraphSaver.from_conn_string(url) as theirs:
            theirs.setup()
            written_by_langgraph(theirs, ["lg", "sg"])
            expected = transcript("langgraph", theirs, "lg")
        with PostgresSaver.from_conn_string(url) as saver:
            saver.setup()
            assert transcript("streamgraph", saver, "sg") == expected
            saver.delete_thread("sg")
            assert saver.get_tuple({"configurable": {"thread_id": "sg"}}) is None
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
