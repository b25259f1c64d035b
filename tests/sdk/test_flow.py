"""Run streams across dropped connections, errors and their mapping: both clients against a
scripted ``httpx.MockTransport`` (no server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from streamgraph.errors import StreamGraphError
from streamgraph.sdk import (
    LangGraphClient,
    StreamPart,
    SyncLangGraphClient,
    _flow,
    get_client,
    get_sync_client,
)
from streamgraph.sdk.errors import (
    APIConnectionError,
    APIStatusError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RunError,
    UnprocessableEntityError,
)

from .test_calls import RID, TID, call, make_client

STREAM_PATH = f"/threads/{TID}/runs/{RID}/stream"
RUN_PATH = f"/threads/{TID}/runs/{RID}"


class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body: these chunks, then (optionally) a dropped connection."""

    def __init__(self, chunks: list[bytes], drop: bool = False) -> None:
        self.chunks = chunks
        self.drop = drop

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.drop:
            raise httpx.ReadError("connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.drop:
            raise httpx.ReadError("connection reset by peer")


def event(i: int, name: str = "custom") -> bytes:
    return f'event: {name}\r\ndata: {{"i":{i}}}\r\nid: {i}\r\n\r\n'.encode()


def sse(body: Body, location: str | None = STREAM_PATH, **headers: str) -> httpx.Response:
    if location:
        headers["location"] = location
    headers.setdefault("content-type", "text/event-stream; charset=utf-8")
    return httpx.Response(200, headers=headers, stream=body)


class Run:
    """A scripted run of ``total`` events, served ``per_connection`` at a time, each
    connection cut in the middle of the next event."""

    def __init__(
        self,
        total: int,
        per_connection: int,
        *,
        statuses: list[str] | None = None,
        end_event: bool = False,
        location: str = STREAM_PATH,
    ) -> None:
        self.total = total
        self.per_connection = per_connection
        self.statuses = statuses or []
        self.end_event = end_event
        self.location = location
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == RUN_PATH:
            status = self.statuses.pop(0) if self.statuses else "success"
            return httpx.Response(200, json={"run_id": RID, "status": status})
        start = int(request.headers.get("last-event-id", "-1")) + 1
        stop = min(self.total, start + self.per_connection)
        chunks = [event(i) for i in range(start, stop)]
        if stop < self.total:
            return sse(Body([*chunks, event(stop)[:9]], drop=True), self.location)
        if self.end_event:
            chunks.append(b'event: end\r\ndata: {"status":"success"}\r\n\r\n')
        return sse(Body(chunks), self.location)


def stream(
    flavor: str, handler: Callable[[httpx.Request], httpx.Response], *args: Any, **kwargs: Any
) -> list[Any]:
    return call(make_client(flavor, handler), "runs", "stream", *args, **kwargs)


@pytest.fixture(params=["async", "sync"])
def flavor(request):
    return request.param


def test_a_dropped_stream_resumes_after_the_last_event_id(flavor):
    run = Run(total=20, per_connection=3)
    parts = stream(flavor, run, TID, "custom", stream_mode="custom")
    assert [p.data["i"] for p in parts] == list(range(20))
    assert parts[0] == StreamPart("custom", {"i": 0}, "0")
    first, *reconnects = run.requests
    assert (first.method, first.url.path) == ("POST", f"/threads/{TID}/runs/stream")
    assert first.headers["accept"] == "text/event-stream"
    assert [r.headers["last-event-id"] for r in reconnects[:-1]] == [
        str(i) for i in range(2, 20, 3)
    ]
    assert all(r.method == "GET" and r.url.path == STREAM_PATH for r in reconnects[:-1])
    assert all(b"" == r.content and "content-type" not in r.headers for r in reconnects)
    assert reconnects[-1].url.path == RUN_PATH  # clean close without `end`: ask the run


def test_progress_earns_fresh_reconnect_attempts(flavor):
    # 40 drops in all, far more than Backoff.attempts, but each after an event
    run = Run(total=40, per_connection=1)
    parts = stream(flavor, run, TID, "custom")
    assert [p.data["i"] for p in parts] == list(range(40))


def test_clean_close_while_the_run_is_still_running_reconnects(flavor):
    run = Run(total=2, per_connection=2, statuses=["running", "success"])
    parts = stream(flavor, run, TID, "custom")
    assert [p.data["i"] for p in parts] == [0, 1]
    assert [(r.method, r.url.path) for r in run.requests] == [
        ("POST", f"/threads/{TID}/runs/stream"),
        ("GET", RUN_PATH),
        ("GET", STREAM_PATH),
        ("GET", RUN_PATH),
    ]
    assert run.requests[2].headers["last-event-id"] == "1"


def test_an_end_event_ends_the_stream_without_asking_the_run(flavor):
    run = Run(total=2, per_connection=2, end_event=True)
    parts = stream(flavor, run, TID, "custom")
    assert parts[-1] == StreamPart("end", {"status": "success"}, "1")  # v1 yields it
    assert len(run.requests) == 1
    run = Run(total=2, per_connection=2, end_event=True)
    parts = stream(flavor, run, TID, "custom", version="v2")
    assert parts == [
        {"type": "custom", "ns": [], "data": {"i": i}, "interrupts": []} for i in range(2)
    ]  # v2 drops it


def test_a_drop_after_the_end_event_ends_the_stream(flavor):
    end = b'event: end\r\ndata: {"status":"success"}\r\n\r\n'
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return sse(Body([event(0), end], drop=True))

    parts = stream(flavor, handler, TID, "custom")
    assert [p.event for p in parts] == ["custom", "end"]
    assert len(requests) == 1


def test_v2_parts_split_namespaces_and_pop_interrupts(flavor):
    body = Body(
        [
            b'event: values|node_2:abc|x:1\r\ndata: {"a":1,"__interrupt__":[{"id":"i"}]}'
            b'\r\n\r\nevent: updates\r\ndata: {"__interrupt__":[]}\r\n\r\n'
        ]
    )
    parts = stream(flavor, lambda r: sse(body, location="/runs/r1/stream"), None, "g", version="v2")
    assert parts == [
        {
            "type": "values",
            "ns": ["node_2:abc", "x:1"],
            "data": {"a": 1},
            "interrupts": [{"id": "i"}],
        },
        {"type": "updates", "ns": [], "data": {"__interrupt__": []}, "interrupts": []},
    ]


def test_a_stateless_stream_ends_at_a_clean_close(flavor):
    run = Run(total=3, per_connection=3, location="/runs/r1/stream")
    assert len(stream(flavor, run, None, "custom")) == 3
    assert len(run.requests) == 1


def test_a_stateless_stream_resumes_at_its_run_stream(flavor):
    run = Run(total=5, per_connection=2, location=f"/runs/{RID}/stream")
    parts = stream(flavor, run, None, "custom")
    assert [p.data["i"] for p in parts] == list(range(5))
    assert {r.url.path for r in run.requests[1:]} == {f"/runs/{RID}/stream"}


def test_a_drop_without_location_raises_a_connection_error_naming_the_server(flavor):
    handler = lambda r: sse(Body([event(0), b"event: cu"], drop=True), location=None)  # noqa: E731
    with pytest.raises(APIConnectionError, match="http://server.test") as info:
        stream(flavor, handler, TID, "custom")
    assert isinstance(info.value, httpx.TransportError)
    assert isinstance(info.value, StreamGraphError)


def test_reconnects_retry_5xx_and_429_but_not_404(flavor):
    answers = iter(
        [
            sse(Body([event(0)], drop=True)),
            httpx.Response(503),
            httpx.Response(429),
            sse(Body([event(1)], drop=True)),
            httpx.Response(404, json={"detail": "Run not found"}),
        ]
    )
    with pytest.raises(NotFoundError, match="Run not found"):
        stream(flavor, lambda r: next(answers), TID, "custom")


def test_gives_up_after_too_many_failures_in_a_row(flavor, monkeypatch):
    monkeypatch.setattr(_flow, "RECONNECT", _flow.Backoff(first=0.001, cap=0.005))
    requests = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if len(requests) == 1:
            return sse(Body([event(0)], drop=True))
        return httpx.Response(502)

    with pytest.raises(APIConnectionError, match="Gave up"):
        stream(flavor, handler, TID, "custom")
    assert len(requests) == 1 + 8


def test_a_response_that_is_not_sse_is_refused(flavor):
    handler = lambda r: httpx.Response(200, json={"not": "sse"})  # noqa: E731
    with pytest.raises(APIConnectionError, match="text/event-stream"):
        stream(flavor, handler, TID, "custom")


def test_a_cross_origin_location_is_refused(flavor):
    handler = lambda r: sse(Body([event(0)]), location="http://elsewhere.test/x/stream")  # noqa: E731
    with pytest.raises(APIConnectionError, match="Refusing"):
        stream(flavor, handler, TID, "custom")


def test_on_run_created_is_called_once(flavor):
    run = Run(total=4, per_connection=2)
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        response = run(request)
        response.headers["content-location"] = RUN_PATH
        return response

    stream(flavor, handler, TID, "custom", on_run_created=seen.append)
    assert seen == [{"run_id": RID, "thread_id": TID}]


def test_reconnecting_without_an_event_id_warns(flavor):
    answers = iter(
        [
            sse(Body([b"event: values\r\ndata: {}\r\n\r\n"], drop=True), "/runs/r1/stream"),
            sse(Body([b"event: values\r\ndata: {}\r\n\r\n"]), "/runs/r1/stream"),
        ]
    )
    with pytest.warns(UserWarning, match="Last-Event-ID"):
        parts = stream(flavor, lambda r: next(answers), None, "g")
    assert len(parts) == 2


def test_join_stream_sends_last_event_id_and_resumes(flavor):
    run = Run(total=10, per_connection=4)
    parts = call(
        make_client(flavor, run),
        "runs",
        "join_stream",
        TID,
        RID,
        last_event_id="4",
        stream_mode="custom",
    )
    assert [p.data["i"] for p in parts] == list(range(5, 10))
    assert run.requests[0].headers["last-event-id"] == "4"
    assert run.requests[0].method == "GET"
    # the reconnect keeps the join's filter
    assert run.requests[1].url.params["stream_mode"] == "custom"
    assert run.requests[1].headers["last-event-id"] == "8"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_error_statuses_map_to_typed_errors_with_the_detail(flavor, status, error):
    handler = lambda r: httpx.Response(status, json={"detail": f"detail {status}"})  # noqa: E731
    for section, name, args in [("threads", "get", (TID,)), ("runs", "stream", (TID, "g"))]:
        with pytest.raises(error) as info:
            call(make_client(flavor, handler), section, name, *args)
        assert info.value.message == f"detail {status}"
        assert f"detail {status}" in str(info.value)
        assert isinstance(info.value, httpx.HTTPStatusError)
        assert info.value.response.status_code == status
        assert type(info.value) is error


def test_wait_raises_run_errors_unless_told_not_to(flavor):
    body = {"__error__": {"error": "ValueError", "message": "boom"}}
    handler = lambda r: httpx.Response(200, json=body)  # noqa: E731
    with pytest.raises(RunError, match="^ValueError: boom$"):
        call(make_client(flavor, handler), "runs", "wait", TID, "g")
    assert call(make_client(flavor, handler), "runs", "wait", TID, "g", raise_error=False) == body


def test_wait_refetches_its_location_when_the_body_is_cut(flavor):
    join = f"/threads/{TID}/runs/{RID}/join"
    answers = iter(
        [
            httpx.Response(200, headers={"location": join}, stream=Body([b"\n"], drop=True)),
            httpx.Response(502),
            httpx.Response(200, stream=Body([b'\n{"topic":', b'"x"}'])),
        ]
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(answers)

    assert call(make_client(flavor, handler), "runs", "wait", TID, "g") == {"topic": "x"}
    assert [(r.method, r.url.path) for r in seen[1:]] == [("GET", join), ("GET", join)]


def test_a_refused_connection_names_the_url(flavor):
    from .conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    # (get_client's transport retries connecting 5 times, for seconds: not here)
    client: Any = (
        LangGraphClient(httpx.AsyncClient(base_url=url))
        if flavor == "async"
        else SyncLangGraphClient(httpx.Client(base_url=url))
    )
    with pytest.raises(APIConnectionError, match=f"Could not connect to {url}"):
        call(client, "threads", "create")
    with pytest.raises(APIConnectionError, match=url):
        call(client, "runs", "stream", None, "g")


def test_api_key_resolution(monkeypatch):
    for name in ("LANGGRAPH_API_KEY", "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    def key(**kwargs: Any) -> str | None:
        client = get_sync_client(**kwargs)
        try:
            value: str | None = client.http.client.headers.get("x-api-key")
            return value
        finally:
            client.close()

    assert key() is None
    monkeypatch.setenv("LANGCHAIN_API_KEY", "chain")
    assert key() == "chain"
    monkeypatch.setenv("LANGSMITH_API_KEY", "'smith'")
    assert key() == "smith"
    monkeypatch.setenv("LANGGRAPH_API_KEY", " graph ")
    assert key() == "graph"
    assert key(api_key="explicit") == "explicit"
    assert key(api_key=None) is None
    with pytest.raises(ValueError, match="reserved"):
        get_client(headers={"X-Api-Key": "k"})


def test_default_url_and_context_managers():
    import asyncio

    with get_sync_client() as client:
        assert str(client.http.client.base_url) == "http://127.0.0.1:2024"
        assert client.http.client.headers["user-agent"].startswith("streamgraph-sdk-py/")
    assert client.http.client.is_closed

    async def main() -> None:
        async with get_client(url="http://h:1", headers={"X-A": "b"}) as aclient:
            assert aclient.http.client.headers["x-a"] == "b"
        assert aclient.http.client.is_closed

    asyncio.run(main())


def test_events_replayed_from_before_the_last_event_id_are_dropped(flavor):
    # a server whose reconnects replay from two events before the Last-Event-ID
    class Overlapping(Run):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            if "last-event-id" in request.headers:
                replay_from = max(0, int(request.headers["last-event-id"]) - 2)
                request.headers["last-event-id"] = str(replay_from)
            return super().__call__(request)

    parts = stream(flavor, Overlapping(total=12, per_connection=4), TID, "custom")
    assert [p.data["i"] for p in parts] == list(range(12))


def test_thread_streams_do_not_compare_ids_across_runs(flavor):
    # a thread's stream spans runs; ids of another server's runs may restart
    body = Body([event(5), event(1), event(2)])
    parts = call(
        make_client(flavor, lambda r: sse(body, location=None)), "threads", "join_stream", TID
    )
    assert [p.data["i"] for p in parts] == [5, 1, 2]
    assert [
        p.data["i"]
        for p in stream(flavor, lambda r: sse(Body([event(5), event(1)]), location=None), TID, "g")
    ] == [5]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_same_parts_as_langgraph_sdk_for_the_same_bytes(monkeypatch, version):
    import asyncio

    import langgraph_sdk._async.http
    from langgraph_sdk.client import LangGraphClient as TheirClient

    monkeypatch.setattr(langgraph_sdk._async.http, "_reconnect_delay", lambda *a, **k: 0.0)
    extra = [
        b'event: values|node_2:abc\r\ndata: {"a":1,"__interrupt__":[{"id":"i"}]}\r\n'
        b"id: 99\r\n\r\n: heartbeat\r\n\r\nevent: end\r\ndata: \r\n\r\n"
    ]

    class Scripted(Run):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            response = super().__call__(request)
            if isinstance(response.stream, Body) and not response.stream.drop:
                response.stream.chunks.extend(extra)
            return response

    async def collect(client: Any) -> list[Any]:
        async with client:
            return [part async for part in client.runs.stream(TID, "g", version=version)]

    def transport() -> httpx.MockTransport:
        return httpx.MockTransport(Scripted(total=7, per_connection=3))

    ours = asyncio.run(
        collect(
            LangGraphClient(httpx.AsyncClient(base_url="http://server.test", transport=transport()))
        )
    )
    theirs = asyncio.run(
        collect(
            TheirClient(httpx.AsyncClient(base_url="http://server.test", transport=transport()))
        )
    )
    assert ours == theirs
    assert len(ours) == (8 if version == "v2" else 9)  # v1 yields `end`, v2 drops it
