"""Graphs the browser tests serve: the demo's (seed 002's weather agent, whose fake model
pauses between tokens, and the seed 001 joke), two answers asked at once, a run slow enough
to cancel, ten thousand tokens, and a failing node."""

import asyncio
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from streamgraph.config import get_stream_writer
from streamgraph.graph import START, StateGraph
from streamgraph.server.demo_graphs import State, agent, joke, review, sub
from streamgraph.types import interrupt

FLOOD_TOKENS = 10_000


class Approvals(State, total=False):
    legal: str
    budget: str


def ask_legal(state: Approvals) -> dict[str, Any]:
    return {"legal": interrupt({"ask": "legal: may we publish?"})}


def ask_budget(state: Approvals) -> dict[str, Any]:
    return {"budget": interrupt({"ask": "budget: can we afford it?"})}


approvals = (
    StateGraph(Approvals)
    .add_node(ask_legal)
    .add_node(ask_budget)
    .add_edge(START, "ask_legal")
    .add_edge(START, "ask_budget")
    .compile()
)


async def tick(state: State) -> dict[str, Any]:
    writer = get_stream_writer()
    for i in range(300):
        writer({"tick": i})
        await asyncio.sleep(0.05)
    return {"joke": "never cancelled"}


slow = StateGraph(State).add_node(tick).add_edge(START, "tick").compile()


class FloodModel(BaseChatModel):
    """Streams ``FLOOD_TOKENS`` tokens at about 3000 a second (faster than any real model,
    and slow enough that the test can click while they arrive)."""

    @property
    def _llm_type(self) -> str:
        return "flood"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(f"t{i} " for i in range(FLOOD_TOKENS))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for i in range(FLOOD_TOKENS):
            if i % 30 == 0:
                time.sleep(0.01)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=f"t{i} ", id="flood"))
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def write(state: State) -> dict[str, Any]:
    started = time.perf_counter()
    reply = FloodModel().invoke([{"role": "user", "content": state.get("topic", "")}])
    seconds = time.perf_counter() - started
    return {"joke": f"{len(str(reply.content))} characters in {seconds:.2f} s"}


flood = StateGraph(State).add_node(write).add_edge(START, "write").compile()


def boom(state: State) -> dict[str, Any]:
    raise ValueError("boom happened")


err = StateGraph(State).add_node(boom).add_edge(START, "boom").compile()

GRAPHS = {
    "agent": agent,
    "joke": joke,
    "sub": sub,
    "review": review,
    "approvals": approvals,
    "slow": slow,
    "flood": flood,
    "err": err,
}
