"""Which resource and action each route is, and how a request passes custom auth.

Every route declares what it does to which resource, with LangGraph's names::

    @endpoint("GET", "/threads/{thread_id}", response=Thread, auth=THREAD_READ)

With custom auth configured (``streamgraph.server.auth``), a request then goes through:

1. ``AuthMiddleware``, before routing: the ``authenticate`` handler tells who makes it
   (401/403 if nobody; the open routes ``/ok``, ``/info``, ``/openapi.json`` skip this);
2. the route's dispatcher (``routing.py``), once the body is validated: ``authorize``
   builds the handler's ``value`` from the path and body (``Access.value``), runs the
   handler for the route's ``(resource, action)``, copies what the handler may change
   (``metadata``, a store ``namespace``) back into the body, and sets the request's
   ``Grant`` (``auth.CURRENT``) while the route runs;
3. ``Api``'s lookups and searches: a row of the grant's resource whose metadata does not
   match the grant's filter is not there (404 for a read, absent from a search or count,
   which the storage filters before paging).

So a route only declares its ``Access``; one that acts on several rows for one request (a
batch of runs) declares ``deferred=True`` and calls ``api.authorize`` for each. WebSocket
routes are authenticated by the same middleware (the principal is in
``websocket.scope[PRINCIPAL]``) and call ``authorize_connection`` for each command.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from streamgraph.server.auth import (
    ANONYMOUS,
    AuthDenied,
    AuthHandlerFailed,
    Grant,
    Guard,
    Principal,
)

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from streamgraph.server.api import Api
    from streamgraph.server.routing import Req

__all__ = (
    "ASSISTANT_COUNT",
    "ASSISTANT_CREATE",
    "ASSISTANT_DELETE",
    "ASSISTANT_READ",
    "ASSISTANT_SEARCH",
    "ASSISTANT_UPDATE",
    "ASSISTANT_VERSION",
    "OPEN_PATHS",
    "PRINCIPAL",
    "PUBLIC",
    "RUNS_CANCEL",
    "RUN_CANCEL",
    "RUN_CREATE",
    "RUN_DELETE",
    "RUN_READ",
    "STORE_DELETE",
    "STORE_GET",
    "STORE_LIST_NAMESPACES",
    "STORE_PUT",
    "STORE_SEARCH",
    "THREAD_COPY",
    "THREAD_COUNT",
    "THREAD_CREATE",
    "THREAD_DELETE",
    "THREAD_PRUNE",
    "THREAD_READ",
    "THREAD_SEARCH",
    "THREAD_STATE_UPDATE",
    "THREAD_UPDATE",
    "Access",
    "AuthMiddleware",
    "apply_changes",
    "authorize_connection",
    "authorize_request",
    "principal_of_scope",
)

logger = logging.getLogger(__name__)
PRINCIPAL = "streamgraph.principal"
"""Where ``AuthMiddleware`` leaves the request's ``Principal`` in the ASGI scope."""
OPEN_PATHS = frozenset({"/", "/ok", "/info", "/openapi.json", "/docs"})
"""Routes custom auth leaves open, as LangGraph's server does (health, info, docs)."""
IDS = ("thread_id", "run_id", "assistant_id", "cron_id")
OPTIONAL = ("ids", "ttl")
"""Body fields the value carries only when the request gives them (as LangGraph's)."""
MUTABLE = ("metadata", "namespace")
"""What a handler may change in the value and the route then uses."""

Field = str | tuple[str, str]
"""A body field the value carries: its name, or (name in the value, name in the body)."""


@dataclass(frozen=True, slots=True)
class Access:
    """What a route does: ``action`` on ``resource`` (``threads``, ``assistants``,
    ``crons``, ``store``). The handler's value holds the route's path ids (as UUIDs, the
    way LangGraph passes them), the body's ``fields`` and what ``extra`` adds (query
    parameters, constants, ids the route generates)."""

    resource: str
    action: str
    fields: tuple[Field, ...] = ()
    extra: Callable[[Api, Req[Any]], dict[str, Any]] | None = None
    deferred: bool = False
    """The route calls ``api.authorize`` itself (once per item it acts on)."""
    path_ids: tuple[str, ...] = ("thread_id", "assistant_id", "cron_id")
    """The path parameters the value carries (a run's id only where LangGraph gives it)."""

    def value(self, api: Api, req: Req[Any]) -> dict[str, Any]:
        value: dict[str, Any] = {}
        for name in self.path_ids:
            if name in req.path:
                value[name] = _id(api, name, req.path[name])
        for spec in self.fields:
            name, attribute = (spec, spec) if isinstance(spec, str) else spec
            given = getattr(req.body, attribute, None)
            if given is not None or name not in OPTIONAL:
                value[name] = _value_of(name, given)
        if self.extra is not None:
            value.update(self.extra(api, req))
        return value


