"""``messages`` mode scenarios: fake LangChain chat models inside nodes, built with LangGraph
and with streamgraph from the same code (registered into ``scenarios.SCENARIOS``)."""

from __future__ import annotations

from typing import Any, TypedDict

from langchain_core.language_models.fake_chat_models import (
    FakeMessagesListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage

from tests.differential._turns import Turns
from tests.differential.scenarios import scenario

MESSAGES = [
    {"stream_mode": "messages"},
    {"stream_mode": ["messages", "updates"]},
    {
        "stream_mode": "messages",
        "config": {
            "configurable": {"thread_id": "tt"},
            "metadata": {"run_meta": "rm"},
            "tags": ["outer_tag"],
        },
    },
    {"stream_mode": "messages", "version": "v2"},
]


def fake(text: str, **kwargs: Any) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(text)]), **kwargs)


class Joke(TypedDict):
    topic: str
    joke: str


def messages_state(lib: Any) -> Any:
    return __import__(
        f"{lib.StateGraph.__module__.split('.')[0]}.graph", fromlist=["MessagesState"]
    ).MessagesState


@scenario(*MESSAGES)
def llm_tokens_from_invoke(lib: Any) -> Any:
    model = fake("hello big world")

    def generate_joke(state: Joke) -> Any:
        return {"joke": model.invoke([{"role": "user", "content": state["topic"]}]).content}

    graph = (
        lib.StateGraph(Joke)
        .add_node(generate_joke, metadata={"node_meta": "nm"})
        .add_edge(lib.START, "generate_joke")
        .compile()
    )
    return graph, {"topic": "ice cream"}


@scenario(*MESSAGES)
def returned_llm_message_is_not_repeated(lib: Any) -> Any:
    model = fake("one two", tags=["joke"])

    def call_model(state: Any) -> Any:
        return {"messages": [model.invoke(state["messages"])]}

    graph = (
        lib.StateGraph(messages_state(lib))
        .add_node(call_model)
        .add_edge(lib.START, "call_model")
        .compile()
    )
    return graph, {"messages": [("user", "hi")]}


@scenario(*MESSAGES)
def whole_messages_from_node_outputs(lib: Any) -> Any:
    def plain(state: Any) -> Any:
        return {"messages": [AIMessage("static", id="s1"), AIMessage("no id")]}

    def echo(state: Any) -> Any:
        return {"messages": [state["messages"][0], ("ai", "tuple reply")]}

    def remove(state: Any) -> Any:
        return {"messages": [RemoveMessage(id="h1")]}

    graph = (
        lib.StateGraph(messages_state(lib))
        .add_sequence([plain, echo, remove])
        .add_edge(lib.START, "plain")
        .compile()
    )
    return graph, {"messages": [HumanMessage("hi", id="h1")]}


@scenario(*MESSAGES)
def disable_streaming_and_nostream(lib: Any) -> Any:
    whole = fake("not streamed", disable_streaming=True)
    hidden = fake("hidden tokens").with_config(tags=["nostream"])
    dropped = fake("never shown").with_config(tags=["nostream"])
    listed = FakeMessagesListChatModel(responses=[AIMessage("one two three")])

    def call(state: Any) -> Any:
        dropped.invoke("x")
        return {"messages": [whole.invoke("x"), hidden.invoke("x"), listed.invoke("x")]}

    graph = lib.StateGraph(messages_state(lib)).add_node(call).add_edge(lib.START, "call").compile()
    return graph, {"messages": [("user", "hi")]}


