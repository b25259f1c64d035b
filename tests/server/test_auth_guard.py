"""Custom auth's parts on their own: the authenticate handler's parameters and answers, the
authorization handlers' answers, filters, handler values (the store's too), WebSockets."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import pytest
from pydantic import BaseModel

from streamgraph.sdk import Auth
from streamgraph.server.access import (
    STORE_PUT,
    STORE_SEARCH,
    THREAD_CREATE,
    AuthMiddleware,
    apply_changes,
    authorize_connection,
)
from streamgraph.server.auth import (
    AuthDenied,
    AuthHandlerFailed,
    AuthUser,
    Guard,
    Principal,
    principal_of,
)
from streamgraph.server.filters import FilterInvalid, MetadataFilter


def scope(path: str = "/threads/search", **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"limit=3&b=2",
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# -- authenticate ---------------------------------------------------------------------------------


def test_authenticate_gets_the_request_parts_it_names() -> None:
    seen: dict[str, Any] = {}
    auth = Auth()

    @auth.authenticate
    async def authenticate(
        request: Any,
        path: str,
        method: str,
        path_params: dict[str, str],
        query_params: Any,
        headers: dict[bytes, bytes],
        authorization: str | None,
        scope: dict[str, Any],
        scopes: list[str],
        user: Any,
        unknown_but_optional: int = 3,
    ) -> str:
        seen.update(
            request_path=request.url.path,
            request_params=request.path_params,
            path=path,
            method=method,
            path_params=path_params,
            query=dict(query_params),
            headers=headers,
            authorization=authorization,
            scope_type=scope["type"],
            scopes=scopes,
            user=user,
            optional=unknown_but_optional,
        )
        return "alice"

    guard = Guard(auth)
    principal = run(
        guard.authenticate(
            scope("/threads/t1", authorization="Bearer a", x_foo="bar"),
            lambda: {"thread_id": "t1"},
        )
    )
    assert principal.identity == "alice"
    assert seen == {
        "request_path": "/threads/t1",
        "request_params": {"thread_id": "t1"},
        "path": "/threads/t1",
        "method": "POST",
        "path_params": {"thread_id": "t1"},
        "query": {"limit": "3", "b": "2"},
        "headers": {b"authorization": b"Bearer a", b"x-foo": b"bar"},
        "authorization": "Bearer a",
        "scope_type": "http",
        "scopes": [],
        "user": None,
        "optional": 3,
    }


def test_authenticate_may_be_sync_and_asks_only_for_what_it_needs() -> None:
    auth = Auth()
    asked = []

    @auth.authenticate
    def authenticate(authorization: str | None) -> str:  # sync: run on a thread
        return authorization or "nobody"

    def path_params() -> dict[str, str]:
        asked.append(1)
        return {}

    principal = run(Guard(auth).authenticate(scope(authorization="bob"), path_params))
    assert principal.identity == "bob" and asked == []
    assert run(Guard(auth).authenticate(scope(), path_params)).identity == "nobody"


def test_a_parameter_the_server_cannot_give_is_a_startup_error() -> None:
    auth = Auth()

    @auth.authenticate
    async def authenticate(token: str) -> str:
        return token

    with pytest.raises(ValueError, match="takes 'token', which the server cannot give"):
        Guard(auth)


def test_what_authenticate_may_return() -> None:
    class Custom:
        identity = "carol"
        permissions = ("read",)
        team = "blue"

    alice = principal_of({"identity": "alice", "permissions": ["p"], "display_name": "Alice"})
    assert alice.permissions == ("p",)
    assert dict(alice.user or {}) == {
        "identity": "alice",
        "is_authenticated": True,
        "display_name": "Alice",
        "permissions": ["p"],
    }
    assert principal_of("bob").user == {
        "identity": "bob",
        "is_authenticated": True,
        "display_name": "bob",
    }
    carol = principal_of(Custom())
    assert carol.permissions == ("read",) and carol.user is not None
    assert (carol.user.identity, carol.user.team) == ("carol", "blue")  # its own attributes
    pair = principal_of((["x"], "dave"))
    assert (pair.identity, pair.permissions) == ("dave", ("x",))
    for bad in (12, {"name": "no identity"}, (1, 2, 3), None):
        with pytest.raises(ValueError):
            principal_of(bad)


def test_the_user_object_answers_as_dict_and_attributes() -> None:
    user = AuthUser({"identity": "a", "permissions": ["p"], "org": "o"})
    assert (user.identity, user.display_name, user.is_authenticated) == ("a", "a", True)
    assert (user.permissions, user["org"], user.org, user.get("x")) == (["p"], "o", "o", None)
    with pytest.raises(AttributeError):
        _ = user.nothing
    import copy

    assert copy.deepcopy(user) == user and type(copy.deepcopy(user)) is AuthUser
    assert Principal(user, ("p",)).configurable() == {
        "langgraph_auth_user": {"identity": "a", "permissions": ["p"], "org": "o"},
        "langgraph_auth_user_id": "a",
        "langgraph_auth_permissions": ["p"],
    }


def test_authenticate_failures(caplog: pytest.LogCaptureFixture) -> None:
    auth = Auth()

    @auth.authenticate
    async def authenticate(authorization: str | None) -> Any:
        if authorization == "teapot":
            raise Auth.exceptions.HTTPException(418, "tea", headers={"X-Tea": "1"})
        if authorization == "crash":
            raise RuntimeError("secret internals")
        if authorization == "bad":
            return 12
        raise Auth.exceptions.HTTPException(401, "who?", {"WWW-Authenticate": "Bearer"})

    guard = Guard(auth)
    with pytest.raises(AuthDenied) as denied:
        run(guard.authenticate(scope(), dict))
    assert (denied.value.status, denied.value.detail) == (401, "who?")
    assert denied.value.headers == {"WWW-Authenticate": "Bearer"}
    with pytest.raises(AuthDenied) as denied:
        run(guard.authenticate(scope(authorization="teapot"), dict))
    assert (denied.value.status, denied.value.detail) == (418, "tea")
    with caplog.at_level(logging.ERROR, "streamgraph.server.auth"):
        with pytest.raises(AuthHandlerFailed) as failed:
            run(guard.authenticate(scope(authorization="crash"), dict))
    assert failed.value.detail == "Internal Server Error"  # never the handler's text
    assert "the authenticate handler failed (POST /threads/search)" in caplog.text
    assert "secret internals" in caplog.text  # (the traceback, in the log only)
    with pytest.raises(AuthHandlerFailed, match="invalid user"):
        run(guard.authenticate(scope(authorization="bad"), dict))


def test_studio_requests_on_a_development_server() -> None:
    auth = Auth()

    @auth.authenticate
    async def authenticate(authorization: str | None) -> str:
        raise Auth.exceptions.HTTPException(401, "no")

    studio = scope(x_auth_scheme="langsmith")
    principal = run(Guard(auth, studio=True).authenticate(studio, dict))
    assert principal.user is not None and principal.user["kind"] == "StudioUser"
    assert principal.identity == "langgraph-studio-user"
    with pytest.raises(AuthDenied):  # not a development server: the header means nothing
        run(Guard(auth).authenticate(studio, dict))
    with pytest.raises(AuthDenied):
        run(Guard(auth, studio=True).authenticate(scope(), dict))
    keys = Guard(auth, studio=True, allow_langsmith_api_keys=True)
    assert run(keys.authenticate(scope(), dict)).identity == "langgraph-studio-user"


# -- authorize ------------------------------------------------------------------------------------


def test_authorization_answers(caplog: pytest.LogCaptureFixture) -> None:
    auth = Auth()
    answers: dict[str, Any] = {}
    seen: list[Any] = []

    @auth.authenticate
    async def authenticate(authorization: str | None) -> str:
        return "u"

    @auth.on
    async def decide(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> Any:
        seen.append((ctx.resource, ctx.action, ctx.user.identity, list(ctx.permissions)))
        answer = answers[ctx.action]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    guard = Guard(auth)
    who = Principal(AuthUser({"identity": "u"}), ("p",))

    def authorize(action: str, answer: Any) -> Any:
        answers[action] = answer
        return run(guard.authorize(who, "threads", action, {}))

    assert authorize("read", None) is None
    assert authorize("read", True) is None
    assert authorize("read", {}) is None
    assert authorize("read", {"owner": "u"}).spec == {"owner": "u"}
    assert seen[0] == ("threads", "read", "u", ["p"])
    with pytest.raises(AuthDenied, match="403: Forbidden"):
        authorize("update", False)
    with pytest.raises(AuthDenied, match="404: hidden"):
        authorize("update", Auth.exceptions.HTTPException(404, "hidden"))
    with pytest.raises(AuthDenied, match="403: nope"):
        authorize("update", AssertionError("nope"))
    with caplog.at_level(logging.ERROR, "streamgraph.server.auth"):
        with pytest.raises(AuthHandlerFailed) as failed:
            authorize("delete", KeyError("secret"))
    assert failed.value.detail == "Internal Server Error"
    assert "the threads.delete handler failed" in caplog.text and "secret" in caplog.text
    with pytest.raises(AuthHandlerFailed, match="Expected filter dict, None, or boolean"):
        authorize("search", "owner")
    with pytest.raises(AuthHandlerFailed, match="unknown filter operator '\\$in'"):
        authorize("search", {"$in": ["a"]})


def test_filters() -> None:
    metadata = {"owner": "a", "tags": ["x", "y"], "n": 1, "flag": True}

    def matches(spec: dict[str, Any]) -> bool:
        return MetadataFilter(spec).matches(metadata)

    assert matches({"owner": "a"}) and not matches({"owner": "b"})
    assert matches({"owner": {"$eq": "a"}}) and not matches({"missing": {"$eq": None}})
    assert matches({"n": 1.0}) and not matches({"flag": 1})  # JSON equality
    assert matches({"tags": {"$contains": "x"}}) and not matches({"tags": {"$contains": "z"}})
    assert matches({"tags": {"$contains": ["x", "y"]}})
    assert not matches({"tags": {"$contains": ["x", "z"]}})
    assert not matches({"owner": {"$contains": "a"}})  # not a list
    assert matches({"$or": [{"owner": "b"}, {"n": 1}]})
    assert not matches({"$or": [{"owner": "b"}, {"n": 2}], "owner": "a"})
    assert matches({"$and": [{"owner": "a"}, {"$or": [{"n": 2}, {"flag": True}]}]})
    assert MetadataFilter({"owner": "a"}).matches(None) is False
    nested = {"$or": [{"$or": [{"$or": [{"a": 1}, {"a": 2}]}, {"a": 3}]}, {"a": 4}]}
    for bad, problem in (
        ({"$or": [{"a": 1}]}, "at least 2"),
        ({"$nor": []}, "unknown filter operator"),
        ({"a": {"$in": [1]}}, "one operator"),
        ({"a": {"$eq": 1, "$contains": 1}}, "one operator"),
        (nested, "too many nested operators"),
    ):
        with pytest.raises(FilterInvalid, match=problem):
            MetadataFilter(bad)
    # What SQL can select by, and whether that is the whole filter.
    exact = MetadataFilter({"owner": "a", "n": {"$eq": 1}})
    assert (exact.narrowing, exact.exact) == ({"owner": "a", "n": 1}, True)
    partial = MetadataFilter({"owner": "a", "tags": {"$contains": "x"}})
    assert (partial.narrowing, partial.exact) == ({"owner": "a"}, False)
    assert MetadataFilter({"$or": [{"a": 1}, {"a": 2}]}).narrowing is None


# -- handler values and what a handler may change -------------------------------------------------


class FakeReq:
    def __init__(self, body: Any, path: dict[str, str] | None = None) -> None:
        self.body = body
        self.path = path or {}
        self.query: dict[str, str] = {}


class FakeApi:
    graphs: dict[str, Any] = {}


def test_values_and_changes_for_thread_creation() -> None:
    class Body(BaseModel):
        thread_id: str | None = None
        metadata: dict[str, Any] | None = None
        if_exists: str = "raise"
        ttl: Any = None

    body = Body()
    value = THREAD_CREATE.value(FakeApi(), FakeReq(body))  # type: ignore[arg-type]
    assert value == {"metadata": {}, "if_exists": "raise", "thread_id": uuid.UUID(body.thread_id)}
    value["metadata"]["owner"] = "alice"  # what a handler does
    apply_changes(body, value, THREAD_CREATE.fields)
    assert body.metadata == {"owner": "alice"}
    value["metadata"] = ["not", "a", "dict"]
    with pytest.raises(AuthHandlerFailed, match="must stay a dict"):
        apply_changes(body, value, THREAD_CREATE.fields)


def test_store_values_let_a_handler_redirect_the_namespace() -> None:
    """The hook the store's routes declare (``access.STORE_*``): the handler gets the
    namespace as a tuple; the body gets the one it leaves."""

    class PutBody(BaseModel):
        namespace: list[str]
        key: str
        value: dict[str, Any]
        index: Any = None
        ttl: float | None = None

    class SearchBody(BaseModel):
        namespace_prefix: list[str]
        filter: dict[str, Any] | None = None
        limit: int = 10
        offset: int = 0
        query: str | None = None
        refresh_ttl: bool | None = None

    auth = Auth()

    @auth.authenticate
    async def authenticate(authorization: str | None) -> str:
        return "alice"

    @auth.on.store
    async def scope_store(ctx: Auth.types.AuthContext, value: Any) -> None:
        namespace = tuple(value["namespace"])
        if namespace[:1] != (ctx.user.identity,):
            value["namespace"] = (ctx.user.identity, *namespace)

    guard = Guard(auth)
    who = run(guard.authenticate(scope(), dict))
    put = PutBody(namespace=["notes"], key="k", value={"v": 1})
    value = STORE_PUT.value(FakeApi(), FakeReq(put))  # type: ignore[arg-type]
    assert value == {"namespace": ("notes",), "key": "k", "value": {"v": 1}, "index": None}
    run(guard.authorize(who, "store", "put", value))
    apply_changes(put, value, STORE_PUT.fields)
    assert put.namespace == ["alice", "notes"]
    search = SearchBody(namespace_prefix=[])
    value = STORE_SEARCH.value(FakeApi(), FakeReq(search))  # type: ignore[arg-type]
    assert value["namespace"] is None or value["namespace"] == ()
    run(guard.authorize(who, "store", "search", value))
    apply_changes(search, value, STORE_SEARCH.fields)
    assert search.namespace_prefix == ["alice"]


# -- WebSockets -----------------------------------------------------------------------------------


def test_websockets_are_authenticated_at_the_handshake() -> None:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocket, WebSocketDisconnect

    guards: list[Guard] = []

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        # Each command of the connection is authorized on its own, as the route's would be.
        value = {"thread_id": websocket.path_params["thread_id"]}
        grant = await authorize_connection(guards[-1], websocket.scope, "threads", "read", value)
        spec = None if grant.filter is None else grant.filter.spec
        await websocket.send_json({"user": grant.principal.identity, "filter": spec})
        await websocket.close()

    def app_for(auth: Auth) -> Starlette:
        routes = [WebSocketRoute("/threads/{thread_id}/stream", echo)]
        app = Starlette(routes=routes)
        guards.append(Guard(auth))
        app.add_middleware(AuthMiddleware, guard=guards[-1], routes=routes, is_open=lambda p: False)
        return app

    auth = Auth()

    @auth.authenticate
    async def authenticate(authorization: str | None, path_params: dict[str, str]) -> str:
        if authorization != "Bearer alice":
            raise Auth.exceptions.HTTPException(401, "who?")
        return f"alice@{path_params['thread_id']}"

    @auth.on.threads.read
    async def own(ctx: Auth.types.AuthContext, value: Any) -> dict[str, str]:
        return {"owner": ctx.user.identity}

    client = TestClient(app_for(auth))
    headers = {"authorization": "Bearer alice"}
    with client.websocket_connect("/threads/t1/stream", headers=headers) as ws:
        assert ws.receive_json() == {"user": "alice@t1", "filter": {"owner": "alice@t1"}}
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/threads/t1/stream") as ws:
            ws.receive_json()
    assert (closed.value.code, closed.value.reason) == (4401, "who?")

    wants_request = Auth()

    @wants_request.authenticate
    async def needs_request(request: Any) -> str:
        return "x"

    with pytest.raises(WebSocketDisconnect) as closed:
        with TestClient(app_for(wants_request)).websocket_connect("/threads/t1/stream") as ws:
            ws.receive_json()
    assert closed.value.code == 4403 and "WebSocket" in closed.value.reason
