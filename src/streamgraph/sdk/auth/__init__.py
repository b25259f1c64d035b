"""Custom auth for a LangGraph-compatible server: who makes a request, and what they may do.

A project's ``langgraph.json`` names an ``Auth`` object (``"auth": {"path":
"./auth.py:auth"}``); the server then runs its handlers on every request::

    from streamgraph.sdk import Auth        # (langgraph_sdk.Auth under streamgraph.compat)

    auth = Auth()

    @auth.authenticate
    async def authenticate(authorization: str | None) -> Auth.types.MinimalUserDict:
        user = USERS.get(authorization or "")
        if user is None:
            raise Auth.exceptions.HTTPException(status_code=401, detail="Unknown token")
        return {"identity": user["id"], "permissions": user["permissions"]}

    @auth.on
    async def owner_only(ctx: Auth.types.AuthContext, value: dict) -> Auth.types.FilterType:
        value.setdefault("metadata", {})["owner"] = ctx.user.identity   # stamps what is created
        return {"owner": ctx.user.identity}                             # and scopes the rest

``@auth.authenticate`` runs first, on every request but the health check: it takes the
request's parts by parameter name (``authorization``, ``headers``, ``path``, ``method``,
``path_params``, ``query_params``, ``request``, ``scope``) and returns the user. Then the
server calls the most specific authorization handler for the operation: one registered for
its resource and action (``@auth.on.threads.create``), else for its resource
(``@auth.on.threads``), else for its action (``@auth.on(actions="read")``), else the global
one (``@auth.on``); with none, the operation is allowed. Handlers are ``async`` functions
``(ctx, value)``: see ``streamgraph.sdk.auth.types`` for what they get and may return.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from streamgraph.sdk.auth import exceptions, types

__all__ = ("Auth", "exceptions", "is_studio_user", "types")

H = TypeVar("H", bound=Callable[..., Any])

ACTIONS: dict[str, tuple[str, ...]] = {
    "threads": ("create", "read", "update", "delete", "search", "create_run"),
    "assistants": ("create", "read", "update", "delete", "search"),
    "crons": ("create", "read", "update", "delete", "search"),
    "store": ("put", "get", "search", "delete", "list_namespaces"),
}
"""Every resource an authorization handler can be registered for, with its actions."""


class Auth:
    """A project's authentication and authorization handlers (see the module docstring)."""

    __slots__ = (
        "_authenticate_handler",
        "_global_handlers",
        "_handler_cache",
        "_handlers",
        "on",
    )
    types = types
    exceptions = exceptions

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], list[types.Handler]] = {}
        self._global_handlers: list[types.Handler] = []
        self._authenticate_handler: types.Authenticator | None = None
        self._handler_cache: dict[tuple[str, str], types.Handler] = {}
        self.on = _On(self)
        """Register authorization handlers: ``@auth.on`` (every operation),
        ``@auth.on.threads`` (one resource), ``@auth.on.threads.create`` (one action),
        ``@auth.on(resources=[...], actions=[...])`` (several), ``@auth.on.store``."""

    def authenticate(self, fn: H) -> H:
        """Register the function that tells who makes a request (one per ``Auth``). It may
        be sync or async; it raises ``Auth.exceptions.HTTPException`` to refuse."""
        if self._authenticate_handler is not None:
            raise ValueError(
                f"Authentication handler already set as {self._authenticate_handler!r}: "
                "an Auth object has one @auth.authenticate function"
            )
        if not callable(fn):
            raise TypeError(f"@auth.authenticate needs a function, not {fn!r}")
        self._authenticate_handler = fn
        return fn

    def __repr__(self) -> str:
        return (
            f"Auth(authenticate={getattr(self._authenticate_handler, '__name__', None)!r}, "
            f"handlers={sorted(self._handlers)!r}, global={bool(self._global_handlers)})"
        )


def is_studio_user(user: Any) -> bool:
    """Whether ``user`` is the LangGraph Studio user a development server lets in."""
    return isinstance(user, types.StudioUser) or (
        hasattr(user, "get") and callable(user.get) and user.get("kind") == "StudioUser"
    )


# -- registration ----------------------------------------------------------------------------


def _check_handler(fn: Any) -> None:
    name = getattr(fn, "__name__", repr(fn))
    if not inspect.iscoroutinefunction(fn):
        raise ValueError(
            f"Auth handler {name!r} must be an async function (async def): the server awaits "
            "it on its event loop"
        )
    parameters = inspect.signature(fn).parameters
    for needed, text in (("ctx", "ctx: Auth.types.AuthContext"), ("value", "value")):
        if needed not in parameters:
            raise ValueError(
                f"Auth handler {name!r} must take a {text!r} parameter (handlers are called "
                "as handler(ctx=..., value=...))"
            )


def _register(auth: Auth, resource: str, action: str, fn: Any) -> None:
    _check_handler(fn)
    if resource == "*" and action == "*":
        if auth._global_handlers:
            raise ValueError("Global handler already set: an Auth object has one @auth.on")
        auth._global_handlers.append(fn)
        return
    _check_names(resource, action)
    if (resource, action) in auth._handlers:
        raise ValueError(f"Handler already set for {resource}, {action}.")
    auth._handlers[(resource, action)] = [fn]
    auth._handler_cache.clear()


