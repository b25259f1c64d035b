"""The store's operations, the same on every backend (memory, SQLite, Postgres)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import pytest

from streamgraph.store.base import (
    GetOp,
    InvalidNamespaceError,
    ListNamespacesOp,
    MatchCondition,
    PutOp,
    SearchOp,
)
from tests.store.conftest import StoreFactory


def test_put_get_update_delete(make_store: StoreFactory) -> None:
    with make_store() as store:
        assert store.get(("users", "1"), "prefs") is None
        store.put(("users", "1"), "prefs", {"tea": True})
        first = store.get(("users", "1"), "prefs")
        assert first is not None
        assert (first.namespace, first.key, first.value) == (("users", "1"), "prefs", {"tea": True})
        store.put(("users", "1"), "prefs", {"tea": False})
        second = store.get(("users", "1"), "prefs")
        assert second is not None and second.value == {"tea": False}
        assert second.created_at == first.created_at and second.updated_at >= first.updated_at
        assert second.dict()["namespace"] == ["users", "1"]
        store.delete(("users", "1"), "prefs")
        assert store.get(("users", "1"), "prefs") is None
        store.delete(("users", "1"), "never-there")  # deleting nothing is fine


def test_search_prefix_filters_and_pages(make_store: StoreFactory) -> None:
    with make_store() as store:
        for i in range(5):
            store.put(("docs", "a" if i % 2 else "b"), f"k{i}", {"n": i, "tag": {"kind": "x"}})
        store.put(("docsx",), "other", {"n": 9})  # a label that only starts like the prefix
        assert [i.key for i in store.search(("docs",))] == ["k0", "k1", "k2", "k3", "k4"]
        assert [i.key for i in store.search(("docs", "a"))] == ["k1", "k3"]
        assert [i.key for i in store.search(("docs",), filter={"n": {"$gte": 3}})] == ["k3", "k4"]
        assert [i.key for i in store.search(("docs",), filter={"n": {"$ne": 0, "$lt": 2}})] == [
            "k1"
        ]
        assert len(store.search(("docs",), filter={"tag": {"kind": "x"}})) == 5
        assert store.search(("docs",), filter={"tag": {"kind": "y"}}) == []
        assert [i.key for i in store.search(("docs",), limit=2, offset=1)] == ["k1", "k2"]
        assert [i.key for i in store.search(())][-1] == "other"
        assert all(i.score is None for i in store.search(("docs",)))
        with pytest.raises(ValueError, match=r"\$like"):
            store.search(("docs",), filter={"n": {"$like": 1}})


def test_list_namespaces(make_store: StoreFactory) -> None:
    with make_store() as store:
        for ns in [("a", "b", "c"), ("a", "b", "d"), ("a", "x", "c"), ("z",)]:
            store.put(ns, "k", {})
        everything = [("a", "b", "c"), ("a", "b", "d"), ("a", "x", "c"), ("z",)]
        assert store.list_namespaces() == everything
        assert store.list_namespaces(prefix=("a", "b")) == [("a", "b", "c"), ("a", "b", "d")]
        assert store.list_namespaces(suffix=("c",)) == [("a", "b", "c"), ("a", "x", "c")]
        assert store.list_namespaces(prefix=("a", "*", "c")) == [("a", "b", "c"), ("a", "x", "c")]
        assert store.list_namespaces(max_depth=2) == [("a", "b"), ("a", "x"), ("z",)]
        assert store.list_namespaces(limit=1, offset=1) == [("a", "b", "d")]
        store.delete(("z",), "k")
        assert ("z",) not in store.list_namespaces()


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        ((), "cannot be empty"),
        (("a.b",), "periods"),
        (("a", ""), "empty strings"),
        (("langgraph",), "langgraph"),
        (("a", 1), "must be strings"),
    ],
)
def test_bad_namespaces_are_named(
    make_store: StoreFactory, namespace: tuple[str, ...], message: str
) -> None:
    with make_store() as store, pytest.raises(InvalidNamespaceError, match=message):
        store.put(namespace, "k", {})


def test_batch_runs_ops_in_order(make_store: StoreFactory) -> None:
    with make_store() as store:
        results = store.batch(
            [
                PutOp(("n",), "k", {"v": 1}),
                GetOp(("n",), "k"),
                SearchOp(("n",)),
                ListNamespacesOp(match_conditions=(MatchCondition("prefix", ("n",)),)),
                PutOp(("n",), "k", None),
                GetOp(("n",), "k"),
            ]
        )
        assert results[0] is None and results[5] is None
        assert results[1].value == {"v": 1}  # type: ignore[union-attr]
        assert [i.key for i in results[2]] == ["k"]  # type: ignore[union-attr]
        assert results[3] == [("n",)]


def test_async_methods(make_store: StoreFactory) -> None:
    async def run() -> None:
        with make_store() as store:
            await store.aput(("a",), "k", {"v": 1})
            item = await store.aget(("a",), "k")
            assert item is not None and item.value == {"v": 1}
            assert [i.key for i in await store.asearch(("a",))] == ["k"]
            assert await store.alist_namespaces() == [("a",)]
            await store.adelete(("a",), "k")
            assert await store.aget(("a",), "k") is None

    asyncio.run(run())


def test_ttl_expires_and_reads_refresh(make_store: StoreFactory) -> None:
    minute = 0.5 / 60  # half a second, in minutes
    with make_store(ttl={"default_ttl": minute, "refresh_on_read": True}) as store:
        store.put(("t",), "default", {"v": 1})
        store.put(("t",), "forever", {"v": 2}, ttl=None)
        store.put(("t",), "read", {"v": 3})
        for _ in range(4):  # each read pushes its expiry back by the TTL
            time.sleep(0.2)
            assert store.get(("t",), "read") is not None
        assert store.get(("t",), "default", refresh_ttl=False) is None
        assert [i.key for i in store.search(("t",), refresh_ttl=False)] == ["forever", "read"]
        time.sleep(0.6)
        assert [i.key for i in store.search(("t",))] == ["forever"]
        assert store.list_namespaces() == [("t",)]


def _embed(texts: Sequence[str]) -> list[list[float]]:
    """A toy embedding: how much each text is about tea, coffee and water."""
    return [[t.count(word) + 0.01 for word in ("tea", "coffee", "water")] for t in texts]


def test_vector_search_ranks_by_the_configured_fields(make_store: StoreFactory) -> None:
    index = {"dims": 3, "embed": _embed, "fields": ["text"]}
    with make_store(index=index) as store:
        store.put(("m",), "tea", {"text": "tea tea", "other": "coffee coffee coffee"})
        store.put(("m",), "coffee", {"text": "coffee"})
        store.put(("m",), "plain", {"text": "coffee"}, index=False)  # not embedded
        store.put(("m",), "other", {"text": "x", "other": "water"}, index=["other"])
        found = store.search(("m",), query="tea")
        assert [i.key for i in found] == ["tea", "coffee", "other", "plain"]
        assert found[0].score == pytest.approx(1.0, abs=0.01)
        assert found[-1].score is None
        assert store.search(("m",), query="water", limit=1)[0].key == "other"
        assert [i.key for i in store.search(("m",), query="tea", filter={"text": "coffee"})] == [
            "coffee",
            "plain",
        ]


def test_vector_search_with_an_async_embed_function(make_store: StoreFactory) -> None:
    async def embed(texts: Sequence[str]) -> list[list[float]]:
        return _embed(texts)

    async def run() -> None:
        with make_store(index={"dims": 3, "embed": embed}) as store:
            await store.aput(("m",), "a", {"text": "water"})
            await store.aput(("m",), "b", {"text": "tea"})
            found = await store.asearch(("m",), query="tea")
            assert [i.key for i in found] == ["b", "a"]

    asyncio.run(run())


def test_a_bad_index_config_is_named() -> None:
    from streamgraph.store.memory import InMemoryStore

    with pytest.raises(ValueError, match="'dims'"):
        InMemoryStore(index={"embed": _embed})  # type: ignore[typeddict-item]
    with pytest.raises(ValueError, match="'embed' must be"):
        InMemoryStore(index={"dims": 3, "embed": 42})  # type: ignore[typeddict-item]


def test_sqlite_store_outlives_its_connection(tmp_path: object) -> None:
    from streamgraph.store.sqlite import SqliteStore

    path = f"{tmp_path}/kept.sqlite"
    with SqliteStore.from_conn_string(path) as store:
        store.put(("a",), "k", {"v": 1})
    with SqliteStore.from_conn_string(path) as store:
        item = store.get(("a",), "k")
        assert item is not None and item.value == {"v": 1}


def test_stores_refuse_the_wrong_connection() -> None:
    from streamgraph.store.postgres import PostgresStore
    from streamgraph.store.sqlite import SqliteStore

    with pytest.raises(TypeError, match="sqlite3.Connection"):
        SqliteStore("file.sqlite")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="psycopg Connection"):
        PostgresStore("postgresql://x")  # type: ignore[arg-type]


def test_ensure_embeddings_wraps_functions() -> None:
    from streamgraph.store.base import Embeddings, ensure_embeddings

    async def aembed(texts: Sequence[str]) -> list[list[float]]:
        return _embed(texts)

    for given in (_embed, aembed):
        wrapped = ensure_embeddings(given)
        assert isinstance(wrapped, Embeddings)
        assert asyncio.run(wrapped.aembed_query("tea")) == _embed(["tea"])[0]  # type: ignore[attr-defined]
    plain = ensure_embeddings(_embed)
    assert plain.embed_documents(["tea", "water"]) == _embed(["tea", "water"])
    assert ensure_embeddings(plain) is plain
    with pytest.raises(ValueError, match="must be given"):
        ensure_embeddings(None)


def test_a_postgres_pool_takes_writes_from_many_threads(pg_url: str) -> None:
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    import psycopg

    from streamgraph.store.postgres import PostgresStore

    schema = f"s_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    url = f"{pg_url}?options=-csearch_path%3D{schema}"
    try:
        with PostgresStore.from_conn_string(url, pool_config={"max_size": 4}) as store:
            store.setup()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda i: store.put(("many",), f"k{i}", {"i": i}), range(40)))
            assert len(store.search(("many",), limit=100)) == 40
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
