"""Custom auth in the server: a project's ``Auth`` object, who makes each request, and what
its authorization handlers answer.

``langgraph.json``'s ``"auth": {"path": "./auth.py:auth"}`` names an ``Auth`` object
(``streamgraph.sdk.Auth``, or ``langgraph_sdk.Auth`` itself). ``Guard`` wraps it:

- ``authenticate(scope)`` runs its ``@auth.authenticate`` handler with the request parts it
  asks for by name and makes a ``Principal`` of what it returns (``AuthMiddleware`` does
  this for every request but the open ones, before routing, as LangGraph's server does);
- ``authorize(principal, resource, action, value)`` runs the most specific
  ``@auth.on...`` handler and returns its filter (or ``None``: no restriction).

Which resource and action each route is, and what a filter then hides, is
``streamgraph.server.access``. Failures: a handler's ``Auth.exceptions.HTTPException``
becomes its status and ``{"detail": ...}`` (``AuthDenied``); ``False`` is 403; a handler
that crashes or answers something unusable is logged with its traceback and the client gets
a 500 with a generic body (``AuthHandlerFailed``), never the handler's error text.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamgraph.server.filters import FilterInvalid, MetadataFilter

__all__ = (
    "ANONYMOUS",
    "AUTHENTICATE_PARAMETERS",
    "CURRENT",
    "AuthDenied",
    "AuthHandlerFailed",
    "AuthUser",
    "Grant",
    "Guard",
    "Principal",
    "current_grant",
    "handler_for",
    "load_auth",
    "principal_of",
    "user_from_config",
)

logger = logging.getLogger(__name__)

AUTHENTICATE_PARAMETERS = (
    "request",
    "path",
    "method",
    "path_params",
    "query_params",
    "headers",
    "authorization",
    "scope",
    "scopes",
    "user",
)
"""What an ``@auth.authenticate`` handler may take, by parameter name."""
STUDIO_IDENTITY = "langgraph-studio-user"


class AuthDenied(Exception):
    """The request is refused: ``status`` and ``{"detail": detail}`` (plus ``headers``)."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


class AuthHandlerFailed(Exception):
    """An auth handler crashed or answered something unusable (logged; the client gets a
    500). ``detail`` is what the client may see: a generic message, or what was wrong
    with the handler's answer (never its exception's text)."""

    def __init__(self, detail: str = "Internal Server Error") -> None:
        super().__init__(detail)
        self.detail = detail


