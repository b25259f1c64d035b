"""Incremental checkpoints, on every saver: a step stores what it changed, whatever the size
of the state it did not touch; forks of a thread keep their own values; nothing is lost when
a checkpoint has no stored parent."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

import pytest

from streamgraph.graph import END, START, StateGraph
from tests.conformance.test_checkpointer import Calls, checkpoint, config, new_thread, run


class Counting:
    """Wraps a saver's serializer and counts the bytes it produces (what the saver stores)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.produced = 0

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        kind, data = self.inner.dumps_typed(obj)
        self.produced += len(data)
        return kind, data

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self.inner.loads_typed(data)


class State(TypedDict):
    big: str
    n: int


def counter_graph(saver: Any) -> Any:
    def step(state: State) -> dict[str, int]:
        return {"n": state["n"] + 1}

    def again(state: State) -> str:
        return END if state["n"] % 5 == 0 else "step"

    return (
        StateGraph(State)
        .add_node("step", step)
        .add_edge(START, "step")
        .add_conditional_edges("step", again)
        .compile(checkpointer=saver)
    )


async def _run(graph: Any, use_async: bool, input: Any, cfg: dict[str, Any]) -> Any:
    if use_async:
        return await graph.ainvoke(input, cfg, durability="sync")
    return await asyncio.to_thread(graph.invoke, input, cfg, durability="sync")


def bytes_of_a_second_run(make_saver: Any, use_async: bool, size: int) -> int:
    """Bytes stored by a 5-step run on a thread whose state holds ``size`` untouched bytes."""

    async def main() -> int:
        async with make_saver() as saver:
            saver.serde = counting = Counting(saver.serde)
            graph = counter_graph(saver)
            cfg = {"configurable": {"thread_id": new_thread()}}
            await _run(graph, use_async, {"big": "x" * size, "n": 0}, cfg)
            assert counting.produced > size  # the big value was stored once
            counting.produced = 0
            result = await _run(graph, use_async, {"n": 0}, cfg)
            assert result == {"big": "x" * size, "n": 5}
            state = await asyncio.to_thread(graph.get_state, cfg)
            assert state.values == {"big": "x" * size, "n": 5}
            history = await asyncio.to_thread(lambda: list(graph.get_state_history(cfg)))
            assert all(s.values.get("big") == "x" * size for s in history if s.values)
            return counting.produced

    return asyncio.run(main())


def test_a_step_stores_what_it_changed_whatever_the_untouched_state(
    make_saver: Any, use_async: bool
) -> None:
    small = bytes_of_a_second_run(make_saver, use_async, 1_000)
    large = bytes_of_a_second_run(make_saver, use_async, 1_000_000)
    assert small == large
    assert large < 10_000  # 7 checkpoints and their writes, none holding the big value


def test_forks_keep_their_own_values(make_saver: Any, use_async: bool) -> None:
    """Two children of one checkpoint write different values under the same version."""

    async def body(call: Calls) -> None:
        thread = new_thread()
        root = checkpoint(0, {"a": "root", "b": "kept"})
        await call("put", config(thread), root, {"step": 0}, {"a": 2, "b": 2})
        children = []
        for branch in ("left", "right"):
            child = checkpoint(1, {"a": branch, "b": "kept"})
            child["channel_versions"] = {"a": 3, "b": 2}
            await call("put", config(thread, "", root["id"]), child, {"step": 1}, {"a": 3})
            children.append(child["id"])
        for branch, child_id in zip(("left", "right"), children, strict=True):
            found = await call("get_tuple", config(thread, "", child_id))
            assert found.checkpoint["channel_values"] == {"a": branch, "b": "kept"}
        found = await call("get_tuple", config(thread, "", root["id"]))
        assert found.checkpoint["channel_values"] == {"a": "root", "b": "kept"}

    run(make_saver, use_async, body)


def test_values_are_stored_when_new_versions_omits_them(make_saver: Any, use_async: bool) -> None:
    """A checkpoint whose parent is missing, or whose caller passed no ``new_versions``,
    still keeps every value."""

    async def body(call: Calls) -> None:
        thread = new_thread()
        first = checkpoint(0, {"a": 1, "b": 2})
        await call("put", config(thread, "", "no-such-parent"), first, {}, {})
        second = checkpoint(1, {"a": 1, "b": 3})
        second["channel_versions"] = dict(first["channel_versions"])
        second["channel_versions"]["b"] += 1
        await call("put", config(thread, "", first["id"]), second, {}, {})
        found = await call("get_tuple", config(thread))
        assert found.checkpoint["channel_values"] == {"a": 1, "b": 3}
        found = await call("get_tuple", config(thread, "", first["id"]))
        assert found.checkpoint["channel_values"] == {"a": 1, "b": 2}

    run(make_saver, use_async, body)


