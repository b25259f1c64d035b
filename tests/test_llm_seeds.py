"""Every LLM seed example (``examples/llm_seeds.py``, ``examples/agent_seeds.py``) prints the
same thing under streamgraph and under LangGraph.

Each example runs twice: as written, and from the module's source with ``streamgraph``
rewritten to ``langgraph`` (executed into a fresh module). The two printed transcripts must be
equal once ids and timestamps are masked; each must also show the example's expected tokens,
so that two empty (or two equally broken) transcripts cannot pass.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import pytest

EXAMPLES_DIR = Path(__file__).parent.parent / "examples"
MODULES = ("llm_seeds", "agent_seeds")
LIBS = ("streamgraph", "langgraph")

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LC_VERSIONS = re.compile(r"'lc_versions': \{[^{}]*\}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")

JOKE = "|cone?|"
CAT_JOKE = ["Why|", "|computer?|", "|mouse!|"]
CAT_POEM = ["Soft|", "|purr|", "|again.|"]
WEATHER = "It's always sunny in sf!"
ANSWER = "'Francisco!'"
EXPECTED: dict[str, list[str]] = {
    # llm_seeds
    "stream_llm_tokens": [JOKE, "'langgraph_node': 'generate_joke'", "'langgraph_step': 2"],
    "astream_tagged_models": [
        "Writing joke...\nWhy|",
        "|mouse!|\n\nWriting poem...\nSoft|",
        "|again.|\n{",
        "'tags': ['poem']",
        "'langgraph_node': 'call_model'",
    ],
    "astream_filter_by_tags": ["Writing joke...\nWhy|", "|mouse!|\n\nWriting poem...\n\n"],
    "astream_openai_tokens_custom": [
        "Writing joke...\nWhy| was|",
        "mouse!|\n\nWriting poem...\nSoft| paws|",
        "again.|\n{",
        "'tags': ['poem']",
        "'langgraph_node': 'call_model'",
    ],
    "astream_openai_tokens_filter_by_tags": [
        "Writing joke...\n\n\nWriting poem...\nSoft| paws|",
        " again.|\n",
    ],
    "stream_filter_by_node": CAT_POEM,
    "stream_messages_dataclass_state": ["Why|", JOKE, "|scoop!|\n"],
    "astream_filter_by_tags_equal": [
        "Writing joke...\nWhy|",
        "|mouse!||\n\nWriting poem...\n\n",
    ],
    "astream_messages_config_parameter": ["Generating joke...\nWhy|", "|scoop!|\n"],
    "stream_disable_streaming": [
        "Why did the cat sit on the ice cream cone? Because it wanted a purr-fect scoop!|\n{",
        "'langgraph_node': 'call_model'",
    ],
    # agent_seeds
    "agent_stream_updates": [
        "{'agent': {'messages': [AIMessage(",
        "'id': 'toolu_01'",
        "{'tools': {'messages': [ToolMessage(",
        WEATHER,
        "It's sunny in San Francisco!",
    ],
    "agent_stream_messages": [
        "Token content=''",
        "tool_call_chunks=[{'name': 'get_weather'",
        f'Token content="{WEATHER}"',
        "'langgraph_node': 'tools'",
        "Token content='Francisco!'",
        "'langgraph_step': 3",
    ],
    "agent_stream_custom": ["Looking up data for city: sf\n\n\n"],
    "agent_stream_multiple_modes": [
        "(AIMessageChunk(content=''",
        "{'agent': {'messages'",
        "Looking up data for city: sf",
        "(ToolMessage(",
        "{'tools': {'messages'",
        ANSWER,
    ],
    "astream_custom_data_from_tool": [
        "{'custom_tool_data': 'books'}\n{'custom_tool_data': 'penciles'}\n"
        "{'custom_tool_data': 'pictures'}\n",
    ],
    "astream_llm_tokens_from_tool": ["Bed:| |for| |sleeping,|", "|clothes|\n"],
}
for _sync in [n for n in EXPECTED if n.startswith("agent_stream_")]:
    EXPECTED[_sync.replace("agent_stream_", "agent_astream_")] = EXPECTED[_sync]


def load(name: str, lib: str) -> Any:
    """The example module ``name``, its source rewritten to import ``lib``."""
    path = EXAMPLES_DIR / f"{name}.py"
    source = path.read_text().replace("streamgraph", lib)
    module = types.ModuleType(f"_{name}_{lib}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module


def mask(text: str) -> str:
    """Ids (uuids, and so ``lc_run--<uuid>`` message ids) numbered by first appearance, so
    that "the same id in two places" is still compared; timestamps; langchain versions."""
    ids: dict[str, str] = {}
    text = UUID.sub(lambda m: ids.setdefault(m.group(0), f"ID{len(ids) + 1}"), text)
    text = LC_VERSIONS.sub("'lc_versions': {...}", text)
    return TIMESTAMP.sub("TS", text)


def transcript(name: str, lib: str, example: str) -> str:
    out = io.StringIO()
    with contextlib.ExitStack() as stack:
        if lib == "langgraph":  # create_react_agent: deprecated since LangGraph 1.0
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
        module = load(name, lib)
        stack.enter_context(contextlib.redirect_stdout(out))
        module.EXAMPLES[example]()
    return mask(out.getvalue())


CASES = [(name, example) for name in MODULES for example in load(name, "streamgraph").EXAMPLES]


@pytest.mark.parametrize(("name", "example"), CASES, ids=[e for _, e in CASES])
def test_prints_what_langgraph_prints(name: str, example: str) -> None:
    ours = transcript(name, "streamgraph", example)
    theirs = transcript(name, "langgraph", example)
    assert ours.strip()
    for expected in EXPECTED[example]:
        assert expected in ours
    assert ours == theirs


def test_every_example_is_checked() -> None:
    assert sorted(e for _, e in CASES) == sorted(EXPECTED)
