"""Custom auth on a real server: two users who cannot see each other's threads, runs,
assistants, state or history (on memory, SQLite and Postgres storage), the user as graphs
see it, what failing handlers answer, API keys with custom auth, and the real
``langgraph_sdk`` client sending its ``Authorization`` header."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamgraph.sdk import Auth
from streamgraph.server.auth import load_auth
from tests.server.conftest import ServerThread, start_server

PROJECT = Path(__file__).with_name("auth_project")
ALICE = {"Authorization": "Bearer alice-token"}
BOB = {"Authorization": "Bearer bob-token"}
NOT_FOUND = "Thread or assistant not found."


def project_graphs() -> dict[str, Any]:
    """The project's graphs with their ``langgraph`` imports renamed to ``streamgraph``
    (porting is a rename)."""
    name = "streamgraph_auth_test_graphs"
    if name not in sys.modules:
        source = renamed((PROJECT / "graphs.py").read_text())
        spec = importlib.util.spec_from_loader(name, loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        exec(compile(source, str(PROJECT / "graphs.py"), "exec"), module.__dict__)
        sys.modules[name] = module
    module = sys.modules[name]
    return {"whoami": module.whoami_graph, "slow": module.slow_graph}


def renamed(source: str) -> str:
    return re.sub(r"^(from|import) langgraph\b", r"\1 streamgraph", source, flags=re.MULTILINE)


def project_auth() -> Any:
    return load_auth("./auth.py:auth", PROJECT)


@pytest.fixture(scope="module")
def auth_pg_url() -> Iterator[str]:
    """A database of its own (the server's rows stay out of other tests' way)."""
    from tests.conftest import PG_ADMIN

    psycopg = pytest.importorskip("psycopg")
    name = f"streamgraph_auth_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"Postgres unreachable: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    storage: str
    if request.param == "memory":
        storage = "memory"
    elif request.param == "sqlite":
        storage = str(tmp_path_factory.mktemp("auth") / "db.sqlite")
    else:
        storage = request.getfixturevalue("auth_pg_url")
    server = start_server(graphs=project_graphs(), storage=storage, auth=project_auth())
    yield server
    server.stop()


class Users:
    def __init__(self, url: str) -> None:
        self.alice = httpx.Client(base_url=url, headers=ALICE, timeout=30)
        self.bob = httpx.Client(base_url=url, headers=BOB, timeout=30)
        self.nobody = httpx.Client(base_url=url, timeout=30)


@pytest.fixture
def users(served: ServerThread) -> Iterator[Users]:
    made = Users(served.url)
    yield made
    for client in (made.alice, made.bob, made.nobody):
        client.close()


def detail(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, response.json().get("detail")


# -- threads, state, history ----------------------------------------------------------------------


def test_threads_are_their_owners_only(users: Users) -> None:
    alice, bob = users.alice, users.bob
    thread = alice.post("/threads", json={"metadata": {"topic": "cats"}}).json()
    tid = thread["thread_id"]
    assert thread["metadata"] == {"topic": "cats", "owner": "alice"}  # stamped by the handler
    bobs = bob.post("/threads", json={}).json()
    missing = (404, f"Thread with ID {tid} not found")
    assert alice.get(f"/threads/{tid}").status_code == 200
    assert detail(bob.get(f"/threads/{tid}")) == missing
    assert detail(bob.patch(f"/threads/{tid}", json={"metadata": {"x": 1}})) == missing
    assert detail(bob.delete(f"/threads/{tid}")) == missing
    assert detail(bob.post(f"/threads/{tid}/copy")) == missing
    # Searches and counts list only the user's own; a metadata filter cannot widen them.
    mine = {t["thread_id"] for t in bob.post("/threads/search", json={"limit": 100}).json()}
    assert bobs["thread_id"] in mine and tid not in mine
    wider = bob.post("/threads/search", json={"metadata": {"owner": "alice"}}).json()
    assert {t["metadata"]["owner"] for t in wider} == {"bob"}
    assert bob.post("/threads/count", json={"metadata": {"topic": "cats"}}).json() == 0
    assert alice.post("/threads/count", json={"metadata": {"topic": "cats"}}).json() >= 1
    # Creating a thread with someone else's id does not hand theirs over.
    taken = {"thread_id": tid, "if_exists": "do_nothing"}
    assert detail(bob.post("/threads", json=taken))[0] == 409
    assert alice.post("/threads", json=taken).json()["thread_id"] == tid
    pruned = bob.post("/threads/prune", json={"thread_ids": [tid]}).json()
    assert pruned == {"pruned_count": 0} and alice.get(f"/threads/{tid}").status_code == 200
    copy = alice.post(f"/threads/{tid}/copy").json()
    assert copy["metadata"]["owner"] == "alice"
    assert bob.get(f"/threads/{copy['thread_id']}").status_code == 404


def test_state_and_history_are_their_owners_only(users: Users) -> None:
    alice, bob = users.alice, users.bob
    tid = alice.post("/threads", json={}).json()["thread_id"]
    done = alice.post(f"/threads/{tid}/runs/wait", json={"assistant_id": "whoami", "input": {}})
    assert done.json()["user_id"] == "alice"
    state = alice.get(f"/threads/{tid}/state").json()
    checkpoint_id = state["checkpoint"]["checkpoint_id"]
    assert state["values"]["identity"] == "alice"
    missing = (404, f"Thread with ID {tid} not found")
    checkpoint = {"checkpoint": {"checkpoint_id": checkpoint_id}}
    for response in (
        bob.get(f"/threads/{tid}/state"),
        bob.get(f"/threads/{tid}/state/{checkpoint_id}"),
        bob.post(f"/threads/{tid}/state/checkpoint", json=checkpoint),
        bob.post(f"/threads/{tid}/state", json={"values": {"topic": "mine"}}),
        bob.get(f"/threads/{tid}/history"),
        bob.post(f"/threads/{tid}/history", json={}),
    ):
        assert detail(response) == missing
    assert len(alice.get(f"/threads/{tid}/history").json()) >= 1
    assert alice.get(f"/threads/{tid}/state").json()["values"] == state["values"]


# -- runs -----------------------------------------------------------------------------------------


def wait_for(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_runs_are_their_owners_only(users: Users, served: ServerThread) -> None:
    alice, bob = users.alice, users.bob
    tid = alice.post("/threads", json={}).json()["thread_id"]
    run = alice.post(
        f"/threads/{tid}/runs", json={"assistant_id": "slow", "input": {"topic": "100"}}
    )
    rid = run.json()["run_id"]
    assert run.json()["metadata"]["owner"] == "alice"
    body = {"assistant_id": "whoami", "input": {}}
    # Creating runs on someone else's thread, whichever way.
    for path in ("runs", "runs/stream", "runs/wait"):
        assert detail(bob.post(f"/threads/{tid}/{path}", json=body)) == (404, NOT_FOUND), path
    created = {**body, "if_not_exists": "create"}
    assert detail(bob.post(f"/threads/{tid}/runs/wait", json=created)) == (404, NOT_FOUND)
    # Reading, joining, streaming, cancelling and deleting someone else's run.
    missing = (404, f"Thread with ID {tid} not found")
    assert detail(bob.get(f"/threads/{tid}/runs")) == missing
    assert detail(bob.get(f"/threads/{tid}/runs/{rid}")) == missing
    assert detail(bob.get(f"/threads/{tid}/runs/{rid}/join")) == missing
    assert detail(bob.get(f"/threads/{tid}/runs/{rid}/stream")) == missing
    assert detail(bob.get(f"/runs/{rid}/stream")) == (404, f"Run {rid} not found")
    assert detail(bob.post(f"/threads/{tid}/runs/{rid}/cancel")) == missing
    assert detail(bob.delete(f"/threads/{tid}/runs/{rid}")) == missing
    assert bob.post("/runs/cancel", json={"thread_id": tid, "run_ids": [rid]}).status_code == 204
    assert bob.post("/runs/cancel", json={"status": "all"}).status_code == 204
    assert rid in served.api.runs.active  # still running: bob cancelled nothing of alice's
    # Alice reads, streams and cancels her own.
    assert [r["run_id"] for r in alice.get(f"/threads/{tid}/runs").json()] == [rid]
    assert alice.get(f"/threads/{tid}/runs/{rid}").json()["status"] in ("pending", "running")
    with alice.stream("GET", f"/threads/{tid}/runs/{rid}/stream") as stream:
        assert stream.status_code == 200
        assert next(stream.iter_lines()) == "event: metadata"
    cancelled = alice.post(f"/threads/{tid}/runs/{rid}/cancel?wait=true")
    assert cancelled.status_code == 200
    assert alice.get(f"/threads/{tid}/runs/{rid}/join").status_code == 200
    assert alice.delete(f"/threads/{tid}/runs/{rid}").status_code == 204


def test_stateless_runs_are_their_owners_only(users: Users) -> None:
    alice, bob = users.alice, users.bob
    body = {"assistant_id": "slow", "input": {"topic": "3"}}
    rid = alice.post("/runs", json=body).json()["run_id"]
    assert detail(bob.get(f"/runs/{rid}/stream")) == (404, f"Run {rid} not found")
    with alice.stream("GET", f"/runs/{rid}/stream") as stream:
        assert stream.status_code == 200
        assert "event: values" in list(stream.iter_lines())
    # A stateless run kept on a thread: the thread is the run's creator's.
    kept = alice.post(
        "/runs/wait", json={"assistant_id": "whoami", "input": {}, "on_completion": "keep"}
    )
    assert kept.json()["identity"] == "alice"
    tid = kept.headers["Location"].split("/")[2]
    assert alice.get(f"/threads/{tid}").json()["metadata"]["owner"] == "alice"
    assert bob.get(f"/threads/{tid}").status_code == 404
    batch = alice.post("/runs/batch", json=[body, body]).json()
    assert all(run["metadata"]["owner"] == "alice" for run in batch)
    # A thread a run creates (if_not_exists=create) belongs to the run's creator.
    new = str(uuid.uuid4())
    created = {"assistant_id": "whoami", "input": {}, "if_not_exists": "create"}
    assert bob.post(f"/threads/{new}/runs/wait", json=created).json()["identity"] == "bob"
    assert alice.get(f"/threads/{new}").status_code == 404
    assert bob.get(f"/threads/{new}").json()["metadata"]["owner"] == "bob"


def test_graphs_see_who_created_the_run(users: Users) -> None:
    body = {"assistant_id": "whoami", "input": {}}
    assert users.alice.post("/runs/wait", json=body).json() == {
        "user_id": "alice",
        "identity": "alice",
        "permissions": ["write"],
        "configurable_user_id": "alice",
    }
    # What the client puts in the config cannot make it someone else.
    spoof = {
        **body,
        "config": {"configurable": {"langgraph_auth_user_id": "alice", "user_id": "alice"}},
    }
    seen = users.bob.post("/runs/wait", json=spoof).json()
    assert (seen["user_id"], seen["identity"], seen["configurable_user_id"]) == (
        "bob",
        "bob",
        "bob",
    )
    run = users.bob.post("/runs", json=spoof).json()
    configurable = run["kwargs"]["config"]["configurable"]
    assert configurable["langgraph_auth_user_id"] == "bob"
    assert configurable["langgraph_auth_user"] == {
        "identity": "bob",
        "permissions": [],
        "is_authenticated": True,
        "display_name": "bob",
    }


# -- assistants -----------------------------------------------------------------------------------


def test_assistants_are_their_owners_only(users: Users) -> None:
    alice, bob = users.alice, users.bob
    made = alice.post("/assistants", json={"graph_id": "whoami", "name": "mine"}).json()
    aid = made["assistant_id"]
    assert made["metadata"] == {"owner": "alice"}
    missing = (404, f"Assistant '{aid}' not found")
    for response in (
        bob.get(f"/assistants/{aid}"),
        bob.patch(f"/assistants/{aid}", json={"name": "taken"}),
        bob.post(f"/assistants/{aid}/versions", json={}),
        bob.post(f"/assistants/{aid}/latest", json={"version": 1}),
        bob.get(f"/assistants/{aid}/graph"),
        bob.get(f"/assistants/{aid}/schemas"),
        bob.get(f"/assistants/{aid}/subgraphs"),
        bob.delete(f"/assistants/{aid}"),
    ):
        assert detail(response) == missing
    assert aid not in {a["assistant_id"] for a in bob.post("/assistants/search", json={}).json()}
    assert bob.post("/assistants/count", json={"graph_id": "whoami"}).json() == 0
    assert aid in {a["assistant_id"] for a in alice.post("/assistants/search", json={}).json()}
    taken = {"graph_id": "whoami", "assistant_id": aid, "if_exists": "do_nothing"}
    assert bob.post("/assistants", json=taken).status_code == 409
    # Running it: only its owner; graphs' own assistants: anyone.
    body = {"assistant_id": aid, "input": {}}
    assert detail(bob.post("/runs/wait", json=body)) == (404, NOT_FOUND)
    assert alice.post("/runs/wait", json=body).json()["identity"] == "alice"
    assert bob.post("/runs/wait", json={**body, "assistant_id": "whoami"}).status_code == 200
    patched = alice.patch(f"/assistants/{aid}", json={"name": "renamed"}).json()
    assert (patched["name"], patched["metadata"]["owner"]) == ("renamed", "alice")
    assert alice.delete(f"/assistants/{aid}").status_code == 204


# -- requests the handlers refuse -----------------------------------------------------------------


def test_unauthenticated_requests(users: Users) -> None:
    nobody = users.nobody
    refused = nobody.get(f"/threads/{uuid.uuid4()}")
    assert detail(refused) == (401, "Invalid token")
    assert refused.headers["www-authenticate"] == "Bearer"
    assert detail(nobody.get("/no/such/route")) == (401, "Invalid token")
    wrong = nobody.post("/threads/search", json={}, headers={"Authorization": "Bearer x"})
    assert detail(wrong) == (401, "Invalid token")
    garbled = nobody.post("/threads/search", json={}, headers={"Authorization": b"Bearer \xff"})
    assert detail(garbled) == (401, "Invalid token")  # not UTF-8: refused, not a 500
    for open_path in ("/ok", "/info", "/openapi.json"):
        assert nobody.get(open_path).status_code == 200


FAILING = Auth()


@FAILING.authenticate
async def _by_name(authorization: str | None) -> str:
    if authorization == "crash":
        raise RuntimeError("the token database password is hunter2")
    return authorization or "anonymous"


@FAILING.on
async def _per_user(ctx: Auth.types.AuthContext, value: Any) -> Any:
    who = ctx.user.identity
    if who == "deny":
        return False
    if who == "crash":
        raise RuntimeError("never shown")
    if who == "boom":
        raise KeyError("internal detail")
    if who == "hidden":
        raise Auth.exceptions.HTTPException(status_code=404, detail="Nothing here")
    if who == "assert":
        raise AssertionError("not allowed today")
    if who == "weird":
        return "owner"
    if who == "badfilter":
        return {"owner": {"$regex": ".*"}}
    return None


@pytest.fixture(scope="module")
def failing() -> Iterator[ServerThread]:
    server = start_server(graphs=project_graphs(), auth=FAILING)
    yield server
    server.stop()


def test_what_refusing_and_failing_handlers_answer(
    failing: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    def search(user: str) -> httpx.Response:
        return httpx.post(f"{failing.url}/threads/search", json={}, headers={"Authorization": user})

    assert search("someone").status_code == 200
    assert detail(search("deny")) == (403, "Forbidden")
    assert detail(search("hidden")) == (404, "Nothing here")
    assert detail(search("assert")) == (403, "not allowed today")
    with caplog.at_level(logging.ERROR, "streamgraph.server"):
        boom = search("boom")
        crash = search("crash")
    # A crashing handler: 500 with a generic body, its traceback in the log only.
    assert detail(boom) == (500, "Internal Server Error")
    assert detail(crash) == (500, "Internal Server Error")
    assert "hunter2" not in boom.text + crash.text
    assert "the threads.search handler failed" in caplog.text and "internal detail" in caplog.text
    assert "the authenticate handler failed (POST /threads/search)" in caplog.text
    assert "hunter2" in caplog.text
    assert detail(search("weird"))[0] == 500
    assert "Expected filter dict" in detail(search("weird"))[1]
    assert detail(search("badfilter")) == (
        500,
        "filter on 'owner': a dict value must be one operator, {'$eq': ...} or "
        "{'$contains': ...}, not {'$regex': '.*'}",
    )


def test_api_keys_and_custom_auth_together() -> None:
    server = start_server(graphs=project_graphs(), auth=project_auth(), api_keys=["k1"])
    try:
        url = f"{server.url}/threads/search"
        assert httpx.post(url, json={}, headers=ALICE).status_code == 401  # no key
        keyed = httpx.post(url, json={}, headers={"x-api-key": "k1"})
        assert detail(keyed) == (401, "Invalid token")  # a key, but no user
        assert httpx.post(url, json={}, headers={**ALICE, "x-api-key": "k1"}).status_code == 200
    finally:
        server.stop()


# -- the real client ------------------------------------------------------------------------------


def test_langgraph_sdk_client_with_authorization_headers(served: ServerThread) -> None:
    langgraph_sdk = pytest.importorskip("langgraph_sdk")
    from langgraph_sdk.errors import NotFoundError

    async def scenario() -> None:
        async with (
            langgraph_sdk.get_client(url=served.url, api_key=None, headers=ALICE) as alice,
            langgraph_sdk.get_client(url=served.url, api_key=None, headers=BOB) as bob,
        ):
            thread = await alice.threads.create(metadata={"via": "sdk"})
            tid = thread["thread_id"]
            assert thread["metadata"]["owner"] == "alice"
            parts = [
                part
                async for part in alice.runs.stream(tid, "whoami", input={}, stream_mode="values")
            ]
            assert parts[-1].data["identity"] == "alice"
            done: Any = await alice.runs.wait(tid, "whoami", input={})
            assert done["user_id"] == "alice"
            with pytest.raises(NotFoundError):
                await bob.threads.get(tid)
            with pytest.raises(NotFoundError):
                await bob.threads.get_state(tid)
            with pytest.raises(httpx.HTTPStatusError) as refused:  # (wait: not a NotFoundError)
                await bob.runs.wait(tid, "whoami", input={})
            assert refused.value.response.status_code == 404
            assert tid not in {t["thread_id"] for t in await bob.threads.search(limit=100)}
            assert tid in {t["thread_id"] for t in await alice.threads.search(limit=100)}

    asyncio.run(scenario())


# -- configuration ---------------------------------------------------------------------------------

AUTH_FILE = """
from streamgraph.sdk import Auth

