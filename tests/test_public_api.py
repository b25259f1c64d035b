"""The public surface: LangGraph's import paths, complete __all__ tuples, and a light import."""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

import pytest

PUBLIC_MODULES = [
    "streamgraph.cache",
    "streamgraph.cache.base",
    "streamgraph.cache.memory",
    "streamgraph.cache.sqlite",
    "streamgraph.channels",
    "streamgraph.channels.delta",
    "streamgraph.checkpoint",
    "streamgraph.checkpoint.base",
    "streamgraph.checkpoint.memory",
    "streamgraph.checkpoint.postgres",
    "streamgraph.checkpoint.postgres.aio",
    "streamgraph.checkpoint.serde",
    "streamgraph.checkpoint.sqlite",
    "streamgraph.checkpoint.sqlite.aio",
    "streamgraph.config",
    "streamgraph.constants",
    "streamgraph.errors",
    "streamgraph.func",
    "streamgraph.graph",
    "streamgraph.managed",
    "streamgraph.messages",
    "streamgraph.prebuilt",
    "streamgraph.pregel",
    "streamgraph.runtime",
    "streamgraph.store",
    "streamgraph.store.base",
    "streamgraph.store.memory",
    "streamgraph.store.postgres",
    "streamgraph.store.sqlite",
    "streamgraph.stream",
    "streamgraph.stream.transformers",
    "streamgraph.types",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_modules_declare_a_complete_all(name: str) -> None:
    # (ruff's RUF022 keeps the tuples sorted)
    module = importlib.import_module(name)
    assert isinstance(module.__all__, tuple)
    assert len(set(module.__all__)) == len(module.__all__)
    for attribute in module.__all__:
        assert hasattr(module, attribute), f"{name}.{attribute}"


def test_langgraph_names_are_importable_from_the_same_places() -> None:
    from streamgraph.config import get_config, get_stream_writer  # noqa: F401
    from streamgraph.errors import (  # noqa: F401
        EmptyInputError,
        GraphInterrupt,
        GraphRecursionError,
        InvalidUpdateError,
        ParentCommand,
    )
    from streamgraph.func import entrypoint, task  # noqa: F401
    from streamgraph.graph import END, START, StateGraph  # noqa: F401
    from streamgraph.types import (  # noqa: F401
        Command,
        Interrupt,
        RetryPolicy,
        Send,
        StateSnapshot,
        StreamMode,
        StreamWriter,
        interrupt,
    )


def test_importing_the_graph_api_does_not_import_langchain() -> None:
    code = (
        "import sys, streamgraph.graph, streamgraph.types, streamgraph.config;"
        "print(sorted(m for m in sys.modules if m.startswith(('langchain', 'pydantic', "
        "'asyncio', 'sqlite3', 'psycopg', 'orjson', 'logging', 'dataclasses', 'inspect'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_the_sdk_does_not_import_pydantic_or_the_server() -> None:
    # The SDK's schema types are the server's models too; only the server validates them.
    code = (
        "import sys, streamgraph.sdk, streamgraph.sdk.schema;"
        "print(sorted(m for m in sys.modules if m.startswith(('langchain', 'pydantic', "
        "'starlette', 'streamgraph.server'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


class _StubAsyncOpenAI:
    """``openai.AsyncOpenAI`` for the README's example, offline: a streamed chat completion
    of four tokens, in OpenAI's chunk shape."""

    def __init__(self) -> None:
        from types import SimpleNamespace

        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    async def _create(self, *, model: str, stream: bool, messages: list[Any]) -> Any:
        from types import SimpleNamespace

        assert stream and messages

        async def chunks() -> Any:
            deltas = [
                ("assistant", None),
                (None, "Soft"),
                (None, " paws"),
                (None, " at"),
                (None, " dawn"),
                (None, None),
            ]
            for role, content in deltas:
                delta = SimpleNamespace(role=role, content=content)
                yield SimpleNamespace(choices=[SimpleNamespace(delta=delta)])

        return chunks()


def test_readme_python_examples_run_and_print_what_they_say(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import re
    import types
    from pathlib import Path

    from streamgraph.server import create_app
    from tests.server.conftest import ServerThread

    openai = types.ModuleType("openai")
    openai.AsyncOpenAI = _StubAsyncOpenAI  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "openai", openai)

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks
    quick_start: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), quick_start)
    capsys.readouterr()
    # The client example takes the server's address on its command line (no fixed port).
    server = ServerThread(create_app(graphs={"joke": quick_start["graph"]}, storage="memory"))
    monkeypatch.setattr(sys, "argv", ["client.py", server.url])
    try:
        server.start()
        for block in blocks:
            # each example runs on its own, or says in its first line what it continues
            continues = block.startswith("# Continues the quick start")
            lines = block.splitlines()[1:] if continues else block.splitlines()
            expected = [line[2:] for line in lines if line.startswith("# ")]
            if "streamgraph.compat.install()" in block:  # needs a process without LangGraph
                run = subprocess.run(
                    [sys.executable, "-c", block], capture_output=True, text=True, check=True
                )
                assert run.stdout.splitlines()[-len(expected) :] == expected
                continue
            namespace: dict[str, object] = dict(quick_start) if continues else {}
            exec(compile(block, "README.md", "exec"), namespace)
            printed = capsys.readouterr().out.splitlines()
            assert printed[-len(expected) :] == expected
    finally:
        server.stop()
    assert any("sys.argv[1]" in block and "get_client(url=url)" in block for block in blocks)
    assert not any("2024" in block for block in blocks), "an example hard-codes a port"
