"""The Storage contract, run against every backend: memory, SQLite and Postgres."""

from __future__ import annotations

import asyncio
import operator
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest

from streamgraph.graph import START, StateGraph
from streamgraph.server.storage.base import Conflict, Storage
from streamgraph.server.storage.memory import MemoryStorage
from streamgraph.server.storage.sqlite import SqliteStorage

TABLES = (
    "sg_assistants, sg_assistant_versions, sg_threads, sg_runs, sg_run_errors, sg_checkpoints, "
    "sg_writes"
)


@pytest.fixture(scope="module")
def postgres_storage(request: pytest.FixtureRequest) -> Iterator[Any]:
    from streamgraph.server.storage.postgres import PostgresStorage

    with PostgresStorage(request.getfixturevalue("pg_url"), max_size=4) as storage:
        yield storage


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "memory":
        yield MemoryStorage()
    elif request.param == "sqlite":
        with SqliteStorage(tmp_path / "server" / "db.sqlite") as sqlite:
            yield sqlite
    else:
        pg = request.getfixturevalue("postgres_storage")
        with pg.pool.connection() as conn:
            conn.execute(f"TRUNCATE {TABLES}")
        yield pg


def ts(n: int) -> str:
    return f"2025-01-01T00:00:{n:02d}.000000+00:00"


def uid() -> str:
    return str(uuid.uuid4())


def assistant(**fields: Any) -> dict[str, Any]:
    return {
        "assistant_id": uid(),
        "graph_id": "g",
        "config": {},
        "context": {},
        "metadata": {},
        "name": "a",
        "description": None,
    } | fields


def ids(rows: list[dict[str, Any]], key: str) -> list[str]:
    return [row[key] for row in rows]


# -- assistants --------------------------------------------------------------------------------


def test_assistant_create_get_and_conflict(storage: Storage) -> None:
    made = storage.create_assistant(
        assistant(assistant_id="a1", metadata={"k": [1, 2]}, created_at=ts(1))
    )
    assert made == {
        "assistant_id": "a1",
        "graph_id": "g",
        "config": {},
        "context": {},
        "metadata": {"k": [1, 2]},
        "name": "a",
        "description": None,
        "created_at": ts(1),
        "updated_at": ts(1),
        "version": 1,
    }
    assert storage.get_assistant("a1") == made
    with pytest.raises(Conflict):
        storage.create_assistant(assistant(assistant_id="a1"))
    assert storage.get_assistant("nope") is None
    assert storage.update_assistant("nope", {"name": "x"}) is None
    assert storage.delete_assistant("nope") is False


def test_update_assistant_merges_metadata_and_keeps_versions(storage: Storage) -> None:
    storage.create_assistant(
        assistant(
            assistant_id="a1",
            created_at=ts(1),
            name="first",
            metadata={"keep": 1, "nested": {"x": 1}, "v": "one"},
            config={"configurable": {"a": 1}},
        )
    )
    updated = storage.update_assistant(
        "a1",
        {"metadata": {"nested": {"y": 2}, "v": "two"}, "config": {"tags": ["t"]}, "version": 99},
    )
    assert updated is not None
    assert updated["metadata"] == {"keep": 1, "nested": {"y": 2}, "v": "two"}
    assert updated["config"] == {"tags": ["t"]}  # replaced, not merged
    assert updated["name"] == "first"
    assert updated["version"] == 2
    assert updated["created_at"] == ts(1) and updated["updated_at"] > ts(1)
    assert storage.get_assistant("a1") == updated
    third = storage.update_assistant("a1", {"name": "third"})
    assert third is not None and third["version"] == 3
    versions = storage.list_versions("a1", metadata=None, limit=10, offset=0)
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert [v["name"] for v in versions] == ["third", "first", "first"]
    assert versions[2]["metadata"] == {"keep": 1, "nested": {"x": 1}, "v": "one"}
    assert versions[2]["config"] == {"configurable": {"a": 1}}
    assert [
        v["version"] for v in storage.list_versions("a1", metadata={"v": "two"}, limit=10, offset=0)
    ] == [3, 2]
    assert [
        v["version"] for v in storage.list_versions("a1", metadata=None, limit=1, offset=1)
    ] == [2]
    assert storage.list_versions("nope", metadata=None, limit=10, offset=0) == []