def _check_names(resource: str, action: str) -> None:
    """Refuse a resource or action the server never authorizes: a handler registered
    under a misspelt name would never run, and what it meant to protect would be open."""
    if resource == "*":
        known = {a for actions in ACTIONS.values() for a in actions}
        if action not in known:
            raise ValueError(f"Unknown auth action {action!r}: expected one of {sorted(known)}")
        return
    if resource not in ACTIONS:
        hint = (
            " (runs are authorized as threads: create_run, read, ...)" if resource == "runs" else ""
        )
        raise ValueError(
            f"Unknown auth resource {resource!r}{hint}: expected one of {sorted(ACTIONS)}"
        )
    if action != "*" and action not in ACTIONS[resource]:
        raise ValueError(
            f"Invalid action {action!r} for {resource}: expected one of "
            f"{', '.join(ACTIONS[resource])}"
        )


def _names(given: str | Sequence[str] | None, what: str) -> list[str]:
    if given is None:
        return ["*"]
    names = [given] if isinstance(given, str) else list(given)
    if not names or not all(isinstance(name, str) for name in names):
        raise TypeError(f"{what} must be a string or a non-empty sequence of strings")
    if len(names) != len(set(names)):
        raise ValueError(f"{what} must not contain duplicates")
    return names


class _Action:
    """``@auth.on.<resource>.<action>``."""

    __slots__ = ("action", "auth", "resource")

    def __init__(self, auth: Auth, resource: str, action: str) -> None:
        self.auth = auth
        self.resource = resource
        self.action = action

    def __call__(self, fn: H) -> H:
        _register(self.auth, self.resource, self.action, fn)
        return fn


class _Resource:
    """``@auth.on.<resource>`` (every action of it), or ``(actions=[...])``."""

    value: Any = dict[str, Any]

    def __init__(self, auth: Auth, resource: str) -> None:
        self.auth = auth
        self.resource = resource
        for action in ACTIONS[resource]:
            setattr(self, action, _Action(auth, resource, action))

    def __call__(
        self,
        fn: Any = None,
        *,
        resources: str | Sequence[str] | None = None,
        actions: str | Sequence[str] | None = None,
    ) -> Any:
        if fn is not None:
            _register(self.auth, self.resource, "*", fn)
            return fn
        if resources is not None and _names(resources, "resources") != [self.resource]:
            raise ValueError(
                f"@auth.on.{self.resource}(...) registers {self.resource} handlers only; use "
                "@auth.on(resources=..., actions=...) for other or several resources"
            )
        wanted = _names(actions, "actions")

        def register(handler: H) -> H:
            _check_handler(handler)
            for action in wanted:
                if (self.resource, action) in self.auth._handlers:
                    raise ValueError(f"Handler already set for {self.resource}, {action}.")
            for action in wanted:
                _register(self.auth, self.resource, action, handler)
            return handler

        return register


class _Threads(_Resource):
    value = (
        types.ThreadsCreate
        | types.ThreadsRead
        | types.ThreadsUpdate
        | types.ThreadsDelete
        | types.ThreadsSearch
        | types.RunsCreate
    )
    create: _Action
    read: _Action
    update: _Action
    delete: _Action
    search: _Action
    create_run: _Action


class _Assistants(_Resource):
    value = (
        types.AssistantsCreate
        | types.AssistantsRead
        | types.AssistantsUpdate
        | types.AssistantsDelete
        | types.AssistantsSearch
    )
    create: _Action
    read: _Action
    update: _Action
    delete: _Action
    search: _Action


class _Crons(_Resource):
    value = (
        types.CronsCreate
        | types.CronsRead
        | types.CronsUpdate
        | types.CronsDelete
        | types.CronsSearch
    )
    create: _Action
    read: _Action
    update: _Action
    delete: _Action
    search: _Action


class _Store(_Resource):
    value = (
        types.StoreGet
        | types.StoreSearch
        | types.StoreListNamespaces
        | types.StorePut
        | types.StoreDelete
    )
    put: _Action
    get: _Action
    search: _Action
    delete: _Action
    list_namespaces: _Action


class _On:
    """``auth.on``: see ``Auth.on``."""

    __slots__ = ("_auth", "assistants", "crons", "store", "threads", "value")

    def __init__(self, auth: Auth) -> None:
        self._auth = auth
        self.threads = _Threads(auth, "threads")
        self.assistants = _Assistants(auth, "assistants")
        self.crons = _Crons(auth, "crons")
        self.store = _Store(auth, "store")
        self.value = dict[str, Any]

    def __call__(
        self,
        fn: Any = None,
        *,
        resources: str | Sequence[str] | None = None,
        actions: str | Sequence[str] | None = None,
    ) -> Any:
        if fn is not None:
            _register(self._auth, "*", "*", fn)
            return fn
        pairs = [
            (resource, action)
            for resource in _names(resources, "resources")
            for action in _names(actions, "actions")
        ]
        for resource, action in pairs:
            if resource != "*" or action != "*":
                _check_names(resource, action)

        def register(handler: H) -> H:
            _check_handler(handler)
            for pair in pairs:
                if pair in self._auth._handlers or (
                    pair == ("*", "*") and self._auth._global_handlers
                ):
                    raise ValueError(f"Handler already set for {pair[0]}, {pair[1]}.")
            for resource, action in pairs:
                _register(self._auth, resource, action, handler)
            return handler

        return register
