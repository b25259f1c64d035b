"""SDK test fixtures: a server to talk to (one per session), and quick reconnects.

``server`` yields the base URL of a running LangGraph-compatible server serving the graphs of
``_graphs.py``. It is parametrized over ``SERVERS``; add a name there and a branch in
``server`` to run every integration test against another server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from streamgraph.sdk import _flow

from ._graphs import GRAPHS

ROOT = Path(__file__).resolve().parents[2]
REF_LANGGRAPH = ROOT / ".venv-ref" / "bin" / "langgraph"

SERVERS = ["streamgraph", "langgraph"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(
        f"The server at {url} did not answer /ok within {timeout} s:\n{log.read_text()[-3000:]}"
    )


def langgraph_server(directory: Path) -> Iterator[str]:
    """``langgraph dev`` (in-memory runtime) from the reference venv, on a free port."""
    if not REF_LANGGRAPH.exists():
        pytest.skip(
            f"the reference LangGraph server is not installed ({REF_LANGGRAPH} is "
            "missing; create .venv-ref with `pip install 'langgraph-cli[inmem]'`)"
        )
    shutil.copy(Path(__file__).with_name("_graphs.py"), directory / "graphs.py")
    config = {"dependencies": ["."], "graphs": {g: f"./graphs.py:{g}" for g in GRAPHS}}
    (directory / "langgraph.json").write_text(json.dumps(config))
    port = free_port()
    env = {
        **os.environ,
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_DISABLE_FILE_PERSISTENCE": "true",
    }
    log = directory / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(REF_LANGGRAPH),
                "dev",
                "--no-browser",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-reload",
                "--allow-blocking",
                "--n-jobs-per-worker",
                "10",
                "--config",
                str(directory / "langgraph.json"),
            ],
            cwd=directory,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log, timeout=60)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group we started: the CLI and its server
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def streamgraph_server(directory: Path) -> Iterator[str]:
    """Our server (``streamgraph serve``, in-memory storage) on a free port, serving the same
    graphs with ``langgraph`` renamed to ``streamgraph`` (porting is a rename)."""
    source = Path(__file__).with_name("_graphs.py").read_text()
    (directory / "graphs.py").write_text(source.replace("langgraph", "streamgraph"))
    config = {"dependencies": ["."], "graphs": {g: f"./graphs.py:{g}" for g in GRAPHS}}
    (directory / "langgraph.json").write_text(json.dumps(config))
    port = free_port()
    log = directory / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamgraph.cli",
                "serve",
                "--port",
                str(port),
                "--db",
                ":memory:",
                "--config",
                str(directory / "langgraph.json"),
            ],
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log, timeout=30)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a running server (see the module docstring)."""
    directory = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "langgraph":
        yield from langgraph_server(directory)
    elif request.param == "streamgraph":
        yield from streamgraph_server(directory)
    else:
        raise AssertionError(f"unknown server {request.param!r}")


@pytest.fixture
def server_name(request: pytest.FixtureRequest, server: str) -> str:
    """Which server ``server`` is (``"langgraph"``, ...)."""
    name: str = request.node.callspec.params["server"]
    return name


@pytest.fixture(autouse=True)
def quick_reconnects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reconnect within milliseconds, so tests that cut connections stay fast."""
    monkeypatch.setattr(_flow, "RECONNECT", _flow.Backoff(first=0.01, cap=0.2, attempts=8))
