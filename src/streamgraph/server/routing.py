"""Declaring routes once: the handler, its body schema and its docs, for both the app and
``/openapi.json``.

A handler is ``async def handler(api, req) -> result``; ``req`` carries the validated body,
the path parameters and the query. The result is a Starlette ``Response`` (sent as it is),
``None`` (204), or anything JSON-able (200, serialized with orjson). Path parameters named
``thread_id`` and ``run_id`` must be UUIDs (422 otherwise); ``assistant_id`` may also be a
graph id.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from streamgraph.server.schemas import SCHEMAS, RequestInvalid, validate
from streamgraph.server.serialize import dumps, loads

if TYPE_CHECKING:
    from streamgraph.server.api import Api

__all__ = ("ENDPOINTS", "Endpoint", "Req", "endpoint", "json_response", "openapi", "routes")

Handler = Callable[["Api", "Req"], Awaitable[Any]]
UUID_PARAMS = ("thread_id", "run_id")


class Req:
    """One request, validated: ``body``, ``path`` and ``query`` (a ``QueryParams``)."""

    __slots__ = ("body", "path", "query", "request")

    def __init__(self, request: Request, body: Any, path: dict[str, str]) -> None:
        self.request = request
        self.body = body
        self.path = path
        self.query = request.query_params

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.query.get(name)
        if value is None:
            return default
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        raise RequestInvalid(f"query.{name}", f"{value!r} is not a boolean")

    def number(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.query.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise RequestInvalid(f"query.{name}", f"{value!r} is not an integer") from None
        if number < minimum:
            raise RequestInvalid(f"query.{name}", f"{number} is less than {minimum}")
        return number

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.query.get(name, default)
        if value not in allowed:
            raise RequestInvalid(
                f"query.{name}", f"{value!r} is not one of {', '.join(map(repr, allowed))}"
            )
        return value


class Endpoint:
    __slots__ = ("body", "handler", "method", "path", "query", "summary", "tag")

    def __init__(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        body: str | None,
        summary: str,
        tag: str,
        query: dict[str, str] | None,
    ) -> None:
        self.method = method
        self.path = path
        self.handler = handler
        self.body = body
        self.summary = summary
        self.tag = tag
        self.query = query or {}


ENDPOINTS: list[Endpoint] = []


def endpoint(
    method: str,
    path: str,
    *,
    body: str | None = None,
    summary: str = "",
    tag: str = "",
    query: dict[str, str] | None = None,
) -> Callable[[Handler], Handler]:
    """Register a handler (see the module docstring); ``body`` names a schema in
    ``SCHEMAS``; ``query`` documents query parameters (name -> description)."""
    if body is not None and body not in SCHEMAS:
        raise KeyError(f"unknown body schema {body!r}")

    def register(handler: Handler) -> Handler:
        ENDPOINTS.append(
            Endpoint(
                method,
                path,
                handler,
                body=body,
                summary=summary or (handler.__doc__ or "").strip().split("\n")[0],
                tag=tag,
                query=query,
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


async def _read_body(request: Request, api: Api, schema: str | None) -> Any:
    if schema is None:
        return None
    raw = await _limited_body(request, api.max_body_bytes)
    if not raw.strip():
        data: Any = {} if SCHEMAS[schema].get("type") == "object" else None
    else:
        try:
            data = loads(raw)
        except ValueError:
            raise RequestInvalid("body", "Invalid JSON in request body") from None
    return validate(SCHEMAS[schema], data)


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
        body = await _read_body(request, api, item.body)
        result = await item.handler(api, Req(request, body, path))
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204)
        return json_response(result)

    return dispatch


def openapi(title: str, version: str) -> dict[str, Any]:
    """The OpenAPI document of every registered endpoint (schemas from ``SCHEMAS``)."""
    paths: dict[str, Any] = {}
    for item in ENDPOINTS:
        operation: dict[str, Any] = {
            "summary": item.summary,
            "tags": [item.tag] if item.tag else [],
            "responses": {"200": {"description": "OK"}},
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _path_names(item.path)
        ]
        parameters += [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": text,
                "schema": {"type": "string"},
            }
            for name, text in item.query.items()
        ]
        if parameters:
            operation["parameters"] = parameters
        if item.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{item.body}"}}
                },
            }
            operation["responses"]["422"] = {"description": "Validation error"}
        paths.setdefault(item.path, {})[item.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }


def _path_names(path: str) -> list[str]:
    return [
        part[1:-1].split(":")[0]
        for part in path.split("/")
        if part.startswith("{") and part.endswith("}")
    ]
