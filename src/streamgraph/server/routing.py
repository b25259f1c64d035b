"""Declaring routes once: the handler, its body and response types and its docs, for both
the app and ``/openapi.json``.

A route is a handler and one ``endpoint(...)`` line::

    @endpoint("POST", "/threads", body=ThreadCreate, response=Thread, errors=(409,))
    async def create_thread(api: Api, req: Req[ThreadCreate]) -> Thread: ...

``body`` is a pydantic type (a ``models.Body``): the JSON is validated against it (422 with
one line naming the field, see ``models.describe``) and the handler finds the result in
``req.body``, with ``req.path`` (path parameters) and ``req.query``. ``response`` is what a
200 carries (a type: the SDK's ``TypedDict``s, ``list[...]``, ``int``...), ``EventStream``
for server-sent events, or ``None`` for a 204. The handler returns a Starlette ``Response``
(sent as it is), ``None`` (204), or anything JSON-able (200, serialized with orjson; not
checked against ``response``, which documents it). Path parameters named ``thread_id`` and
``run_id`` must be UUIDs (422 otherwise); ``assistant_id`` may also be a graph id.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from streamgraph.server.auth import CURRENT, Grant
from streamgraph.server.models import MAX_INT, Body, describe
from streamgraph.server.serialize import dumps, loads

if TYPE_CHECKING:
    from streamgraph.server.access import Access
    from streamgraph.server.api import Api

__all__ = (
    "ENDPOINTS",
    "Endpoint",
    "EventStream",
    "Req",
    "RequestInvalid",
    "declared",
    "endpoint",
    "json_response",
    "openapi",
    "routes",
)

BodyT = TypeVar("BodyT")
Handler = Callable[["Api", Any], Awaitable[Any]]
HandlerT = TypeVar("HandlerT", bound=Handler)
UUID_PARAMS = ("thread_id", "run_id")


class RequestInvalid(Exception):
    """A request that does not match its route's types (HTTP 422)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where


class EventStream:
    """``response=EventStream``: the route answers with server-sent events."""


class Req(Generic[BodyT]):
    """One request, validated: ``body`` (the route's body type), ``path`` and ``query``;
    ``grant``: who makes it and what custom auth allowed (``access.py``)."""

    __slots__ = ("body", "grant", "path", "query", "request")

    def __init__(self, request: Request, body: BodyT, path: dict[str, str]) -> None:
        self.request = request
        self.body = body
        self.path = path
        self.query = request.query_params
        self.grant: Grant | None = None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.query.get(name)
        if value is None:
            return default
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        raise RequestInvalid(f"query.{name}", f"{value!r} is not a boolean")

    def number(self, name: str, default: int, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
        value = self.query.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise RequestInvalid(f"query.{name}", f"{value!r} is not an integer") from None
        if number < minimum:
            raise RequestInvalid(f"query.{name}", f"{number} is less than {minimum}")
        if number > maximum:
            raise RequestInvalid(f"query.{name}", f"{number} is more than {maximum}")
        return number

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.query.get(name, default)
        if value not in allowed:
            raise RequestInvalid(
                f"query.{name}", f"{value!r} is not one of {', '.join(map(repr, allowed))}"
            )
        return value


_UNDECLARED: Any = object()


class Endpoint:
    __slots__ = (
        "access",
        "body",
        "empty_body",
        "errors",
        "handler",
        "method",
        "other_responses",
        "path",
        "query",
        "response",
        "summary",
        "tag",
        "validator",
    )

    def __init__(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        body: Any,
        response: Any,
        summary: str,
        tag: str,
        query: Mapping[str, str],
        errors: tuple[int, ...],
        other_responses: Mapping[int, str],
        access: Access | None = _UNDECLARED,
    ) -> None:
        self.access = access
        """What the route does, for custom auth (``access.py``); ``None``: open to all."""
        self.method = method
        self.path = path
        self.handler = handler
        self.body = body
        self.validator: TypeAdapter[Any] | None = None if body is None else TypeAdapter(body)
        # An empty body is ``{}`` for an object body (every field has a default or is missing).
        self.empty_body: Any = {} if isinstance(body, type) and issubclass(body, Body) else None
        self.response = response
        self.summary = summary
        self.tag = tag
        self.query = dict(query)
        self.errors = errors
        self.other_responses = dict(other_responses)


ENDPOINTS: list[Endpoint] = []


def endpoint(
    method: str,
    path: str,
    *,
    response: Any,
    body: Any = None,
    summary: str = "",
    tag: str = "",
    query: Mapping[str, str] | None = None,
    errors: tuple[int, ...] = (),
    other_responses: Mapping[int, str] | None = None,
    auth: Access | None = _UNDECLARED,
) -> Callable[[HandlerT], HandlerT]:
    """Register a handler (see the module docstring). ``query`` documents query parameters
    (name -> description); ``errors`` lists error statuses besides the ones every route of
    its kind has (422 for bad input, 404 for unknown ids); ``other_responses`` documents
    other bodiless successes (status -> description). ``auth`` says what the route does
    to which resource (``access.THREAD_READ``, ...; ``access.PUBLIC`` for open routes): every
    route declares it, and custom auth enforces it (see ``access.py``)."""

    def register(handler: HandlerT) -> HandlerT:
        ENDPOINTS.append(
            Endpoint(
                method,
                path,
                handler,
                body=body,
                response=response,
                summary=summary or (handler.__doc__ or "").strip().split("\n")[0],
                tag=tag,
                query=query or {},
                errors=errors,
                other_responses=other_responses or {},
                access=auth,
            )
        )
        return handler

    return register


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        dumps(value), status_code=status, headers=headers, media_type="application/json"
    )


