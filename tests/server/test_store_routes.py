"""The server's ``/store`` routes on each storage (memory, SQLite, Postgres), through the real
``langgraph_sdk`` client and ours, and the same store injected into the graphs it runs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import httpx
import pytest

from streamgraph.graph import START, StateGraph
from streamgraph.sdk import get_client, get_sync_client
from streamgraph.store.base import BaseStore
from tests.server.conftest import ServerThread, start_server


class Note(TypedDict):
    text: str


def remember(state: Note, store: BaseStore) -> Note:
    store.put(("notes",), state["text"], {"text": state["text"]})
    return {"text": f"saved {state['text']}"}


def _note_graph() -> Any:
    builder = StateGraph(Note)
    builder.add_node(remember)
    builder.add_edge(START, "remember")
    return builder.compile()


@pytest.fixture(scope="module")
def store_pg_url() -> Iterator[str]:
    from tests.conftest import PG_ADMIN

    psycopg = pytest.importorskip("psycopg")
    name = f"streamgraph_store_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"Postgres unreachable: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    if request.param == "memory":
        storage = "memory"
    elif request.param == "sqlite":
        storage = str(tmp_path_factory.mktemp("store") / "db.sqlite")
    else:
        storage = request.getfixturevalue("store_pg_url")
    server = start_server(graphs={"notes": _note_graph()}, storage=storage)
    yield server
    server.stop()


def test_items_through_langgraphs_client(served: ServerThread) -> None:
    langgraph_sdk = pytest.importorskip("langgraph_sdk")
    space = ["lg", uuid.uuid4().hex]

    async def run() -> None:
        async with langgraph_sdk.get_client(url=served.url, api_key=None) as client:
            await client.store.put_item(space, key="a", value={"n": 1, "kind": "x"})
            await client.store.put_item([*space, "sub"], key="b", value={"n": 2, "kind": "y"})
            item = await client.store.get_item(space, key="a")
            assert (item["namespace"], item["key"], item["value"]) == (
                space,
                "a",
                {"n": 1, "kind": "x"},
            )
            assert await client.store.get_item(space, key="missing") is None
            found = await client.store.search_items(space, filter={"n": {"$gte": 2}})
            assert [i["key"] for i in found["items"]] == ["b"]
            listed = await client.store.list_namespaces(prefix=space)
            assert listed["namespaces"] == [space, [*space, "sub"]]
            assert (await client.store.list_namespaces(prefix=space, max_depth=2))[
                "namespaces"
            ] == [space]
            await client.store.delete_item(space, key="a")
            assert await client.store.get_item(space, key="a") is None

    asyncio.run(run())


def test_items_through_our_clients(served: ServerThread) -> None:
    space = ["ours", uuid.uuid4().hex]
    with get_sync_client(url=served.url, api_key=None) as client:
        client.store.put_item(space, key="k", value={"v": 1}, ttl=60)
        item = client.store.get_item(space, key="k", refresh_ttl=False)
        assert item["value"] == {"v": 1}
        assert client.store.search_items(space, limit=1)["items"][0]["key"] == "k"

    async def run() -> None:
        async with get_client(url=served.url, api_key=None) as aclient:
            await aclient.store.delete_item(space, key="k")
            assert await aclient.store.get_item(space, key="k") is None

    asyncio.run(run())


def test_graphs_get_the_servers_store(served: ServerThread) -> None:
    text = uuid.uuid4().hex
    with get_sync_client(url=served.url, api_key=None) as client:
        out = client.runs.wait(None, "notes", input={"text": text})  # a thread-less run
        assert out == {"text": f"saved {text}"}
        thread = client.threads.create()
        client.runs.wait(thread["thread_id"], "notes", input={"text": text + "2"})
        assert client.store.get_item(["notes"], key=text)["value"] == {"text": text}
        assert client.store.get_item(["notes"], key=text + "2") is not None


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("PUT", "/store/items", {"namespace": ["a.b"], "key": "k", "value": {}}, "body.namespace"),
        ("PUT", "/store/items", {"namespace": [], "key": "k", "value": {}}, "body.namespace"),
        ("PUT", "/store/items", {"namespace": ["a"], "key": "k", "value": [1]}, "body.value"),
        (
            "PUT",
            "/store/items",
            {"namespace": ["a"], "key": "k", "value": {}, "ttl": -1},
            "body.ttl",
        ),
        ("DELETE", "/store/items", {"namespace": ["langgraph"], "key": "k"}, "body.namespace"),
        ("POST", "/store/items/search", {"filter": {"n": {"$like": 1}}}, "body.filter"),
        ("POST", "/store/items/search", {"limit": 0}, "body.limit"),
        ("POST", "/store/namespaces", {"prefix": ["a.b"]}, "body.prefix"),
        ("POST", "/store/namespaces", {"max_depth": 0}, "body.max_depth"),
    ],
)
def test_bad_requests_are_named(
    served: ServerThread, method: str, path: str, body: Any, where: str
) -> None:
    response = httpx.request(method, served.url + path, json=body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(where)


def test_a_get_without_key_or_with_a_bad_namespace_is_named(served: ServerThread) -> None:
    missing = httpx.get(served.url + "/store/items", params={"namespace": "a"})
    assert (missing.status_code, missing.json()["detail"]) == (422, "query.key: required")
    empty = httpx.get(served.url + "/store/items", params={"namespace": "a..b", "key": "k"})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]


def test_the_store_routes_are_documented(served: ServerThread) -> None:
    paths = httpx.get(served.url + "/openapi.json").json()["paths"]
    assert set(paths["/store/items"]) >= {"put", "get", "delete"}
    assert "requestBody" in paths["/store/items/search"]["post"]
    assert "requestBody" in paths["/store/namespaces"]["post"]


def test_auth_handlers_scope_the_store(tmp_path: Path) -> None:
    """The auth project's store handler puts every namespace under the user's id."""
    from tests.server.test_auth import ALICE, BOB, project_auth, project_graphs

    server = start_server(graphs=project_graphs(), storage="memory", auth=project_auth())
    try:
        with (
            httpx.Client(base_url=server.url, headers=ALICE) as alice,
            httpx.Client(base_url=server.url, headers=BOB) as bob,
        ):
            put = {"namespace": ["prefs"], "key": "tea", "value": {"likes": True}}
            assert alice.put("/store/items", json=put).status_code == 204
            mine = alice.get("/store/items", params={"namespace": "prefs", "key": "tea"}).json()
            assert mine["namespace"] == ["alice", "prefs"]
            assert (
                bob.get("/store/items", params={"namespace": "prefs", "key": "tea"}).json() is None
            )
            # Bob cannot reach Alice's namespace by naming it either: his is prepended.
            theirs = bob.get("/store/items", params={"namespace": "alice.prefs", "key": "tea"})
            assert theirs.json() is None
            found = bob.post("/store/items/search", json={"namespace_prefix": []}).json()
            assert found == {"items": []}
            assert alice.post("/store/namespaces", json={}).json() == {
                "namespaces": [["alice", "prefs"]]
            }
            assert (
                httpx.get(
                    server.url + "/store/items", params={"namespace": "p", "key": "k"}
                ).status_code
                == 401
            )
    finally:
        server.stop()


GRAPH_FILE = """
from typing import TypedDict
from streamgraph.graph import START, StateGraph