def test_delete_assistant(storage: Storage) -> None:
    storage.create_assistant(assistant(assistant_id="a1"))
    storage.update_assistant("a1", {"name": "b"})
    assert storage.delete_assistant("a1") is True
    assert storage.get_assistant("a1") is None
    assert storage.list_versions("a1", metadata=None, limit=10, offset=0) == []
    assert storage.delete_assistant("a1") is False
    recreated = storage.create_assistant(assistant(assistant_id="a1"))
    assert recreated["version"] == 1


def test_search_assistants(storage: Storage) -> None:
    rows = [
        assistant(
            assistant_id="a1",
            graph_id="chat",
            name="Joke Teller",
            created_at=ts(3),
            metadata={"owner": {"id": 1, "team": "x"}, "created_by": "system"},
        ),
        assistant(
            assistant_id="a2",
            graph_id="chat",
            name="joker",
            created_at=ts(1),
            metadata={"owner": {"id": 2}},
        ),
        assistant(
            assistant_id="a3",
            graph_id="other",
            name="Serious",
            created_at=ts(2),
            metadata={"owner": {"id": 1}},
        ),
    ]
    for row in rows:
        storage.create_assistant(row)

    def search(**kw: Any) -> tuple[list[str], int]:
        args: dict[str, Any] = {
            "graph_id": None,
            "metadata": None,
            "name": None,
            "limit": 10,
            "offset": 0,
            "sort_by": "assistant_id",
            "sort_order": "asc",
        }
        found, total = storage.search_assistants(**(args | kw))
        return ids(found, "assistant_id"), total

    assert search() == (["a1", "a2", "a3"], 3)
    assert search(graph_id="chat") == (["a1", "a2"], 2)
    assert search(name="JOKE") == (["a1", "a2"], 2)
    assert search(name="teller") == (["a1"], 1)
    assert search(metadata={"owner": {"id": 1}}) == (["a1", "a3"], 2)
    assert search(metadata={"owner": {"id": 1, "team": "x"}}) == (["a1"], 1)
    assert search(metadata={"owner": {"id": 1}}, graph_id="other") == (["a3"], 1)
    assert search(metadata={"created_by": "nobody"}) == ([], 0)
    assert search(sort_by="created_at", sort_order="desc") == (["a1", "a3", "a2"], 3)
    assert search(sort_by="name") == (["a1", "a3", "a2"], 3)  # code point order: J < S < j
    assert search(sort_by="created_at", limit=1, offset=1) == (["a3"], 3)
    assert search(sort_by="created_at", limit=5, offset=3) == ([], 3)
    with pytest.raises(ValueError, match="'colour'"):
        search(sort_by="colour")
    with pytest.raises(ValueError, match="'sideways'"):
        search(sort_order="sideways")


# -- threads -----------------------------------------------------------------------------------


def test_thread_create_get_update_and_conflict(storage: Storage) -> None:
    made = storage.create_thread(
        {"thread_id": "t1", "created_at": ts(1), "metadata": {"a": 1, "b": {"c": 1}}}
    )
    assert made == {
        "thread_id": "t1",
        "created_at": ts(1),
        "updated_at": ts(1),
        "state_updated_at": ts(1),
        "metadata": {"a": 1, "b": {"c": 1}},
        "status": "idle",
        "config": {},
        "values": None,
        "error": None,
        "interrupts": {},
    }
    assert storage.get_thread("t1") == made
    with pytest.raises(Conflict):
        storage.create_thread({"thread_id": "t1"})
    updated = storage.update_thread(
        "t1", {"metadata": {"b": {"d": 2}, "graph_id": "g"}, "status": "busy", "values": {"n": [1]}}
    )
    assert updated is not None
    assert updated["metadata"] == {"a": 1, "b": {"d": 2}, "graph_id": "g"}
    assert updated["status"] == "busy" and updated["values"] == {"n": [1]}
    assert updated["updated_at"] > ts(1) and updated["created_at"] == ts(1)
    assert storage.get_thread("t1") == updated
    again = storage.update_thread("t1", {"values": None, "updated_at": ts(9)})
    assert again is not None and again["values"] is None and again["updated_at"] == ts(9)
    assert storage.get_thread("nope") is None
    assert storage.update_thread("nope", {"status": "idle"}) is None
    assert storage.delete_thread("nope") is False