@pytest.mark.parametrize("durability", ["exit", "async"])
def test_a_run_saved_at_exit_keeps_every_value(
    make_saver: Any, use_async: bool, durability: str
) -> None:
    async def main() -> None:
        async with make_saver() as saver:
            graph = counter_graph(saver)
            cfg = {"configurable": {"thread_id": new_thread()}}
            if use_async:
                await graph.ainvoke({"big": "b", "n": 0}, cfg, durability=durability)
                await graph.ainvoke({"n": 7}, cfg, durability=durability)
            else:
                for input in ({"big": "b", "n": 0}, {"n": 7}):
                    await asyncio.to_thread(graph.invoke, input, cfg, durability=durability)
            state = await asyncio.to_thread(graph.get_state, cfg)
            assert state.values == {"big": "b", "n": 10}

    asyncio.run(main())


class Items(TypedDict):
    items: Annotated[list, operator.add]
    n: int


def appending_graph(saver: Any) -> Any:
    def step(state: Items) -> dict[str, Any]:
        return {"items": [state["n"]], "n": state["n"] + 1}

    def again(state: Items) -> str:
        return END if state["n"] % 5 == 0 else "step"

    return (
        StateGraph(Items)
        .add_node("step", step)
        .add_edge(START, "step")
        .add_conditional_edges("step", again)
        .compile(checkpointer=saver)
    )


def bytes_of_appending_runs(make_saver: Any, use_async: bool, size: int) -> int:
    """Bytes stored by two 5-step runs, each appending one item a step, on a thread whose
    list already holds ``size`` items."""

    async def main() -> int:
        async with make_saver() as saver:
            saver.serde = counting = Counting(saver.serde)
            graph = appending_graph(saver)
            cfg = {"configurable": {"thread_id": new_thread()}}
            await _run(graph, use_async, {"items": list(range(size)), "n": 0}, cfg)
            counting.produced = 0
            await _run(graph, use_async, {"n": 0}, cfg)
            await _run(graph, use_async, {"n": 5}, cfg)
            produced = counting.produced
            expected = [*range(size), 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
            state = await asyncio.to_thread(graph.get_state, cfg)
            assert state.values == {"items": expected, "n": 10}
            history = await asyncio.to_thread(lambda: list(graph.get_state_history(cfg)))
            lengths = [len(s.values["items"]) for s in history if s.values]
            assert lengths == sorted(lengths, reverse=True)
            assert lengths[0] == size + 15
            return produced

    return asyncio.run(main())


def test_a_list_that_grows_stores_only_its_new_items(make_saver: Any, use_async: bool) -> None:
    small = bytes_of_appending_runs(make_saver, use_async, 1_000)
    large = bytes_of_appending_runs(make_saver, use_async, 100_000)
    assert small == large
    assert large < 20_000


def test_a_list_stored_in_parts_reads_back_whole_at_every_checkpoint(
    make_saver: Any, use_async: bool
) -> None:
    """More steps than a value may have parts: each checkpoint reads back its own list."""

    async def main() -> None:
        async with make_saver() as saver:
            graph = appending_graph(saver)
            cfg = {"configurable": {"thread_id": new_thread()}}
            for start in range(0, 50, 5):
                await _run(
                    graph, use_async, {"items": ["x"] if start == 0 else [], "n": start}, cfg
                )
            history = await asyncio.to_thread(lambda: list(graph.get_state_history(cfg)))
            for snapshot in history:
                values = snapshot.values
                if values and snapshot.metadata["source"] == "loop":
                    assert values["items"][0] == "x"
                    assert len(values["items"]) == values["n"] + 1
                    assert values["items"][-1] == (values["n"] - 1 if values["n"] else "x")
            forked = await asyncio.to_thread(graph.invoke, {"n": 0}, history[20].config)
            assert (
                forked["items"][: len(history[20].values["items"])] == history[20].values["items"]
            )

    asyncio.run(main())


def test_a_list_changed_in_place_before_it_grows_is_stored_whole(
    make_saver: Any, use_async: bool
) -> None:
    """A node that appends to its state's list in place (bad practice, but seen) and then
    returns more items: what is stored is the list the run goes on with."""

    def step(state: Items) -> dict[str, Any]:
        state["items"].append("in place")
        return {"items": [state["n"]], "n": state["n"] + 1}

    def again(state: Items) -> str:
        return END if state["n"] >= 3 else "step"

    async def main() -> None:
        async with make_saver() as saver:
            graph = (
                StateGraph(Items)
                .add_node("step", step)
                .add_edge(START, "step")
                .add_conditional_edges("step", again)
                .compile(checkpointer=saver)
            )
            cfg = {"configurable": {"thread_id": new_thread()}}
            result = await _run(graph, use_async, {"items": ["first"], "n": 0}, cfg)
            state = await asyncio.to_thread(graph.get_state, cfg)
            assert state.values == result

    asyncio.run(main())
