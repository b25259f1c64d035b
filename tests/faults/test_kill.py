"""A process killed (``kill -9``) in the middle of a run loses no completed step: a new
process resumes the thread from its last checkpoint and finishes with the state an
uninterrupted run ends with."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.faults.victim import NODES

VICTIM = Path(__file__).with_name("victim.py")
ROOT = Path(__file__).parent.parent.parent


def start(
    kind: str, target: str, thread: str, log: Path, durability: str, mode: str, stall: str = ""
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(VICTIM), kind, target, thread, str(log), durability, mode, stall],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_after(process: subprocess.Popen[str], log: Path, completed: int) -> None:
    """kill -9 the process once ``completed`` nodes are done and the next one has started
    (that one never finishes: the victim was started with it as ``stall``)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        done = sum(line.startswith("done") for line in lines)
        if done >= completed and lines and lines[-1] == f"start {NODES[completed]}":
            process.send_signal(signal.SIGKILL)
            process.communicate()  # reap it and close its pipes
            return
        time.sleep(0.005)
    process.kill()
    _, err = process.communicate()
    raise AssertionError(f"the run never got to {completed} nodes: {err}")


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "checkpoints.sqlite")
    return "postgres", str(request.getfixturevalue("pg_url"))


@pytest.mark.parametrize("durability", ["sync", "async"])
def test_a_killed_run_resumes_in_a_new_process(
    target: tuple[str, str], durability: str, tmp_path: Path
) -> None:
    kind, where = target
    thread = f"fault-{uuid.uuid4().hex}"
    log = tmp_path / "log.txt"
    victim = start(kind, where, thread, log, durability, "run", stall=NODES[5])
    kill_after(victim, log, completed=5)
    killed_at = log.read_text().splitlines()

    resumed = start(kind, where, thread, log, durability, "resume")
    out, err = resumed.communicate(timeout=60)
    assert resumed.returncode == 0, err
    assert json.loads(out) == {"done": NODES}  # as if it had never been killed

    ran_twice = _completed_twice(log.read_text().splitlines())
    in_flight = killed_at[-1].split()[1]
    if durability == "sync":  # every completed step was saved before the next one began
        assert ran_twice <= set(), ran_twice
        assert f"start {in_flight}" in log.read_text().splitlines()[len(killed_at) :]
    else:  # saves trail the run by at most the step in progress
        assert len(ran_twice) <= 1, ran_twice


def _completed_twice(lines: list[str]) -> set[Any]:
    done = [line.split()[1] for line in lines if line.startswith("done")]
    return {name for name in done if done.count(name) > 1}
