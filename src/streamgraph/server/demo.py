"""``streamgraph demo``: start ``streamgraph serve`` on a free port (embedded SQLite), then
stream the seed graphs through ``streamgraph.sdk`` in every mode, printing each chunk the
moment it arrives with the milliseconds since its request began; then a thread's state and
history, a human-in-the-loop resume, and the server stops.

The server also serves the Studio page: its URL is printed first, and when the demo runs in
a terminal the server stays up after the tour until Enter is pressed, so the page can be
opened with the seed graphs ready to run."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

__all__ = ("run_demo",)

GRAPHS = {
    name: f"streamgraph.server.demo_graphs:{name}"
    for name in ("joke", "sub", "progress", "chat", "review", "agent")
}
# Colours only on a terminal, so that a log of the demo stays plain text.
BOLD, DIM, RESET = ("\x1b[1m", "\x1b[2m", "\x1b[0m") if sys.stdout.isatty() else ("", "", "")


def _title(text: str) -> None:
    print(f"\n{BOLD}=== {text}{RESET}", flush=True)


async def _show(parts: AsyncIterator[Any], show: Any = None) -> None:
    started = time.perf_counter()
    async for part in parts:
        elapsed = (time.perf_counter() - started) * 1000
        shown = show(part) if show is not None else (part.event, part.data)
        if shown is not None:
            print(f"{DIM}{elapsed:8.1f} ms{RESET} {shown}", flush=True)


def _token(part: Any) -> Any:
    if part.event != "messages":
        return None
    chunk, metadata = part.data
    return f"token {chunk['content']!r} from node {metadata['langgraph_node']}"


async def _tour(url: str) -> None:
    from streamgraph.sdk import get_client

    async with get_client(url=url, api_key=None) as client:
        thread = await client.threads.create()
        tid = thread["thread_id"]
        joke = {"topic": "ice cream"}
        for mode in ("updates", "values", "debug", "tasks", "events"):
            _title(f"joke graph, stream_mode={mode!r}")
            await _show(client.runs.stream(None, "joke", input=joke, stream_mode=mode))
        _title("joke graph on a thread, stream_mode=['values', 'updates', 'checkpoints']")
        await _show(
            client.runs.stream(
                tid, "joke", input=joke, stream_mode=["values", "updates", "checkpoints"]
            )
        )
        _title("subgraph example, stream_subgraphs=True (namespaced events)")
        await _show(
            client.runs.stream(
                None, "sub", input={"foo": "foo"}, stream_mode="updates", stream_subgraphs=True
            )
        )
        _title("a node reporting progress, stream_mode='custom' (live, not at the end)")
        await _show(
            client.runs.stream(None, "progress", input={"topic": "x"}, stream_mode="custom")
        )
        _title("a chat model, stream_mode='messages-tuple' (each token as generated)")
        await _show(
            client.runs.stream(None, "chat", input=joke, stream_mode="messages-tuple"), _token
        )
        await _background_and_join(client)
        await _human_in_the_loop(client)
        _title(f"state and history of thread {tid}")
        state = await client.threads.get_state(tid)
        print(f"values: {state['values']}\nnext: {state['next']}")
        for entry in await client.threads.get_history(tid):
            metadata = entry["metadata"] or {}
            print(f"  step {metadata['step']:>2} ({metadata['source']}): {entry['values']}")


async def _background_and_join(client: Any) -> None:
    thread = await client.threads.create()
    run = await client.runs.create(
        thread["thread_id"], "progress", input={"topic": "x"}, stream_mode="custom"
    )
    _title(f"a background run ({run['status']}), then join_stream: every event from the start")
    await asyncio.sleep(0.35)
    await _show(client.runs.join_stream(thread["thread_id"], run["run_id"]))


async def _human_in_the_loop(client: Any) -> None:
    thread = await client.threads.create()
    _title("human in the loop: the run stops at interrupt(), a second run resumes it")
    waited = await client.runs.wait(thread["thread_id"], "review", input={"topic": "cats"})
    print(f"paused with: {waited['__interrupt__'][0]['value']}")
    print(f"thread status: {(await client.threads.get(thread['thread_id']))['status']}")
    done = await client.runs.wait(thread["thread_id"], "review", command={"resume": "approved"})
    print(f"resumed: {done}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_demo(db: str | None) -> int:
    folder = Path(tempfile.mkdtemp(prefix="streamgraph-demo-"))
    (folder / "langgraph.json").write_text(json.dumps({"graphs": GRAPHS}))
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamgraph.cli",
        "serve",
        "--port",
        str(port),
        "--config",
        str(folder / "langgraph.json"),
        "--studio",
    ]
    if db:
        command += ["--db", db]
    server = subprocess.Popen(command, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        if not _wait_ready(server, url):
            print("streamgraph demo: the server did not start", file=sys.stderr)
            return 1
        print(f"{DIM}(storage: {db or folder / '.streamgraph' / 'streamgraph.sqlite'}){RESET}")
        print(f"{BOLD}studio: {url}/studio/{RESET} (the seed graphs, ready to run)", flush=True)
        asyncio.run(_tour(url))
        _keep_serving(url)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{DIM}server stopped, its temporary folder removed{RESET}")
    return 0


def _keep_serving(url: str) -> None:
    """In a terminal, leave the server up for the studio until the user is done."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return
    print(f"\n{BOLD}The server stays up for the studio at {url}/studio/{RESET}")
    try:
        input("Press Enter to stop it. ")
    except (EOFError, KeyboardInterrupt):
        print()


def _wait_ready(server: subprocess.Popen[bytes], url: str) -> bool:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(url + "/ok", timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False