class S(TypedDict):
    x: int

builder = StateGraph(S)
builder.add_node("n", lambda s: s)
builder.add_edge(START, "n")
graph = builder.compile()
"""

EMBED_FILE = """
def embed(texts):
    return [[t.count("tea") + 0.01, t.count("coffee") + 0.01] for t in texts]
"""


def _project(tmp_path: Path, store: Any) -> Path:
    import json

    (tmp_path / "graph.py").write_text(GRAPH_FILE)
    (tmp_path / "embed.py").write_text(EMBED_FILE)
    config = tmp_path / "langgraph.json"
    config.write_text(json.dumps({"graphs": {"g": "./graph.py:graph"}, "store": store}))
    return config


def test_the_config_files_store_entry_sets_search_and_ttl(tmp_path: Path) -> None:
    from streamgraph.server import create_app

    store = {
        "index": {"dims": 2, "embed": "./embed.py:embed", "fields": ["text"]},
        "ttl": {"default_ttl": 60, "refresh_on_read": False, "sweep_interval_minutes": 5},
    }
    app = create_app(config=_project(tmp_path, store), storage="memory")
    from starlette.testclient import TestClient

    with TestClient(app) as client:
        for key, text in [("c", "coffee"), ("t", "tea tea")]:
            put = {"namespace": ["m"], "key": key, "value": {"text": text}}
            assert client.put("/store/items", json=put).status_code == 204
        found = client.post("/store/items/search", json={"namespace_prefix": ["m"], "query": "tea"})
        items = found.json()["items"]
        assert [i["key"] for i in items] == ["t", "c"] and items[0]["score"] > items[1]["score"]
        store = app.state.api.store
        assert store.ttl_config["default_ttl"] == 60 and store._sweeper.is_alive()
    assert store._sweeper is None  # stopped with the server


@pytest.mark.parametrize(
    ("store", "message"),
    [
        ([], '"store" must be an object'),
        ({"cache": {}}, "unknown keys"),
        ({"index": {"dims": 0, "embed": "a:b"}}, "dims"),
        ({"index": {"dims": 2, "embed": "nocolon"}}, "embed"),
        ({"index": {"dims": 2, "embed": "./embed.py:missing"}}, "no attribute 'missing'"),
        ({"ttl": {"default_ttl": "1h"}}, "default_ttl"),
        ({"ttl": {"forever": True}}, "unknown key"),
    ],
)
def test_a_bad_store_entry_is_named(tmp_path: Path, store: Any, message: str) -> None:
    from streamgraph.server import create_app
    from streamgraph.server.graphs import ConfigError

    with pytest.raises(ConfigError, match=message):
        create_app(config=_project(tmp_path, store), storage="memory")