PUBLIC: Access | None = None
"""For ``endpoint(auth=PUBLIC)``: a route anyone may call (health, info, docs)."""


def _id(api: Api, name: str, given: str) -> Any:
    if name == "assistant_id" and given in api.graphs:  # a graph id names its assistant
        from streamgraph.server.api import system_assistant_id

        given = system_assistant_id(given)
    try:
        return uuid.UUID(given)
    except ValueError:
        return given


def _value_of(name: str, given: Any) -> Any:
    if name in ("metadata", "values") and given is None:
        return {}
    if name == "namespace" and isinstance(given, list):
        return tuple(given)
    if name in IDS and isinstance(given, str):
        return _id_or_text(given)
    if name in ("ids", "thread_ids") and isinstance(given, list):
        return [_id_or_text(item) for item in given]
    if isinstance(given, dict):
        return dict(given)  # the handler may change it; the route sees only MUTABLE changes
    return given


def _id_or_text(given: str) -> Any:
    try:
        return uuid.UUID(given)
    except ValueError:
        return given


async def authorize_request(api: Api, access: Access, req: Req[Any]) -> Grant:
    """Run the route's handler for ``req`` (see the module docstring)."""
    principal = principal_of_scope(req.request.scope)
    if access.deferred or api.guard is None:
        return Grant(principal)
    value = access.value(api, req)
    found = await api.guard.authorize(principal, access.resource, access.action, value)
    apply_changes(req.body, value, access.fields)
    return Grant(principal, access.resource, access.action, found, value)


def apply_changes(body: Any, value: Mapping[str, Any], fields: tuple[Field, ...]) -> None:
    """Copy what the handler may change (``MUTABLE``) from ``value`` back to the body."""
    if body is None:
        return
    for spec in fields:
        name, attribute = (spec, spec) if isinstance(spec, str) else spec
        if name not in MUTABLE or name not in value:
            continue
        changed = value[name]
        if name == "metadata" and not isinstance(changed, dict):
            raise _bad_change(f"value['metadata'] must stay a dict, not {type(changed).__name__}")
        if name == "namespace":
            if not isinstance(changed, tuple | list) or not all(
                isinstance(part, str) for part in changed
            ):
                raise _bad_change(f"value['namespace'] must be strings, not {changed!r}")
            changed = list(changed)
        setattr(body, attribute, changed)


def _bad_change(problem: str) -> AuthHandlerFailed:
    logger.error("auth: a handler changed its value wrongly: %s", problem)
    return AuthHandlerFailed(f"The auth handler changed its value wrongly: {problem}")


def principal_of_scope(scope: Mapping[str, Any]) -> Principal:
    principal = scope.get(PRINCIPAL)
    return principal if isinstance(principal, Principal) else ANONYMOUS


async def authorize_connection(
    guard: Guard | None, scope: Mapping[str, Any], resource: str, action: str, value: dict[str, Any]
) -> Grant:
    """For WebSocket routes: authorize one command of an authenticated connection."""
    principal = principal_of_scope(scope)
    if guard is None:
        return Grant(principal)
    found = await guard.authorize(principal, resource, action, value)
    return Grant(principal, resource, action, found, value)


# -- the value of each route -------------------------------------------------------------------


def _new_thread_id(api: Api, req: Req[Any]) -> dict[str, Any]:
    from streamgraph.server.api import new_id

    req.body.thread_id = req.body.thread_id or new_id()
    return {"thread_id": uuid.UUID(req.body.thread_id)}


def _new_assistant_id(api: Api, req: Req[Any]) -> dict[str, Any]:
    from streamgraph.server.api import new_id

    req.body.assistant_id = req.body.assistant_id or new_id()
    return {"assistant_id": uuid.UUID(req.body.assistant_id)}


def _count(api: Api, req: Req[Any]) -> dict[str, Any]:
    return {"limit": 0, "offset": 0}


def _cancel(api: Api, req: Req[Any]) -> dict[str, Any]:
    action = req.query.get("action", "interrupt")
    run_ids = [uuid.UUID(req.path["run_id"])]
    return {"action": action, "metadata": {"run_ids": run_ids, "status": None}}


def _cancel_many(api: Api, req: Req[Any]) -> dict[str, Any]:
    body = req.body
    thread_id = _id_or_text(body.thread_id) if body.thread_id else None
    run_ids = [_id_or_text(r) for r in body.run_ids] if body.run_ids is not None else None
    return {
        "thread_id": thread_id,
        "action": req.query.get("action", "interrupt"),
        "metadata": {"run_ids": run_ids, "status": body.status},
    }


