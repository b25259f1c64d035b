"""The LLM examples of the seed documents (LangGraph's streaming guides), run offline.

Each function is a seed example with ``langgraph`` renamed to ``streamgraph`` and one more
change: where the seed builds a model (``ChatOpenAI(...)``, ``init_chat_model(...)``), a
``ScriptedChatModel`` (``examples/fake_llm.py``) stands in, scripted with a plausible reply
that it streams token by token; where the seed calls the ``openai`` client directly, a local
stub shaped like ``openai.AsyncOpenAI`` streams the reply as OpenAI's chunks would. Models are
built inside each example, so every run starts its script afresh.

``python examples/llm_seeds.py [names]`` runs them and prints every chunk the moment it
arrives; ``tests/test_llm_seeds.py`` checks that LangGraph prints the same thing.
The agent examples (seeds 002 and 003's "stream data from within a tool") are in
``examples/agent_seeds.py``.
"""
# No "from __future__ import annotations" here: the examples rely on annotations that name
# their own local State classes.

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypedDict

from langchain_core.messages import AIMessage, BaseMessage

from streamgraph.graph import START, StateGraph

try:
    from examples._runner import registry, run
    from examples.fake_llm import ScriptedChatModel
except ImportError:  # run as a script: examples/ itself is on sys.path
    from _runner import registry, run  # type: ignore[no-redef]
    from fake_llm import ScriptedChatModel  # type: ignore[no-redef]

EXAMPLES, example = registry()


JOKE = "Why did the cat sit on the ice cream cone? Because it wanted a purr-fect scoop!"
CAT_JOKE = "Why was the cat sitting on the computer? To keep an eye on the mouse!"
CAT_POEM = "Soft paws at dawn, a purr like rain, the sunlit sill is hers again."
DELAY = 0.01  # seconds per token where a node prints between two model calls


# --- stand-ins for the seeds' providers ---------------------------------------------------

_prompt: ContextVar[str] = ContextVar("_prompt", default="")


class PromptedChatModel(ScriptedChatModel):
    """A ``ScriptedChatModel`` that replies by the prompt: the first reply whose key occurs in
    the last message. For one model shared by parallel nodes, where the order of the calls
    (hence of a script) is up to the thread scheduler."""

    replies: dict[str, str]
    script: list[Any] = []

    def _next(self) -> AIMessage:
        prompt = _prompt.get()
        return AIMessage(next(text for key, text in self.replies.items() if key in prompt))

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        _prompt.set(str(messages[-1].content))
        return super()._generate(messages, *args, **kwargs)

    def _stream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        _prompt.set(str(messages[-1].content))
        yield from super()._stream(messages, *args, **kwargs)

    async def _astream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        _prompt.set(str(messages[-1].content))
        async for chunk in super()._astream(messages, *args, **kwargs):
            yield chunk


class AsyncOpenAI:
    """Shaped like ``openai.AsyncOpenAI`` for ``client.chat.completions.create(...,
    stream=True)``: streams its script's next reply as chunks whose
    ``choices[0].delta`` has ``role`` (first chunk only) and ``content`` (``None`` last)."""

    def __init__(self, script: list[str], delay: float = 0.0) -> None:
        self.script, self.delay, self.calls = script, delay, 0
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    async def _create(self, *, messages: list[dict], model: str, stream: bool) -> Any:  # type: ignore[type-arg]
        reply = self.script[self.calls % len(self.script)]
        self.calls += 1
        return self._chunks(reply)

    async def _chunks(self, reply: str) -> AsyncIterator[Any]:
        deltas = [("assistant", "")] + [(None, t) for t in re.findall(r"\s*\S+", reply)]
        for role, content in [*deltas, (None, None)]:
            await asyncio.sleep(self.delay)
            delta = SimpleNamespace(role=role, content=content)
            yield SimpleNamespace(choices=[SimpleNamespace(delta=delta)])


# --- seed 000 / 003 "Stream LLM tokens (stream_mode="messages")" ----------------------------


class State(TypedDict):
    topic: str
    joke: str


def refine_topic(state: State):  # type: ignore[no-untyped-def]
    return {"topic": state["topic"] + " and cats"}


@example
def stream_llm_tokens() -> None:
    """Seeds 000 and 003, "Stream LLM tokens": messages mode, then the last metadata."""
    llm = ScriptedChatModel(script=[JOKE])

    def generate_joke(state: State):  # type: ignore[no-untyped-def]
        llm_response = llm.invoke(
            [{"role": "user", "content": f"Generate a joke about {state['topic']}"}]
        )
        return {"joke": llm_response.content}

    graph = (
        StateGraph(State)
        .add_node(refine_topic)
        .add_node(generate_joke)
        .add_edge(START, "refine_topic")
        .add_edge("refine_topic", "generate_joke")
        .compile()
    )
    for message_chunk, metadata in graph.stream(  # noqa: B007
        {"topic": "ice cream"},
        stream_mode="messages",
    ):
        if message_chunk.content:
            print(message_chunk.content, end="|", flush=True)
    print()
    print(metadata)