auth = Auth()

@auth.authenticate
async def authenticate(authorization: str | None) -> str:
    return "someone"

no_authenticate = Auth()
not_auth = {"authenticate": None}
wrong_parameters = Auth()

@wrong_parameters.authenticate
async def needs_a_token(token: str) -> str:
    return token
"""


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("./auth.py:auth", '"auth" must be an object like "auth": {"path": "./auth.py:auth"}'),
        ({}, '"auth" needs a "path" to the Auth object'),
        ({"path": ""}, '"auth" needs a "path" to the Auth object'),
        ({"path": "./auth.py:auth", "bogus": 1}, '"auth" has an unknown key "bogus"'),
        ({"path": "./auth.py:auth", "disable_studio_auth": "yes"}, "must be a bool"),
        ({"path": "auth.py"}, "should look like './auth.py:auth'"),
        ({"path": "./missing.py:auth"}, "auth file not found"),
        ({"path": "./auth.py:nope"}, "auth.py has no attribute 'nope'"),
        ({"path": "./auth.py:not_auth"}, "is a dict, not an Auth object"),
        ({"path": "./auth.py:no_authenticate"}, "has no @auth.authenticate handler"),
        ({"path": "./auth.py:wrong_parameters"}, "takes 'token', which the server cannot give"),
        ({"path": "./broken.py:auth"}, "importing ./broken.py failed: RuntimeError: no secrets"),
    ],
)
def test_a_bad_auth_entry_is_a_clear_startup_error(
    tmp_path: Path, entry: Any, problem: str
) -> None:
    from streamgraph.server import create_app
    from streamgraph.server.graphs import ConfigError

    (tmp_path / "auth.py").write_text(AUTH_FILE)
    (tmp_path / "broken.py").write_text("raise RuntimeError('no secrets')\n")
    (tmp_path / "app.py").write_text(
        "from streamgraph.graph import StateGraph, START\nfrom typing import TypedDict\n"
        "class S(TypedDict):\n    x: int\n"
        "graph = StateGraph(S).add_node('n', lambda s: s).add_edge(START, 'n').compile()\n"
    )
    config = tmp_path / "langgraph.json"
    config.write_text(json.dumps({"graphs": {"g": "./app.py:graph"}, "auth": entry}))
    with pytest.raises(ConfigError) as error:
        create_app(config=config, storage="memory")
    assert problem in str(error.value) and "\n" not in str(error.value)


def test_auth_config_flags_and_ignored_keys(tmp_path: Path) -> None:
    from streamgraph.server.graphs import ConfigWarning, load_config

    (tmp_path / "app.py").write_text("")
    config = tmp_path / "langgraph.json"
    entry = {"path": "./auth.py:auth", "disable_studio_auth": True, "openapi": {}, "cache": {}}
    config.write_text(json.dumps({"graphs": {"g": "./app.py:graph"}, "auth": entry}))
    with pytest.warns(ConfigWarning) as caught:
        loaded = load_config(config)
    assert loaded.auth == {"path": "./auth.py:auth", "disable_studio_auth": True}
    assert sorted(str(w.message).split(": ", 1)[1] for w in caught) == [
        '"auth.cache" is not supported by streamgraph and is ignored',
        '"auth.openapi" is not supported by streamgraph and is ignored',
    ]


def test_studio_requests_on_a_development_server() -> None:
    """``streamgraph dev`` lets LangGraph Studio's requests in as ``langgraph dev`` does:
    as the Studio user, whose handlers still run (``disable_studio_auth`` turns it off)."""
    path = f"{PROJECT / 'auth.py'}:auth"
    studio = {"x-auth-scheme": "langsmith"}
    dev = start_server(graphs=project_graphs(), auth={"path": path}, studio_auth=True)
    closed = start_server(
        graphs=project_graphs(),
        auth={"path": path, "disable_studio_auth": True},
        studio_auth=True,
    )
    serve = start_server(graphs=project_graphs(), auth={"path": path})
    try:
        made = httpx.post(f"{dev.url}/threads", json={}, headers=studio)
        assert made.json()["metadata"]["owner"] == "langgraph-studio-user"
        assert (
            httpx.get(f"{dev.url}/threads/{made.json()['thread_id']}", headers=ALICE).status_code
            == 404
        )
        assert httpx.post(f"{closed.url}/threads", json={}, headers=studio).status_code == 401
        assert httpx.post(f"{serve.url}/threads", json={}, headers=studio).status_code == 401
    finally:
        for server in (dev, closed, serve):
            server.stop()


def test_every_route_declares_what_it_does() -> None:
    """Custom auth enforces what each route declares (``endpoint(auth=...)``): a route
    without a declaration would only be authenticated. Declare ``access.PUBLIC`` for a route
    anyone may call (and list it in ``access.OPEN_PATHS``)."""
    from streamgraph.server.access import OPEN_PATHS
    from streamgraph.server.routing import ENDPOINTS, declared

    undeclared = [f"{e.method} {e.path}" for e in ENDPOINTS if not declared(e)]
    assert undeclared == [], f"routes without auth=...: {undeclared}"
    public = {e.path for e in ENDPOINTS if e.access is None}
    assert public <= OPEN_PATHS, public - OPEN_PATHS
