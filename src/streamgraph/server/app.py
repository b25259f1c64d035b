"""``create_app()``: the ASGI application (Starlette) serving a set of graphs.

Example::

    from streamgraph.server import create_app

    app = create_app(graphs={"joke": graph}, storage="memory")   # or a config file path
    # uvicorn.run(app, port=2024)

Storage: ``"memory"``, a SQLite file path (the default: ``.streamgraph/streamgraph.sqlite``
next to the config file, or in the working folder), ``postgres://...``/``postgresql://...``,
or a ``Storage`` object. Every client mistake gets a status below 500 with LangGraph's
``{"detail": ...}`` body; a ``500`` means a bug here (its details are in the server's log,
not in the response).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from streamgraph.errors import StreamGraphError
from streamgraph.server import (  # noqa: F401
    routes_assistants,
    routes_runs,
    routes_store,
    routes_threads,
)
from streamgraph.server.api import Api, ApiError
from streamgraph.server.auth import AuthDenied, AuthHandlerFailed, Guard, load_auth
from streamgraph.server.graphs import ConfigError, GraphEntry, load_config, load_graphs
from streamgraph.server.routing import BodyTooLarge, RequestInvalid, json_response, routes
from streamgraph.server.storage.base import Storage, StorageUnavailable
from streamgraph.server.webhooks import WebhookPolicy

__all__ = ("create_app", "default_event_dir", "open_storage")

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


def default_event_dir(spec: str | Storage | None, base_dir: Path) -> Path | None:
    """Where a storage's runs keep their event logs (``None``: a temporary folder)."""
    if spec is None or spec == "":
        return base_dir / ".streamgraph" / "events"
    if not isinstance(spec, str) or spec in ("memory", ":memory:"):
        return None
    if spec.startswith(("postgres://", "postgresql://")):
        return base_dir / ".streamgraph" / "events"
    return Path(spec).parent / "events"


def create_app(
    graphs: dict[str, Any] | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    storage: str | Storage | None = None,
    workers: int | None = None,
    api_keys: list[str] | None = None,
    max_body_bytes: int = 10 * 2**20,
    event_dir: str | os.PathLike[str] | None = None,
    log_keep_seconds: float = 300.0,
    studio: bool = False,
    webhooks: dict[str, Any] | None = None,
    auth: Any = None,
    studio_auth: bool = False,
) -> Starlette:
    """The server app for ``graphs`` (id -> graph or ``"./file.py:attr"``) or the graphs of
    a ``langgraph.json``-style ``config`` file. API keys come from ``api_keys``, the config
    file's ``api_keys``, or the ``STREAMGRAPH_API_KEYS`` variable (comma-separated); with
    any set, every route but ``/ok`` needs one in the ``x-api-key`` header. ``studio``
    serves the Studio web page at ``/studio/`` (see ``streamgraph.server.studio``).

    ``workers``: how many runs execute at once (``None``, the default: every run starts
    when created, its thread allows). ``event_dir``: where runs' event logs are kept (the
    default: ``events/`` beside a SQLite file, ``.streamgraph/events`` for Postgres, a
    temporary folder for memory storage); ``log_keep_seconds``: how long after a run.
    ``webhooks``: LangGraph's ``webhooks`` settings (or the config file's; see
    ``streamgraph.server.webhooks``).

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
        webhooks = webhooks if webhooks is not None else loaded.webhooks
        auth_entry = auth if auth is not None else loaded.auth
    elif graphs:
        entries = load_graphs(graphs, base)
    else:
        raise ValueError("create_app() needs graphs={...} or config='langgraph.json'")
    keys += [k for k in os.environ.get("STREAMGRAPH_API_KEYS", "").split(",") if k.strip()]
    try:
        policy = WebhookPolicy.from_config(webhooks)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"webhooks: {error}") from None
    guard = _guard(auth_entry, base, studio_auth)
    api = Api(
        entries,
        open_storage(storage, base),
        workers=workers,
        api_keys=keys,
        max_body_bytes=max_body_bytes,
        event_dir=event_dir if event_dir is not None else default_event_dir(storage, base),
        log_keep_seconds=log_keep_seconds,
        webhooks=policy,
        guard=guard,
    )
    if config is not None:
        from streamgraph.server.store_config import configure_store

        configure_store(api.store, loaded.store, base)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await api.startup()
        restore = _stop_streams_on_exit_signals(api)
        try:
            yield
        finally:
            restore()
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
            StorageUnavailable: _unavailable,
            ValueError: _bad_value,
            StreamGraphError: _bad_value,
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


def _stop_streams_on_exit_signals(api: Api) -> Callable[[], None]:
    """On SIGINT/SIGTERM, end open streams and waits at once (their clients reconnect
    later), then let the server's own handler (uvicorn's) go on: it waits for responses to
    finish before stopping, and an open stream would keep it waiting for its run (20 s
    seen) or for ever. Signals are the main thread's only: elsewhere, nothing to do."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(sig: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(api.begin_shutdown)
        handler = previous[signal.Signals(sig)]
        if callable(handler):
            handler(sig, frame)
        elif handler == signal.SIG_DFL and sig == signal.SIGINT:
            raise KeyboardInterrupt

    for sig in previous:
        signal.signal(sig, on_signal)

    def restore() -> None:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is on_signal:
                signal.signal(sig, handler)

    return restore


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


async def _bad_value(request: Request, error: Exception) -> Response:
    # As LangGraph's server: what the graph API refuses (an update to an unknown node, a
    # superstep without updates, an unknown checkpoint...) is the request's fault: 400.
    return json_response({"detail": str(error) or type(error).__name__}, 400)


async def _unavailable(request: Request, error: Exception) -> Response:
    logger.warning("%s %s: %s", request.method, request.url.path, error)
    return json_response({"detail": str(error)}, 503, headers={"Retry-After": "1"})


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
    api: Api = request.app.state.api
    outage = api.outage(error)
    if outage is not None:  # not a bug: the database is down (said at once, see outage.py)
        logger.warning("%s %s: %s (%s)", request.method, request.url.path, outage, error)
        return json_response({"detail": outage}, 503, headers={"Retry-After": "1"})
    refused = api.storage.refused(error)
    if refused is not None:  # (what validation let through and the database refused)
        return json_response({"detail": f"body: {refused}"}, 422)
    # As LangGraph's server: nothing of the error itself goes out (it is in the log).
    logger.exception("unexpected error in %s %s", request.method, request.url.path)
    return json_response({"detail": "Internal Server Error"}, 500)


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
