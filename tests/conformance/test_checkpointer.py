"""The saver contract, run against every saver: the same calls must give the same results."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from streamgraph.checkpoint.base import Checkpoint, empty_checkpoint
from streamgraph.pregel._ids import checkpoint_id


class Calls:
    """Calls a saver's sync or async methods with the same spelling."""

    def __init__(self, saver: Any, use_async: bool) -> None:
        self.saver = saver
        self.use_async = use_async

    async def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if not self.use_async:
            result = getattr(self.saver, name)(*args, **kwargs)
            return list(result) if name == "list" else result
        if name == "list":
            return [t async for t in self.saver.alist(*args, **kwargs)]
        return await getattr(self.saver, "a" + name)(*args, **kwargs)


def run(make_saver: Any, use_async: bool, body: Any) -> None:
    async def main() -> None:
        async with make_saver() as saver:
            await body(Calls(saver, use_async))

    asyncio.run(main())


def new_thread() -> str:
    return f"thread-{uuid.uuid4().hex}"


def config(thread: str, ns: str = "", cid: str | None = None) -> dict[str, Any]:
    configurable: dict[str, Any] = {"thread_id": thread, "checkpoint_ns": ns}
    if cid is not None:
        configurable["checkpoint_id"] = cid
    return {"configurable": configurable}


def checkpoint(step: int, values: dict[str, Any]) -> Checkpoint:
    made = empty_checkpoint()
    made["id"] = checkpoint_id(step)
    made["channel_values"] = values
    made["channel_versions"] = dict.fromkeys(values, step + 2)
    return made


async def put_chain(call: Calls, thread: str, ns: str = "", steps: int = 3) -> list[str]:
    parent: str | None = None
    ids = []
    for step in range(-1, steps - 1):
        made = checkpoint(step, {"n": step, "when": ("t", step)})
        stored = await call(
            "put",
            config(thread, ns, parent),
            made,
            {
                "source": "input" if step < 0 else "loop",
                "step": step,
                "parents": {},
                "user": "u" if step % 2 else "v",
            },
            {},
        )
        assert stored == config(thread, ns, made["id"])
        parent = made["id"]
        ids.append(made["id"])
    return ids


def test_put_and_get(make_saver: Any, use_async: bool) -> None:
    async def body(call: Calls) -> None:
        thread = new_thread()
        assert await call("get_tuple", config(thread)) is None
        ids = await put_chain(call, thread)
        latest = await call("get_tuple", config(thread))
        assert latest.config == config(thread, "", ids[-1])
        assert latest.parent_config == config(thread, "", ids[-2])
        assert latest.checkpoint["channel_values"] == {"n": 1, "when": ("t", 1)}
        assert latest.metadata == {"source": "loop", "step": 1, "parents": {}, "user": "u"}
        assert latest.pending_writes == []
        first = await call("get_tuple", config(thread, "", ids[0]))
        assert first.parent_config is None and first.metadata["source"] == "input"
        assert await call("get_tuple", config(thread, "", checkpoint_id(9))) is None
        assert await call("get_tuple", config(thread, "child:1")) is None

    run(make_saver, use_async, body)


def test_list_filters_orders_and_limits(make_saver: Any, use_async: bool) -> None:
    async def body(call: Calls) -> None:
        thread = new_thread()
        ids = await put_chain(call, thread)
        child = await put_chain(call, thread, ns="child:1", steps=2)
        everything = await call("list", {"configurable": {"thread_id": thread}})
        assert [t.config["configurable"]["checkpoint_id"] for t in everything] == sorted(
            ids + child, reverse=True
        )
        root = await call("list", config(thread))
        assert [t.config["configurable"]["checkpoint_id"] for t in root] == ids[::-1]
        assert [t.metadata["step"] for t in await call("list", config(thread), limit=2)] == [1, 0]
        before = await call("list", config(thread), before=config(thread, "", ids[2]))
        assert [t.metadata["step"] for t in before] == [0, -1]
        filtered = await call("list", config(thread), filter={"source": "loop", "user": "v"})
        assert [t.metadata["step"] for t in filtered] == [0]
        assert await call("list", config(thread), filter={"source": "update"}) == []

    run(make_saver, use_async, body)


def test_pending_writes(make_saver: Any, use_async: bool) -> None:
    async def body(call: Calls) -> None:
        thread = new_thread()
        ids = await put_chain(call, thread)
        at = config(thread, "", ids[-1])
        await call("put_writes", at, [("a", 1), ("b", {"x": (1,)})], "task-1", "p|1")
        await call("put_writes", at, [("a", 2)], "task-2")
        await call("put_writes", at, [("a", 99)], "task-1")  # a task's writes are kept once
        await call("put_writes", at, [("__interrupt__", ["first"])], "task-3")
        await call("put_writes", at, [("__interrupt__", ["second"])], "task-3")  # replaced
        found = await call("get_tuple", at)
        assert found.pending_writes == [
            ("task-1", "a", 1),
            ("task-1", "b", {"x": (1,)}),
            ("task-2", "a", 2),
            ("task-3", "__interrupt__", ["second"]),
        ]
        older = await call("get_tuple", config(thread, "", ids[0]))
        assert older.pending_writes == []

    run(make_saver, use_async, body)


