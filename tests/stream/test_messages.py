"""``run.messages`` and ``run.tool_calls``: chat models, messages nodes return, the native
message writer (no LangChain in its path), and tool calls with streamed output."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.language_models.chat_model_stream import (
    AsyncChatModelStream,
    ChatModelStream,
)
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.tools import tool

from streamgraph.graph import START, MessagesState, StateGraph
from streamgraph.graph.message import add_messages
from streamgraph.messages import get_message_writer, stream_message
from streamgraph.prebuilt import ToolCallTransformer, ToolNode, ToolRuntime
from tests.stream._runs import read

APIS = ["sync", "async"]


def texts(run: Any) -> list[tuple[str | None, str]]:
    return [(message.node, "".join(message.text)) for message in run.messages]


async def atexts(run: Any) -> list[tuple[str | None, str]]:
    out = []
    async for message in run.messages:
        assert isinstance(message, AsyncChatModelStream)
        out.append((message.node, "".join([delta async for delta in message.text])))
    return out


def one_node(node: Any) -> Any:
    return StateGraph(MessagesState).add_node("llm", node).add_edge(START, "llm").compile()


@pytest.mark.parametrize("api", APIS)
def test_chat_model_tokens_and_returned_messages(api: str) -> None:
    model = GenericFakeChatModel(messages=iter(["hello big world"]))

    def call_model(state: MessagesState) -> dict[str, Any]:
        reply = model.invoke(state["messages"])
        return {"messages": [reply, AIMessage("and a note", id="note-1")]}

    reader = texts if api == "sync" else atexts
    messages = read(one_node(call_model), {"messages": "hi"}, api, reader)
    # the model's reply streamed once (not again as the node's output), then the new message
    assert messages == [("llm", "hello big world"), ("llm", "and a note")]


TEXT = "tokens"


def writer_node(state: MessagesState) -> dict[str, Any]:
    write = get_message_writer(id="native-1")
    for token in ("to", "ken", "s"):
        write(token)
    return {}


@pytest.mark.parametrize("api", APIS)
def test_native_writer_streams_content_blocks(api: str) -> None:
    events = read(one_node(writer_node), {"messages": []}, api)
    events = [e for e in events if e["method"] == "messages"]
    payloads = [event["params"]["data"][0] for event in events]
    assert payloads == [
        {"event": "message-start", "role": "ai", "id": "native-1"},
        {"event": "content-block-start", "index": 0, "content": {"type": "text", "text": ""}},
        *(
            {"event": "content-block-delta", "index": 0, "delta": {"type": "text-delta", "text": t}}
            for t in ("to", "ken", "s")
        ),
        # the node returned: the message ends
        {"event": "content-block-finish", "index": 0, "content": {"type": "text", "text": TEXT}},
        {"event": "message-finish"},
    ]
    metadata = events[0]["params"]["data"][1]
    assert metadata["run_id"] == "native-1" and metadata["langgraph_node"] == "llm"
    assert metadata["ls_integration"] == "streamgraph"
    reader = texts if api == "sync" else atexts
    messages = read(one_node(writer_node), {"messages": []}, api, reader)
    assert messages == [("llm", "tokens")]


def test_native_writer_without_langchain_in_its_path() -> None:
    """No LangChain callback is involved: a plain generator of text is streamed (langchain
    is imported by this test module, for ChatModelStream, which run.messages builds)."""

    def node(state: dict[str, Any]) -> dict[str, Any]:
        for _ in stream_message(iter(["a", "b"]), id="m"):
            pass
        write = get_message_writer(id="usage")
        write("x")
        write.finish(usage={"input_tokens": 1, "output_tokens": 1})
        with pytest.raises(RuntimeError, match="finished"):
            write("late")
        return {}

    class S(TypedDict, total=False):
        n: int

    graph = StateGraph(S).add_node("n", node).add_edge(START, "n").compile()
    run = graph.stream_events({}, version="v3")
    streams = list(run.messages)
    assert all(isinstance(s, ChatModelStream) for s in streams)
    assert [(s.message_id, s.output.text) for s in streams] == [("m", "ab"), ("usage", "x")]
    assert streams[1].output.usage_metadata["output_tokens"] == 1


def test_a_failing_node_fails_its_open_message() -> None:
    def node(state: MessagesState) -> dict[str, Any]:
        get_message_writer()("partial")
        raise ValueError("model went away")

    run = one_node(node).stream_events({"messages": []}, version="v3")
    stream = next(iter(run.messages))
    with pytest.raises(RuntimeError, match="model went away"):
        stream.output  # noqa: B018
    with pytest.raises(ValueError, match="model went away"):
        run.output  # noqa: B018


class ToolState(TypedDict):
    messages: Annotated[list[Any], add_messages]


@tool
def progress(text: str, runtime: ToolRuntime) -> str:
    """Report progress."""
    for part in ("1/2", "2/2"):
        runtime.emit_output_delta(part)
    return f"done {text}"


def ask(state: ToolState) -> dict[str, Any]:
    call = {"name": "progress", "args": {"text": "x"}, "id": "call-1"}
    return {"messages": [AIMessage("", tool_calls=[call], id="ai-1")]}


@pytest.mark.parametrize("api", APIS)
def test_tool_calls_projection(api: str) -> None:
    graph = (
        StateGraph(ToolState)
        .add_node("ask", ask)
        .add_node("tools", ToolNode([progress]))
        .add_edge(START, "ask")
        .add_edge("ask", "tools")
        .compile(transformers=[ToolCallTransformer])
    )

    def calls(run: Any) -> Any:
        return [
            (call.tool_call_id, list(call.output_deltas), call.output, call.completed)
            for call in run.tool_calls
        ]

    async def acalls(run: Any) -> Any:
        out = []
        async for call in run.tool_calls:
            deltas = [d async for d in call.output_deltas]
            out.append((call.tool_call_id, deltas, call.output, call.completed))
        return out

    assert read(graph, {"messages": []}, api, calls if api == "sync" else acalls) == [
        ("call-1", ["1/2", "2/2"], "done x", True)
    ]
    events = read(graph, {"messages": []}, api)
    tools = [e["params"]["data"] for e in events if e["method"] == "tools"]
    assert [t["event"] for t in tools] == [
        "tool-started",
        "tool-output-delta",
        "tool-output-delta",
        "tool-finished",
    ]


def test_message_streams_are_not_built_for_nobody() -> None:
    """Messages nobody subscribed to are never assembled (the projection keeps nothing)."""
    model = GenericFakeChatModel(messages=iter(["x y"]))

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": model.invoke(state["messages"])}

    run = one_node(call_model).stream_events({"messages": "hi"}, version="v3")
    assert run.output["messages"][-1].text == "x y"
    transformer = run._mux.transformer_by_key("messages")
    assert transformer._by_run == {} and not run.messages._items


def test_async_message_text_drives_the_run() -> None:
    model = GenericFakeChatModel(messages=iter(["one two three"]))

    async def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": await model.ainvoke(state["messages"])}

    async def main() -> str:
        run = await one_node(call_model).astream_events({"messages": "hi"}, version="v3")
        async for message in run.messages:
            return "".join([delta async for delta in message.text])
        return ""

    assert asyncio.run(main()) == "one two three"