# --- seed 003 "How to stream LLM tokens from your graph" -------------------------------------


class JokePoemState(TypedDict):
    topic: str
    joke: str
    poem: str


def tagged_models_graph() -> Any:
    """Seed 003's "Example": two tagged models in one async node, config passed explicitly."""
    # Note: we're adding the tags here to be able to filter the model outputs down the line
    joke_model = ScriptedChatModel(script=[CAT_JOKE], delay=DELAY, tags=["joke"])
    poem_model = ScriptedChatModel(script=[CAT_POEM], delay=DELAY, tags=["poem"])

    async def call_model(state, config):  # type: ignore[no-untyped-def]
        topic = state["topic"]
        print("Writing joke...")
        joke_response = await joke_model.ainvoke(
            [{"role": "user", "content": f"Write a joke about {topic}"}],
            config,
        )
        print("\n\nWriting poem...")
        poem_response = await poem_model.ainvoke(
            [{"role": "user", "content": f"Write a short poem about {topic}"}],
            config,
        )
        return {"joke": joke_response.content, "poem": poem_response.content}

    return StateGraph(JokePoemState).add_node(call_model).add_edge(START, "call_model").compile()


@example
def astream_tagged_models() -> None:
    """Seed 003, "Example": tokens of both tagged models, then the last metadata."""
    graph = tagged_models_graph()

    async def main() -> Any:
        async for msg, metadata in graph.astream(  # noqa: B007
            {"topic": "cats"},
            stream_mode="messages",
        ):
            if msg.content:
                print(msg.content, end="|", flush=True)
        return metadata

    metadata = asyncio.run(main())
    print()
    print(metadata)


@example
def astream_filter_by_tags() -> None:
    """Seed 003, "Filter to specific LLM invocation": only the "joke" model's tokens."""
    graph = tagged_models_graph()

    async def main() -> None:
        async for msg, metadata in graph.astream(
            {"topic": "cats"},
            stream_mode="messages",
        ):
            if msg.content and "joke" in metadata.get("tags", []):
                print(msg.content, end="|", flush=True)

    asyncio.run(main())
    print()


def openai_tokens_graph() -> Any:
    """Seed 003's "Example without LangChain": the openai client's tokens as custom data."""
    openai_client = AsyncOpenAI(script=[CAT_JOKE, CAT_POEM], delay=DELAY)
    model_name = "gpt-4o-mini"

    async def stream_tokens(model_name: str, messages: list[dict]):  # type: ignore[no-untyped-def,type-arg]
        response = await openai_client.chat.completions.create(
            messages=messages, model=model_name, stream=True
        )

        role = None
        async for chunk in response:
            delta = chunk.choices[0].delta

            if delta.role is not None:
                role = delta.role

            if delta.content:
                yield {"role": role, "content": delta.content}

    async def call_model(state, config, writer):  # type: ignore[no-untyped-def]
        topic = state["topic"]
        joke = ""
        poem = ""

        print("Writing joke...")
        async for msg_chunk in stream_tokens(
            model_name, [{"role": "user", "content": f"Write a joke about {topic}"}]
        ):
            joke += msg_chunk["content"]
            metadata = {**config["metadata"], "tags": ["joke"]}
            chunk_to_stream = (msg_chunk, metadata)
            writer(chunk_to_stream)

        print("\n\nWriting poem...")
        async for msg_chunk in stream_tokens(
            model_name, [{"role": "user", "content": f"Write a short poem about {topic}"}]
        ):
            poem += msg_chunk["content"]
            metadata = {**config["metadata"], "tags": ["poem"]}
            chunk_to_stream = (msg_chunk, metadata)
            writer(chunk_to_stream)

        return {"joke": joke, "poem": poem}

    return StateGraph(JokePoemState).add_node(call_model).add_edge(START, "call_model").compile()


@example
def astream_openai_tokens_custom() -> None:
    """Seed 003, "Example without LangChain": custom mode, then the last metadata."""
    graph = openai_tokens_graph()

    async def main() -> Any:
        async for msg, metadata in graph.astream(  # noqa: B007
            {"topic": "cats"},
            stream_mode="custom",
        ):
            print(msg["content"], end="|", flush=True)
        return metadata

    metadata = asyncio.run(main())
    print()
    print(metadata)


@example
def astream_openai_tokens_filter_by_tags() -> None:
    """Seed 003, "Example without LangChain": only the chunks tagged "poem"."""
    graph = openai_tokens_graph()

    async def main() -> None:
        async for msg, metadata in graph.astream(
            {"topic": "cats"},
            stream_mode="custom",
        ):
            if "poem" in metadata.get("tags", []):
                print(msg["content"], end="|", flush=True)

    asyncio.run(main())
    print()


# --- seeds 003 and 004 "stream LLM tokens from specific nodes" / "Filter by node" ------------