def test_json_round_trips_exactly(storage: Storage) -> None:
    values = {
        "messages": [
            {
                "type": "human",
                "content": "héllo 🌍",
                "id": "m1",
                "additional_kwargs": {},
                "response_metadata": {},
                "name": None,
            },
            {
                "type": "ai",
                "content": [{"type": "text", "text": "x"}],
                "tool_calls": [{"name": "f", "args": {"a": 1.5}, "id": "c"}],
            },
        ],
        "floats": [0.1, 1e300, -2.5e-300, 3.0],
        "ints": [0, -1, 2**62, -(2**63)],
        "flags": [True, False, None],
        "empty": {"d": {}, "l": [], "s": ""},
        'we"ird\\ke.y': "\u0000\n\t",
    }
    storage.create_thread({"thread_id": "t1", "values": values, "metadata": {"nested": values}})
    found = storage.get_thread("t1")
    assert found is not None
    assert found["values"] == values and found["metadata"] == {"nested": values}
    assert [type(x) for x in found["values"]["floats"]] == [float] * 4
    assert [type(x) for x in found["values"]["flags"]] == [bool, bool, type(None)]
    found["values"]["floats"].append(9)  # what comes back is a copy
    assert storage.get_thread("t1")["values"] == values  # type: ignore[index]
    # rows holding NUL characters do not break searches (Postgres' jsonb refuses them)
    storage.create_thread({"thread_id": "t2", "metadata": {"x": "\u0000"}, "values": {"x": 1}})
    for metadata, values_filter, expected in [
        ({"nested": {"flags": [True, False, None]}}, None, ["t1"]),
        (None, {"x": 1}, ["t2"]),
        ({"x": "\u0000"}, None, ["t2"]),
        ({"x": "\ufffd"}, None, []),
        ({"x": "\\u0000"}, None, []),
        (None, {'we"ird\\ke.y': "\u0000\n\t"}, ["t1"]),
    ]:
        rows, total = storage.search_threads(
            ids=None,
            metadata=metadata,
            values=values_filter,
            status=None,
            limit=10,
            offset=0,
            sort_by="thread_id",
            sort_order="asc",
        )
        assert (ids(rows, "thread_id"), total) == (expected, len(expected))


def test_search_threads(storage: Storage) -> None:
    specs = [
        ("t1", "idle", ts(1), {"user": "u1", "n": 1, "tags": ["a", "b"]}, {"topic": "cats"}),
        ("t2", "busy", ts(2), {"user": "u2", "n": True, "deep": {"x": {"y": 1}}}, None),
        (
            "t3",
            "idle",
            ts(3),
            {"user": "u1", "n": 1.0, 'q"k': 1, "none": None},
            {"topic": "dogs", "messages": [{"type": "human", "content": "hi"}]},
        ),
    ]
    for thread_id, status, created, metadata, values in specs:
        storage.create_thread(
            {
                "thread_id": thread_id,
                "status": status,
                "created_at": created,
                "metadata": metadata,
                "values": values,
            }
        )

    def search(**kw: Any) -> tuple[list[str], int]:
        args: dict[str, Any] = {
            "ids": None,
            "metadata": None,
            "values": None,
            "status": None,
            "limit": 10,
            "offset": 0,
            "sort_by": "created_at",
            "sort_order": "asc",
        }
        found, total = storage.search_threads(**(args | kw))
        return ids(found, "thread_id"), total

    assert search() == (["t1", "t2", "t3"], 3)
    assert search(sort_order="desc") == (["t3", "t2", "t1"], 3)
    assert search(ids=["t3", "t1", "zz"]) == (["t1", "t3"], 2)
    assert search(ids=[]) == (["t1", "t2", "t3"], 3)
    assert search(status="idle") == (["t1", "t3"], 2)
    assert search(metadata={"user": "u1"}) == (["t1", "t3"], 2)
    assert search(metadata={"user": "u1"}, status="busy") == ([], 0)
    assert search(metadata={"n": 1}) == (["t1", "t3"], 2)  # 1 == 1.0, but True is not 1
    assert search(metadata={"n": True}) == (["t2"], 1)
    assert search(metadata={"deep": {"x": {}}}) == (["t2"], 1)
    assert search(metadata={"deep": {"x": {"y": 1}}}) == (["t2"], 1)
    assert search(metadata={"deep": {"x": {"y": 2}}}) == ([], 0)
    assert search(metadata={"none": None}) == (["t3"], 1)
    assert search(metadata={"missing": None}) == ([], 0)
    assert search(metadata={"tags": ["a", "b"]}) == (["t1"], 1)
    assert search(metadata={"tags": ["a"]}) == ([], 0)  # lists compare whole
    assert search(metadata={'q"k': 1}) == (["t3"], 1)
    assert search(values={"topic": "dogs"}) == (["t3"], 1)
    assert search(values={"messages": [{"type": "human", "content": "hi"}]}) == (["t3"], 1)
    assert search(values={"topic": "cats"}, metadata={"n": 1}) == (["t1"], 1)
    assert search(metadata={"user": "u1"}, limit=1) == (["t1"], 2)
    assert search(metadata={"tags": ["a", "b"]}, limit=1, offset=1) == ([], 1)
    assert search(sort_by="thread_id", sort_order="DESC", limit=2) == (["t3", "t2"], 3)
    with pytest.raises(ValueError, match="'name'"):
        search(sort_by="name")


