"""The graphs ``streamgraph demo`` serves: the seed pages' joke and subgraph examples, a
node that reports progress, a chat model streaming tokens, a human-in-the-loop step, and
seed 002's weather agent (``create_react_agent`` with a ``get_weather`` tool). The models
are local fakes with a pause between tokens, so streaming shows without a network."""

import re
import time
from collections.abc import Iterator, Sequence
from typing import Any, TypedDict

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from streamgraph.config import get_stream_writer
from streamgraph.graph import START, StateGraph
from streamgraph.types import interrupt

__all__ = ("WeatherModel", "agent", "chat", "get_weather", "joke", "progress", "review", "sub")


class State(TypedDict, total=False):
    topic: str
    joke: str


def refine_topic(state: State) -> dict[str, Any]:
    return {"topic": state["topic"] + " and cats"}


def generate_joke(state: State) -> dict[str, Any]:
    return {"joke": f"This is a joke about {state['topic']}"}


joke = (
    StateGraph(State)
    .add_node(refine_topic)
    .add_node(generate_joke)
    .add_edge(START, "refine_topic")
    .add_edge("refine_topic", "generate_joke")
    .compile()
)


class SubgraphState(TypedDict):
    foo: str
    bar: str


def subgraph_node_1(state: SubgraphState) -> dict[str, Any]:
    return {"bar": "bar"}


def subgraph_node_2(state: SubgraphState) -> dict[str, Any]:
    return {"foo": state["foo"] + state["bar"]}


class ParentState(TypedDict):
    foo: str


def node_1(state: ParentState) -> dict[str, Any]:
    return {"foo": "hi! " + state["foo"]}


sub = (
    StateGraph(ParentState)
    .add_node("node_1", node_1)
    .add_node(
        "node_2",
        StateGraph(SubgraphState)
        .add_node(subgraph_node_1)
        .add_node(subgraph_node_2)
        .add_edge(START, "subgraph_node_1")
        .add_edge("subgraph_node_1", "subgraph_node_2")
        .compile(),
    )
    .add_edge(START, "node_1")
    .add_edge("node_1", "node_2")
    .compile()
)


def download(state: State) -> dict[str, Any]:
    writer = get_stream_writer()
    for done in (25, 50, 75, 100):
        time.sleep(0.15)
        writer({"progress": f"{done}%"})
    return {"joke": "downloaded"}


progress = StateGraph(State).add_node(download).add_edge(START, "download").compile()


class SlowFakeChatModel(GenericFakeChatModel):
    """Streams its reply word by word, pausing between words like a remote model."""

    pause: float = 0.08

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in super()._stream(messages, stop, run_manager, **kwargs):
            time.sleep(self.pause)
            yield chunk


def call_model(state: State) -> dict[str, Any]:
    model = SlowFakeChatModel(
        messages=iter(
            [
                AIMessage(
                    "Why did the cat sit on the ice cream? "
                    "To keep an eye on the mouse-flavoured scoop!"
                )
            ]
        )
    )
    reply = model.invoke([{"role": "user", "content": f"Tell a joke about {state['topic']}"}])
    return {"joke": reply.content}


chat = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()


def ask_reviewer(state: State) -> dict[str, Any]:
    verdict = interrupt({"question": "Publish this joke?", "joke": state.get("joke")})
    return {"joke": f"{state.get('joke')} ({verdict})"}


review = (
    StateGraph(State)
    .add_node(generate_joke)
    .add_node(ask_reviewer)
    .add_edge(START, "generate_joke")
    .add_edge("generate_joke", "ask_reviewer")
    .compile()
)


def get_weather(city: str) -> str:
    """Get weather for a given city."""
    return f"It's always sunny in {city}!"


class WeatherModel(BaseChatModel):
    """What seed 002's model does, offline: asked a question, it calls ``get_weather`` for
    the city named after "in"; shown the tool's answer, it replies in words, streamed one
    by one with ``pause`` seconds before each."""

    pause: float = 0.05

    @property
    def _llm_type(self) -> str:
        return "demo-weather-model"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> "WeatherModel":
        return self

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        last = messages[-1] if messages else None
        if isinstance(last, ToolMessage):
            return AIMessage(
                f"Here is what I found: {last.content} Pack sunglasses, drink water and "
                "enjoy the day outside."
            )
        asked = str(last.content) if last is not None else ""
        found = re.search(r"\bin ([A-Za-z][A-Za-z .'-]*)", asked)
        city = found.group(1).strip(" .?!") if found else "sf"
        call = {"name": "get_weather", "args": {"city": city}, "id": f"call_{city}"}
        return AIMessage("Let me check the weather.", tool_calls=[call])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        import json

        reply = self._reply(messages)
        for token in re.split(r"(\s)", str(reply.content)):
            if token:
                time.sleep(self.pause)
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=token, id=reply.id))
                if run_manager:
                    run_manager.on_llm_new_token(token, chunk=chunk)
                yield chunk
        calls = [
            tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
            for i, c in enumerate(reply.tool_calls)
        ]
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="", id=reply.id, tool_call_chunks=calls, chunk_position="last"
            )
        )


def _agent() -> Any:
    from streamgraph.prebuilt import create_react_agent

    return create_react_agent(model=WeatherModel(), tools=[get_weather])


agent = _agent()
