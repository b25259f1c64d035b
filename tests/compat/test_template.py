"""A LangGraph project, unedited, served by ``streamgraph dev``: ``template/`` is in the style
of LangGraph's react-agent template (dataclass state and context, ``Runtime[Context]``, a
``ToolNode``, ``compile(name=...)``, a ``langgraph.json`` with an ``.env``) and imports
``langgraph`` only; its model is scripted. The real ``langgraph_sdk`` client streams a run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.timeout(90)

TEMPLATE = Path(__file__).parent / "template"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Any:
    project = tmp_path / "react-agent"
    shutil.copytree(TEMPLATE, project)
    port = free_port()
    # The project's package is importable as after `pip install -e .` (as its README asks).
    path = os.pathsep.join([str(Path.cwd() / "src"), str(project / "src")])
    process = subprocess.Popen(
        [sys.executable, "-m", "streamgraph.cli", "dev", "--port", str(port), "--no-browser"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/ok").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                _, err = process.communicate(timeout=5)
                pytest.fail(f"streamgraph dev did not start: {err}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


async def _stream(url: str, context: dict[str, Any] | None) -> list[Any]:
    from langgraph_sdk import get_client

    async with get_client(url=url) as client:
        thread = await client.threads.create()
        return [
            part
            async for part in client.runs.stream(
                thread["thread_id"],
                "agent",
                input={"messages": [{"role": "human", "content": "what is the weather in sf?"}]},
                stream_mode=["values", "updates", "messages-tuple"],
                context=context,
            )
        ]


def test_served_unedited_and_streamed_through_the_sdk(served: str) -> None:
    from langgraph_sdk import get_sync_client

    with get_sync_client(url=served) as client:
        assistants = client.assistants.search(graph_id="agent")
    assert [a["name"] for a in assistants] == ["ReAct Agent"]  # the compiled graph's name

    parts = asyncio.run(_stream(served, None))
    events = [part.event for part in parts]
    assert events[0] == "metadata" and "error" not in events, parts
    assert {"values", "updates", "messages"} <= set(events)
    final = [p.data for p in parts if p.event == "values"][-1]
    contents = [(m["type"], m["content"]) for m in final["messages"]]
    assert contents[0] == ("human", "what is the weather in sf?")
    assert contents[-1] == ("ai", "The weather in San Francisco is sunny.")
    tool = next(m for m in final["messages"] if m["type"] == "tool")
    # no context given: the tool saw the Context dataclass's defaults
    assert '"results": 10' in tool["content"], tool["content"]
    updated = [next(iter(p.data)) for p in parts if p.event == "updates"]
    assert updated == ["call_model", "tools", "call_model"]

    parts = asyncio.run(_stream(served, {"max_search_results": 3}))
    final = [p.data for p in parts if p.event == "values"][-1]
    tool = next(m for m in final["messages"] if m["type"] == "tool")
    assert '"results": 3' in tool["content"], tool["content"]
