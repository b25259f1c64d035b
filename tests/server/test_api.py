"""The API's edges: bad input never gets a 500, API keys, the OpenAPI document, state and
history through the SDK, and state that survives a restart (SQLite and Postgres)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client, get_sync_client
from langgraph_sdk.errors import ConflictError, NotFoundError

from streamgraph.server.routing import ENDPOINTS
from tests.server.conftest import start_server

pytestmark = pytest.mark.timeout(60)

SOME_UUID = "00000000-0000-4000-8000-000000000000"
BAD_BODIES: list[Any] = [
    b"{not json",
    b"[]",
    b'"text"',
    b"12",
    b"null",
    b"[1, {}]",
    b'{"assistant_id": 5, "limit": "x", "thread_id": "nope", '
    b'"stream_mode": "bogus", "graph_id": [], "metadata": 3, '
    b'"checkpoint": 7, "values": 1, "thread_ids": "x", "config": []}',
    # each field well-formed on the outside, wrong inside
    b'{"assistant_id": "joke", "graph_id": "joke", "thread_ids": ["nope"], "ids": [1], '
    b'"run_ids": ["nope"], "stream_mode": ["values", 3], "config": {"recursion_limit": 0, '
    b'"tags": "x"}, "command": {"goto": [{"input": 1}, 5]}, "checkpoint": {"checkpoint_id": 5}, '
    b'"supersteps": [1, {"updates": 3}], "before": 5, "version": 0, "limit": 5000, '
    b'"offset": -1, "after_seconds": -1, "interrupt_before": "some", "sort_by": "x", '
    b'"if_exists": "maybe", "status": "gone", "select": 1, "checkpoint_during": "yes"}',
    b'[{"assistant_id": "joke", "command": {"goto": {"node": 1}}}]',
    b'{"assistant_id": "joke", "thread_ids": [], "checkpoint": {}, "supersteps": '
    b'[{"updates": [{"values": 1, "as_node": 2}]}], "values": [1], "before": {"x": 1}}',
]


def _paths(path: str) -> list[str]:
    """The route's path with unknown ids, malformed ids and a graph id filled in."""
    filled = []
    for value in (SOME_UUID, "not-a-uuid", "joke"):
        filled.append(re.sub(r"\{[a-z_]+\}", value, path))
    return filled


def test_no_client_mistake_gets_a_500(server: Any) -> None:
    async def probe() -> None:  # (async: httpx's sync client waits 40 ms per POST here)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            for item in ENDPOINTS:
                for path in _paths(item.path):
                    bodies = BAD_BODIES if item.method in ("POST", "PATCH", "PUT") else [None]
                    for body in bodies:
                        response = await client.request(
                            item.method, path, content=body, params=BAD_QUERY
                        )
                        assert response.status_code < 500, (item.method, path, body, response.text)
                        if response.status_code >= 400:
                            assert isinstance(response.json()["detail"], str)

    asyncio.run(probe())


BAD_FIELDS: list[tuple[Any, str]] = [
    ({"assistant_id": 5}, "body.assistant_id: expected string, got integer 5"),
    (
        {"assistant_id": "joke", "stream_subgraphs": 1},
        "body.stream_subgraphs: expected boolean, got integer 1",
    ),
    (
        {"assistant_id": "joke", "config": {"recursion_limit": 0}},
        "body.config.recursion_limit: 0 is less than 1",
    ),
    (
        {"assistant_id": "joke", "config": {"recursion_limit": "5"}},
        "body.config.recursion_limit: expected integer, got string '5'",
    ),
    (
        {"assistant_id": "joke", "after_seconds": -1},
        "body.after_seconds: -1 is less than 0",
    ),
    (
        {"assistant_id": "joke", "interrupt_before": "all"},
        "body.interrupt_before: 'all' is not one of '*'",
    ),
    (
        {"assistant_id": "joke", "interrupt_after": ["a", 1]},
        "body.interrupt_after[1]: expected string, got integer 1",
    ),
    (
        {"assistant_id": "joke", "command": {"goto": [{"node": "a"}, {"input": 1}]}},
        "body.command.goto[1].node: field required",
    ),
    (
        {"assistant_id": "joke", "command": {"goto": 5}},
        "body.command.goto: expected string or object or array, got integer 5",
    ),
    (
        {"assistant_id": "joke", "on_completion": "forget"},
        "body.on_completion: 'forget' is not one of 'delete', 'keep'",
    ),
    (
        {"assistant_id": "joke", "metadata": ["a"]},
        "body.metadata: expected object, got array ['a']",
    ),
]

BAD_QUERY = {
    "limit": "x",
    "xray": "maybe",
    "wait": "perhaps",
    "action": "explode",
    "stream_mode": "bogus",
    "subgraphs": "kinda",
}


