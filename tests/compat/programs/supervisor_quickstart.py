"""The langgraph-supervisor README quick start, with scripted models instead of OpenAI's:
a supervisor hands the question to a research agent, then to a math agent.

Imports LangGraph, never streamgraph: tests run it under both (see test_libraries.py).
"""

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langgraph.prebuilt import create_react_agent
from langgraph_supervisor import create_supervisor


class ScriptedModel(GenericFakeChatModel):
    def bind_tools(self, tools, **kwargs):
        return self


def scripted(*replies):
    return ScriptedModel(messages=iter(replies))


def call(name, args, call_id):
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": call_id}])


def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


def web_search(query: str) -> str:
    """Search the web for information."""
    return "Headcounts 2024: Meta 67,317; Apple 164,000."


def build():
    math_agent = create_react_agent(
        model=scripted(call("add", {"a": 67317, "b": 164000}, "m1"), AIMessage("231317.")),
        tools=[add],
        name="math_expert",
        prompt="You are a math expert.",
    )
    research_agent = create_react_agent(
        model=scripted(call("web_search", {"query": "headcount"}, "r1"), AIMessage("Found.")),
        tools=[web_search],
        name="research_expert",
        prompt="You are a world class researcher.",
    )
    supervisor = scripted(
        call("transfer_to_research_expert", {}, "s1"),
        call("transfer_to_math_expert", {}, "s2"),
        AIMessage("The combined headcount is 231,317."),
    )
    workflow = create_supervisor(
        [research_agent, math_agent], model=supervisor, prompt="You are a team supervisor."
    )
    return workflow.compile()


question = {"messages": [{"role": "user", "content": "combined headcount of Meta and Apple?"}]}
result = build().invoke(question)
for message in result["messages"]:
    calls = [c["name"] for c in getattr(message, "tool_calls", [])]
    print(type(message).__name__, message.name, repr(message.content), calls)

for namespace, update in build().stream(question, stream_mode="updates", subgraphs=True):
    where = tuple(part.split(":")[0] for part in namespace)
    for node, value in update.items():
        messages = (value or {}).get("messages", [])
        print(where, node, [type(m).__name__ for m in messages])
