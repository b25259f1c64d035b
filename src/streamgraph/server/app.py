"""``create_app()``: the ASGI application (Starlette) serving a set of graphs.

Example::

    from streamgraph.server import create_app

    app = create_app(graphs={"joke": graph}, storage="memory")   # or a config file path
    # uvicorn.run(app, port=2024)

Storage: ``"memory"``, a SQLite file path (the default: ``.streamgraph/streamgraph.sqlite``
next to the config file, or in the working folder), ``postgres://...``/``postgresql://...``,
or a ``Storage`` object. Every client mistake gets a status below 500 with LangGraph's
``{"detail": ...}`` body; a ``500`` means a bug here, and its body says so.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from streamgraph.server import routes_assistants, routes_runs, routes_threads  # noqa: F401
from streamgraph.server.api import Api, ApiError
from streamgraph.server.auth import AuthDenied, AuthHandlerFailed, Guard, load_auth
from streamgraph.server.graphs import ConfigError, GraphEntry, load_config, load_graphs
from streamgraph.server.routing import BodyTooLarge, RequestInvalid, json_response, routes
from streamgraph.server.storage.base import Storage

__all__ = ("create_app", "open_storage")

logger = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/ok"})
# The studio page's own files are public: the page asks for the API key and sends it.
OPEN_PREFIXES = ("/studio",)


def open_storage(spec: str | Storage | None, base_dir: Path) -> Storage:
    """A storage from its description (see the module docstring)."""
    if spec is not None and not isinstance(spec, str):
        return spec
    if spec == "memory" or spec == ":memory:":
        from streamgraph.server.storage.memory import MemoryStorage

        return MemoryStorage()
    if spec is not None and spec.startswith(("postgres://", "postgresql://")):
        from streamgraph.server.storage.postgres import PostgresStorage

        return PostgresStorage(spec)
    from streamgraph.server.storage.sqlite import SqliteStorage

    path = Path(spec) if spec else base_dir / ".streamgraph" / "streamgraph.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStorage(str(path))


def create_app(
    graphs: dict[str, Any] | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    storage: str | Storage | None = None,
    workers: int = 16,
    api_keys: list[str] | None = None,
    max_body_bytes: int = 10 * 2**20,
    log_keep_seconds: float = 300.0,
    studio: bool = False,
    auth: Any = None,
    studio_auth: bool = False,
) -> Starlette:
    """The server app for ``graphs`` (id -> graph or ``"./file.py:attr"``) or the graphs of
    a ``langgraph.json``-style ``config`` file. API keys come from ``api_keys``, the config
    file's ``api_keys``, or the ``STREAMGRAPH_API_KEYS`` variable (comma-separated); with
    any set, every route but ``/ok`` needs one in the ``x-api-key`` header. ``studio``
    serves the Studio web page at ``/studio/`` (see ``streamgraph.server.studio``).

    Custom auth comes from ``auth`` (an ``Auth`` object, or ``{"path": ...}`` as in a
    config file) or the config file's ``auth``: then every request but ``/ok``, ``/info``
    and ``/openapi.json`` is authenticated by its handler, and each route's authorization
    handler decides what the user may see and do (``streamgraph.server.access``). With API
    keys too, a request needs both: the key first, then the auth handler's approval.
    ``studio_auth`` (``streamgraph dev``) lets LangGraph Studio's requests in as
    ``langgraph dev`` does (see ``auth.Guard``)."""
    _load_langchain()
    base = Path.cwd()
    keys = list(api_keys or ())
    auth_entry: Any = auth
    if config is not None:
        loaded = load_config(config)
        base = loaded.base_dir
        entries: dict[str, GraphEntry] = load_graphs(loaded.graphs, base)
        keys += loaded.api_keys
        auth_entry = auth if auth is not None else loaded.auth
    elif graphs:
        entries = load_graphs(graphs, base)
    else:
        raise ValueError("create_app() needs graphs={...} or config='langgraph.json'")
    keys += [k for k in os.environ.get("STREAMGRAPH_API_KEYS", "").split(",") if k.strip()]
    guard = _guard(auth_entry, base, studio_auth)
    api = Api(
        entries,
        open_storage(storage, base),
        workers=workers,
        api_keys=keys,
        max_body_bytes=max_body_bytes,
        log_keep_seconds=log_keep_seconds,
        guard=guard,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await api.startup()
        try:
            yield
        finally:
            await api.shutdown()

    served: list[Any] = [*routes(api)]
    if studio:
        from streamgraph.server.studio import studio_routes

        served += studio_routes()
    app = Starlette(
        routes=served,
        lifespan=lifespan,
        exception_handlers={
            ApiError: _api_error,
            RequestInvalid: _invalid,
            BodyTooLarge: _too_large,
            HTTPException: _http_error,
            AuthDenied: _auth_denied,
            AuthHandlerFailed: _auth_failed,
            Exception: _bug,
        },
    )
    app.state.api = api
    if guard is not None:  # (added first: runs after the API key check)
        from streamgraph.server.access import OPEN_PATHS as AUTH_OPEN_PATHS
        from streamgraph.server.access import AuthMiddleware

        def auth_open(path: str) -> bool:  # (the studio page's own files too)
            return path in AUTH_OPEN_PATHS or _is_open(path)

        app.add_middleware(AuthMiddleware, guard=guard, routes=served, is_open=auth_open)
    if api.api_keys:
        app.add_middleware(_KeyCheck, keys=api.api_keys)
    return app


def _guard(entry: Any, base: Path, studio: bool) -> Guard | None:
    """Custom auth from ``entry``: an ``Auth`` object, ``{"path": ..., flags}`` or a path."""
    if entry is None:
        return None
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict):
        auth_object = entry
        entry = {}
    else:
        try:
            auth_object = load_auth(str(entry.get("path")), base)
        except ValueError as error:
            raise ConfigError(str(error)) from None
    try:
        return Guard(
            auth_object,
            studio=studio and not entry.get("disable_studio_auth", False),
            allow_langsmith_api_keys=bool(entry.get("allow_langsmith_api_keys")),
        )
    except (AttributeError, ValueError) as error:
        raise ConfigError(f"auth: {error}") from None


def _load_langchain() -> None:
    """Load LangChain's run config machinery up front: the library attaches its ``messages``
    handler only when langchain-core is loaded, and a graph may import its chat model
    inside a node, on its first run (a server pays the import once, at startup)."""
    try:
        import langchain_core.runnables.config  # noqa: F401
    except ImportError:  # not installed: only the native token writer streams tokens
        pass


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return json_response({"detail": error.detail}, error.status)


async def _invalid(request: Request, error: Exception) -> Response:
    return json_response({"detail": str(error)}, 422)


async def _too_large(request: Request, error: Exception) -> Response:
    return json_response({"detail": str(error)}, 413)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return json_response({"detail": error.detail}, error.status_code)


async def _auth_denied(request: Request, error: Exception) -> Response:
    assert isinstance(error, AuthDenied)
    return json_response({"detail": error.detail}, error.status, error.headers or None)


async def _auth_failed(request: Request, error: Exception) -> Response:
    assert isinstance(error, AuthHandlerFailed)  # (logged where it happened)
    return json_response({"detail": error.detail}, 500)


async def _bug(request: Request, error: Exception) -> Response:
    logger.exception("unexpected error in %s %s", request.method, request.url.path)
    return json_response({"detail": f"Internal server error: {type(error).__name__}: {error}"}, 500)


def _is_open(path: str) -> bool:
    return path in OPEN_PATHS or any(
        path == prefix or path.startswith(prefix + "/") for prefix in OPEN_PREFIXES
    )


class _KeyCheck:
    """Requests without a known ``x-api-key`` get 401 (``/ok`` stays open)."""

    def __init__(self, app: Callable[..., Awaitable[None]], keys: frozenset[str]) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not _is_open(scope["path"]):
            given = dict(scope["headers"]).get(b"x-api-key", b"").decode("latin-1")
            if given not in self.keys:
                response = json_response(
                    {"detail": "Missing or invalid API key: send one in the x-api-key header"}, 401
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