def test_errors_name_the_problem(server: Any) -> None:
    with httpx.Client(base_url=server.url) as client:
        bad_mode = client.post(
            "/runs/wait", json={"assistant_id": "joke", "stream_mode": ["values", "bogus"]}
        )
        assert bad_mode.status_code == 422
        assert bad_mode.json()["detail"].startswith(
            "body.stream_mode[1]: 'bogus' is not one of 'values', 'updates'"
        )
        not_a_mode = client.post("/runs/wait", json={"assistant_id": "joke", "stream_mode": 5})
        assert not_a_mode.json()["detail"] == (
            "body.stream_mode: expected string or array, got integer 5"
        )
        missing = client.post("/runs/wait", json={"input": {}})
        assert missing.json()["detail"] == "body.assistant_id: field required"
        null = client.post("/runs/wait", json={"assistant_id": None})
        assert null.json()["detail"] == "body.assistant_id: field required"
        for body, detail in BAD_FIELDS:
            response = client.post("/runs", json=body)
            assert (response.status_code, response.json()["detail"]) == (422, detail), body
        batch = client.post("/runs/batch", json=[{"assistant_id": "joke"}, {"input": 1}])
        assert batch.json()["detail"] == "body[1].assistant_id: field required"
        prune = client.post("/threads/prune", json={"thread_ids": [SOME_UUID, "x"]})
        assert prune.json()["detail"] == "body.thread_ids[1]: 'x' is not a UUID"
        search = client.post("/threads/search", json={"limit": 1001, "sort_order": "up"})
        assert search.json()["detail"] == "body.limit: 1001 is more than 1000"
        assert client.post("/threads", content=b"[]").json()["detail"] == (
            "body: expected object, got array []"
        )
        assert client.post("/runs", content=b"{").json()["detail"] == (
            "body: Invalid JSON in request body"
        )
        unknown = client.post("/runs/wait", json={"assistant_id": "nope"})
        assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
        assert client.get("/threads/not-a-uuid").status_code == 422
        assert client.get(f"/threads/{SOME_UUID}").status_code == 404
        assert client.get("/no/such/route").status_code == 404
        both = client.post(
            "/runs/wait",
            json={
                "assistant_id": "joke",
                "context": {"a": 1},
                "config": {"configurable": {"b": 2}},
            },
        )
        assert both.status_code == 400
        resume = client.post(
            "/runs/wait", json={"assistant_id": "joke", "command": {"resume": "yes"}}
        )
        assert resume.status_code == 400
        assert resume.json()["detail"] == "You must provide a thread_id when resuming."


def test_oversized_bodies_get_413() -> None:
    running = start_server(max_body_bytes=1000)
    try:
        with httpx.Client(base_url=running.url) as client:
            big = client.post("/threads", json={"metadata": {"x": "y" * 2000}})
            assert big.status_code == 413
            assert client.post("/threads", json={}).status_code == 200
    finally:
        running.stop()


def test_api_keys() -> None:
    running = start_server(api_keys=["secret"])
    try:
        with httpx.Client(base_url=running.url) as client:
            assert client.get("/ok").status_code == 200
            assert client.get("/info").status_code == 401
            assert client.post("/threads", json={}).status_code == 401
            wrong = client.post("/threads", json={}, headers={"x-api-key": "guess"})
            assert wrong.status_code == 401 and "x-api-key" in wrong.json()["detail"]
        with get_sync_client(url=running.url, api_key="secret") as sdk:
            assert sdk.threads.create()["status"] == "idle"
    finally:
        running.stop()


