"""Every seed example that needs no LLM prints what the seed shows (LangGraph 1.2.x output
where the seed predates it), with ids and timestamps masked."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

SEEDS = Path(__file__).parent.parent / "examples" / "seeds.py"
spec = importlib.util.spec_from_file_location("seed_examples", SEEDS)
assert spec and spec.loader
seeds: Any = importlib.util.module_from_spec(spec)
spec.loader.exec_module(seeds)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STAMP = re.compile(r"'\d{4}-\d\d-\d\dT[\d:.]+\+00:00'")

JOKE = "This is a joke about ice cream and cats"
EXPECTED = {
    "stream_values": f"""\
{{'topic': 'ice cream'}}
{{'topic': 'ice cream and cats'}}
{{'topic': 'ice cream and cats', 'joke': '{JOKE}'}}
""",
    "stream_updates": f"""\
{{'refine_topic': {{'topic': 'ice cream and cats'}}}}
{{'generate_joke': {{'joke': '{JOKE}'}}}}
""",
    "stream_debug": f"""\
{{'step': 1, 'timestamp': TS, 'type': 'task', 'payload': {{'id': 'ID1', 'name': 'refine_topic', 'input': {{'topic': 'ice cream'}}, 'triggers': ('branch:to:refine_topic',)}}}}
{{'step': 1, 'timestamp': TS, 'type': 'task_result', 'payload': {{'id': 'ID1', 'name': 'refine_topic', 'error': None, 'result': {{'topic': 'ice cream and cats'}}, 'interrupts': []}}}}
{{'step': 2, 'timestamp': TS, 'type': 'task', 'payload': {{'id': 'ID2', 'name': 'generate_joke', 'input': {{'topic': 'ice cream and cats'}}, 'triggers': ('branch:to:generate_joke',)}}}}
{{'step': 2, 'timestamp': TS, 'type': 'task_result', 'payload': {{'id': 'ID2', 'name': 'generate_joke', 'error': None, 'result': {{'joke': '{JOKE}'}}, 'interrupts': []}}}}
""",
    "stream_custom": "{'custom_key': 'Writing custom data while generating a joke'}\n",
    "stream_multiple_modes": f"""\
Stream mode: updates
{{'refine_topic': {{'topic': 'ice cream and cats'}}}}


Stream mode: custom
{{'custom_key': 'Writing custom data while generating a joke'}}


Stream mode: updates
{{'generate_joke': {{'joke': '{JOKE}'}}}}


""",
    "astream_custom_writer_parameter": "{'custom_key': 'Streaming custom data while generating a joke'}\n",
    "stream_custom_from_node": "{'custom_key': 'Generating custom data inside node'}\n",
    "stream_any_llm": """\
{'custom_llm_chunk': 'Cats'}
{'custom_llm_chunk': ' purr'}
{'custom_llm_chunk': ' about'}
{'custom_llm_chunk': ' cats'}
""",
    "stream_subgraph_updates": """\
{'node_1': {'foo': 'hi! foo'}}
{'node_2': {'foo': 'hi! foobar'}}
""",
    "stream_subgraphs_true": """\
((), {'node_1': {'foo': 'hi! foo'}})
(('node_2:ID1',), {'subgraph_node_1': {'bar': 'bar'}})
(('node_2:ID1',), {'subgraph_node_2': {'foo': 'hi! foobar'}})
((), {'node_2': {'foo': 'hi! foobar'}})
""",
    "stream_tool_tokens_without_langchain": "Books|: |to| read|, pictures|: on| the| wall|\n",
    "live_progress": """\
custom {'progress': '25%'}
custom {'progress': '50%'}
custom {'progress': '75%'}
custom {'progress': '100%'}
updates {'download': {'joke': 'downloaded'}}
""",
}


def mask(text: str) -> str:
    ids: dict[str, str] = {}
    text = UUID.sub(lambda m: ids.setdefault(m.group(0), f"ID{len(ids) + 1}"), text)
    return STAMP.sub("TS", text)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_example_prints_what_the_seed_shows(name: str, capsys: Any) -> None:
    seeds.EXAMPLES[name]()
    assert mask(capsys.readouterr().out) == EXPECTED[name]


def test_every_example_is_checked() -> None:
    assert set(seeds.EXAMPLES) - set(EXPECTED) == {"draw_subgraph_xray"}


def test_subgraph_drawing_with_xray(capsys: Any) -> None:
    seeds.EXAMPLES["draw_subgraph_xray"]()
    out = capsys.readouterr().out
    assert "subgraph node_2" in out
    assert "node_1 --> node_2\\3asubgraph_node_1;" in out
    assert "node_2\\3asubgraph_node_1 --> node_2\\3asubgraph_node_2;" in out
    assert "node_2\\3asubgraph_node_2 --> __end__;" in out
