"""Libraries built on LangGraph run unmodified on streamgraph through ``streamgraph.compat``:
each program in ``programs/`` imports LangGraph only; run once as it is (on LangGraph) and once
after ``streamgraph.compat.install()``, it prints the same lines.

Each run is its own process: the alias must come before anything imports LangGraph, and the
test process itself has LangGraph loaded (the differential tests use it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

PROGRAMS = Path(__file__).parent / "programs"
ON_STREAMGRAPH = (
    "import runpy, sys, streamgraph.compat; streamgraph.compat.install(); "
    "runpy.run_path(sys.argv[1], run_name='__main__')"
)


def run(program: Path, *, streamgraph: bool) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", ON_STREAMGRAPH] if streamgraph else [sys.executable]
    return subprocess.run(
        [*command, str(program)],
        capture_output=True,
        text=True,
        timeout=100,
        env={**os.environ, "PYTHONPATH": str(Path.cwd() / "src")},
    )


def run_code(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=100,
        env={**os.environ, "PYTHONPATH": str(Path.cwd() / "src")},
    )


@pytest.mark.parametrize(
    "program", ["supervisor_quickstart.py", "swarm_quickstart.py", "create_agent_quickstart.py"]
)
def test_prints_what_it_prints_under_langgraph(program: str) -> None:
    expected = run(PROGRAMS / program, streamgraph=False)
    assert expected.returncode == 0, expected.stderr
    actual = run(PROGRAMS / program, streamgraph=True)
    assert actual.returncode == 0, actual.stderr
    assert actual.stdout.splitlines() == expected.stdout.splitlines()
    assert len(expected.stdout.splitlines()) > 5


def test_the_alias_gives_streamgraph_modules_and_clear_errors() -> None:
    probe = run_code(
        "import streamgraph.compat; streamgraph.compat.install()\n"
        "import langgraph.graph, langgraph_sdk, streamgraph.graph, streamgraph.sdk\n"
        "assert langgraph.graph is streamgraph.graph and langgraph_sdk is streamgraph.sdk\n"
        "from langgraph._internal._runnable import RunnableCallable\n"
        "try:\n"
        "    import langgraph.checkpoint.serde.jsonplus\n"
        "except ModuleNotFoundError as error:\n"
        "    print(error)\n"
    )
    assert probe.returncode == 0, probe.stderr
    assert "streamgraph.compat maps it to 'streamgraph.checkpoint.serde.jsonplus'" in probe.stdout


def test_install_after_langgraph_was_imported_is_refused() -> None:
    probe = run_code("import langgraph.graph, streamgraph.compat; streamgraph.compat.install()")
    assert probe.returncode == 1
    assert "must run before LangGraph is imported" in probe.stderr