def _check_path(params: dict[str, Any]) -> dict[str, str]:
    for name in UUID_PARAMS:
        value = params.get(name)
        if value is not None:
            try:
                uuid.UUID(value)
            except ValueError:
                raise RequestInvalid(f"path.{name}", f"{value!r} is not a UUID") from None
    return {k: str(v) for k, v in params.items()}


async def _read_body(request: Request, api: Api, item: Endpoint) -> Any:
    if item.validator is None:
        return None
    raw = await _limited_body(request, api.max_body_bytes)
    if not raw.strip():
        data: Any = item.empty_body
    else:
        try:
            data = loads(raw)
        except ValueError:
            raise RequestInvalid("body", "Invalid JSON in request body") from None
        too_deep = _too_deep(data, MAX_DEPTH)
        if too_deep is not None:
            raise RequestInvalid(too_deep, f"nested deeper than {MAX_DEPTH} levels")
    try:
        return item.validator.validate_python(data)
    except ValidationError as error:
        raise RequestInvalid(*describe(error)) from None


MAX_DEPTH = 100
"""How deep a request's JSON may nest: what the server stores (rows, checkpoints) nests it
a few levels further, and its JSON writer stops at 255."""


def _too_deep(value: Any, limit: int) -> str | None:
    """Where ``value`` nests deeper than ``limit`` (``body.a[0].b...``), or None."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "body")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, dict):
            children: Any = ((f".{k}", v) for k, v in item.items())
        elif isinstance(item, list):
            children = ((f"[{i}]", v) for i, v in enumerate(item))
        else:
            continue
        if depth == limit:
            return where if len(where) < 120 else where[:60] + "..." + where[-40:]
        for step, child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1, where + step))
    return None


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body larger than {limit} bytes")


async def _limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def routes(api: Api) -> list[Route]:
    """Starlette routes for every registered endpoint, bound to ``api``."""
    by_path: dict[str, dict[str, Endpoint]] = {}
    for item in ENDPOINTS:
        by_path.setdefault(item.path, {})[item.method] = item
    return [
        Route(path, _dispatcher(api, methods), methods=list(methods))
        for path, methods in by_path.items()
    ]


def _dispatcher(api: Api, methods: dict[str, Endpoint]) -> Callable[[Request], Awaitable[Response]]:
    async def dispatch(request: Request) -> Response:
        item = methods[request.method if request.method != "HEAD" else "GET"]
        path = _check_path(request.path_params)
        body = await _read_body(request, api, item)
        req = Req(request, body, path)
        if api.guard is None or item.access is None or item.access is _UNDECLARED:
            result = await item.handler(api, req)
        else:
            result = await _authorized(api, item.access, req, item.handler)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204)
        return json_response(result)

    return dispatch


async def _authorized(api: Api, access: Access, req: Req[Any], handler: Handler) -> Any:
    """Run ``handler`` under the grant custom auth gives ``req`` (see ``access.py``)."""
    from streamgraph.server.access import authorize_request

    req.grant = await authorize_request(api, access, req)
    token = CURRENT.set(req.grant)
    try:
        return await handler(api, req)
    finally:
        CURRENT.reset(token)


def declared(item: Endpoint) -> bool:
    """Whether the route said what it does (``auth=``), as every route must."""
    return item.access is not _UNDECLARED


def openapi(title: str, version: str) -> dict[str, Any]:
    """The OpenAPI document of every registered endpoint: bodies and responses as JSON
    Schema (pydantic writes it from the types), shared objects under ``components``."""
    from streamgraph.server.openapi import document

    return document(ENDPOINTS, title, version)
