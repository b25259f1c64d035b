"""Seed 001 (the LangGraph SDK streaming guide) run with ``streamgraph.sdk`` and with
``langgraph_sdk`` against the same server: the outputs must be equal, ids masked."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import langgraph_sdk
import pytest

import streamgraph.sdk

pytestmark = pytest.mark.timeout(60)

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")  # interrupt ids
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")
_VOLATILE_NUMBERS = ("__request_start_time_ms__",)


def mask(value: Any) -> Any:
    """``value`` with ids and timestamps replaced by placeholders (tuples become lists)."""
    if isinstance(value, str):
        return _TIMESTAMP.sub("<ts>", _HEX_ID.sub("<id>", _UUID.sub("<id>", value)))
    if isinstance(value, dict):
        return {mask(k): "<n>" if k in _VOLATILE_NUMBERS else mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    return value


Snippet = Callable[[Any], Awaitable[list[Any]]]


async def basic_updates(client: Any) -> list[Any]:
    thread = await client.threads.create()
    return [
        chunk.data
        async for chunk in client.runs.stream(
            thread["thread_id"], "joke", input={"topic": "ice cream"}, stream_mode="updates"
        )
    ]


async def updates_and_custom(client: Any) -> list[Any]:
    thread = await client.threads.create()
    return [
        chunk
        async for chunk in client.runs.stream(
            thread["thread_id"],
            "joke",
            input={"topic": "ice cream"},
            stream_mode=["updates", "custom"],
        )
    ]


async def values(client: Any) -> list[Any]:
    thread = await client.threads.create()
    return [
        chunk.data
        async for chunk in client.runs.stream(
            thread["thread_id"], "joke", input={"topic": "ice cream"}, stream_mode="values"
        )
    ]


async def subgraphs(client: Any) -> list[Any]:
    thread = await client.threads.create()
    return [
        chunk
        async for chunk in client.runs.stream(
            thread["thread_id"],
            "sub",
            input={"foo": "foo"},
            stream_subgraphs=True,
            stream_mode="updates",
        )
    ]


async def debug(client: Any) -> list[Any]:
    thread = await client.threads.create()
    return [
        chunk.data
        async for chunk in client.runs.stream(
            thread["thread_id"], "joke", input={"topic": "ice cream"}, stream_mode="debug"
        )
    ]


async def llm_tokens(client: Any) -> list[Any]:
    thread = await client.threads.create()
    tokens = []
    async for chunk in client.runs.stream(
        thread["thread_id"], "chat", input={"topic": "ice cream"}, stream_mode="messages-tuple"
    ):
        if chunk.event != "messages":
            continue
        message_chunk, metadata = chunk.data
        if message_chunk["content"]:
            tokens.append((message_chunk["content"], metadata["langgraph_node"]))
    return tokens


async def custom(client: Any) -> list[Any]:
    thread = await client.threads.create()
    return [
        chunk.data
        async for chunk in client.runs.stream(
            thread["thread_id"], "custom", input={"count": 3}, stream_mode="custom"
        )
    ]


async def events(client: Any) -> list[Any]:
    thread = await client.threads.create()
    return [
        chunk.data
        async for chunk in client.runs.stream(
            thread["thread_id"], "joke", input={"topic": "ice cream"}, stream_mode="events"
        )
    ]


async def stateless(client: Any) -> list[Any]:
    return [
        chunk.data
        async for chunk in client.runs.stream(
            None, "joke", input={"topic": "ice cream"}, stream_mode="updates"
        )
    ]


async def join_stream(client: Any) -> list[Any]:
    thread = await client.threads.create()
    # the run starts in a second, so the join sees all of it ("output is not buffered")
    run = await client.runs.create(
        thread["thread_id"],
        "joke",
        input={"topic": "ice cream"},
        stream_mode="updates",
        after_seconds=1,
    )
    return [chunk async for chunk in client.runs.join_stream(thread["thread_id"], run["run_id"])]


async def v2_subgraph_values(client: Any) -> list[Any]:
    return [
        part
        async for part in client.runs.stream(
            None,
            "sub",
            input={"foo": "foo"},
            stream_subgraphs=True,
            stream_mode="values",
            version="v2",
        )
    ]


async def interrupt_and_resume(client: Any) -> list[Any]:
    thread = await client.threads.create()
    tid = thread["thread_id"]
    first = [
        part async for part in client.runs.stream(tid, "hitl", input={"topic": "t"}, version="v2")
    ]
    state = await client.threads.get_state(tid)
    resumed = await client.runs.wait(tid, "hitl", command={"resume": "yes"})
    history = await client.threads.get_history(tid)
    return [
        first,
        state["next"],
        state["interrupts"],
        resumed,
        [h["metadata"]["step"] for h in history],
    ]


async def wait_and_state(client: Any) -> list[Any]:
    thread = await client.threads.create(metadata={"owner": "seed"})
    tid = thread["thread_id"]
    result = await client.runs.wait(tid, "joke", input={"topic": "t"})
    runs = await client.runs.list(tid)
    state = await client.threads.get_state(tid)
    await client.threads.update_state(tid, {"topic": "edited"}, as_node="generate_joke")
    after = await client.threads.get_state(tid)
    found = await client.threads.search(metadata={"owner": "seed"}, limit=100)
    error = await client.runs.wait(tid, "error", input={"topic": "t"}, raise_error=False)
    return [
        result,
        [r["status"] for r in runs],
        state["values"],
        after["values"],
        tid in [t["thread_id"] for t in found],
        error,
    ]


async def assistants(client: Any) -> list[Any]:
    tag = str(uuid.uuid4())
    created = await client.assistants.create(
        "joke", config={"configurable": {"k": 1}}, metadata={"tag": tag}, name="mine"
    )
    aid = created["assistant_id"]
    updated = await client.assistants.update(aid, metadata={"v": 2})
    versions = await client.assistants.get_versions(aid)
    latest = await client.assistants.set_latest(aid, 1)
    found = await client.assistants.search(metadata={"tag": tag})
    page = await client.assistants.search(metadata={"tag": tag}, response_format="object")
    count = await client.assistants.count(metadata={"tag": tag})
    system = (await client.assistants.search(graph_id="sub", metadata={"created_by": "system"}))[0]
    graph = await client.assistants.get_graph(system["assistant_id"], xray=True)
    schemas = await client.assistants.get_schemas(system["assistant_id"])
    subgraphs = await client.assistants.get_subgraphs(system["assistant_id"], recurse=True)
    await client.assistants.delete(aid)
    try:
        await client.assistants.get(aid)
        gone = False
    except Exception as error:
        gone = type(error).__name__
    return [
        created,
        updated["version"],
        [v["version"] for v in versions],
        latest["version"],
        len(found),
        page["next"],
        count,
        graph,
        schemas,
        subgraphs,
        gone,
    ]


async def threads(client: Any) -> list[Any]:
    tag = str(uuid.uuid4())
    thread = await client.threads.create(metadata={"tag": tag}, graph_id="joke")
    tid = thread["thread_id"]
    same = await client.threads.create(thread_id=tid, if_exists="do_nothing")
    await client.runs.wait(tid, "joke", input={"topic": "t"})
    updated = await client.threads.update(tid, metadata={"more": 1})
    minimal = await client.threads.update(tid, metadata={"more": 2}, return_minimal=True)
    copied = await client.threads.copy(tid)
    count = await client.threads.count(metadata={"tag": tag})
    got = await client.threads.get(copied["thread_id"])
    copy_state = await client.threads.get_state(copied["thread_id"])
    history = await client.threads.get_history(tid, limit=2)
    older = await client.threads.get_state(tid, checkpoint_id=history[1]["checkpoint_id"])
    pruned = await client.threads.prune([copied["thread_id"]])
    await client.threads.delete(tid)
    remaining = await client.threads.search(metadata={"tag": tag})
    return [
        thread,
        same["thread_id"] == tid,
        updated["metadata"],
        minimal,
        count,
        got,
        copy_state["values"],
        len(history),
        older["values"],
        pruned,
        remaining,
    ]


async def cancel(client: Any) -> list[Any]:
    thread = await client.threads.create()
    tid = thread["thread_id"]
    created: list[Any] = []
    first = await client.runs.create(
        tid, "slow", input={"topic": "t", "sleep": 3}, on_run_created=created.append
    )
    second = await client.runs.create(tid, "slow", input={"topic": "u", "sleep": 3})
    await client.runs.cancel(tid, first["run_id"], wait=True)
    await client.runs.cancel_many(thread_id=tid, run_ids=[second["run_id"]])
    await client.runs.join(tid, second["run_id"])
    runs = await client.runs.list(tid)
    batch = await client.runs.create_batch(
        [{"assistant_id": "joke", "input": {"topic": "b"}, "on_completion": "keep"}]
    )
    await client.runs.join(batch[0]["thread_id"], batch[0]["run_id"])
    await client.runs.delete(batch[0]["thread_id"], batch[0]["run_id"])
    return [
        created == [{"run_id": first["run_id"], "thread_id": tid}],
        sorted(r["status"] for r in runs),
        len(batch),
    ]


SNIPPETS: list[Snippet] = [
    basic_updates,
    updates_and_custom,
    values,
    subgraphs,
    debug,
    llm_tokens,
    custom,
    events,
    stateless,
    join_stream,
    v2_subgraph_values,
    interrupt_and_resume,
    wait_and_state,
    assistants,
    threads,
    cancel,
]


def test_seed_snippets_give_the_same_output_as_langgraph_sdk(server):
    async def run_all(make: Callable[..., Any]) -> list[Any]:
        async with _closing(make(url=server)) as client:
            return list(await asyncio.gather(*(snippet(client) for snippet in SNIPPETS)))

    async def both() -> tuple[list[Any], list[Any]]:
        ours, theirs = await asyncio.gather(
            run_all(streamgraph.sdk.get_client), run_all(langgraph_sdk.get_client)
        )
        return ours, theirs

    ours, theirs = asyncio.run(both())
    for snippet, our, their in zip(SNIPPETS, ours, theirs, strict=True):
        assert mask(our) == mask(their), snippet.__name__
    # a few facts, so that "equal" is not "equally empty"
    by_name = dict(zip([s.__name__ for s in SNIPPETS], ours, strict=True))
    assert by_name["basic_updates"] == [
        {"run_id": by_name["basic_updates"][0]["run_id"], "attempt": 1},
        {"refine_topic": {"topic": "ice cream and cats"}},
        {"generate_joke": {"joke": "This is a joke about ice cream and cats"}},
    ]
    assert [t for t, _ in by_name["llm_tokens"]] == ["hello", " ", "there", " ", "friend"]
    assert by_name["custom"][1:] == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert isinstance(by_name["subgraphs"][2], streamgraph.sdk.StreamPart)
    assert by_name["subgraphs"][2].event.startswith("updates|node_2:")
    assert by_name["interrupt_and_resume"][3] == {"topic": "t", "joke": "yes: t"}


def test_sync_client_gives_the_same_output_as_langgraph_sdk(server):
    def snippet(make: Callable[..., Any]) -> list[Any]:
        with make(url=server) as client:
            thread = client.threads.create()
            parts = list(
                client.runs.stream(
                    thread["thread_id"],
                    "sub",
                    input={"foo": "foo"},
                    stream_subgraphs=True,
                    stream_mode="updates",
                )
            )
            return [
                parts,
                client.runs.wait(None, "joke", input={"topic": "x"}),
                client.threads.get_state(thread["thread_id"])["values"],
            ]

    with ThreadPoolExecutor(2) as pool:
        ours, theirs = pool.map(
            snippet, [streamgraph.sdk.get_sync_client, langgraph_sdk.get_sync_client]
        )
    assert mask(ours) == mask(theirs)
    assert ours[1] == {"topic": "x and cats", "joke": "This is a joke about x and cats"}


class _closing:
    """``async with`` for both SDKs' clients (langgraph_sdk's has ``aclose`` too)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def __aenter__(self) -> Any:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
