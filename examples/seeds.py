"""The library examples of the seed documents (LangGraph's streaming guides), with
``langgraph`` renamed to ``streamgraph`` and nothing else changed, except where a seed calls an
LLM provider: there a local fake token stream stands in for the network.

``python examples/seeds.py`` runs them all and prints every chunk the moment it arrives, with
the time since the example started; ``tests/test_seeds.py`` checks what they print.
"""
# No "from __future__ import annotations" here: like the seeds (top-level programs), the
# examples rely on annotations that name their own local State classes.

import asyncio
import json
import operator
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, TypedDict

from streamgraph.config import get_stream_writer
from streamgraph.graph import END, START, StateGraph
from streamgraph.types import StreamWriter

try:
    from examples._runner import registry, run
except ImportError:  # run as a script: examples/ itself is on sys.path
    from _runner import registry, run  # type: ignore[no-redef]

EXAMPLES, example = registry()


# --- the joke graph (how-to "stream", seeds 000/003/004) ------------------------------------


class State(TypedDict):
    topic: str
    joke: str


def refine_topic(state: State):  # type: ignore[no-untyped-def]
    return {"topic": state["topic"] + " and cats"}


def generate_joke(state: State):  # type: ignore[no-untyped-def]
    return {"joke": f"This is a joke about {state['topic']}"}


def joke_graph() -> Any:
    return (
        StateGraph(State)
        .add_node(refine_topic)
        .add_node(generate_joke)
        .add_edge(START, "refine_topic")
        .add_edge("refine_topic", "generate_joke")
        .add_edge("generate_joke", END)
        .compile()
    )


@example
def stream_values() -> None:
    graph = joke_graph()
    for chunk in graph.stream(
        {"topic": "ice cream"},
        stream_mode="values",
    ):
        print(chunk)


@example
def stream_updates() -> None:
    graph = joke_graph()
    for chunk in graph.stream(
        {"topic": "ice cream"},
        stream_mode="updates",
    ):
        print(chunk)


@example
def stream_debug() -> None:
    graph = joke_graph()
    for chunk in graph.stream(
        {"topic": "ice cream"},
        stream_mode="debug",
    ):
        print(chunk)


def custom_joke_graph() -> Any:
    def generate_joke(state: State, writer: StreamWriter):  # type: ignore[no-untyped-def]
        writer({"custom_key": "Writing custom data while generating a joke"})
        return {"joke": f"This is a joke about {state['topic']}"}

    return (
        StateGraph(State)
        .add_node(refine_topic)
        .add_node(generate_joke)
        .add_edge(START, "refine_topic")
        .add_edge("refine_topic", "generate_joke")
        .compile()
    )


@example
def stream_custom() -> None:
    graph = custom_joke_graph()
    for chunk in graph.stream(
        {"topic": "ice cream"},
        stream_mode="custom",
    ):
        print(chunk)


@example
def stream_multiple_modes() -> None:
    graph = custom_joke_graph()
    for stream_mode, chunk in graph.stream(
        {"topic": "ice cream"},
        stream_mode=["updates", "custom"],
    ):
        print(f"Stream mode: {stream_mode}")
        print(chunk)
        print("\n")


@example
def astream_custom_writer_parameter() -> None:
    """Seed 004, "Async with Python < 3.11": the writer passed as a parameter."""

    async def generate_joke(state: State, writer: StreamWriter):  # type: ignore[no-untyped-def]
        writer({"custom_key": "Streaming custom data while generating a joke"})
        return {"joke": f"This is a joke about {state['topic']}"}

    graph = StateGraph(State).add_node(generate_joke).add_edge(START, "generate_joke").compile()

    async def main() -> None:
        async for chunk in graph.astream(
            {"topic": "ice cream"},
            stream_mode="custom",
        ):
            print(chunk)

    asyncio.run(main())


@example
def stream_custom_from_node() -> None:
    """Seed 004, "Stream custom data": get_stream_writer() inside a node."""

    class State(TypedDict):
        query: str
        answer: str

    def node(state: State):  # type: ignore[no-untyped-def]
        writer = get_stream_writer()
        writer({"custom_key": "Generating custom data inside node"})
        return {"answer": "some data"}

    graph = StateGraph(State).add_node(node).add_edge(START, "node").compile()
    inputs = {"query": "example"}
    for chunk in graph.stream(inputs, stream_mode="custom"):
        print(chunk)


@example
def stream_any_llm() -> None:
    """Seed 004, "Use with any LLM": a streaming client's chunks sent as custom data."""

    def your_custom_streaming_client(topic: str) -> Iterator[str]:
        yield from ["Cats", " purr", " about", f" {topic}"]

    def call_arbitrary_model(state):  # type: ignore[no-untyped-def]
        writer = get_stream_writer()
        for chunk in your_custom_streaming_client(state["topic"]):
            writer({"custom_llm_chunk": chunk})
        return {"result": "completed"}

    class State(TypedDict):
        topic: str
        result: str

    graph = (
        StateGraph(State)
        .add_node(call_arbitrary_model)
        .add_edge(START, "call_arbitrary_model")
        .compile()
    )
    for chunk in graph.stream(
        {"topic": "cats"},
        stream_mode="custom",
    ):
        print(chunk)


