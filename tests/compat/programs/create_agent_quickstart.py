"""LangChain 1.x ``create_agent`` with a scripted chat model and a tool: the weather example
of LangChain's agents guide, streamed in ``updates`` mode and then invoked; then with
middleware (a tool-call wrapper, a before_model hook, a model-call limit, human-in-the-loop
approval answered with a Command) and streamed in ``messages`` mode.

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

# Middleware: a tool-call wrapper, a model-call limit (an UntrackedValue counter), a
# before_model hook, and a human-in-the-loop interrupt answered with a Command.
from langchain.agents.middleware import (  # noqa: E402
    HumanInTheLoopMiddleware,
    ModelCallLimitMiddleware,
    before_model,
    wrap_tool_call,
)
from langchain_core.messages import ToolMessage  # noqa: E402
from langgraph.checkpoint.memory import InMemorySaver  # noqa: E402
from langgraph.types import Command  # noqa: E402


@wrap_tool_call
def shout(request, handler):
    result = handler(request)
    return ToolMessage(result.content.upper(), tool_call_id=result.tool_call_id, name=result.name)


@before_model
def count_messages(state, runtime):
    print("before model:", len(state["messages"]), "messages")
    return None


def with_middleware(*middleware, checkpointer=None):
    return create_agent(
        ScriptedModel(messages=iter(script())),
        tools=[get_weather],
        middleware=list(middleware),
        checkpointer=checkpointer,
    )


def script():
    return [
        AIMessage("", tool_calls=[{"name": "get_weather", "args": {"city": "nyc"}, "id": "c2"}]),
        AIMessage("Done."),
    ]


agent = with_middleware(shout, count_messages, ModelCallLimitMiddleware(run_limit=5))
for message in agent.invoke(question)["messages"]:
    print(type(message).__name__, repr(message.content))

agent = with_middleware(
    HumanInTheLoopMiddleware(interrupt_on={"get_weather": True}), checkpointer=InMemorySaver()
)
thread = {"configurable": {"thread_id": "1"}}
paused = agent.invoke(question, thread)
for interrupt in paused["__interrupt__"]:
    print("asked:", [sorted(r) for r in interrupt.value["action_requests"]])
resumed = agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), thread)
print([type(m).__name__ for m in resumed["messages"]], repr(resumed["messages"][-1].content))

agent = create_agent(
    ScriptedModel(
        messages=iter(
            [
                AIMessage(
                    "Let me check.",
                    tool_calls=[{"name": "get_weather", "args": {"city": "la"}, "id": "c3"}],
                ),
                AIMessage("Sunny in LA."),
            ]
        )
    ),
    tools=[get_weather],
)
for chunk, metadata in agent.stream(question, stream_mode="messages"):
    print(metadata["langgraph_node"], type(chunk).__name__, repr(chunk.content))
