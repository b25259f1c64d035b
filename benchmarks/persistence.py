"""Big state and long threads: what savers cost when state grows and threads get long.

Time rows (same harness as the main table, each library's own savers):

- a 100k-item list that grows by one item at each of 10 steps;
- a 10 MB string that no step touches, over 10 steps;
  each on the in-memory, SQLite and Postgres savers, a new thread per run;
- ``get_state`` and ``get_state_history(limit=10)`` on threads of 1k and 10k checkpoints
  (SQLite, Postgres);
- 1M custom events from one node, ``stream(custom)`` (in a fresh interpreter per library,
  which also reports the peak memory of a second, traced run).

Memory row: what an ``InMemorySaver`` holds for a thread of 10k checkpoints (tracemalloc).

Postgres rows need the server of the tests (``STREAMGRAPH_PG_ADMIN``, default
``postgresql://postgres@127.0.0.1:5432/postgres``): a database is created for the run and
dropped after it; without a server, those rows are left out.
"""

from __future__ import annotations

import gc
import importlib
import itertools
import json
import operator
import os
import sqlite3
import subprocess
import sys
import tempfile
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated, Any, TypedDict

PG_ADMIN = os.environ.get("STREAMGRAPH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


class Items(TypedDict):
    items: Annotated[list, operator.add]
    n: int


class Text(TypedDict):
    text: str
    n: int


class Count(TypedDict):
    n: int


def _loop_graph(lib: Any, schema: Any, steps: int, saver: Any, grows: bool = False) -> Any:
    def step(state: Any) -> dict[str, Any]:
        update: dict[str, Any] = {"n": state["n"] + 1}
        if grows:
            update["items"] = [state["n"]]
        return update

    def again(state: Any) -> str:
        return lib.END if state["n"] >= steps else "step"

    return (
        lib.StateGraph(schema)
        .add_node("step", step)
        .add_edge(lib.START, "step")
        .add_conditional_edges("step", again)
        .compile(checkpointer=saver)
    )


class Savers:
    """Each library's savers for the benchmark (closed by ``close``)."""

    def __init__(self, pg_url: str | None) -> None:
        self.pg_url = pg_url
        self.stack = ExitStack()

    def memory(self, lib: Any) -> Any:
        return lib.InMemorySaver()

    def sqlite(self, lib: Any) -> Any:
        path = os.path.join(tempfile.mkdtemp(prefix=f"bench-{lib.name}-"), "checkpoints.db")
        return lib.SqliteSaver(sqlite3.connect(path, check_same_thread=False))

    def postgres(self, lib: Any) -> Any:
        assert self.pg_url is not None
        module = importlib.import_module(f"{lib.name}.checkpoint.postgres")
        saver = self.stack.enter_context(module.PostgresSaver.from_conn_string(self.pg_url))
        saver.setup()
        return saver

    def kinds(self) -> list[str]:
        return ["memory", "sqlite", "postgres"] if self.pg_url else ["memory", "sqlite"]

    def make(self, kind: str, lib: Any) -> Any:
        return getattr(self, kind)(lib)

    def close(self) -> None:
        self.stack.close()


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh database for the benchmark (its URL), or ``None`` without a server."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as error:  # no driver, no server: no Postgres rows
        print(f"(no Postgres at {PG_ADMIN}: {error}; Postgres rows left out)")
        yield None
        return
    name = f"streamgraph_bench_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _new_thread_runs(graph: Any, make_input: Callable[[], Any]) -> Callable[[], Any]:
    counter = itertools.count()
    prefix = uuid.uuid4().hex[:8]
    return lambda: graph.invoke(
        make_input(),
        {"configurable": {"thread_id": f"{prefix}-{next(counter)}"}, "recursion_limit": 100},
    )


def growing_list(savers: Savers, kind: str) -> Callable[[Any], Any]:
    def workload(lib: Any) -> Any:
        graph = _loop_graph(lib, Items, 10, savers.make(kind, lib), grows=True)
        start = list(range(100_000))
        return _new_thread_runs(graph, lambda: {"items": start, "n": 0})

    return workload


def unchanged_string(savers: Savers, kind: str) -> Callable[[Any], Any]:
    def workload(lib: Any) -> Any:
        graph = _loop_graph(lib, Text, 10, savers.make(kind, lib))
        text = "x" * 10_000_000
        return _new_thread_runs(graph, lambda: {"text": text, "n": 0})

    return workload


def long_thread(lib: Any, saver: Any, checkpoints: int) -> tuple[Any, dict[str, Any]]:
    """A graph and the config of a thread of about ``checkpoints`` checkpoints, grown by
    storing copies of a real checkpoint (running that many steps would take minutes)."""
    graph = _loop_graph(lib, Count, 3, saver)
    config = {"configurable": {"thread_id": f"long-{uuid.uuid4().hex[:8]}"}}
    graph.invoke({"n": 0}, config)
    latest = saver.get_tuple(config)
    parent = latest.config
    ids = _id_maker(lib)
    for step in range(checkpoints - 6):
        checkpoint = dict(latest.checkpoint)
        checkpoint["id"] = ids(step)
        checkpoint["channel_values"] = {**checkpoint["channel_values"], "n": step}
        versions = dict(checkpoint["channel_versions"])
        version = saver.get_next_version(versions.get("n"), None)
        versions["n"] = version
        checkpoint["channel_versions"] = versions
        metadata = {**latest.metadata, "step": step + 4}
        parent = saver.put(parent, checkpoint, metadata, {"n": version})
    return graph, {"configurable": {"thread_id": config["configurable"]["thread_id"]}}


def _id_maker(lib: Any) -> Callable[[int], str]:
    if lib.name == "streamgraph":
        from streamgraph.pregel._ids import checkpoint_id

        return checkpoint_id
    from langgraph.checkpoint.base.id import uuid6

    return lambda step: str(uuid6(clock_seq=step + 4))


def state_reads(savers: Savers, kind: str, checkpoints: int, history: bool) -> Any:
    def workload(lib: Any) -> Any:
        graph, config = long_thread(lib, savers.make(kind, lib), checkpoints)
        if history:
            return lambda: list(graph.get_state_history(config, limit=10))
        return lambda: graph.get_state(config)

    return workload


def time_workloads(savers: Savers) -> dict[str, Callable[[Any], Any]]:
    """The time rows, by name, in table order."""
    rows: dict[str, Callable[[Any], Any]] = {}
    names = {"memory": "InMemorySaver", "sqlite": "SQLite", "postgres": "Postgres"}
    for kind in savers.kinds():
        rows[f"100k-item list growing over 10 steps, {names[kind]}"] = growing_list(savers, kind)
    for kind in savers.kinds():
        rows[f"10 MB string unchanged over 10 steps, {names[kind]}"] = unchanged_string(
            savers, kind
        )
    for kind in savers.kinds()[1:]:
        for size in (1_000, 10_000):
            label = f"{size // 1000}k-checkpoint thread, {names[kind]}"
            rows[f"get_state, {label}"] = state_reads(savers, kind, size, history=False)
            rows[f"get_state_history(limit=10), {label}"] = state_reads(
                savers, kind, size, history=True
            )
    return rows


# -- memory ------------------------------------------------------------------------------------


def in_memory_saver_bytes(lib: Any, checkpoints: int = 10_000) -> int:
    """Bytes an ``InMemorySaver`` holds for a thread of ``checkpoints`` checkpoints, made by
    running a graph (each run: an input checkpoint and 21 steps)."""
    saver = lib.InMemorySaver()
    graph = _loop_graph(lib, Count, 20, saver)
    config = {"configurable": {"thread_id": "long"}, "recursion_limit": 100}
    graph.invoke({"n": 0}, config)  # warm up: imports, caches
    saver.delete_thread("long")
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(checkpoints // 22):
        graph.invoke({"n": 0}, config)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(list(saver.list({"configurable": {"thread_id": "long"}}))) >= checkpoints - 22
    return held


# -- 1M custom events, each library in a fresh interpreter -------------------------------------

EVENTS = 1_000_000
_CUSTOM_SCRIPT = """
import json, sys, time, tracemalloc
from typing import TypedDict
from benchmarks.workloads import load

lib = load(sys.argv[1])
count_to = [1_000]

class S(TypedDict):
    n: int

def writer_node(state):
    write = lib.get_stream_writer()
    for i in range(count_to[0]):
        write(i)
    return {"n": 1}

graph = lib.StateGraph(S).add_node(writer_node).add_edge(lib.START, "writer_node").compile()
sum(1 for _ in graph.stream({"n": 0}, stream_mode="custom"))  # warm up
count_to[0] = int(sys.argv[2])
start = time.perf_counter()
count = sum(1 for _ in graph.stream({"n": 0}, stream_mode="custom"))
elapsed = time.perf_counter() - start
assert count == count_to[0], count
tracemalloc.start()  # a second run, traced (slower): the most it held at once
before = tracemalloc.get_traced_memory()[0]
sum(1 for _ in graph.stream({"n": 0}, stream_mode="custom"))
peak = tracemalloc.get_traced_memory()[1] - before
print(json.dumps({"seconds": elapsed, "peak_bytes": peak}))
"""


def custom_events(lib_name: str, events: int = EVENTS) -> dict[str, float]:
    """Time of one run, and the most memory (traced by ``tracemalloc``) a second run held
    at once above what the process held before it."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-c", _CUSTOM_SCRIPT, lib_name, str(events)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


if __name__ == "__main__":  # python -m benchmarks.persistence [--quick]: these rows only
    from benchmarks.__main__ import persistence_rows
    from benchmarks.workloads import load

    quick = "--quick" in sys.argv
    loaded = {"streamgraph": load("streamgraph"), "langgraph": load("langgraph")}
    persistence_rows(loaded, 3 if quick else 7, 0.05 if quick else 0.2)
