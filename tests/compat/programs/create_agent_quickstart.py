"""LangChain 1.x ``create_agent`` with a scripted chat model and a tool: the weather example
of LangChain's agents guide, streamed in ``updates`` mode and then invoked.

Imports LangGraph's stack through LangChain, never streamgraph: tests run it under both (see
test_libraries.py).
"""

from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage


class ScriptedModel(GenericFakeChatModel):
    def bind_tools(self, tools, **kwargs):
        return self


def get_weather(city: str) -> str:
    """Get weather for a given city."""
    return f"It's always sunny in {city}!"


def build():
    model = ScriptedModel(
        messages=iter(
            [
                AIMessage(
                    "",
                    tool_calls=[{"name": "get_weather", "args": {"city": "sf"}, "id": "c1"}],
                ),
                AIMessage("It's sunny in San Francisco."),
            ]
        )
    )
    return create_agent(model, tools=[get_weather], system_prompt="You are a helpful assistant")


question = {"messages": [{"role": "user", "content": "what is the weather in sf"}]}
for update in build().stream(question, stream_mode="updates"):
    for node, value in update.items():
        print(node, [(type(m).__name__, m.content) for m in (value or {}).get("messages", [])])
result = build().invoke(question)
for message in result["messages"]:
    print(type(message).__name__, repr(message.content))
