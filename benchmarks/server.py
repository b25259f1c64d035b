"""Server benchmarks: our server and LangGraph's (``langgraph dev``), driven by the real
``langgraph_sdk`` client on loopback.

Workloads (server-api.md §7 measured LangGraph's):

- one stateless streamed run of the joke graph at a time: median latency;
- 50 concurrent clients x 20 streamed runs, and 200 x 5: runs per second;
- one run writing 20,000 custom events: events per second received by the client.

LangGraph's server runs when ``.venv-ref`` holds ``langgraph-cli[inmem]`` (``python -m venv
.venv-ref && .venv-ref/bin/pip install "langgraph-cli[inmem]"``); otherwise only ours.
``python -m benchmarks.server`` runs this part alone.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GRAPHS = """
import asyncio
from typing import TypedDict
from {lib}.config import get_stream_writer
from {lib}.graph import StateGraph, START


class State(TypedDict, total=False):
    topic: str
    joke: str


def refine_topic(state: State):
    return {{"topic": state["topic"] + " and cats"}}


def generate_joke(state: State):
    return {{"joke": f"This is a joke about {{state['topic']}}"}}


joke = (StateGraph(State).add_node(refine_topic).add_node(generate_joke)
        .add_edge(START, "refine_topic").add_edge("refine_topic", "generate_joke").compile())


def many(state: State):
    writer = get_stream_writer()
    for i in range(int(state["topic"])):
        writer({{"n": i}})
    return {{"joke": "done"}}


burst = StateGraph(State).add_node(many).add_edge(START, "many").compile()


async def first_then_wait(state: State):
    get_stream_writer()({{"started": True}})
    await asyncio.sleep(1.0)
    return {{"joke": "waited"}}


sleepy = StateGraph(State).add_node(first_then_wait).add_edge(START, "first_then_wait").compile()
"""
REFERENCE = Path(__file__).resolve().parent.parent / ".venv-ref" / "bin" / "langgraph"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _app_folder(lib: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-server-{lib}-"))
    (folder / "graphs.py").write_text(GRAPHS.format(lib=lib))
    (folder / "langgraph.json").write_text(
        json.dumps(
            {
                "dependencies": ["."],
                "graphs": {
                    "joke": "./graphs.py:joke",
                    "burst": "./graphs.py:burst",
                    "sleepy": "./graphs.py:sleepy",
                },
            }
        )
    )
    return folder


def _start(lib: str) -> tuple[subprocess.Popen[bytes], str]:
    folder = _app_folder(lib)
    port = _free_port()
    if lib == "streamgraph":
        command = [sys.executable, "-m", "streamgraph.cli", "serve", "--port", str(port)]
    else:
        command = [
            str(REFERENCE),
            "dev",
            "--no-browser",
            "--no-reload",
            "--allow-blocking",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
    env = {
        **os.environ,
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    }
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    _wait_ready(process, url)
    return process, url


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {url} exited ({process.returncode})")
        try:
            if httpx.get(url + "/ok", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not start")


async def _one_run(client: Any) -> None:
    async for _ in client.runs.stream(
        None, "joke", input={"topic": "ice cream"}, stream_mode="updates"
    ):
        pass


async def sequential(url: str, runs: int) -> float:
    """Median seconds for one stateless streamed run, one at a time."""
    from langgraph_sdk import get_client

    async with get_client(url=url, api_key=None) as client:
        await _one_run(client)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            await _one_run(client)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


async def concurrent(url: str, clients: int, runs_each: int) -> float:
    """Runs per second with ``clients`` clients, each streaming ``runs_each`` runs."""
    from langgraph_sdk import get_client

    async def one_client() -> None:
        async with get_client(url=url, api_key=None) as client:
            for _ in range(runs_each):
                await _one_run(client)

    start = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return clients * runs_each / (time.perf_counter() - start)


async def custom_events(url: str, count: int) -> float:
    """Custom events per second received by the client, from the first to the last."""
    from langgraph_sdk import get_client

    async with get_client(url=url, api_key=None) as client:
        first = last = 0.0
        received = 0
        async for part in client.runs.stream(
            None, "burst", input={"topic": str(count)}, stream_mode="custom"
        ):
            if part.event == "custom":
                last = time.perf_counter()
                first = first or last
                received += 1
    assert received == count, f"received {received} of {count} events"
    return count / (last - first)


async def first_events(url: str, streams: int) -> float:
    """With ``streams`` streamed runs started at once (each emits an event, then waits 1 s),
    the longest time from a request to its run's first event."""
    import httpx

    async def one(client: httpx.AsyncClient) -> float:
        start = time.perf_counter()
        body = {"assistant_id": "sleepy", "input": {"topic": "x"}, "stream_mode": "custom"}
        async with client.stream("POST", "/runs/stream", json=body) as response:
            async for line in response.aiter_lines():
                if line.startswith("event: custom"):
                    return time.perf_counter() - start
        raise AssertionError("no custom event")

    limits = httpx.Limits(max_connections=streams)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        waits = await asyncio.gather(*(one(client) for _ in range(streams)))
    return max(waits)