def test_openapi_document_lists_every_route(server: Any) -> None:
    with httpx.Client(base_url=server.url) as client:
        document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    listed = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    served = {(item.method, item.path) for item in ENDPOINTS}
    assert listed == served
    # and nothing the app serves was added around ``endpoint`` (a Route of its own)
    in_app = {
        (method, route.path)
        for route in server.app.routes
        for method in getattr(route, "methods", None) or {"WEBSOCKET"}
        if method != "HEAD"
    }
    assert in_app == served
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/") and ref.split("/")[-1] in schemas, ref
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for item in ENDPOINTS:
        operation = document["paths"][item.path][item.method.lower()]
        where = (item.method, item.path)
        # the request: its body (as a named schema) when it takes one
        if item.body is not None:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert body["$ref"].split("/")[-1] in schemas, where
        else:
            assert "requestBody" not in operation, where
        # the response: a 2xx with its content, or a 204
        responses = operation["responses"]
        success = [status for status in responses if status.startswith("2")]
        assert success, where
        if item.response is None:
            assert "204" in responses and "content" not in responses["204"], where
        else:
            content = responses["200"]["content"]
            assert list(content) in (["application/json"], ["text/event-stream"]), where
            assert "schema" in next(iter(content.values())), where
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                error = response["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/ErrorResponse"}, where


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        return own + [ref for item in value.values() for ref in _refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


def test_openapi_names_the_objects_as_langgraph_does(server: Any) -> None:
    with httpx.Client(base_url=server.url) as client:
        document = client.get("/openapi.json").json()
    paths = document["paths"]

    def body(path: str, method: str = "post") -> str:
        schema = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        return str(schema["$ref"]).rsplit("/", 1)[-1]

    def ok(path: str, method: str = "get") -> Any:
        return paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]

    assert body("/threads/{thread_id}/runs") == "RunCreateStateful"
    assert body("/threads/{thread_id}/runs/stream") == "RunCreateStreamingStateful"
    assert body("/runs/wait") == "RunCreateStreamingStateless"
    assert body("/runs/batch") == "RunBatchCreate"
    assert body("/threads/{thread_id}/history") == "ThreadStateSearch"
    assert ok("/assistants/{assistant_id}") == {"$ref": "#/components/schemas/Assistant"}
    assert ok("/threads/{thread_id}/history")["items"] == {
        "$ref": "#/components/schemas/ThreadState"
    }
    assert ok("/threads/count", "post")["type"] == "integer"
    schemas = document["components"]["schemas"]
    assert set(schemas["Run"]["required"]) >= {"run_id", "thread_id", "status", "kwargs"}
    modes = schemas["RunCreateStateless"]["properties"]["stream_mode"]
    assert "messages-tuple" in modes["oneOf"][0]["enum"]


def test_threads_assistants_state_and_history_through_the_sdk(server: Any) -> None:
    async def scenario() -> None:
        async with get_client(url=server.url, api_key=None) as client:
            assistant = await client.assistants.get("joke")
            assert assistant["assistant_id"] == "21c0d820-85d6-5d34-b385-2911b225f139"
            graph = await client.assistants.get_graph(assistant["assistant_id"])
            assert [n["id"] for n in graph["nodes"]] == [
                "__start__",
                "refine_topic",
                "generate_joke",
                "__end__",
            ]
            schemas = await client.assistants.get_schemas(assistant["assistant_id"])
            assert set(schemas["state_schema"]["properties"]) == {"topic", "joke"}
            created = await client.assistants.create("joke", name="mine", metadata={"team": "a"})
            found = await client.assistants.search(metadata={"team": "a"})
            assert [a["assistant_id"] for a in found] == [created["assistant_id"]]
            with pytest.raises(ConflictError):
                await client.assistants.create("joke", assistant_id=created["assistant_id"])
            thread = await client.threads.create(metadata={"user": "u1"})
            await client.runs.wait(thread["thread_id"], "joke", input={"topic": "cats"})
            state = await client.threads.get_state(thread["thread_id"])
            assert state["values"] == {
                "topic": "cats and cats",
                "joke": "This is a joke about cats and cats",
            }
            history = await client.threads.get_history(thread["thread_id"])
            assert [h["metadata"]["step"] for h in history] == [2, 1, 0, -1]
            await client.threads.update_state(
                thread["thread_id"], {"topic": "dogs"}, as_node="refine_topic"
            )
            after = await client.threads.get_state(thread["thread_id"])
            assert after["values"]["topic"] == "dogs" and after["next"] == ["generate_joke"]
            copy = await client.threads.copy(thread["thread_id"])
            copied = await client.threads.get_state(copy["thread_id"])
            assert copied["values"] == after["values"]
            searched = await client.threads.search(metadata={"user": "u1"})
            assert [t["thread_id"] for t in searched] == [
                copy["thread_id"],  # newest first
                thread["thread_id"],
            ]
            await client.threads.delete(thread["thread_id"])
            with pytest.raises(NotFoundError):
                await client.threads.get(thread["thread_id"])

    asyncio.run(scenario())


def _restart_roundtrip(storage: Any) -> None:
    first = start_server(storage=storage)
    try:
        with get_sync_client(url=first.url, api_key=None) as client:
            thread = client.threads.create()
            client.runs.wait(thread["thread_id"], "hitl", input={"topic": "kept"})
    finally:
        first.stop()
    second = start_server(storage=storage)
    try:
        with get_sync_client(url=second.url, api_key=None) as client:
            assert client.threads.get(thread["thread_id"])["status"] == "interrupted"
            assert client.threads.get_state(thread["thread_id"])["next"] == ["ask"]
            done = client.runs.wait(thread["thread_id"], "hitl", command={"resume": "ok"})
            assert done == {"topic": "kept", "joke": "answer ok"}
    finally:
        second.stop()


def test_state_survives_a_restart_sqlite(tmp_path: Any) -> None:
    _restart_roundtrip(str(tmp_path / "server.sqlite"))


def test_state_survives_a_restart_postgres(pg_url: str) -> None:
    _restart_roundtrip(pg_url)
