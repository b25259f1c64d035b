"""A scripted LangChain chat model that streams like a real one, tool calls included.

The seed examples name real providers (``"anthropic:claude-3-7-sonnet-latest"``); the demo and
the tests use this instead, so they run offline. It replies with the next message of its
script: text is streamed token by token (split on whitespace, as langchain-core's
``GenericFakeChatModel`` does), and tool calls arrive as ``tool_call_chunks`` in a final
chunk, the way OpenAI and Anthropic models stream them. ``bind_tools`` returns the model
itself, so agents can bind their tools to it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

__all__ = ("ScriptedChatModel", "tool_call")


def tool_call(name: str, args: dict[str, Any], id: str) -> dict[str, Any]:
    return {"name": name, "args": args, "id": id, "type": "tool_call"}


class ScriptedChatModel(BaseChatModel):
    """Replies with ``script`` in order (an ``AIMessage`` or a string each), cycling when it
    runs out; ``delay`` seconds pass before each streamed token."""

    script: list[Any]
    delay: float = 0.0
    bound_tools: list[Any] = Field(default_factory=list)
    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "scripted-chat-model"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        self.bound_tools = list(tools)
        return self

    def _next(self) -> AIMessage:
        reply = self.script[self.calls % len(self.script)]
        self.calls += 1
        return AIMessage(reply) if isinstance(reply, str) else reply

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next())])

    def _chunks(self) -> Iterator[ChatGenerationChunk]:
        reply = self._next()
        text = reply.content if isinstance(reply.content, str) else ""
        tokens = [t for t in re.split(r"(\s)", text) if t]
        calls = [
            {
                "name": c["name"],
                "args": _json(c["args"]),
                "id": c["id"],
                "index": i,
                "type": "tool_call_chunk",
            }
            for i, c in enumerate(reply.tool_calls)
        ]
        for token in tokens:
            yield ChatGenerationChunk(message=AIMessageChunk(content=token, id=reply.id))
        last = AIMessageChunk(
            content="", id=reply.id, tool_call_chunks=calls, chunk_position="last"
        )
        yield ChatGenerationChunk(message=last)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._chunks():
            if self.delay:
                time.sleep(self.delay)
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._chunks():
            if self.delay:
                await asyncio.sleep(self.delay)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def _json(args: dict[str, Any]) -> str:
    import json

    return json.dumps(args)