@example
def stream_filter_by_node() -> None:
    """Seeds 003 ("How to stream LLM tokens from specific nodes") and 004 ("Filter by node"):
    two parallel nodes share one model; only write_poem's tokens are printed."""
    model = PromptedChatModel(replies={"joke": CAT_JOKE, "poem": CAT_POEM})

    def write_joke(state: JokePoemState):  # type: ignore[no-untyped-def]
        topic = state["topic"]
        joke_response = model.invoke([{"role": "user", "content": f"Write a joke about {topic}"}])
        return {"joke": joke_response.content}

    def write_poem(state: JokePoemState):  # type: ignore[no-untyped-def]
        topic = state["topic"]
        poem_response = model.invoke(
            [{"role": "user", "content": f"Write a short poem about {topic}"}]
        )
        return {"poem": poem_response.content}

    graph = (
        StateGraph(JokePoemState)
        .add_node(write_joke)
        .add_node(write_poem)
        # write both the joke and the poem concurrently
        .add_edge(START, "write_joke")
        .add_edge(START, "write_poem")
        .compile()
    )
    for msg, metadata in graph.stream(
        {"topic": "cats"},
        stream_mode="messages",
    ):
        if msg.content and metadata["langgraph_node"] == "write_poem":
            print(msg.content, end="|", flush=True)
    print()


# --- seed 004 (the streaming concepts page) --------------------------------------------------


@example
def stream_messages_dataclass_state() -> None:
    """Seed 004, "LLM tokens": a dataclass state; tokens even though the node calls invoke."""

    @dataclass
    class MyState:
        topic: str
        joke: str = ""

    model = ScriptedChatModel(script=[JOKE])

    def call_model(state: MyState):  # type: ignore[no-untyped-def]
        """Call the LLM to generate a joke about a topic"""
        model_response = model.invoke(
            [{"role": "user", "content": f"Generate a joke about {state.topic}"}]
        )
        return {"joke": model_response.content}

    graph = StateGraph(MyState).add_node(call_model).add_edge(START, "call_model").compile()
    for message_chunk, metadata in graph.stream(  # noqa: B007
        {"topic": "ice cream"},
        stream_mode="messages",
    ):
        if message_chunk.content:
            print(message_chunk.content, end="|", flush=True)
    print()


@example
def astream_filter_by_tags_equal() -> None:
    """Seed 004, "Filter by LLM invocation": the joke/poem graph, filtered by
    ``metadata["tags"] == ["joke"]`` (every chunk printed, empty ones too)."""
    joke_model = ScriptedChatModel(script=[CAT_JOKE], delay=DELAY, tags=["joke"])
    poem_model = ScriptedChatModel(script=[CAT_POEM], delay=DELAY, tags=["poem"])

    async def call_model(state, config):  # type: ignore[no-untyped-def]
        topic = state["topic"]
        print("Writing joke...")
        joke_response = await joke_model.ainvoke(
            [{"role": "user", "content": f"Write a joke about {topic}"}],
            config,
        )
        print("\n\nWriting poem...")
        poem_response = await poem_model.ainvoke(
            [{"role": "user", "content": f"Write a short poem about {topic}"}],
            config,
        )
        return {"joke": joke_response.content, "poem": poem_response.content}

    graph = StateGraph(JokePoemState).add_node(call_model).add_edge(START, "call_model").compile()

    async def main() -> None:
        async for msg, metadata in graph.astream(
            {"topic": "cats"},
            stream_mode="messages",
        ):
            if metadata["tags"] == ["joke"]:
                print(msg.content, end="|", flush=True)

    asyncio.run(main())
    print()


@example
def astream_messages_config_parameter() -> None:
    """Seed 004, "Async with Python < 3.11": the node passes its config to ``ainvoke``."""
    model = ScriptedChatModel(script=[JOKE])

    async def call_model(state, config):  # type: ignore[no-untyped-def]
        topic = state["topic"]
        print("Generating joke...")
        joke_response = await model.ainvoke(
            [{"role": "user", "content": f"Write a joke about {topic}"}],
            config,
        )
        return {"joke": joke_response.content}

    graph = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()

    async def main() -> None:
        async for chunk, metadata in graph.astream(  # noqa: B007
            {"topic": "ice cream"},
            stream_mode="messages",
        ):
            if chunk.content:
                print(chunk.content, end="|", flush=True)

    asyncio.run(main())
    print()


@example
def stream_disable_streaming() -> None:
    """Seed 004, "Disable streaming for specific chat models" (the seed shows only the model):
    with ``disable_streaming=True`` messages mode gets the whole reply as one message."""
    model = ScriptedChatModel(
        script=[JOKE],
        # Set disable_streaming=True to disable streaming for the chat model
        disable_streaming=True,
    )

    def call_model(state: State):  # type: ignore[no-untyped-def]
        response = model.invoke(
            [{"role": "user", "content": f"Write a joke about {state['topic']}"}]
        )
        return {"joke": response.content}

    graph = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()
    for msg, metadata in graph.stream({"topic": "ice cream"}, stream_mode="messages"):  # noqa: B007
        print(msg.content, end="|", flush=True)
    print()
    print(metadata)


if __name__ == "__main__":
    run(sys.argv[1:], EXAMPLES)
