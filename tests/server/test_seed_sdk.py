"""The seed page "LangGraph SDK streaming" against our server, with the REAL langgraph_sdk
client: every snippet prints what the seed shows, and every stream is the one the real
LangGraph server sent (transcripts captured from ``langgraph dev``, recorded in
server-api.md Appendix A; ids masked)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from langgraph_sdk import get_client

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
JOKE = "This is a joke about ice cream and cats"

# (graph, input, stream_mode, stream_subgraphs) -> the (event, data) pairs LangGraph sent
TRANSCRIPTS: list[tuple[tuple[str, dict[str, Any], Any, bool], list[tuple[str, Any]]]] = [
    (
        ("joke", {"topic": "ice cream"}, "values", False),
        [
            ("values", {"topic": "ice cream"}),
            ("values", {"topic": "ice cream and cats"}),
            ("values", {"topic": "ice cream and cats", "joke": JOKE}),
        ],
    ),
    (
        ("joke", {"topic": "ice cream"}, "updates", False),
        [
            ("updates", {"refine_topic": {"topic": "ice cream and cats"}}),
            ("updates", {"generate_joke": {"joke": JOKE}}),
        ],
    ),
    (
        ("custom", {"topic": "x"}, "custom", False),
        [
            ("custom", {"i": 0}),
            ("custom", {"i": 1}),
            ("custom", {"i": 2}),
        ],
    ),
    (
        ("joke", {"topic": "ice cream"}, ["values", "updates", "custom"], False),
        [
            ("values", {"topic": "ice cream"}),
            ("updates", {"refine_topic": {"topic": "ice cream and cats"}}),
            ("values", {"topic": "ice cream and cats"}),
            ("updates", {"generate_joke": {"joke": JOKE}}),
            ("values", {"topic": "ice cream and cats", "joke": JOKE}),
        ],
    ),
    (
        ("custom", {"topic": "x"}, ["updates", "custom"], False),
        [
            ("custom", {"i": 0}),
            ("custom", {"i": 1}),
            ("custom", {"i": 2}),
            ("updates", {"emit": {"joke": "emitted 2"}}),
        ],
    ),
    (
        ("sub", {"foo": "foo"}, "updates", False),
        [
            ("updates", {"node_1": {"foo": "hi! foo"}}),
            ("updates", {"node_2": {"foo": "hi! foobar"}}),
        ],
    ),
    (
        ("sub", {"foo": "foo"}, "updates", True),
        [
            ("updates", {"node_1": {"foo": "hi! foo"}}),
            ("updates|node_2:<id>", {"subgraph_node_1": {"bar": "bar"}}),
            ("updates|node_2:<id>", {"subgraph_node_2": {"foo": "hi! foobar"}}),
            ("updates", {"node_2": {"foo": "hi! foobar"}}),
        ],
    ),
    (
        ("sub", {"foo": "foo"}, "values", True),
        [
            ("values", {"foo": "foo"}),
            ("values", {"foo": "hi! foo"}),
            ("values|node_2:<id>", {"foo": "hi! foo"}),
            ("values|node_2:<id>", {"foo": "hi! foo", "bar": "bar"}),
            ("values|node_2:<id>", {"foo": "hi! foobar", "bar": "bar"}),
            ("values", {"foo": "hi! foobar"}),
        ],
    ),
]


def masked(value: Any) -> Any:
    return UUID.sub("<id>", value) if isinstance(value, str) else value


async def stream(
    url: str, thread: bool, graph: str, input: Any, mode: Any, subgraphs: bool
) -> list[tuple[str, Any]]:
    async with get_client(url=url, api_key=None) as client:
        thread_id = (await client.threads.create())["thread_id"] if thread else None
        return [
            (masked(part.event), part.data)
            async for part in client.runs.stream(
                thread_id, graph, input=input, stream_mode=mode, stream_subgraphs=subgraphs
            )
        ]


@pytest.mark.parametrize("thread", [True, False], ids=["thread", "stateless"])
@pytest.mark.parametrize(
    ("case", "expected"), TRANSCRIPTS, ids=[f"{c[0]}-{c[2]}-{c[3]}" for c, _ in TRANSCRIPTS]
)
def test_streams_match_langgraphs_transcripts(
    server: Any, thread: bool, case: Any, expected: list[tuple[str, Any]]
) -> None:
    parts = asyncio.run(stream(server.url, thread, *case))
    assert parts[0][0] == "metadata"
    assert set(parts[0][1]) == {"run_id", "attempt"} and parts[0][1]["attempt"] == 1
    assert parts[1:] == expected


def test_the_seed_snippet_prints_what_the_seed_shows(
    server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    async def seed() -> None:  # the page's first example, word for word (graph "joke")
        client = get_client(url=server.url)
        assistant_id = "joke"  # the seed's graph is served as "joke" here
        thread = await client.threads.create()
        thread_id = thread["thread_id"]
        async for chunk in client.runs.stream(
            thread_id, assistant_id, input={"topic": "ice cream"}, stream_mode="updates"
        ):
            print(chunk.data)
        await client.aclose()

    asyncio.run(seed())
    printed = UUID.sub("<id>", capsys.readouterr().out)
    assert printed == (
        "{'run_id': '<id>', 'attempt': 1}\n"
        "{'refine_topic': {'topic': 'ice cream and cats'}}\n"
        f"{{'generate_joke': {{'joke': '{JOKE}'}}}}\n"
    )


def test_messages_tuple_and_legacy_messages(server: Any) -> None:
    tuples = asyncio.run(stream(server.url, True, "chat", {"topic": "t"}, "messages-tuple", False))
    tokens = [(part[1][0]["content"], part[1][0]["chunk_position"]) for part in tuples[1:]]
    assert [p[0] for p in tuples[1:]] == ["messages"] * 5
    assert tokens == [
        ("hello", None),
        (" ", None),
        ("there", None),
        (" ", None),
        ("friend", "last"),
    ]
    metadata = tuples[1][1][1]
    assert metadata["langgraph_node"] == "call_model" and metadata["langgraph_step"] == 1
    legacy = asyncio.run(stream(server.url, True, "chat", {"topic": "t"}, "messages", False))
    assert [p[0] for p in legacy[1:]] == ["messages/metadata"] + ["messages/partial"] * 5
    assert [p[1][0]["content"] for p in legacy[2:]] == [
        "hello",
        "hello ",
        "hello there",
        "hello there ",
        "hello there friend",
    ]
    assert all(p[1][0]["type"] == "ai" for p in legacy[2:])


def test_debug_tasks_and_events_have_langgraphs_shape(server: Any) -> None:
    debug = asyncio.run(stream(server.url, False, "joke", {"topic": "ice cream"}, "debug", False))
    assert [(p[1]["step"], p[1]["type"]) for p in debug[1:]] == [
        (1, "task"),
        (1, "task_result"),
        (2, "task"),
        (2, "task_result"),
    ]
    stateful = asyncio.run(stream(server.url, True, "joke", {"topic": "ice cream"}, "debug", False))
    assert [(p[1]["step"], p[1]["type"]) for p in stateful[1:]] == [
        (-1, "checkpoint"),
        (0, "checkpoint"),
        (1, "task"),
        (1, "task_result"),
        (1, "checkpoint"),
        (2, "task"),
        (2, "task_result"),
        (2, "checkpoint"),
    ]
    assert set(stateful[1][1]["payload"]["checkpoint"]) == {
        "checkpoint_id",
        "thread_id",
        "checkpoint_ns",
    }
    events = asyncio.run(stream(server.url, False, "joke", {"topic": "ice cream"}, "events", False))
    assert [(p[1]["event"], p[1]["name"]) for p in events[1:]] == [
        ("on_chain_start", "joke"),
        ("on_chain_start", "refine_topic"),
        ("on_chain_stream", "refine_topic"),
        ("on_chain_end", "refine_topic"),
        ("on_chain_start", "generate_joke"),
        ("on_chain_stream", "generate_joke"),
        ("on_chain_end", "generate_joke"),
        ("on_chain_end", "joke"),
    ]
    assert events[1][1]["run_id"] == events[0][1]["run_id"]
