"""The tool-calling agent examples of the seed documents, run offline: seed 002 ("Streaming"
for agents: ``create_react_agent`` streamed in ``updates``, ``messages``, ``custom`` and all
three modes, sync and async) and seed 003's "How to stream data from within a tool".

As in ``examples/llm_seeds.py``, each example is the seed's code with ``langgraph`` renamed to
``streamgraph`` and the model (``"anthropic:claude-3-7-sonnet-latest"``, ``ChatOpenAI(...)``)
replaced by a ``ScriptedChatModel``: its script is the tool call the real model would make,
then the final answer (and, for seed 003's tool that calls the LLM itself, the tool's text in
between). Models are built inside each example, so every run starts its script afresh.

``python examples/agent_seeds.py [names]`` runs them and prints every chunk the moment it
arrives; ``tests/test_llm_seeds.py`` checks that LangGraph prints the same thing.
"""
# No "from __future__ import annotations" here: tools' type hints must resolve.

import asyncio
import sys
from collections.abc import Callable

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool

from streamgraph.config import get_stream_writer
from streamgraph.prebuilt import create_react_agent

try:
    from examples._runner import registry, run
    from examples.fake_llm import ScriptedChatModel, tool_call
except ImportError:  # run as a script: examples/ itself is on sys.path
    from _runner import registry, run  # type: ignore[no-redef]
    from fake_llm import ScriptedChatModel, tool_call  # type: ignore[no-redef]

EXAMPLES, example = registry()


ITEMS = "Bed: for sleeping, Lamp: for reading, Wardrobe: for clothes"


# --- seed 002: the ReAct agent -------------------------------------------------------------


def weather_model() -> ScriptedChatModel:
    """What the seed's Claude does: ask for the weather in sf, then answer."""
    return ScriptedChatModel(
        script=[
            AIMessage("", tool_calls=[tool_call("get_weather", {"city": "sf"}, "toolu_01")]),
            "It's sunny in San Francisco!",
        ]
    )


def get_weather(city: str) -> str:
    """Get weather for a given city."""
    return f"It's always sunny in {city}!"


def writing_weather_tool() -> Callable[[str], str]:
    """Seed 002's "Tool updates" get_weather, which streams custom data."""

    def get_weather(city: str) -> str:
        """Get weather for a given city."""
        writer = get_stream_writer()
        # stream any arbitrary data
        writer(f"Looking up data for city: {city}")
        return f"It's always sunny in {city}!"

    return get_weather


@example
def agent_stream_updates() -> None:
    """Seed 002, "Agent progress" (sync): one update per agent step."""
    agent = create_react_agent(
        model=weather_model(),
        tools=[get_weather],
    )
    for chunk in agent.stream(
        {"messages": [{"role": "user", "content": "what is the weather in sf"}]},
        stream_mode="updates",
    ):
        print(chunk)
        print("\n")


@example
def agent_astream_updates() -> None:
    """Seed 002, "Agent progress" (async)."""
    agent = create_react_agent(
        model=weather_model(),
        tools=[get_weather],
    )

    async def main() -> None:
        async for chunk in agent.astream(
            {"messages": [{"role": "user", "content": "what is the weather in sf"}]},
            stream_mode="updates",
        ):
            print(chunk)
            print("\n")

    asyncio.run(main())


@example
def agent_stream_messages() -> None:
    """Seed 002, "LLM tokens" (sync): every token and its metadata."""
    agent = create_react_agent(
        model=weather_model(),
        tools=[get_weather],
    )
    for token, metadata in agent.stream(
        {"messages": [{"role": "user", "content": "what is the weather in sf"}]},
        stream_mode="messages",
    ):
        print("Token", token)
        print("Metadata", metadata)
        print("\n")


@example
def agent_astream_messages() -> None:
    """Seed 002, "LLM tokens" (async)."""
    agent = create_react_agent(
        model=weather_model(),
        tools=[get_weather],
    )

    async def main() -> None:
        async for token, metadata in agent.astream(
            {"messages": [{"role": "user", "content": "what is the weather in sf"}]},
            stream_mode="messages",
        ):
            print("Token", token)
            print("Metadata", metadata)
            print("\n")

    asyncio.run(main())


@example
def agent_stream_custom() -> None:
    """Seed 002, "Tool updates" (sync): the tool's get_stream_writer() data."""

    def get_weather(city: str) -> str:
        """Get weather for a given city."""
        writer = get_stream_writer()
        # stream any arbitrary data
        writer(f"Looking up data for city: {city}")
        return f"It's always sunny in {city}!"

    agent = create_react_agent(
        model=weather_model(),
        tools=[get_weather],
    )

    for chunk in agent.stream(
        {"messages": [{"role": "user", "content": "what is the weather in sf"}]},
        stream_mode="custom",
    ):
        print(chunk)
        print("\n")


