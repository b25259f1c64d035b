"""A server in its own process (``streamgraph serve``), for what a thread cannot show: kill -9,
a restart on the same database, the server's own memory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

APP = """
import os, time
from typing import TypedDict
from streamgraph.config import get_stream_writer
from streamgraph.graph import StateGraph, START, END


class Steps(TypedDict, total=False):
    count: int
    n: int
    pause: float


def step(state: Steps):
    count = state.get("count", 0) + 1
    with open(os.environ["SIDE_EFFECTS_FILE"], "a") as file:
        file.write(f"{count}\\n")
    time.sleep(state.get("pause", 0.05))
    return {"count": count}


def more(state: Steps):
    return "step" if state["count"] < state["n"] else END


steps = StateGraph(Steps).add_node(step).add_edge(START, "step")
steps = steps.add_conditional_edges("step", more).compile()


class Burst(TypedDict, total=False):
    n: int
    size: int


def emit(state: Burst):
    writer = get_stream_writer()
    text = "x" * state["size"]
    for i in range(state["n"]):
        writer({"i": i, "text": text})
    return {}


burst = StateGraph(Burst).add_node(emit).add_edge(START, "emit").compile()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """``streamgraph serve`` of ``APP`` in ``folder`` on database ``db``; ``start()`` again
    after ``kill()`` or ``stop()`` restarts it on the same database and port."""

    def __init__(self, folder: Path, db: str, *args: str) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "app.py").write_text(APP)
        config = {"dependencies": ["."], "graphs": {"steps": "./app.py:steps"}}
        config["graphs"]["burst"] = "./app.py:burst"
        (folder / "langgraph.json").write_text(json.dumps(config))
        self.side_effects = folder / "side_effects.txt"
        self.db = db
        self.args = args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        env = {
            **os.environ,
            "PYTHONPATH": str(Path.cwd() / "src"),
            "SIDE_EFFECTS_FILE": str(self.side_effects),
        }
        command = [sys.executable, "-m", "streamgraph.cli", "serve", "--port", str(self.port)]
        with (self.folder / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--db", self.db, *self.args],
                cwd=self.folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/ok", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("server did not start: " + self.log())
            time.sleep(0.05)

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self) -> None:
        """kill -9: nothing of the server runs after this."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> float:
        """Stop it with ``sig``; how long it took to exit."""
        assert self.process is not None
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return time.monotonic() - started

    def peak_rss(self) -> int:
        """The server's peak resident memory so far, in bytes (Linux)."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024

    def rss(self) -> int:
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024

    def done_steps(self) -> list[int]:
        if not self.side_effects.exists():
            return []
        return [int(x) for x in self.side_effects.read_text().split()]

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