def test_sort_ties_keep_insertion_order(storage: Storage) -> None:
    for thread_id in ["b", "c", "a"]:
        storage.create_thread({"thread_id": thread_id, "created_at": ts(1)})
    found, _ = storage.search_threads(
        ids=None,
        metadata=None,
        values=None,
        status=None,
        limit=10,
        offset=0,
        sort_by="created_at",
        sort_order="asc",
    )
    assert ids(found, "thread_id") == ["b", "c", "a"]
    found, _ = storage.search_threads(
        ids=None,
        metadata=None,
        values=None,
        status=None,
        limit=10,
        offset=0,
        sort_by="created_at",
        sort_order="desc",
    )
    assert ids(found, "thread_id") == ["a", "c", "b"]


# -- runs --------------------------------------------------------------------------------------


def run_row(run_id: str, thread_id: str, created: str, status: str = "pending") -> dict[str, Any]:
    return {
        "run_id": run_id,
        "thread_id": thread_id,
        "assistant_id": "a",
        "created_at": created,
        "status": status,
        "metadata": {"m": 1},
        "kwargs": {"input": {"x": [1]}},
        "multitask_strategy": "enqueue",
    }


def test_runs(storage: Storage) -> None:
    made = storage.create_run(run_row("r1", "t1", ts(1)))
    assert made == run_row("r1", "t1", ts(1)) | {"updated_at": ts(1)}
    assert storage.get_run("r1") == made
    with pytest.raises(Conflict):
        storage.create_run(run_row("r1", "t2", ts(2)))
    storage.create_run(run_row("r2", "t1", ts(2), "running"))
    storage.create_run(run_row("r3", "t2", ts(3), "pending"))
    storage.create_run(run_row("r4", "t1", ts(4), "success"))
    updated = storage.update_run("r1", {"status": "running", "metadata": {"n": 2}})
    assert updated is not None
    assert updated["status"] == "running" and updated["metadata"] == {"n": 2}  # replaced
    assert updated["kwargs"] == {"input": {"x": [1]}} and updated["updated_at"] > ts(1)
    assert storage.get_run("r1") == updated
    listed = storage.list_runs("t1", status=None, limit=10, offset=0)
    assert ids(listed, "run_id") == ["r4", "r2", "r1"]
    assert ids(storage.list_runs("t1", status="running", limit=10, offset=0), "run_id") == [
        "r2",
        "r1",
    ]
    assert ids(storage.list_runs("t1", status=None, limit=1, offset=1), "run_id") == ["r2"]
    assert storage.list_runs("nope", status=None, limit=10, offset=0) == []
    assert ids(storage.runs_with_status(("pending", "running")), "run_id") == ["r1", "r2", "r3"]
    assert storage.runs_with_status(()) == []
    assert storage.delete_run("r2") is True
    assert storage.delete_run("r2") is False
    assert storage.get_run("r2") is None
    assert storage.update_run("r2", {"status": "error"}) is None


def test_a_run_finishes_once(storage: Storage) -> None:
    storage.create_run(run_row("r1", "t1", ts(1), "running"))
    storage.create_run(run_row("r2", "t1", ts(2), "pending"))
    failure = {"error": "ValueError", "message": "boom \u0000 nul"}
    assert storage.finish_run("r1", "error", failure) is True
    assert storage.finish_run("r1", "success", None) is False  # ended already: unchanged
    assert storage.get_run("r1")["status"] == "error"  # type: ignore[index]
    assert storage.run_error("r1") == failure
    assert storage.finish_run("r2", "interrupted", None) is True
    assert storage.run_error("r2") is None
    assert storage.finish_run("gone", "success", None) is False
    storage.delete_run("r1")
    assert storage.run_error("r1") is None


# -- with checkpoints --------------------------------------------------------------------------