def test_delete_thread(make_saver: Any, use_async: bool) -> None:
    async def body(call: Calls) -> None:
        kept, deleted = new_thread(), new_thread()
        await put_chain(call, kept)
        ids = await put_chain(call, deleted)
        await call("put_writes", config(deleted, "", ids[-1]), [("a", 1)], "t")
        await call("delete_thread", deleted)
        assert await call("get_tuple", config(deleted)) is None
        assert await call("list", {"configurable": {"thread_id": deleted}}) == []
        assert await call("get_tuple", config(kept)) is not None

    run(make_saver, use_async, body)


def test_a_missing_thread_id_is_a_clear_error(make_saver: Any, use_async: bool) -> None:
    async def body(call: Calls) -> None:
        with pytest.raises(ValueError, match="thread_id"):
            await call("get_tuple", {"configurable": {}})

    run(make_saver, use_async, body)


def test_copy_thread(make_saver: Any, use_async: bool) -> None:
    async def body(call: Calls) -> None:
        source, target, other = new_thread(), new_thread(), new_thread()
        ids = await put_chain(call, source)
        child = await put_chain(call, source, ns="child:1", steps=2)
        await put_chain(call, other)
        await call("put_writes", config(source, "", ids[-1]), [("a", 1), ("b", (2,))], "t1")
        await call("put_writes", config(source, "", ids[-1]), [("a", 3)], "t2")
        await call("put_writes", config(source, "child:1", child[0]), [("c", 4)], "t3")
        await call("copy_thread", source, target)
        for ns, chain in (("", ids), ("child:1", child)):
            originals = await call("list", config(source, ns))
            copies = await call("list", config(target, ns))
            assert [t.config["configurable"]["checkpoint_id"] for t in copies] == chain[::-1]
            for original, copy in zip(originals, copies, strict=True):
                assert copy.checkpoint == original.checkpoint
                assert copy.metadata == original.metadata
                assert copy.pending_writes == original.pending_writes
                assert copy.config == config(
                    target, ns, original.config["configurable"]["checkpoint_id"]
                )
                if original.parent_config is None:
                    assert copy.parent_config is None
                else:
                    assert copy.parent_config["configurable"]["thread_id"] == target
        latest = await call("get_tuple", config(target))
        assert latest.pending_writes == [("t1", "a", 1), ("t1", "b", (2,)), ("t2", "a", 3)]
        # the copy is independent of the original
        await call("delete_thread", source)
        assert await call("get_tuple", config(target)) == latest
        assert len(await call("list", config(other))) == 3
        await call("copy_thread", new_thread(), target)  # an empty source copies nothing
        assert await call("get_tuple", config(target)) == latest

    run(make_saver, use_async, body)


def test_delete_run_checkpoints(make_saver: Any, use_async: bool) -> None:
    async def body(call: Calls) -> None:
        thread, other = new_thread(), new_thread()
        made: dict[str, list[str]] = {"run-1": [], "run-2": []}
        for step, run_id in enumerate(["run-1", "run-1", "run-2", "run-2"]):
            for ns, owner in (("", thread), ("", other), ("child:1", thread)):
                stored = checkpoint(step, {"n": step})
                await call(
                    "put",
                    config(owner, ns),
                    stored,
                    {"source": "loop", "step": step, "run_id": run_id},
                    {},
                )
                await call("put_writes", config(owner, ns, stored["id"]), [("a", step)], "t")
                if owner == thread:
                    made[run_id].append(stored["id"])
        await call("delete_run_checkpoints", thread, "run-2")
        left = await call("list", {"configurable": {"thread_id": thread}})
        assert sorted(t.config["configurable"]["checkpoint_id"] for t in left) == sorted(
            made["run-1"]
        )
        assert all(t.pending_writes == [("t", "a", t.metadata["step"])] for t in left)
        assert len(await call("list", {"configurable": {"thread_id": other}})) == 4
        # the writes of deleted checkpoints are gone: putting one back shows none
        gone = made["run-2"][0]
        await call("put", config(thread, ""), checkpoint(9, {}) | {"id": gone}, {"step": 9}, {})
        assert (await call("get_tuple", config(thread, "", gone))).pending_writes == []
        await call("delete_run_checkpoints", thread, "no-such-run")
        assert len(await call("list", {"configurable": {"thread_id": thread}})) == 5

    run(make_saver, use_async, body)
