"""The ``Auth`` object (``streamgraph.sdk.Auth``, ``langgraph_sdk.Auth``'s API): registering
handlers, which one authorizes an operation, the types and exceptions it carries."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from streamgraph.sdk import Auth
from streamgraph.sdk.auth import is_studio_user, types
from streamgraph.sdk.auth.exceptions import HTTPException
from streamgraph.server.auth import handler_for


async def allow(ctx: Any, value: Any) -> None:
    return None


def handler(name: str) -> Any:
    async def fn(ctx: Any, value: Any) -> str:
        return name

    fn.__name__ = name
    return fn


def test_import_paths_and_no_server_import() -> None:
    import streamgraph.sdk.auth

    assert streamgraph.sdk.auth.Auth is Auth
    assert Auth.types is types and Auth.exceptions.HTTPException is HTTPException
    assert Auth.types.on.threads.create.value is types.ThreadsCreate
    assert Auth.types.on.threads.create_run.value is types.RunsCreate
    assert Auth.types.on.store.put.value is types.StorePut
    # An auth file imports the SDK, never the server (which it may not have installed).
    code = (
        "import sys, streamgraph.sdk.auth; "
        "print(sorted(m for m in sys.modules if m.startswith(('starlette', 'streamgraph.server'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_decorators_register_by_resource_and_action() -> None:
    auth = Auth()

    @auth.authenticate
    async def authenticate(authorization: str | None) -> str:
        return "user"

    everything = auth.on(handler("everything"))
    threads = auth.on.threads(handler("threads"))
    create = auth.on.threads.create(handler("threads.create"))
    run = auth.on.threads.create_run(handler("threads.create_run"))
    reads = auth.on(resources=["assistants", "crons"], actions=["read", "search"])(handler("r"))
    deletes = auth.on(actions="delete")(handler("deletes"))
    store = auth.on.store(handler("store"))
    put = auth.on.store.put(handler("store.put"))
    assistants_update = auth.on.assistants(actions="update")(handler("assistants.update"))

    assert auth._authenticate_handler is authenticate
    assert auth._global_handlers == [everything]
    assert auth._handlers == {
        ("threads", "*"): [threads],
        ("threads", "create"): [create],
        ("threads", "create_run"): [run],
        ("assistants", "read"): [reads],
        ("assistants", "search"): [reads],
        ("crons", "read"): [reads],
        ("crons", "search"): [reads],
        ("*", "delete"): [deletes],
        ("store", "*"): [store],
        ("store", "put"): [put],
        ("assistants", "update"): [assistants_update],
    }


def test_the_most_specific_handler_authorizes() -> None:
    auth = Auth()
    assert handler_for(auth, "threads", "read") is None  # nothing registered: allowed
    everything = auth.on(handler("everything"))
    assert handler_for(auth, "threads", "read") is everything
    deletes = auth.on(actions="delete")(handler("deletes"))
    threads = auth.on.threads(handler("threads"))
    create = auth.on.threads.create(handler("create"))
    # resource and action > resource > action > global
    assert handler_for(auth, "threads", "create") is create
    assert handler_for(auth, "threads", "read") is threads
    assert handler_for(auth, "threads", "delete") is threads
    assert handler_for(auth, "assistants", "delete") is deletes
    assert handler_for(auth, "assistants", "read") is everything
    assert handler_for(auth, "store", "put") is everything


def test_langgraph_sdk_auth_objects_resolve_the_same_way() -> None:
    langgraph_sdk = pytest.importorskip("langgraph_sdk")
    auth = langgraph_sdk.Auth()
    everything = auth.on(handler("everything"))
    create = auth.on.threads.create(handler("create"))
    reads = auth.on(actions="read")(handler("reads"))
    assert handler_for(auth, "threads", "create") is create
    assert handler_for(auth, "assistants", "read") is reads
    assert handler_for(auth, "assistants", "update") is everything


def test_registration_mistakes_are_refused_at_once() -> None:
    auth = Auth()
    auth.on(allow)
    with pytest.raises(ValueError, match="Global handler already set"):
        auth.on(allow)
    auth.on.threads.read(allow)
    with pytest.raises(ValueError, match="already set for threads, read"):
        auth.on.threads.read(allow)
    with pytest.raises(ValueError, match="already set for threads, read"):
        auth.on(resources="threads", actions=["read", "update"])(allow)
    assert ("threads", "update") not in auth._handlers  # nothing half-registered

    def sync_handler(ctx: Any, value: Any) -> None: ...

    with pytest.raises(ValueError, match="must be an async function"):
        auth.on.threads.create(sync_handler)

    async def no_ctx(value: Any) -> None: ...

    async def no_value(ctx: Any) -> None: ...

    with pytest.raises(ValueError, match="'ctx: Auth.types.AuthContext' parameter"):
        auth.on.threads.create(no_ctx)
    with pytest.raises(ValueError, match="'value' parameter"):
        auth.on.threads.create(no_value)
    # A misspelt resource or action would never run, leaving what it meant to guard open.
    with pytest.raises(ValueError, match="Unknown auth resource 'thread'"):
        auth.on(resources="thread")(allow)
    with pytest.raises(ValueError, match="runs are authorized as threads"):
        auth.on(resources="runs", actions="create")(allow)
    with pytest.raises(ValueError, match="Invalid action 'put' for threads"):
        auth.on(resources="threads", actions="put")(allow)
    with pytest.raises(ValueError, match="Unknown auth action 'write'"):
        auth.on(actions="write")(allow)
    with pytest.raises(ValueError, match="Invalid action 'create_run' for assistants"):
        auth.on.assistants(actions="create_run")(allow)
    with pytest.raises(ValueError, match="registers threads handlers only"):
        auth.on.threads(resources="assistants")(allow)
    with pytest.raises(TypeError, match="non-empty sequence"):
        auth.on(actions=[])(allow)

    @auth.authenticate
    async def first(authorization: str | None) -> str:
        return "a"

    with pytest.raises(ValueError, match="Authentication handler already set"):
        auth.authenticate(first)


def test_exceptions_and_studio_users() -> None:
    error = HTTPException()
    assert (error.status_code, error.detail, error.headers) == (401, "Unauthorized", None)
    assert str(HTTPException(403)) == "403: Forbidden"
    assert HTTPException(404, "gone", {"X": "1"}).headers == {"X": "1"}
    assert HTTPException(499).detail == "Error"  # not a standard status: still raisable
    assert is_studio_user(types.StudioUser("studio"))
    assert is_studio_user({"kind": "StudioUser", "identity": "x"})
    assert not is_studio_user({"identity": "x"})
    assert types.StudioUser("s", is_authenticated=True).permissions == ["authenticated"]