def _cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user + system, from /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(lib: str, quick: bool) -> dict[str, float]:
    process, url = _start(lib)
    slow = lib == "langgraph"  # its queue polls: each sequential run waits ~1 s
    runs_each = 4 if quick else 20
    try:
        latency = asyncio.run(sequential(url, 5 if slow or quick else 100))
        before = _cpu_seconds(process.pid)
        throughput = asyncio.run(concurrent(url, 50, runs_each))
        cpu = (_cpu_seconds(process.pid) - before) / (50 * runs_each)
        many = asyncio.run(concurrent(url, 200, max(runs_each // 4, 1)))
        events = asyncio.run(custom_events(url, 20_000))
        measured = {
            "latency": latency,
            "throughput": throughput,
            "cpu": cpu,
            "throughput200": many,
            "events": events,
        }
        if lib == "streamgraph" or os.environ.get("BENCH_LANGGRAPH_500"):  # (theirs: ~1 min)
            measured["first500"] = asyncio.run(first_events(url, 500))
        return measured
    finally:
        process.terminate()
        process.wait(timeout=20)


def server_rows(quick: bool = False) -> list[dict[str, Any]]:
    results = {"streamgraph": measure("streamgraph", quick)}
    if REFERENCE.exists():
        results["langgraph"] = measure("langgraph", quick)
    else:
        print("(no .venv-ref/bin/langgraph: our server's numbers only)")
    rows = [
        ("server: one stateless streamed run at a time (median latency)", "latency", "ms"),
        ("server: 50 concurrent clients x 20 streamed runs (runs/s)", "throughput", "/s"),
        ("  the same: server CPU time per run", "cpu", "ms"),
        ("server: 200 concurrent clients x 5 streamed runs (runs/s)", "throughput200", "/s"),
        ("server: one run writing 20,000 custom events (events/s received)", "events", "/s"),
        ("server: 500 streams at once, longest wait for a first event", "first500", "ms"),
    ]
    print(
        f"\n| {'server workload':66} | {'streamgraph':>12} | {'langgraph':>12} | {'better by':>9} |"
    )
    print(f"|{'-' * 68}|{'-' * 14}:|{'-' * 14}:|{'-' * 11}:|")
    out = []
    for label, key, unit in rows:
        ours = results["streamgraph"].get(key)
        if ours is None:
            continue
        theirs = results.get("langgraph", {}).get(key)
        shown = [_fmt(ours, unit), _fmt(theirs, unit) if theirs is not None else "-"]
        better = None if theirs is None else theirs / ours if unit == "ms" else ours / theirs
        ratio = "-" if better is None else f"{better:.1f}x"
        print(f"| {label:66} | {shown[0]:>12} | {shown[1]:>12} | {ratio:>9} |", flush=True)
        out.append({"workload": label, "streamgraph": ours, "langgraph": theirs})
    return out


def _fmt(value: float, unit: str) -> str:
    return f"{value * 1e3:.2f} ms" if unit == "ms" else f"{value:,.0f}/s"


if __name__ == "__main__":
    server_rows(quick="--quick" in sys.argv)
