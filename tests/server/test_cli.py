"""``streamgraph dev|serve``: serves a langgraph.json, and every startup problem is one
clear line and exit status 1."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.timeout(60)

GRAPH = """
from typing import TypedDict
from streamgraph.graph import StateGraph, START

class State(TypedDict):
    topic: str

def shout(state: State):
    return {"topic": state["topic"].upper()}

graph = StateGraph(State).add_node(shout).add_edge(START, "shout").compile()
builder = StateGraph(State).add_node(shout).add_edge(START, "shout")
not_a_graph = 42
"""


def cli(*args: str, cwd: Path, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamgraph.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(Path.cwd() / "src")},
    )


def write_app(folder: Path, graphs: dict[str, str]) -> Path:
    (folder / "app.py").write_text(GRAPH)
    config = folder / "langgraph.json"
    config.write_text(json.dumps({"dependencies": ["."], "graphs": graphs}))
    return config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("graphs", "message"),
    [
        ({"g": "./missing.py:graph"}, "graph 'g': file not found"),
        ({"g": "./app.py:nothing"}, "graph 'g': ./app.py has no attribute 'nothing'"),
        (
            {"g": "./app.py:not_a_graph"},
            "graph 'g': './app.py:not_a_graph' is a builtins.int, not a graph",
        ),
        ({"g": "app-without-colon"}, "should look like"),
    ],
)
def test_bad_graphs_are_one_line(tmp_path: Path, graphs: dict[str, str], message: str) -> None:
    write_app(tmp_path, graphs)
    result = cli("serve", "--port", str(free_port()), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_missing_config_and_taken_port(tmp_path: Path) -> None:
    result = cli("serve", cwd=tmp_path)
    assert result.returncode == 1 and "config file not found" in result.stderr
    write_app(tmp_path, {"g": "./app.py:graph"})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("dev", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 1 and f"127.0.0.1:{port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_keys_it_cannot_honour(tmp_path: Path) -> None:
    from streamgraph.server.graphs import ConfigWarning, load_config

    config = write_app(tmp_path, {"g": "./app.py:graph"})
    data = json.loads(config.read_text())
    config.write_text(json.dumps({**data, "encryption": {"path": "./enc.py:enc"}}))
    result = cli("serve", "--port", str(free_port()), cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert '"encryption" (encryption at rest) is not supported' in result.stderr
    # Image-only keys are ignored quietly (langgraph dev ignores them too); others warn.
    config.write_text(
        json.dumps({**data, "python_version": "3.12", "http": {"app": "x"}, "grahps": {}})
    )
    with pytest.warns(ConfigWarning) as caught:
        load_config(config)
    assert sorted(str(w.message).split(": ")[1] for w in caught) == [
        '"grahps" is not supported by streamgraph and is ignored',
        '"http" is not supported by streamgraph and is ignored',
    ]


def test_serves_graphs_and_keeps_state_in_the_default_sqlite_file(tmp_path: Path) -> None:
    write_app(tmp_path, {"shout": "./app.py:graph", "built": "./app.py:builder"})
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamgraph.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path.cwd() / "src")},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/ok").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        for graph_id in ("shout", "built"):
            body = httpx.post(
                url + "/runs/wait", json={"assistant_id": graph_id, "input": {"topic": "hi"}}
            ).json()
            assert body == {"topic": "HI"}
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()
    assert (tmp_path / ".streamgraph" / "streamgraph.sqlite").is_file()


def _elapsed_ms(lines: list[str], marker: str) -> list[float]:
    return [float(line.split(" ms ")[0]) for line in lines if marker in line and " ms " in line]


@pytest.mark.timeout(90)
def test_demo_streams_through_the_sdk_as_events_happen(tmp_path: Path) -> None:
    done = cli("demo", cwd=tmp_path, timeout=80)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for mode in ("updates", "values", "debug", "tasks", "events", "checkpoints"):
        assert any(line.strip().split(" ms ")[-1].startswith(f"('{mode}'") for line in lines), mode
    assert any("('updates|node_2:" in line for line in lines)
    # Live: the node's progress reports and the model's tokens arrive spread over the run,
    # each when written, not in one burst at its end.
    progress = _elapsed_ms(lines, "{'progress': '")
    assert len(progress) == 8 and progress[3] - progress[0] > 300
    tokens = _elapsed_ms(lines, "from node call_model")
    assert len(tokens) > 20 and tokens[-1] - tokens[0] > 1000
    assert "resumed: {'topic': 'cats', 'joke': 'This is a joke about cats (approved)'}" in lines
    assert "thread status: interrupted" in lines
    assert lines[-1].startswith("server stopped")
    # The studio's address, for the seed graphs served by the demo.
    assert any(re.fullmatch(r"studio: http://127\.0\.0\.1:\d+/studio/ \(.*\)", x) for x in lines)


def test_port_zero_serves_on_the_free_port_it_prints(tmp_path: Path) -> None:
    write_app(tmp_path, {"shout": "./app.py:graph"})
    process = subprocess.Popen(
        [sys.executable, "-m", "streamgraph.cli", "serve", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path.cwd() / "src")},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:(\d+))$", line.strip())
        assert found is not None and found.group(2) != "0", line
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(found.group(1) + "/ok").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
    finally:
        process.terminate()
        process.communicate(timeout=10)