def _version(api: Api, req: Req[Any]) -> dict[str, Any]:
    version = req.body.version if req.body is not None else None
    if version is None and req.query.get("version", "").isdigit():
        version = int(req.query["version"])
    return {"version": version}


THREAD_CREATE = Access("threads", "create", ("metadata", "if_exists", "ttl"), _new_thread_id)
THREAD_READ = Access("threads", "read")
THREAD_UPDATE = Access("threads", "update", ("metadata",))
THREAD_STATE_UPDATE = Access("threads", "update")
THREAD_DELETE = Access("threads", "delete")
THREAD_COPY = Access("threads", "read")  # (and threads.create for the copy)
THREAD_SEARCH = Access(
    "threads", "search", ("metadata", "values", "status", "limit", "offset", "ids")
)
THREAD_COUNT = Access("threads", "search", ("metadata", "values", "status"), _count)
THREAD_PRUNE = Access("threads", "delete", ("thread_ids",))
RUN_CREATE = Access("threads", "create_run", deferred=True)
RUN_READ = Access("threads", "read")
RUN_DELETE = Access("threads", "delete", path_ids=("run_id", "thread_id"))
RUN_CANCEL = Access("threads", "update", extra=_cancel)
RUNS_CANCEL = Access("threads", "update", extra=_cancel_many)
ASSISTANT_CREATE = Access(
    "assistants",
    "create",
    ("graph_id", "config", "context", "metadata", "name"),
    _new_assistant_id,
)
ASSISTANT_READ = Access("assistants", "read")
ASSISTANT_UPDATE = Access(
    "assistants", "update", ("graph_id", "config", "context", "metadata", "name")
)
ASSISTANT_VERSION = Access("assistants", "update", extra=_version)
ASSISTANT_DELETE = Access("assistants", "delete")
ASSISTANT_SEARCH = Access("assistants", "search", ("graph_id", "metadata", "limit", "offset"))
ASSISTANT_COUNT = Access("assistants", "search", ("graph_id", "metadata"), _count)

# The store's routes (the body field names of LangGraph's store API). A handler rewriting
# ``value["namespace"]`` redirects the operation: the body's namespace is replaced.
STORE_PUT = Access("store", "put", ("namespace", "key", "value", "index", "ttl"))
STORE_DELETE = Access("store", "delete", ("namespace", "key"))
STORE_SEARCH = Access(
    "store",
    "search",
    (("namespace", "namespace_prefix"), "filter", "limit", "offset", "query", "refresh_ttl"),
)
STORE_LIST_NAMESPACES = Access(
    "store",
    "list_namespaces",
    (("namespace", "prefix"), "suffix", "max_depth", "limit", "offset"),
)
STORE_GET = Access("store", "get", deferred=True)
"""``GET /store/items`` takes its namespace in the query: the route builds the value
(``{"namespace": tuple, "key", "refresh_ttl"}``) and calls ``api.authorize`` itself."""


# -- authentication ------------------------------------------------------------------------------


class AuthMiddleware:
    """Authenticates every HTTP request and WebSocket but the open paths (see the module
    docstring); refusals are answered here, before any route runs."""

    def __init__(
        self,
        app: Callable[..., Any],
        guard: Guard,
        routes: Sequence[BaseRoute],
        is_open: Callable[[str], bool],
    ) -> None:
        self.app = app
        self.guard = guard
        self.routes = routes
        self.is_open = is_open

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or self.is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            principal = await self.guard.authenticate(scope, lambda: self._path_params(scope))
        except (AuthDenied, AuthHandlerFailed) as error:
            await _refuse(scope, receive, send, error)
            return
        scope[PRINCIPAL] = principal
        await self.app(scope, receive, send)

    def _path_params(self, scope: dict[str, Any]) -> dict[str, str]:
        """The parameters of the route the request is for (LangGraph's server gives ``{}``
        here, authenticating before routing)."""
        from starlette.routing import Match

        for route in self.routes:
            match, child = route.matches(scope)
            if match != Match.NONE:
                return {k: str(v) for k, v in child.get("path_params", {}).items()}
        return {}


async def _refuse(scope: dict[str, Any], receive: Any, send: Any, error: Exception) -> None:
    status, detail, headers = 500, "Internal Server Error", {}
    if isinstance(error, AuthDenied):
        status, detail, headers = error.status, error.detail, error.headers
    elif isinstance(error, AuthHandlerFailed):
        detail = error.detail
    if scope["type"] == "websocket":  # refused before accepting: close with 4000 + status
        await send({"type": "websocket.close", "code": 4000 + status % 1000, "reason": detail})
        return
    from streamgraph.server.routing import json_response

    await json_response({"detail": detail}, status, headers)(scope, receive, send)
