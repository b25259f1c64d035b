"""get_message_writer(): token streaming into ``messages`` mode without LangChain."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, TypedDict

from streamgraph.graph import START, StateGraph
from streamgraph.messages import (
    MessageChunk,
    astream_message,
    get_message_writer,
    stream_message,
)


class State(TypedDict):
    topic: str
    joke: str


class FakeOpenAI:
    """Shaped like ``openai.AsyncOpenAI``: ``chat.completions.create(..., stream=True)``
    returns an async iterator of chunks whose ``choices[0].delta`` has ``role``/``content``."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    async def create(self, *, messages: Any, model: str, stream: bool) -> AsyncIterator[Any]:
        assert stream

        async def chunks() -> AsyncIterator[Any]:
            yield SimpleNamespace(
                choices=[SimpleNamespace(delta=SimpleNamespace(role="assistant", content=None))]
            )
            for token in self.tokens:
                await asyncio.sleep(0)
                yield SimpleNamespace(
                    choices=[SimpleNamespace(delta=SimpleNamespace(role=None, content=token))]
                )

        return chunks()


def test_the_openai_client_pattern_streams_tokens_with_node_metadata() -> None:
    client = FakeOpenAI(["Why", " did", " the", " cat"])

    async def call_model(state: State) -> dict:
        write = get_message_writer(tags=["joke"])
        response = await client.chat.completions.create(
            messages=[{"role": "user", "content": state["topic"]}], model="gpt-x", stream=True
        )
        async for chunk in response:
            if chunk.choices[0].delta.content:
                write(chunk.choices[0].delta.content)
        return {"joke": write.text}

    graph = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()

    async def main() -> list[Any]:
        return [
            c async for c in graph.astream({"topic": "cats"}, stream_mode=["messages", "updates"])
        ]

    chunks = asyncio.run(main())
    tokens = [
        (c.content, meta) for mode, (c, meta) in ((m, p) for m, p in chunks if m == "messages")
    ]
    assert [t for t, _ in tokens] == ["Why", " did", " the", " cat"]
    meta = tokens[0][1]
    assert meta["langgraph_node"] == "call_model" and meta["langgraph_step"] == 1
    assert meta["tags"] == ["joke"]
    assert meta["checkpoint_ns"] == meta["langgraph_checkpoint_ns"]
    assert chunks[-1] == ("updates", {"call_model": {"joke": "Why did the cat"}})


def test_chunks_share_an_id_and_add_up() -> None:
    def node(state: State) -> dict:
        out = "".join(stream_message(iter(["a", "b", "c"]), id="m1"))
        return {"joke": out}

    graph = StateGraph(State).add_node(node).add_edge(START, "node").compile()
    chunks = [c for c, _ in graph.stream({"topic": "t"}, stream_mode="messages")]
    assert chunks == [
        MessageChunk(("a", "m1")),
        MessageChunk(("b", "m1")),
        MessageChunk(("c", "m1")),
    ]
    total = chunks[0] + chunks[1] + chunks[2]
    assert (total.content, total.id, total.type) == ("abc", "m1", "AIMessageChunk")
    assert total.model_dump()["content"] == "abc"


def test_async_iterators_and_chunks_arrive_while_the_node_runs() -> None:
    got_first = asyncio.Event()
    node_done: list[bool] = []

    async def tokens() -> AsyncIterator[str]:
        yield "x"
        # held back until the node ends, the first chunk would keep this waiting
        await asyncio.wait_for(got_first.wait(), 10)
        yield "y"

    async def node(state: State) -> dict:
        text = "".join([t async for t in astream_message(tokens())])
        node_done.append(True)
        return {"joke": text}

    graph = StateGraph(State).add_node(node).add_edge(START, "node").compile()

    async def main() -> list[tuple[str, bool]]:
        received = []
        async for chunk, _ in graph.astream({"topic": "t"}, stream_mode="messages"):
            received.append((chunk.content, bool(node_done)))
            got_first.set()
        return received

    received = asyncio.run(main())
    assert [content for content, _ in received] == ["x", "y"]
    assert received[0] == ("x", False)  # the first arrived while the node was still running


def test_native_streaming_does_not_import_langchain() -> None:
    import subprocess

    code = """
import sys
from typing import TypedDict
from streamgraph.graph import START, StateGraph
from streamgraph.messages import get_message_writer
class State(TypedDict):
    joke: str
def node(state):
    write = get_message_writer()
    write("a")
    write("b")
    return {"joke": write.text}
graph = StateGraph(State).add_node(node).add_edge(START, "node").compile()
print([c.content for c, _ in graph.stream({"joke": ""}, stream_mode="messages")])
print(graph.invoke({"joke": ""}))
print(any(m.startswith("langchain") for m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[:3] == ["['a', 'b']", "{'joke': 'ab'}", "False"]


def test_a_returned_message_with_a_streamed_id_is_not_repeated() -> None:
    from langchain_core.messages import AIMessage

    from streamgraph.graph import MessagesState

    def node(state: Any) -> dict:
        write = get_message_writer(id="reply-1")
        write("hello")
        return {"messages": [AIMessage(write.text, id="reply-1")]}

    graph = StateGraph(MessagesState).add_node(node).add_edge(START, "node").compile()
    chunks = [c for c, _ in graph.stream({"messages": [("user", "hi")]}, stream_mode="messages")]
    assert [(type(c).__name__, c.content) for c in chunks] == [("MessageChunk", "hello")]
