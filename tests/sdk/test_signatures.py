"""The clients' surface: the same methods and signatures as ``langgraph_sdk`` 0.4, the async
and sync clients twins of each other, the sync one generated from the async one."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import langgraph_sdk
import pytest

from streamgraph.sdk import get_client, get_sync_client

SECTIONS = ("assistants", "threads", "runs", "store")
ROOT = Path(__file__).parent.parent.parent

REQUIRED = {
    "assistants": {
        "get",
        "search",
        "count",
        "get_graph",
        "get_schemas",
        "get_subgraphs",
        "create",
        "update",
        "delete",
        "get_versions",
        "set_latest",
    },
    "threads": {
        "create",
        "get",
        "search",
        "count",
        "update",
        "delete",
        "copy",
        "prune",
        "get_state",
        "update_state",
        "get_history",
        "join_stream",
    },
    "runs": {
        "stream",
        "join_stream",
        "create",
        "create_batch",
        "wait",
        "join",
        "cancel",
        "cancel_many",
        "list",
        "get",
        "delete",
    },
    "store": {"put_item", "get_item", "delete_item", "search_items", "list_namespaces"},
}


def methods(section: Any) -> dict[str, Any]:
    return {
        name: getattr(section, name)
        for name in dir(section)
        if not name.startswith("_") and name != "http" and callable(getattr(section, name))
    }


def shape(fn: Any, *, kinds: bool = True) -> list[tuple[Any, ...]]:
    """Parameter names, kinds and defaults (sentinel defaults compare equal)."""
    out = []
    for p in inspect.signature(fn).parameters.values():
        default = p.default
        if default is not p.empty and not isinstance(default, str | int | float | bool | None):
            default = "<sentinel>"
        out.append((p.name, p.kind, default) if kinds else (p.name, default))
    return out


@pytest.fixture(scope="module")
def clients():
    ours = (get_client(url="http://x"), get_sync_client(url="http://x"))
    theirs = (
        langgraph_sdk.get_client(url="http://x"),
        langgraph_sdk.get_sync_client(url="http://x"),
    )
    return ours, theirs


def test_get_client_signatures_match_langgraph_sdk():
    assert shape(get_client) == shape(langgraph_sdk.get_client)
    assert shape(get_sync_client) == shape(langgraph_sdk.get_sync_client)


@pytest.mark.parametrize("section", SECTIONS)
def test_async_and_sync_clients_are_twins(clients, section):
    (ours_async, ours_sync), _ = clients
    async_methods = methods(getattr(ours_async, section))
    sync_methods = methods(getattr(ours_sync, section))
    assert async_methods.keys() == sync_methods.keys()
    for name, method in async_methods.items():
        assert shape(method) == shape(sync_methods[name]), name
        assert method.__doc__ and method.__doc__ == sync_methods[name].__doc__, name


def test_the_sync_client_is_generated_from_the_async_one():
    """``scripts/gen_sync.py --check`` (also run by ``make lint``): the committed sync files
    are what the script writes from the async sources."""
    script = ROOT / "scripts" / "gen_sync.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    package = ROOT / "src" / "streamgraph"
    generated = [*(package / "sdk").glob("_sync*.py"), package / "pregel" / "_remote_sync.py"]
    assert len(generated) == 6
    for path in generated:
        assert path.read_text().startswith("# Generated from "), path.name


@pytest.mark.parametrize("flavor", ["async", "sync"])
@pytest.mark.parametrize("section", SECTIONS)
def test_methods_match_langgraph_sdk(clients, section, flavor):
    ours, theirs = clients
    index = 0 if flavor == "async" else 1
    our_methods = methods(getattr(ours[index], section))
    their_methods = methods(getattr(theirs[index], section))
    their_async = methods(getattr(theirs[0], section))
    assert REQUIRED[section] <= our_methods.keys()
    assert our_methods.keys() <= their_methods.keys()
    for name, method in our_methods.items():
        # langgraph_sdk's own twins disagree on parameter order in a few places (sync
        # threads.join_stream, runs.wait, store.list_namespaces); ours follow its async client
        assert shape(method) == shape(their_async[name]), f"{section}.{name}"
        assert sorted(shape(method, kinds=False)) == sorted(
            shape(their_methods[name], kinds=False)
        ), f"{section}.{name}"
        their_kind = inspect.iscoroutinefunction(their_methods[name])
        assert inspect.iscoroutinefunction(method) == their_kind, f"{section}.{name}"


def test_clients_have_the_sections_and_closers(clients):
    (ours_async, ours_sync), _ = clients
    for client in (ours_async, ours_sync):
        for section in SECTIONS:
            assert hasattr(client, section)
    assert inspect.iscoroutinefunction(ours_async.aclose)
    assert callable(ours_sync.close)
    assert hasattr(ours_async, "__aenter__") and hasattr(ours_sync, "__enter__")