class AuthUser(dict[str, Any]):
    """The authenticated user as handlers and graphs see it (``ctx.user``, and
    ``config["configurable"]["langgraph_auth_user"]`` in a run): a dict of its fields
    (``identity``, ``display_name``, ``is_authenticated``, ``permissions`` if given, and
    whatever else the ``authenticate`` handler returned) that also answers them as
    attributes (``user.identity``), as LangGraph's server's user object does. Being a dict,
    it is stored with the run and shown in streams as the JSON object it is."""

    __slots__ = ("_source",)

    def __init__(self, fields: Mapping[str, Any], source: Any = None) -> None:
        super().__init__(fields)
        self._source = source  # the handler's own user object, for its other attributes

    @property
    def identity(self) -> Any:
        return self["identity"]

    @property
    def display_name(self) -> Any:
        return self.get("display_name", self["identity"])

    @property
    def is_authenticated(self) -> bool:
        return bool(self.get("is_authenticated", True))

    @property
    def permissions(self) -> Sequence[str]:
        found = self.get("permissions")
        return list(found) if isinstance(found, list | tuple) else []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self:
            return self[name]
        source = self._source
        if source is not None and not isinstance(source, Mapping):
            return getattr(source, name)
        raise AttributeError(f"the user has no field {name!r}")

    def __reduce__(self) -> Any:  # copies and pickles are plain AuthUsers of the fields
        return (AuthUser, (dict(self),))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who makes a request: the user and their permissions (``ctx.permissions``)."""

    user: AuthUser | None
    permissions: tuple[str, ...] = ()

    @property
    def identity(self) -> Any:
        return "" if self.user is None else self.user.identity

    def configurable(self) -> dict[str, Any]:
        """What a run this principal creates gets in ``config["configurable"]``."""
        return {
            "langgraph_auth_user": None if self.user is None else dict(self.user),
            "langgraph_auth_user_id": self.identity,
            "langgraph_auth_permissions": list(self.permissions),
        }


ANONYMOUS = Principal(None)
"""The principal of requests to a server without custom auth."""


def user_from_config(stored: Any) -> AuthUser | None:
    """The user a run was created by (as ``Principal.configurable`` stored it)."""
    if isinstance(stored, Mapping) and "identity" in stored:
        return AuthUser(stored)
    return None


# -- loading ------------------------------------------------------------------------------------


def load_auth(spec: str, base_dir: Path) -> Any:
    """The ``Auth`` object at ``spec`` (``./file.py:name`` relative to ``base_dir``, or
    ``package.module:name``). Raises ``ValueError`` with one line saying what is wrong."""
    location, sep, name = spec.rpartition(":")
    if not sep or not location or not name:
        raise ValueError(
            f"auth path {spec!r} should look like './auth.py:auth' or 'package.module:auth'"
        )
    try:
        if location.endswith(".py") or "/" in location:
            module = _import_file((base_dir / location).resolve())
        else:
            module = importlib.import_module(location)
    except ValueError:
        raise
    except Exception as error:  # the user's module failed: say how, in one line
        raise ValueError(
            f"auth {spec!r}: importing {location} failed: {type(error).__name__}: {error}"
        ) from None
    found = getattr(module, name, None)
    if found is None:
        raise ValueError(f"auth {spec!r}: {location} has no attribute {name!r}")
    if not _is_auth(found):
        raise ValueError(
            f"auth {spec!r} is a {type(found).__name__}, not an Auth object "
            "(auth = Auth(), from streamgraph.sdk or langgraph_sdk)"
        )
    if found._authenticate_handler is None:
        raise ValueError(
            f"auth {spec!r} has no @auth.authenticate handler: the server needs one to "
            "know who makes each request"
        )
    return found


def _import_file(file: Path) -> Any:
    if not file.is_file():
        raise ValueError(f"auth file not found: {file}")
    module_name = f"streamgraph_auth_{abs(hash(str(file)))}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    if str(file.parent) not in sys.path:
        sys.path.insert(0, str(file.parent))
    spec.loader.exec_module(module)
    return module


def _is_auth(value: Any) -> bool:
    """Ours, or ``langgraph_sdk.Auth`` (the same registry, read the same way)."""
    from streamgraph.sdk.auth import Auth

    if isinstance(value, Auth):
        return True
    kind = type(value)
    return kind.__name__ == "Auth" and kind.__module__.startswith("langgraph_sdk")


def handler_for(auth: Any, resource: str, action: str) -> Any | None:
    """The handler that authorizes ``action`` on ``resource``: the most specific one
    registered (resource and action, then resource, then action), else the global one."""
    handlers: dict[tuple[str, str], list[Any]] = auth._handlers
    for key in ((resource, action), (resource, "*"), ("*", action), ("*", "*")):
        if key in handlers:
            return handlers[key][-1]
    return auth._global_handlers[-1] if auth._global_handlers else None


def _parameters(fn: Callable[..., Any]) -> frozenset[str]:
    """The request parts ``fn`` takes; ``ValueError`` for a required one nobody can give."""
    signature = inspect.signature(fn)
    unsupported = [
        name
        for name, parameter in signature.parameters.items()
        if name not in AUTHENTICATE_PARAMETERS
        and parameter.default is parameter.empty
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]
    if unsupported:
        raise ValueError(
            f"@auth.authenticate handler {getattr(fn, '__name__', fn)!r} takes "
            f"{', '.join(map(repr, unsupported))}, which the server cannot give: it may take "
            f"{', '.join(AUTHENTICATE_PARAMETERS)}"
        )
    return frozenset(name for name in signature.parameters if name in AUTHENTICATE_PARAMETERS)


# -- the guard -----------------------------------------------------------------------------------


class Guard:
    """A project's ``Auth`` object, ready to authenticate requests and run its handlers.

    ``studio``: a development server (``streamgraph dev``) lets LangGraph Studio's requests
    (header ``x-auth-scheme: langsmith``) in as the Studio user without calling
    ``authenticate``, as ``langgraph dev`` does; the authorization handlers still run (and
    may tell that user apart with ``is_studio_user``). ``allow_langsmith_api_keys`` also
    lets in requests without an ``Authorization`` header that way (config keys of the same
    names; ``disable_studio_auth`` turns both off)."""

    def __init__(
        self, auth: Any, *, studio: bool = False, allow_langsmith_api_keys: bool = False
    ) -> None:
        self.auth = auth
        self.authenticator: Callable[..., Any] = auth._authenticate_handler
        self.wants = _parameters(self.authenticator)
        self.studio = studio
        self.allow_langsmith_api_keys = studio and allow_langsmith_api_keys
        self._handlers: dict[tuple[str, str], Any | None] = {}

    # -- who -----------------------------------------------------------------------------------

    async def authenticate(
        self, scope: Mapping[str, Any], path_params: Callable[[], dict[str, str]]
    ) -> Principal:
        """The principal of the request or WebSocket ``scope`` (``path_params`` computes its
        route's parameters, asked only when the handler takes them)."""
        headers = dict(scope.get("headers") or ())
        authorization = headers.get(b"authorization")
        if self.studio and (
            headers.get(b"x-auth-scheme") == b"langsmith"
            or (self.allow_langsmith_api_keys and not (authorization or b"").strip())
        ):
            return studio_principal()
        arguments = self._arguments(scope, headers, path_params)
        try:
            if inspect.iscoroutinefunction(self.authenticator):
                answer = await self.authenticator(**arguments)
            else:
                answer = await asyncio.to_thread(self.authenticator, **arguments)
        except Exception as error:
            raise self._failure("authenticate", scope, error) from None
        try:
            return principal_of(answer)
        except (TypeError, ValueError) as error:
            logger.error("auth: the authenticate handler answered %r: %s", answer, error)
            raise AuthHandlerFailed(f"The auth handler returned an invalid user: {error}") from None

    def _arguments(
        self,
        scope: Mapping[str, Any],
        headers: dict[bytes, bytes],
        path_params: Callable[[], dict[str, str]],
    ) -> dict[str, Any]:
        from starlette.datastructures import QueryParams

        wants = self.wants
        arguments: dict[str, Any] = {}
        if "request" in wants:
            if scope["type"] != "http":
                raise AuthDenied(
                    403,
                    "The auth handler takes `request`, which WebSocket connections do not "
                    "have: take `headers`, `authorization`, `scope` or `path` instead",
                )
            from starlette.requests import Request

            arguments["request"] = Request({**scope, "path_params": path_params()})
        simple: dict[str, Callable[[], Any]] = {
            "path": lambda: scope["path"],
            "method": lambda: scope.get("method", "GET"),  # a WebSocket opens with a GET
            "path_params": path_params,
            "query_params": lambda: QueryParams(scope.get("query_string", b"")),
            "headers": lambda: headers,
            "authorization": lambda: _text(headers.get(b"authorization")),
            "scope": lambda: scope,
            "scopes": list,
            "user": lambda: None,
        }
        for name, make in simple.items():
            if name in wants:
                arguments[name] = make()
        return arguments

    # -- what ----------------------------------------------------------------------------------

    def handler(self, resource: str, action: str) -> Any | None:
        key = (resource, action)
        if key not in self._handlers:
            self._handlers[key] = handler_for(self.auth, resource, action)
        return self._handlers[key]

    async def authorize(
        self, principal: Principal, resource: str, action: str, value: dict[str, Any]
    ) -> MetadataFilter | None:
        """Run the handler for ``action`` on ``resource`` (it may change ``value``); its
        filter, ``None`` when it allows without one. ``AuthDenied`` when it refuses."""
        handler = self.handler(resource, action)
        if handler is None:
            return None
        from streamgraph.sdk.auth.types import AuthContext

        user: Any = principal.user if principal.user is not None else AuthUser({"identity": ""})
        context = AuthContext(
            permissions=list(principal.permissions),
            user=user,
            resource=resource,  # type: ignore[arg-type]
            action=action,  # type: ignore[arg-type]
        )
        try:
            answer = await handler(ctx=context, value=value)
        except AssertionError as error:
            raise AuthDenied(403, str(error)) from None
        except Exception as error:
            raise self._failure(f"{resource}.{action}", {"type": "handler"}, error) from None
        if answer is None or answer is True:
            return None
        if answer is False:
            raise AuthDenied(403, "Forbidden")
        if not isinstance(answer, dict):
            detail = (
                "Auth handler returned invalid result. Expected filter dict, None, or "
                f"boolean. Got {type(answer)} instead."
            )
            logger.error("auth: the %s.%s handler: %s", resource, action, detail)
            raise AuthHandlerFailed(detail)
        if not answer:
            return None
        try:
            return MetadataFilter(answer)
        except FilterInvalid as error:
            logger.error("auth: the %s.%s handler returned %r: %s", resource, action, answer, error)
            raise AuthHandlerFailed(str(error)) from None

    def _failure(self, which: str, scope: Mapping[str, Any], error: Exception) -> Exception:
        status = getattr(error, "status_code", None)
        if isinstance(status, int) and hasattr(error, "detail"):  # Auth.exceptions.HTTPException
            return AuthDenied(status, str(error.detail), getattr(error, "headers", None))
        where = f" ({scope.get('method', '')} {scope['path']})" if "path" in scope else ""
        logger.error("auth: the %s handler failed%s", which, where, exc_info=error)
        return AuthHandlerFailed()


def _text(header: bytes | None) -> str | None:
    # (a header that is not UTF-8 is the client's mistake: the handler sees replacement
    # characters and refuses it, instead of the server failing)
    return header.decode("utf-8", "replace") if header else None


def studio_principal() -> Principal:
    """LangGraph Studio's user on a development server (see ``Guard``)."""
    user = {
        "kind": "StudioUser",
        "identity": STUDIO_IDENTITY,
        "display_name": STUDIO_IDENTITY,
        "is_authenticated": False,
        "permissions": [],
    }
    return Principal(AuthUser(user))


def principal_of(answer: Any) -> Principal:
    """A ``Principal`` from what ``authenticate`` returned: an identity string, a dict
    with ``identity`` (and maybe ``permissions``, ``display_name``, ...), an object with an
    ``identity`` attribute, or a ``(permissions, user)`` pair."""
    if isinstance(answer, tuple):
        if len(answer) != 2:
            raise ValueError(f"expected a (permissions, user) pair, got {len(answer)} items")
        permissions, user = answer
    elif isinstance(answer, Mapping):
        permissions, user = answer.get("permissions") or (), answer
    else:
        permissions, user = getattr(answer, "permissions", ()) or (), answer
    if isinstance(permissions, str) or not isinstance(permissions, Sequence | set | frozenset):
        raise ValueError(f"permissions must be a list of strings, not {permissions!r}")
    return Principal(_user(user), tuple(str(p) for p in permissions))


def _user(user: Any) -> AuthUser:
    if isinstance(user, str):
        return AuthUser({"identity": user, "is_authenticated": True, "display_name": user})
    if isinstance(user, Mapping):
        if "identity" not in user:
            raise ValueError(f"a user dict needs an 'identity', got keys {sorted(user)}")
        fields = dict(user)
    elif hasattr(user, "identity"):
        fields = _object_fields(user)
    else:
        raise ValueError(
            "expected a user: an identity string, a dict with 'identity', or an object with "
            f"an identity attribute; got {type(user).__name__}"
        )
    identity = fields["identity"]
    return AuthUser(
        {
            "identity": identity,
            "is_authenticated": fields.pop("is_authenticated", True),
            "display_name": fields.pop("display_name", identity),
            **fields,
        },
        source=user,
    )


def _object_fields(user: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for method in ("model_dump", "dict"):
        dump = getattr(user, method, None)
        if callable(dump):
            try:
                dumped = dump()
            except Exception:  # not a dump of its fields after all
                continue
            if isinstance(dumped, Mapping):
                fields.update(dumped)
                break
    fields["identity"] = user.identity
    for name in ("display_name", "is_authenticated", "permissions"):
        if name not in fields and hasattr(user, name):
            value = getattr(user, name)
            fields[name] = list(value) if name == "permissions" else value
    return fields


# -- what one request may do ------------------------------------------------------------------


@dataclass(slots=True)
class Grant:
    """What the auth handler allowed the current request: who makes it, the route's
    resource and action, the filter the handler returned (rows of that resource whose
    metadata does not match are hidden: not found, not listed), and the value it saw
    (after its changes)."""

    principal: Principal
    resource: str | None = None
    action: str | None = None
    filter: MetadataFilter | None = None
    value: dict[str, Any] = field(default_factory=dict)

    def filter_for(self, resource: str) -> MetadataFilter | None:
        return self.filter if resource == self.resource else None

    def allows(self, resource: str, metadata: Any) -> bool:
        found = self.filter_for(resource)
        return found is None or found.matches(metadata)


CURRENT: ContextVar[Grant | None] = ContextVar("streamgraph_auth_grant", default=None)
"""The grant of the request being handled (set around each route's handler when the server
has custom auth; ``None`` in run workers and without custom auth)."""


def current_grant() -> Grant | None:
    return CURRENT.get()
