"""Node caching: ``add_node(cache_policy=...)`` with ``compile(cache=...)``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TypedDict

import pytest

from streamgraph.cache.base import BaseCache
from streamgraph.cache.memory import InMemoryCache
from streamgraph.cache.sqlite import SqliteCache
from streamgraph.errors import GraphSetupError
from streamgraph.graph import START, StateGraph
from streamgraph.types import CachePolicy


class State(TypedDict):
    q: str


def _graph(cache: BaseCache[Any] | None, policy: CachePolicy | None, calls: list[str]) -> Any:
    def slow(state: State) -> State:
        calls.append(state["q"])
        return {"q": state["q"] + "!"}

    def after(state: State) -> State:
        return {"q": state["q"] + "?"}

    builder = StateGraph(State)
    builder.add_node("slow", slow, cache_policy=policy)
    builder.add_node("after", after)
    builder.add_edge(START, "slow")
    builder.add_edge("slow", "after")
    return builder.compile(cache=cache)


@pytest.fixture(params=["memory", "sqlite"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> BaseCache[Any]:
    if request.param == "memory":
        return InMemoryCache()
    return SqliteCache(path=str(tmp_path / "cache.sqlite"))


def test_a_cached_node_runs_once_per_input(cache: BaseCache[Any], stream: Any) -> None:
    calls: list[str] = []
    graph = _graph(cache, CachePolicy(), calls)
    first = stream(graph, {"q": "a"})
    assert first == [{"slow": {"q": "a!"}}, {"after": {"q": "a!?"}}]
    again = stream(graph, {"q": "a"})
    assert again == [
        {"slow": {"q": "a!"}, "__metadata__": {"cached": True}},
        {"after": {"q": "a!?"}},
    ]
    stream(graph, {"q": "b"})  # another input: another entry
    assert calls == ["a", "b"]


def test_cached_tasks_show_no_result_event(cache: BaseCache[Any]) -> None:
    graph = _graph(cache, CachePolicy(), [])
    graph.invoke({"q": "a"})
    tasks = [c for mode, c in graph.stream({"q": "a"}, stream_mode=["tasks"]) if mode == "tasks"]
    assert [(t["name"], "result" in t) for t in tasks] == [
        ("slow", False),  # its start only
        ("after", False),
        ("after", True),
    ]


def test_key_func_and_ttl(cache: BaseCache[Any]) -> None:
    calls: list[str] = []
    policy = CachePolicy(key_func=lambda state: state["q"].lower(), ttl=1)
    graph = _graph(cache, policy, calls)
    graph.invoke({"q": "A"})
    assert graph.invoke({"q": "a"}) == {"q": "A!?"}  # the same key: A's writes
    time.sleep(1.1)
    graph.invoke({"q": "a"})
    assert calls == ["A", "a"]


def test_clear_cache(cache: BaseCache[Any]) -> None:
    calls: list[str] = []
    graph = _graph(cache, CachePolicy(), calls)
    graph.invoke({"q": "a"})
    graph.clear_cache(["after"])  # not the cached node: nothing forgotten
    graph.invoke({"q": "a"})
    graph.clear_cache()
    graph.invoke({"q": "a"})
    assert calls == ["a", "a"]
    with pytest.raises(ValueError, match="no node named nope"):
        graph.clear_cache(["nope"])
    with pytest.raises(ValueError, match="No cache is set"):
        _graph(None, CachePolicy(), []).clear_cache()


def test_failures_are_not_cached() -> None:
    attempts: list[int] = []

    def flaky(state: State) -> State:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first time")
        return {"q": "ok"}

    builder = StateGraph(State)
    builder.add_node("flaky", flaky, cache_policy=CachePolicy())
    builder.add_edge(START, "flaky")
    graph = builder.compile(cache=InMemoryCache())
    with pytest.raises(RuntimeError):
        graph.invoke({"q": "a"})
    assert graph.invoke({"q": "a"}) == {"q": "ok"}
    assert graph.invoke({"q": "a"}) == {"q": "ok"}
    assert len(attempts) == 2


def test_node_defaults_and_no_cache() -> None:
    calls: list[str] = []
    graph = _graph(None, CachePolicy(), calls)  # a policy without a cache: runs every time
    graph.invoke({"q": "a"})
    graph.invoke({"q": "a"})
    assert calls == ["a", "a"]
    with pytest.raises(GraphSetupError, match="must be a CachePolicy"):
        StateGraph(State).add_node("x", lambda s: s, cache_policy=60)  # type: ignore[arg-type]


SCRIPT = """
import sys
from typing import TypedDict
from streamgraph.cache.sqlite import SqliteCache
from streamgraph.graph import START, StateGraph
from streamgraph.types import CachePolicy

class State(TypedDict):
    q: str

def work(state):
    print("ran")
    return {"q": state["q"] + "!"}

builder = StateGraph(State)
builder.add_node("work", work, cache_policy=CachePolicy())
builder.add_edge(START, "work")
graph = builder.compile(cache=SqliteCache(path=sys.argv[1]))
print(list(graph.stream({"q": "a"})))
"""


def test_the_sqlite_cache_outlives_the_process(tmp_path: Path) -> None:
    path = str(tmp_path / "kept.sqlite")

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, path], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run() == "ran\n[{'work': {'q': 'a!'}}]\n"
    assert run() == "[{'work': {'q': 'a!'}, '__metadata__': {'cached': True}}]\n"


def test_a_cache_hit_runs_no_node_in_events() -> None:
    import asyncio

    graph = _graph(InMemoryCache(), CachePolicy(), [])

    async def names() -> list[tuple[str, str]]:
        events = [e async for e in graph.astream_events({"q": "a"}, version="v2")]
        return [(e["event"], e["name"]) for e in events if e["event"] == "on_chain_start"]

    first, second = asyncio.run(names()), asyncio.run(names())
    assert ("on_chain_start", "slow") in first
    assert ("on_chain_start", "slow") not in second
    assert ("on_chain_start", "after") in second


def test_low_level_graphs_cache_by_node_or_graph_policy() -> None:
    from streamgraph.channels import LastValue
    from streamgraph.pregel import NodeBuilder, Pregel

    calls: list[int] = []

    def double(x: int) -> int:
        calls.append(x)
        return x * 2

    def build(**options: Any) -> Any:
        node = NodeBuilder().subscribe_only("input").do(double).write_to("output")
        if "cache_policy" not in options:
            node = node.add_cache_policy(CachePolicy())
        return Pregel(
            nodes={"double": node},
            channels={"input": LastValue(int), "output": LastValue(int)},
            input_channels="input",
            output_channels="output",
            cache=InMemoryCache(),
            **options,
        )

    for graph in (build(), build(cache_policy=CachePolicy())):
        calls.clear()
        assert graph.invoke(3) == 6
        assert graph.invoke(3) == 6
        assert calls == [3]