@example
def agent_astream_custom() -> None:
    """Seed 002, "Tool updates" (async)."""

    def get_weather(city: str) -> str:
        """Get weather for a given city."""
        writer = get_stream_writer()
        # stream any arbitrary data
        writer(f"Looking up data for city: {city}")
        return f"It's always sunny in {city}!"

    agent = create_react_agent(
        model=weather_model(),
        tools=[get_weather],
    )

    async def main() -> None:
        async for chunk in agent.astream(
            {"messages": [{"role": "user", "content": "what is the weather in sf"}]},
            stream_mode="custom",
        ):
            print(chunk)
            print("\n")

    asyncio.run(main())


@example
def agent_stream_multiple_modes() -> None:
    """Seed 002, "Stream multiple modes" (sync): updates, messages and custom together."""
    get_weather = writing_weather_tool()
    agent = create_react_agent(
        model=weather_model(),
        tools=[get_weather],
    )

    for stream_mode, chunk in agent.stream(  # noqa: B007
        {"messages": [{"role": "user", "content": "what is the weather in sf"}]},
        stream_mode=["updates", "messages", "custom"],
    ):
        print(chunk)
        print("\n")


@example
def agent_astream_multiple_modes() -> None:
    """Seed 002, "Stream multiple modes" (async)."""
    get_weather = writing_weather_tool()
    agent = create_react_agent(
        model=weather_model(),
        tools=[get_weather],
    )

    async def main() -> None:
        async for stream_mode, chunk in agent.astream(  # noqa: B007
            {"messages": [{"role": "user", "content": "what is the weather in sf"}]},
            stream_mode=["updates", "messages", "custom"],
        ):
            print(chunk)
            print("\n")

    asyncio.run(main())


# --- seed 003 "How to stream data from within a tool" ----------------------------------------


def items_call(place: str) -> AIMessage:
    return AIMessage("", tool_calls=[tool_call("get_items", {"place": place}, "call_1")])


@example
def astream_custom_data_from_tool() -> None:
    """Seed 003, "Streaming custom data": a tool's writer() chunks, from a ReAct agent."""

    @tool
    async def get_items(place: str) -> str:
        """Use this tool to list items one might find in a place you're asked about."""
        writer = get_stream_writer()

        # this can be replaced with any actual streaming logic that you might have
        items = ["books", "penciles", "pictures"]
        for chunk in items:
            writer({"custom_tool_data": chunk})

        return ", ".join(items)

    llm = ScriptedChatModel(
        script=[
            items_call("office"),
            "In the office there are books, pencils and pictures.",
        ]
    )
    tools = [get_items]
    # contains `agent` (tool-calling LLM) and `tools` (tool executor) nodes
    agent = create_react_agent(llm, tools=tools)

    inputs = {"messages": [{"role": "user", "content": "what items are in the office?"}]}

    async def main() -> None:
        async for chunk in agent.astream(
            inputs,
            stream_mode="custom",
        ):
            print(chunk)

    asyncio.run(main())


@example
def astream_llm_tokens_from_tool() -> None:
    """Seed 003, "Streaming LLM tokens": the tokens of an LLM called inside a tool, kept by
    ``metadata["langgraph_node"] == "tools"``."""
    llm = ScriptedChatModel(
        script=[
            items_call("bedroom"),
            ITEMS,
            "In the bedroom you'll find a bed, a lamp and a wardrobe.",
        ]
    )

    @tool
    async def get_items(
        place: str,
        # Manually accept config (needed for Python <= 3.10)
        config: RunnableConfig,
    ) -> str:
        """Use this tool to list items one might find in a place you're asked about."""
        # Attention: when using async, you should be invoking the LLM using ainvoke!
        # If you fail to do so, streaming will NOT work.
        response = await llm.ainvoke(
            [
                {
                    "role": "user",
                    "content": (
                        "Can you tell me what kind of items i might find in the following "
                        f"place: '{place}'. List at least 3 such items separating them by a "
                        "comma. And include a brief description of each item."
                    ),
                }
            ],
            config,
        )
        return response.content

    tools = [get_items]
    # contains `agent` (tool-calling LLM) and `tools` (tool executor) nodes
    agent = create_react_agent(llm, tools=tools)

    inputs = {"messages": [{"role": "user", "content": "what items are in the bedroom?"}]}

    async def main() -> None:
        async for msg, metadata in agent.astream(
            inputs,
            stream_mode="messages",
        ):
            if (
                isinstance(msg, AIMessageChunk)
                and msg.content
                # Stream all messages from the tool node
                and metadata["langgraph_node"] == "tools"
            ):
                print(msg.content, end="|", flush=True)

    asyncio.run(main())
    print()


if __name__ == "__main__":
    run(sys.argv[1:], EXAMPLES)
