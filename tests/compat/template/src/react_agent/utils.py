"""Utility & helper functions."""

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class ScriptedChatModel(BaseChatModel):
    """Stands in for a provider's model: asks for one search, then answers."""

    replies: list[AIMessage]

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **kwargs: Any) -> "ScriptedChatModel":
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        asked = sum(1 for m in messages if m.type == "tool")
        return ChatResult(generations=[ChatGeneration(message=self.replies[asked])])


def get_message_text(msg: BaseMessage) -> str:
    """Get the text content of a message."""
    content = msg.content
    if isinstance(content, str):
        return content
    txts = [c if isinstance(c, str) else (c.get("text") or "") for c in content]
    return "".join(txts).strip()


def load_chat_model(fully_specified_name: str) -> BaseChatModel:
    """Load a chat model from a fully specified name."""
    provider, model = fully_specified_name.split("/", maxsplit=1)
    assert provider == "scripted", provider
    return ScriptedChatModel(
        replies=[
            AIMessage(
                "",
                id="ai-1",
                tool_calls=[{"name": "search", "args": {"query": "weather in sf"}, "id": "t1"}],
            ),
            AIMessage("The weather in San Francisco is sunny.", id="ai-2"),
        ]
    )