class S(TypedDict):
    log: Annotated[list[str], operator.add]


def build(checkpointer: Any) -> Any:
    def a(state: S) -> dict[str, Any]:
        return {"log": ["a"]}

    def b(state: S) -> dict[str, Any]:
        return {"log": ["b"]}

    return (
        StateGraph(S).add_sequence([a, b]).add_edge(START, "a").compile(checkpointer=checkpointer)
    )


def cfg(thread_id: str, run_id: str | None = None) -> dict[str, Any]:
    configurable = {"thread_id": thread_id} | ({"run_id": run_id} if run_id else {})
    return {"configurable": configurable}


def test_delete_thread_deletes_runs_and_checkpoints(storage: Storage) -> None:
    graph = build(storage.checkpointer)
    for thread_id in ("t1", "t2"):
        storage.create_thread({"thread_id": thread_id})
        storage.create_run(run_row(f"r-{thread_id}", thread_id, ts(1)))
        graph.invoke({"log": ["x"]}, cfg(thread_id))
    assert storage.delete_thread("t1") is True
    assert storage.get_thread("t1") is None
    assert storage.get_run("r-t1") is None
    assert graph.get_state(cfg("t1")).values == {}
    assert list(storage.checkpointer.list(cfg("t1"))) == []
    assert storage.get_run("r-t2") is not None
    assert graph.get_state(cfg("t2")).values == {"log": ["x", "a", "b"]}


def test_copy_thread_copies_row_and_checkpoints(storage: Storage) -> None:
    graph = build(storage.checkpointer)
    storage.create_thread(
        {"thread_id": "t1", "created_at": ts(1), "metadata": {"g": 1}, "status": "busy"}
    )
    graph.invoke({"log": ["x"]}, cfg("t1"))
    storage.update_thread("t1", {"values": {"log": ["x", "a", "b"]}})
    copy = storage.copy_thread("t1", "t2", ts(5))
    original = storage.get_thread("t1")
    assert original is not None and copy is not None
    assert copy == original | {
        "thread_id": "t2",
        "created_at": ts(5),
        "updated_at": ts(5),
        "status": "idle",
    }
    assert storage.get_thread("t2") == copy
    assert graph.get_state(cfg("t2")).values == graph.get_state(cfg("t1")).values
    history = [
        s.config["configurable"]["checkpoint_id"] for s in graph.get_state_history(cfg("t1"))
    ]
    assert [
        s.config["configurable"]["checkpoint_id"] for s in graph.get_state_history(cfg("t2"))
    ] == history
    graph.invoke({"log": ["y"]}, cfg("t2"))  # the copy goes its own way
    assert graph.get_state(cfg("t1")).values == {"log": ["x", "a", "b"]}
    assert graph.get_state(cfg("t2")).values["log"][-3:] == ["y", "a", "b"]
    assert storage.copy_thread("nope", "t3", ts(5)) is None
    with pytest.raises(Conflict):
        storage.copy_thread("t1", "t2", ts(6))


def test_delete_run_checkpoints_rolls_back_a_run(storage: Storage) -> None:
    graph = build(storage.checkpointer)
    graph.invoke({"log": ["one"]}, cfg("t1", "run-1"))
    graph.invoke({"log": ["two"]}, cfg("t1", "run-2"))
    assert graph.get_state(cfg("t1")).values["log"] == ["one", "a", "b", "two", "a", "b"]
    storage.delete_run_checkpoints("t1", "run-2")
    assert graph.get_state(cfg("t1")).values["log"] == ["one", "a", "b"]
    assert {s.metadata["run_id"] for s in graph.get_state_history(cfg("t1"))} == {"run-1"}


def test_checkpointer_works_with_the_async_api(storage: Storage) -> None:
    graph = build(storage.checkpointer)

    async def main() -> Any:
        await graph.ainvoke({"log": ["x"]}, cfg("t1"))
        await graph.ainvoke({"log": ["y"]}, cfg("t1"))
        return (await graph.aget_state(cfg("t1"))).values

    assert asyncio.run(main()) == {"log": ["x", "a", "b", "y", "a", "b"]}


def test_safe_to_share_between_threads(storage: Storage) -> None:
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            storage.create_thread({"thread_id": f"t{index}"})
            for n in range(5):
                storage.create_run(run_row(f"r{index}-{n}", f"t{index}", ts(n)))
                storage.update_thread(f"t{index}", {"metadata": {str(n): n}})
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert errors == []
    for index in range(6):
        assert len(storage.list_runs(f"t{index}", status=None, limit=10, offset=0)) == 5
        thread_row = storage.get_thread(f"t{index}")
        assert thread_row is not None
        assert thread_row["metadata"] == {str(n): n for n in range(5)}


