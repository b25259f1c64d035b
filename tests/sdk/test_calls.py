"""The requests (paths, query, bodies) each method of both clients sends, against an
``httpx.MockTransport``: no server."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx
import orjson
import pytest

from streamgraph.sdk import LangGraphClient, SyncLangGraphClient
from streamgraph.sdk._call import quote_path, run_metadata

TID = "11111111-1111-1111-1111-111111111111"
RID = "22222222-2222-2222-2222-222222222222"
AID = "33333333-3333-3333-3333-333333333333"

# (section, method, args, kwargs, HTTP method, path, query, JSON body (None: no body))
CASES: list[tuple[str, str, tuple[Any, ...], dict[str, Any], str, str, dict[str, Any], Any]] = [
    ("assistants", "get", (AID,), {}, "GET", f"/assistants/{AID}", {}, None),
    (
        "assistants",
        "get_graph",
        (AID,),
        {"xray": True},
        "GET",
        f"/assistants/{AID}/graph",
        {"xray": "true"},
        None,
    ),
    ("assistants", "get_schemas", (AID,), {}, "GET", f"/assistants/{AID}/schemas", {}, None),
    (
        "assistants",
        "get_subgraphs",
        (AID, "node_2"),
        {},
        "GET",
        f"/assistants/{AID}/subgraphs/node_2",
        {"recurse": "false"},
        None,
    ),
    (
        "assistants",
        "create",
        ("joke",),
        {"name": "n", "metadata": None},
        "POST",
        "/assistants",
        {},
        {"graph_id": "joke", "name": "n"},
    ),
    (
        "assistants",
        "update",
        (AID,),
        {"config": {}, "name": None},
        "PATCH",
        f"/assistants/{AID}",
        {},
        {"config": {}},
    ),
    (
        "assistants",
        "delete",
        (AID,),
        {"delete_threads": True},
        "DELETE",
        f"/assistants/{AID}",
        {"delete_threads": "true"},
        None,
    ),
    (
        "assistants",
        "search",
        (),
        {"graph_id": "joke"},
        "POST",
        "/assistants/search",
        {},
        {"limit": 10, "offset": 0, "graph_id": "joke"},
    ),
    (
        "assistants",
        "count",
        (),
        {"metadata": {"a": 1}},
        "POST",
        "/assistants/count",
        {},
        {"metadata": {"a": 1}},
    ),
    (
        "assistants",
        "get_versions",
        (AID,),
        {},
        "POST",
        f"/assistants/{AID}/versions",
        {},
        {"limit": 10, "offset": 0},
    ),
    (
        "assistants",
        "set_latest",
        (AID, 2),
        {},
        "POST",
        f"/assistants/{AID}/latest",
        {},
        {"version": 2},
    ),
    (
        "threads",
        "create",
        (),
        {"graph_id": "joke", "ttl": 5},
        "POST",
        "/threads",
        {},
        {"metadata": {"graph_id": "joke"}, "ttl": {"ttl": 5, "strategy": "delete"}},
    ),
    (
        "threads",
        "get",
        (TID,),
        {"include": ["ttl"]},
        "GET",
        f"/threads/{TID}",
        {"include": "ttl"},
        None,
    ),
    (
        "threads",
        "update",
        (TID,),
        {"metadata": {"k": "v"}},
        "PATCH",
        f"/threads/{TID}",
        {},
        {"metadata": {"k": "v"}},
    ),
    ("threads", "delete", (TID,), {}, "DELETE", f"/threads/{TID}", {}, None),
    (
        "threads",
        "search",
        (),
        {"status": "idle"},
        "POST",
        "/threads/search",
        {},
        {"limit": 10, "offset": 0, "status": "idle"},
    ),
    ("threads", "count", (), {}, "POST", "/threads/count", {}, {}),
    ("threads", "copy", (TID,), {}, "POST", f"/threads/{TID}/copy", {}, None),
    (
        "threads",
        "prune",
        ([TID],),
        {"strategy": "keep_latest"},
        "POST",
        "/threads/prune",
        {},
        {"thread_ids": [TID], "strategy": "keep_latest"},
    ),
    (
        "threads",
        "get_state",
        (TID,),
        {},
        "GET",
        f"/threads/{TID}/state",
        {"subgraphs": "false"},
        None,
    ),
    (
        "threads",
        "get_state",
        (TID, None, "c1"),
        {"subgraphs": True},
        "GET",
        f"/threads/{TID}/state/c1",
        {"subgraphs": "true"},
        None,
    ),
    (
        "threads",
        "get_state",
        (TID, {"checkpoint_id": "c1"}),
        {},
        "POST",
        f"/threads/{TID}/state/checkpoint",
        {},
        {"checkpoint": {"checkpoint_id": "c1"}, "subgraphs": False},
    ),
    (
        "threads",
        "update_state",
        (TID, {"topic": "x"}),
        {"as_node": "a"},
        "POST",
        f"/threads/{TID}/state",
        {},
        {"values": {"topic": "x"}, "as_node": "a"},
    ),
    (
        "threads",
        "get_history",
        (TID,),
        {"limit": 3},
        "POST",
        f"/threads/{TID}/history",
        {},
        {"limit": 3},
    ),
    (
        "runs",
        "create",
        (TID, "joke"),
        {"input": {"topic": "x"}, "metadata": None},
        "POST",
        f"/threads/{TID}/runs",
        {},
        {
            "input": {"topic": "x"},
            "stream_mode": "values",
            "stream_subgraphs": False,
            "stream_resumable": False,
            "assistant_id": "joke",
        },
    ),
    (
        "runs",
        "create",
        (None, "joke"),
        {"command": {"resume": 1, "goto": None}},
        "POST",
        "/runs",
        {},
        {
            "command": {"resume": 1},
            "stream_mode": "values",
            "stream_subgraphs": False,
            "stream_resumable": False,
            "assistant_id": "joke",
        },
    ),
    (
        "runs",
        "create_batch",
        ([{"assistant_id": "joke", "input": None}],),
        {},
        "POST",
        "/runs/batch",
        {},
        [{"assistant_id": "joke"}],
    ),
    (
        "runs",
        "wait",
        (None, "joke"),
        {"input": {"topic": "x"}},
        "POST",
        "/runs/wait",
        {},
        {"input": {"topic": "x"}, "assistant_id": "joke"},
    ),
    (
        "runs",
        "list",
        (TID,),
        {"status": "success"},
        "GET",
        f"/threads/{TID}/runs",
        {"limit": "10", "offset": "0", "status": "success"},
        None,
    ),
    ("runs", "get", (TID, RID), {}, "GET", f"/threads/{TID}/runs/{RID}", {}, None),
    (
        "runs",
        "cancel",
        (TID, RID),
        {"action": "rollback"},
        "POST",
        f"/threads/{TID}/runs/{RID}/cancel",
        {"wait": "0", "action": "rollback"},
        None,
    ),
    (
        "runs",
        "cancel_many",
        (),
        {"thread_id": TID, "run_ids": [RID]},
        "POST",
        "/runs/cancel",
        {"action": "interrupt"},
        {"thread_id": TID, "run_ids": [RID]},
    ),
    ("runs", "join", (TID, RID), {}, "GET", f"/threads/{TID}/runs/{RID}/join", {}, None),
    ("runs", "delete", (TID, RID), {}, "DELETE", f"/threads/{TID}/runs/{RID}", {}, None),
    (
        "store",
        "put_item",
        (["a", "b"], "k", {"v": 1}),
        {},
        "PUT",
        "/store/items",
        {},
        {"namespace": ["a", "b"], "key": "k", "value": {"v": 1}},
    ),
    (
        "store",
        "get_item",
        (["a", "b"], "k"),
        {},
        "GET",
        "/store/items",
        {"namespace": "a.b", "key": "k"},
        None,
    ),
    (
        "store",
        "delete_item",
        (["a"], "k"),
        {},
        "DELETE",
        "/store/items",
        {},
        {"namespace": ["a"], "key": "k"},
    ),
    (
        "store",
        "search_items",
        (["a"],),
        {"query": "q"},
        "POST",
        "/store/items/search",
        {},
        {"namespace_prefix": ["a"], "limit": 10, "offset": 0, "query": "q"},
    ),
    (
        "store",
        "list_namespaces",
        (),
        {"max_depth": 2},
        "POST",
        "/store/namespaces",
        {},
        {"max_depth": 2, "limit": 100, "offset": 0},
    ),
]


class Recorder:
    def __init__(self, responder: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.responder = responder

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.responder is not None:
            response: httpx.Response = self.responder(request)
            return response
        return httpx.Response(200, json={"ok": True})


def make_client(flavor: str, handler: Any, **options: Any) -> Any:
    transport = httpx.MockTransport(handler)
    options = {"base_url": "http://server.test", "transport": transport, **options}
    if flavor == "async":
        return LangGraphClient(httpx.AsyncClient(**options))
    return SyncLangGraphClient(httpx.Client(**options))


def call(client: Any, section: str, method_name: str, /, *args: Any, **kwargs: Any) -> Any:
    """Call a method of either client and return its result (streams: as a list)."""
    method = getattr(getattr(client, section), method_name)
    if isinstance(client, SyncLangGraphClient):
        result = method(*args, **kwargs)
        return list(result) if inspect.isgenerator(result) else result

    async def run() -> Any:
        result = method(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        if inspect.isasyncgen(result):
            return [item async for item in result]
        return result

    return asyncio.run(run())


@pytest.fixture(params=["async", "sync"])
def flavor(request):
    return request.param


@pytest.mark.parametrize(
    ("section", "name", "args", "kwargs", "method", "path", "query", "body"),
    CASES,
    ids=[f"{c[0]}.{c[1]}" for c in CASES],
)
def test_each_method_sends_its_request(
    flavor, section, name, args, kwargs, method, path, query, body
):
    recorder = Recorder()
    call(make_client(flavor, recorder), section, name, *args, **kwargs)
    (request,) = recorder.requests
    assert request.method == method
    assert request.url.path == path
    assert dict(request.url.params) == query
    if body is None:
        assert request.content == b""
    else:
        assert orjson.loads(request.content) == body
        assert request.headers["content-type"] == "application/json"


def test_every_method_is_exercised():
    covered = {(c[0], c[1]) for c in CASES} | {
        ("runs", "stream"),
        ("runs", "join_stream"),
        ("threads", "join_stream"),
    }
    client = make_client("async", Recorder())
    for section in ("assistants", "threads", "runs", "store"):
        methods = vars(type(getattr(client, section)))
        for name in methods:
            if not name.startswith("_"):
                assert (section, name) in covered, f"{section}.{name}"


def _sse(*events: bytes) -> Any:
    """A responder answering every request with these server-sent events."""

    def respond(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, headers=headers, content=b"".join(events))

    return respond


def first_event(client: Any, section: str, method_name: str, /, *args: Any, **kwargs: Any) -> Any:
    """The first event of a stream of either client (for streams that do not end)."""
    method = getattr(getattr(client, section), method_name)
    if isinstance(client, SyncLangGraphClient):
        stream = method(*args, **kwargs)
        try:
            return next(stream)
        finally:
            stream.close()

    async def run() -> Any:
        stream = method(*args, **kwargs)
        if inspect.isawaitable(stream):
            stream = await stream
        try:
            return await stream.__anext__()
        finally:
            await stream.aclose()

    return asyncio.run(run())


def test_stream_request_drops_none_fields_and_sends_sse_headers(flavor):
    recorder = Recorder(_sse(b"event: end\ndata: null\n\n"))
    client = make_client(flavor, recorder)
    call(
        client,
        "runs",
        "stream",
        TID,
        "joke",
        input={"topic": "x"},
        stream_mode=["updates"],
        headers={"X-Extra": "1"},
    )
    call(client, "runs", "stream", None, "joke")
    request, stateless = recorder.requests
    assert request.method == "POST"
    assert request.url.path == f"/threads/{TID}/runs/stream"
    assert orjson.loads(request.content) == {
        "input": {"topic": "x"},
        "stream_mode": ["updates"],
        "stream_subgraphs": False,
        "stream_resumable": False,
        "assistant_id": "joke",
    }
    assert request.headers["x-extra"] == "1"
    assert "last-event-id" not in request.headers
    assert stateless.url.path == "/runs/stream"


def test_join_stream_requests(flavor):
    recorder = Recorder(_sse(b"event: values\ndata: {}\n\n", b"event: end\ndata: null\n\n"))
    client = make_client(flavor, recorder)
    call(client, "runs", "join_stream", TID, RID, last_event_id="5", stream_mode="custom")
    first_event(client, "threads", "join_stream", TID, stream_mode=["lifecycle"])
    run, thread = recorder.requests
    assert (run.method, run.url.path) == ("GET", f"/threads/{TID}/runs/{RID}/stream")
    assert dict(run.url.params) == {"cancel_on_disconnect": "false", "stream_mode": "custom"}
    assert run.headers["last-event-id"] == "5"
    assert (thread.method, thread.url.path) == ("GET", f"/threads/{TID}/stream")
    assert dict(thread.url.params) == {"stream_mode": "lifecycle"}
    assert "last-event-id" not in thread.headers


def test_extra_params_and_headers_are_merged(flavor):
    recorder = Recorder()
    client = make_client(flavor, recorder)
    call(client, "runs", "list", TID, params={"limit": 3, "x": "y"}, headers={"X-A": "b"})
    call(client, "threads", "get", TID, params=[("a", "1"), ("a", "2")])
    first, second = recorder.requests
    assert dict(first.url.params) == {"limit": "3", "offset": "0", "x": "y"}
    assert first.headers["x-a"] == "b"
    assert second.url.params.get_list("a") == ["1", "2"]


def test_path_segments_are_quoted():
    assert quote_path("a/b c") == "a%2Fb%20c"
    assert quote_path("..") == "%2E%2E"
    assert quote_path("agent.v1") == "agent.v1"
    with pytest.raises(TypeError):
        quote_path(None)
    with pytest.raises(TypeError):
        quote_path(b"x")


def test_checkpoint_during_is_deprecated(flavor):
    recorder = Recorder()
    with pytest.warns(DeprecationWarning, match="durability") as warned:
        call(make_client(flavor, recorder), "runs", "create", TID, "joke", checkpoint_during=True)
    assert orjson.loads(recorder.requests[0].content)["checkpoint_during"] is True
    assert warned[0].filename == __file__  # points at the code that called the client


def test_run_metadata_from_content_location():
    assert run_metadata(httpx.Headers({"content-location": f"/threads/{TID}/runs/{RID}"})) == {
        "run_id": RID,
        "thread_id": TID,
    }
    assert run_metadata(httpx.Headers({"content-location": f"/runs/{RID}"})) == {
        "run_id": RID,
        "thread_id": None,
    }
    assert run_metadata(httpx.Headers({})) is None


def test_search_object_format_reads_the_next_cursor(flavor):
    recorder = Recorder(
        lambda r: httpx.Response(
            200, json=[{"assistant_id": AID}], headers={"X-Pagination-Next": "10"}
        )
    )
    result = call(make_client(flavor, recorder), "assistants", "search", response_format="object")
    assert result == {"assistants": [{"assistant_id": AID}], "next": "10"}
    with pytest.raises(ValueError, match="response_format"):
        call(make_client(flavor, recorder), "assistants", "search", response_format="list")


def test_update_return_minimal_sends_prefer(flavor):
    recorder = Recorder(lambda r: httpx.Response(204))
    result = call(
        make_client(flavor, recorder), "threads", "update", TID, metadata={}, return_minimal=True
    )
    assert result is None
    assert recorder.requests[0].headers["prefer"] == "return=minimal"


def test_store_rejects_dotted_labels(flavor):
    with pytest.raises(ValueError, match="cannot contain"):
        call(make_client(flavor, Recorder()), "store", "put_item", ["a.b"], "k", {})


def test_bodies_accept_pydantic_models_and_sets(flavor):
    class Model:
        def model_dump(self) -> dict[str, Any]:
            return {"m": 1}

    recorder = Recorder()
    call(
        make_client(flavor, recorder),
        "runs",
        "create",
        None,
        "joke",
        input={"model": Model(), "tags": {"a"}},
    )
    assert orjson.loads(recorder.requests[0].content)["input"] == {"model": {"m": 1}, "tags": ["a"]}