# --- subgraphs (seeds 003/004) -----------------------------------------------------------


def subgraph_parent() -> Any:
    class SubgraphState(TypedDict):
        foo: str  # note that this key is shared with the parent graph state
        bar: str

    def subgraph_node_1(state: SubgraphState):  # type: ignore[no-untyped-def]
        return {"bar": "bar"}

    def subgraph_node_2(state: SubgraphState):  # type: ignore[no-untyped-def]
        return {"foo": state["foo"] + state["bar"]}

    subgraph_builder = StateGraph(SubgraphState)
    subgraph_builder.add_node(subgraph_node_1)
    subgraph_builder.add_node(subgraph_node_2)
    subgraph_builder.add_edge(START, "subgraph_node_1")
    subgraph_builder.add_edge("subgraph_node_1", "subgraph_node_2")
    subgraph = subgraph_builder.compile()

    class ParentState(TypedDict):
        foo: str

    def node_1(state: ParentState):  # type: ignore[no-untyped-def]
        return {"foo": "hi! " + state["foo"]}

    builder = StateGraph(ParentState)
    builder.add_node("node_1", node_1)
    builder.add_node("node_2", subgraph)
    builder.add_edge(START, "node_1")
    builder.add_edge("node_1", "node_2")
    return builder.compile()


@example
def stream_subgraph_updates() -> None:
    graph = subgraph_parent()
    for chunk in graph.stream({"foo": "foo"}, stream_mode="updates"):
        print(chunk)


@example
def stream_subgraphs_true() -> None:
    graph = subgraph_parent()
    for chunk in graph.stream(
        {"foo": "foo"},
        stream_mode="updates",
        subgraphs=True,
    ):
        print(chunk)


@example
def draw_subgraph_xray() -> None:
    """A seed reader's question: draw a graph with its subgraphs (``xray=1``)."""
    graph = subgraph_parent()
    print(graph.get_graph(xray=1).draw_mermaid())


# --- streaming from inside a tool without LangChain (seeds 003/004) ----------------------


async def stream_tokens(model_name: str, messages: list[dict]) -> AsyncIterator[dict]:  # type: ignore[type-arg]
    """Stands in for the seed's ``openai_client.chat.completions.create(..., stream=True)``."""
    for token in ["Books", ": ", "to", " read", ", pictures", ": on", " the", " wall"]:
        await asyncio.sleep(0)
        yield {"role": "assistant", "content": token}


@example
def stream_tool_tokens_without_langchain() -> None:
    model_name = "gpt-4o-mini"

    # this is our tool
    async def get_items(place: str) -> str:
        """Use this tool to list items one might find in a place you're asked about."""
        writer = get_stream_writer()
        response = ""
        async for msg_chunk in stream_tokens(
            model_name,
            [
                {
                    "role": "user",
                    "content": (
                        "Can you tell me what kind of items "
                        f"i might find in the following place: '{place}'. "
                        "List at least 3 such items separating them by a comma. "
                        "And include a brief description of each item."
                    ),
                }
            ],
        ):
            response += msg_chunk["content"]
            writer(msg_chunk)

        return response

    class State(TypedDict):
        messages: Annotated[list[dict], operator.add]  # type: ignore[type-arg]

    # this is the tool-calling graph node
    async def call_tool(state: State):  # type: ignore[no-untyped-def]
        ai_message = state["messages"][-1]
        tool_call = ai_message["tool_calls"][-1]

        function_name = tool_call["function"]["name"]
        if function_name != "get_items":
            raise ValueError(f"Tool {function_name} not supported")

        function_arguments = tool_call["function"]["arguments"]
        arguments = json.loads(function_arguments)

        function_response = await get_items(**arguments)
        tool_message = {
            "tool_call_id": tool_call["id"],
            "role": "tool",
            "name": function_name,
            "content": function_response,
        }
        return {"messages": [tool_message]}

    graph = StateGraph(State).add_node(call_tool).add_edge(START, "call_tool").compile()
    inputs = {
        "messages": [
            {
                "content": None,
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "1",
                        "function": {
                            "arguments": '{"place":"bedroom"}',
                            "name": "get_items",
                        },
                        "type": "function",
                    }
                ],
            }
        ]
    }

    async def main() -> None:
        async for chunk in graph.astream(
            inputs,
            stream_mode="custom",
        ):
            print(chunk["content"], end="|", flush=True)

    asyncio.run(main())
    print()


# --- beyond the seeds: a slow node, to watch chunks arrive one by one ---------------------


@example
def live_progress() -> None:
    """Not from the seeds: a node that reports progress every 0.2 s, so the demo shows each
    chunk arriving while the node still runs."""

    def download(state: State):  # type: ignore[no-untyped-def]
        writer = get_stream_writer()
        for percent in (25, 50, 75, 100):
            time.sleep(0.2)
            writer({"progress": f"{percent}%"})
        return {"joke": "downloaded"}

    graph = StateGraph(State).add_node(download).add_edge(START, "download").compile()
    for mode, chunk in graph.stream({"topic": "x"}, stream_mode=["custom", "updates"]):
        print(mode, chunk)


if __name__ == "__main__":
    run(sys.argv[1:], EXAMPLES)
