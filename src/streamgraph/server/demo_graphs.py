"""The graphs ``streamgraph demo`` serves: the seed pages' joke and subgraph examples, a
node that reports progress, a chat model streaming tokens, and a human-in-the-loop step.
The model is a local fake with a pause between tokens, so streaming shows without a
network."""

import time
from collections.abc import Iterator
from typing import Any, TypedDict

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from streamgraph.config import get_stream_writer
from streamgraph.graph import START, StateGraph
from streamgraph.types import interrupt

__all__ = ("chat", "joke", "progress", "review", "sub")


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