@scenario({"stream_mode": "messages"}, {"stream_mode": ["messages", "updates"]})
def parallel_llm_nodes(lib: Any) -> Any:
    first, second = fake("alpha beta"), fake("gamma delta")
    turns = Turns("write_joke", "write_poem")  # one after the other: an order to compare

    def write_joke(state: Joke) -> Any:
        joke = first.invoke("joke").content
        turns.take("write_joke")
        return {"joke": joke}

    def write_poem(state: Joke) -> Any:
        turns.take("write_poem")
        return {"topic": second.invoke("poem").content}

    graph = (
        lib.StateGraph(Joke)
        .add_node(write_joke)
        .add_node(write_poem)
        .add_edge(lib.START, "write_joke")
        .add_edge(lib.START, "write_poem")
        .compile()
    )
    return graph, {"topic": "cats"}


@scenario(
    {"stream_mode": "messages"},
    {"stream_mode": "messages", "subgraphs": True},
    {"stream_mode": ["messages", "updates"], "subgraphs": True},
)
def llm_inside_subgraph(lib: Any) -> Any:
    inner = fake("tok1 tok2")
    outer = fake("outer")

    def call_model(state: Any) -> Any:
        return {"messages": [inner.invoke(state["messages"])]}

    def outer_llm(state: Any) -> Any:
        return {"messages": [outer.invoke(state["messages"])]}

    state = messages_state(lib)
    child = lib.StateGraph(state).add_node(call_model).add_edge(lib.START, "call_model").compile()
    graph = (
        lib.StateGraph(state)
        .add_node(outer_llm)
        .add_node("child", child)
        .add_edge(lib.START, "outer_llm")
        .add_edge("outer_llm", "child")
        .compile()
    )
    return graph, {"messages": [("user", "hi")]}


@scenario({"stream_mode": "messages"}, {"stream_mode": ["messages", "updates", "values"]})
def async_node_with_explicit_config(lib: Any) -> Any:
    joke_model, poem_model = fake("joke words", tags=["joke"]), fake("poem words", tags=["poem"])

    async def call_model(state, config):  # type: ignore[no-untyped-def]  # as in the seed
        joke = await joke_model.ainvoke([{"role": "user", "content": "joke"}], config)
        poem = await poem_model.ainvoke([{"role": "user", "content": "poem"}], config)
        return {"joke": joke.content, "topic": poem.content}

    graph = lib.StateGraph(Joke).add_node(call_model).add_edge(lib.START, "call_model").compile()
    return graph, {"topic": "cats"}


@scenario({"stream_mode": "messages"})
def model_stream_inside_node(lib: Any) -> Any:
    model = fake("streamed by hand")

    def call(state: Joke) -> Any:
        return {"joke": "".join(str(chunk.content) for chunk in model.stream("x"))}

    graph = lib.StateGraph(Joke).add_node(call).add_edge(lib.START, "call").compile()
    return graph, {"topic": "t"}


@scenario({"stream_mode": "messages"})
def no_llm_no_messages(lib: Any) -> Any:
    def node(state: Joke) -> Any:
        return {"joke": "j"}

    graph = lib.StateGraph(Joke).add_node(node).add_edge(lib.START, "node").compile()
    return graph, {"topic": "t"}


@scenario({"stream_mode": "messages"}, {"stream_mode": ["messages", "updates"]})
def model_batch_and_astream_inside_nodes(lib: Any) -> Any:
    """``batch`` (one input at a time: a fixed token order) in a sync node, ``astream`` in
    an async one."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    batched = GenericFakeChatModel(
        messages=iter([AIMessage("first reply"), AIMessage("second reply")])
    )
    streamed = fake("async stream")

    def call_batch(state: Joke) -> Any:
        replies = batched.batch(["a", "b"], {"max_concurrency": 1})
        return {"joke": " / ".join(str(r.content) for r in replies)}

    async def call_astream(state: Joke) -> Any:
        return {"topic": "".join([str(c.content) async for c in streamed.astream("x")])}

    graph = (
        lib.StateGraph(Joke)
        .add_node(call_batch)
        .add_node(call_astream)
        .add_edge(lib.START, "call_batch")
        .add_edge("call_batch", "call_astream")
        .compile()
    )
    return graph, {"topic": "t"}