# -- backend specifics -------------------------------------------------------------------------


def test_sqlite_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with SqliteStorage(path) as storage:
        storage.create_assistant(assistant(assistant_id="a1"))
        storage.update_assistant("a1", {"name": "renamed"})
        storage.create_thread({"thread_id": "t1", "metadata": {"k": "v"}})
        storage.create_run(run_row("r1", "t1", ts(1)))
        build(storage.checkpointer).invoke({"log": ["x"]}, cfg("t1"))
    with SqliteStorage(path) as storage:  # migrations run again: nothing to do
        found = storage.get_assistant("a1")
        assert found is not None and found["name"] == "renamed" and found["version"] == 2
        assert len(storage.list_versions("a1", metadata=None, limit=10, offset=0)) == 2
        assert storage.get_thread("t1")["metadata"] == {"k": "v"}  # type: ignore[index]
        assert ids(storage.runs_with_status(("pending",)), "run_id") == ["r1"]
        graph = build(storage.checkpointer)
        assert graph.get_state(cfg("t1")).values == {"log": ["x", "a", "b"]}
        assert graph.invoke({"log": ["y"]}, cfg("t1"))["log"] == ["x", "a", "b", "y", "a", "b"]


# -- auth filters (what a custom auth handler lets a request see) -------------------------------


def test_searches_apply_an_auth_filter_before_paging(storage: Storage) -> None:
    from streamgraph.server.filters import MetadataFilter

    owners = ["alice", "bob", "alice", "carol", "alice", "bob"]
    for n, owner in enumerate(owners):
        tags = ["x", "y"] if n % 2 else ["y"]
        metadata = {"owner": owner, "tags": tags, "n": n}
        storage.create_thread({"thread_id": f"t{n}", "created_at": ts(n), "metadata": metadata})
        storage.create_assistant(
            assistant(assistant_id=f"a{n}", created_at=ts(n), metadata=metadata)
        )

    def threads(spec: dict[str, Any], **kw: Any) -> tuple[list[str], int]:
        args: dict[str, Any] = {
            "ids": None,
            "metadata": None,
            "values": None,
            "status": None,
            "limit": 2,
            "offset": 0,
            "sort_by": "created_at",
            "sort_order": "asc",
        }
        found, total = storage.search_threads(**(args | kw), auth_filter=MetadataFilter(spec))
        return ids(found, "thread_id"), total

    def assistants(spec: dict[str, Any], **kw: Any) -> tuple[list[str], int]:
        args: dict[str, Any] = {
            "graph_id": None,
            "metadata": None,
            "name": None,
            "limit": 2,
            "offset": 0,
            "sort_by": "created_at",
            "sort_order": "asc",
        }
        found, total = storage.search_assistants(**(args | kw), auth_filter=MetadataFilter(spec))
        return ids(found, "assistant_id"), total

    # Exact in SQL (equality), then filters only Python can state ($contains, $or): the
    # page and the total are of the rows the filter lets through, whatever the backend.
    assert threads({"owner": "alice"}) == (["t0", "t2"], 3)
    assert threads({"owner": "alice"}, offset=2) == (["t4"], 3)
    assert threads({"owner": {"$eq": "bob"}}, limit=10) == (["t1", "t5"], 2)
    assert threads({"tags": {"$contains": "x"}}, limit=10) == (["t1", "t3", "t5"], 3)
    assert threads({"tags": {"$contains": ["x", "y"]}, "owner": "bob"}, limit=10) == (
        ["t1", "t5"],
        2,
    )
    assert threads({"$or": [{"owner": "carol"}, {"n": 0}]}, limit=10) == (["t0", "t3"], 2)
    # ... and with the request's own filters (a user's metadata filter cannot widen it).
    assert threads({"owner": "alice"}, metadata={"owner": "bob"}) == ([], 0)
    assert threads({"owner": "alice"}, metadata={"n": 2}) == (["t2"], 1)
    assert assistants({"owner": "alice"}) == (["a0", "a2"], 3)
    assert assistants({"tags": {"$contains": "x"}}, limit=10) == (["a1", "a3", "a5"], 3)
    assert assistants({"$and": [{"owner": "bob"}, {"n": 5}]}) == (["a5"], 1)
