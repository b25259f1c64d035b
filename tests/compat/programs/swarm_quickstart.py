"""The langgraph-swarm README quick start, with scripted models instead of OpenAI's: Alice
hands the user to Bob, Bob hands them back for the sum; two turns on one thread.

Imports LangGraph, never streamgraph: tests run it under both (see test_libraries.py).
"""

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.prebuilt import create_react_agent
from langgraph_swarm import create_handoff_tool, create_swarm


class ScriptedModel(GenericFakeChatModel):
    def bind_tools(self, tools, **kwargs):
        return self


def call(name, args, call_id):
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": call_id}])


def add(a: int, b: int) -> int:
    """Add two numbers"""
    return a + b


alice = create_react_agent(
    ScriptedModel(
        messages=iter(
            [
                call("transfer_to_bob", {}, "a1"),
                call("add", {"a": 5, "b": 7}, "a2"),
                AIMessage("5 + 7 is 12."),
            ]
        )
    ),
    [add, create_handoff_tool(agent_name="Bob")],
    prompt="You are Alice, an addition expert.",
    name="Alice",
)
bob = create_react_agent(
    ScriptedModel(
        messages=iter([AIMessage("Ahoy, matey! Bob here."), call("transfer_to_alice", {}, "b1")])
    ),
    [create_handoff_tool(agent_name="Alice", description="Transfer to Alice, she can do math")],
    prompt="You are Bob, you speak like a pirate.",
    name="Bob",
)
app = create_swarm([alice, bob], default_active_agent="Alice").compile(checkpointer=InMemorySaver())
config = {"configurable": {"thread_id": "1"}}
for turn in ("i'd like to speak to Bob", "what's 5 + 7?"):
    result = app.invoke({"messages": [{"role": "user", "content": turn}]}, config)
    for message in result["messages"]:
        calls = [c["name"] for c in getattr(message, "tool_calls", [])]
        print(type(message).__name__, message.name, repr(message.content), calls)
    print("active agent:", result["active_agent"])
for state in app.get_state_history(config):
    print(state.next, state.values.get("active_agent"), state.metadata["source"])
