"""Tools and agents: ``ToolNode``, ``tools_condition`` and ``create_react_agent`` with a
scripted tool-calling model, built with LangGraph and with streamgraph from the same code
(registered into ``scenarios.SCENARIOS``).

Every variant sets ``recursion_limit``: the two libraries' defaults differ (COMPAT.md), and
the agent's state shows ``remaining_steps`` in ``debug`` task inputs.
"""

import time
import warnings
from typing import Annotated, Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import InjectedToolCallId

from examples.fake_llm import ScriptedChatModel, tool_call
from tests.differential._turns import Turns
from tests.differential.scenarios import scenario
from tests.differential.thread_scenarios import thread_scenario

LIMIT = {"recursion_limit": 25}
AGENT_MODES = [
    {"stream_mode": "updates", "config": LIMIT},
    {"stream_mode": "messages", "config": LIMIT},
    {"stream_mode": "custom", "config": LIMIT},
    {"stream_mode": ["updates", "messages", "custom"], "config": LIMIT},
    {"stream_mode": "values", "config": LIMIT},
    {"stream_mode": ["debug", "tasks"], "config": LIMIT},
    {"stream_mode": ["updates", "messages"], "version": "v2", "config": LIMIT},
]
QUESTION = {"messages": [{"role": "user", "content": "what is the weather in sf"}]}


def prebuilt(lib: Any) -> Any:
    root = lib.StateGraph.__module__.split(".")[0]
    return __import__(f"{root}.prebuilt", fromlist=["ToolNode"])


def messages_state(lib: Any) -> Any:
    root = lib.StateGraph.__module__.split(".")[0]
    return __import__(f"{root}.graph", fromlist=["MessagesState"]).MessagesState


def create_agent(lib: Any, *args: Any, **kwargs: Any) -> Any:
    """``create_react_agent`` (LangGraph 1.x warns that it moved to ``langchain.agents``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return prebuilt(lib).create_react_agent(*args, **kwargs)


def asks(*calls: tuple[str, dict[str, Any], str], text: str = "", id: str = "ai-1") -> AIMessage:
    return AIMessage(text, tool_calls=[tool_call(*c) for c in calls], id=id)


def weather_tool(lib: Any, turns: Turns | None = None) -> Any:
    def get_weather(city: str) -> str:
        """Get weather for a given city."""
        if turns is not None:  # parallel calls write in a fixed order
            turns.wait(city)
        writer = lib.get_stream_writer()
        writer(f"Looking up data for city: {city}")
        if turns is not None:
            turns.done(city)
        return f"It's always sunny in {city}!"

    return get_weather


@scenario(*AGENT_MODES)
def react_agent_seed(lib: Any) -> Any:
    """The seed's agent: one tool call, then the answer."""
    model = ScriptedChatModel(
        script=[
            asks(("get_weather", {"city": "sf"}, "call_1"), text="Let me check."),
            AIMessage("It is sunny in sf", id="ai-2"),
        ]
    )
    return create_agent(lib, model, [weather_tool(lib)]), QUESTION


def _slow_add(a: int, b: int) -> int:
    """Add two numbers (slowly: the parallel calls finish in a fixed order)."""
    time.sleep(0.03)
    return a + b


@scenario(*AGENT_MODES[:4])
def react_agent_parallel_calls_and_errors(lib: Any) -> Any:
    """Three calls in one message: a good one, bad arguments, an unknown tool (in one
    ``tools`` task, v1, so their results come in a fixed order)."""
    model = ScriptedChatModel(
        script=[
            asks(
                ("get_weather", {"city": "nyc"}, "c1"),
                ("_slow_add", {"a": "x"}, "c2"),
                ("nope", {}, "c3"),
            ),
            AIMessage("done", id="ai-2"),
        ]
    )
    agent = create_agent(
        lib, model, [weather_tool(lib), _slow_add], prompt="You are terse.", version="v1"
    )
    return agent, QUESTION


@scenario(
    {"stream_mode": "updates", "config": LIMIT},
    {"stream_mode": ["updates", "custom"], "config": LIMIT},
)
def react_agent_v1_runs_calls_in_one_task(lib: Any) -> Any:
    model = ScriptedChatModel(
        script=[
            asks(("get_weather", {"city": "a"}, "c1"), ("get_weather", {"city": "b"}, "c2")),
            AIMessage("both sunny", id="ai-2"),
        ]
    )
    tool = weather_tool(lib, Turns("a", "b", tasks=False))
    agent = create_agent(lib, model, [tool], version="v1")
    return agent, QUESTION


@scenario({"stream_mode": "updates", "config": LIMIT})
def react_agent_return_direct(lib: Any) -> Any:
    from langchain_core.tools import tool

    @tool(return_direct=True)
    def final_answer(answer: str) -> str:
        """Give the final answer."""
        return answer.upper()

    model = ScriptedChatModel(script=[asks(("final_answer", {"answer": "yes"}, "c1"))])
    return create_agent(lib, model, [final_answer]), QUESTION


@scenario(
    {"stream_mode": "updates", "config": {"recursion_limit": 3}},
    {"stream_mode": "updates", "config": {"recursion_limit": 2}},
)
def react_agent_runs_out_of_steps(lib: Any) -> Any:
    model = ScriptedChatModel(script=[asks(("get_weather", {"city": "sf"}, "c1"))])
    return create_agent(lib, model, [weather_tool(lib)]), QUESTION


@scenario(
    {"stream_mode": "updates", "config": LIMIT},
    {"stream_mode": ["values", "messages"], "config": LIMIT},
)
def react_agent_hooks(lib: Any) -> Any:
    model = ScriptedChatModel(
        script=[
            asks(("get_weather", {"city": "sf"}, "c1")),
            AIMessage("fine", id="ai-2"),
        ]
    )

    def trim(state: Any) -> Any:
        return {"llm_input_messages": state["messages"][-3:]}

    def audit(state: Any) -> Any:
        return {"messages": [HumanMessage("audited", id=f"audit-{len(state['messages'])}")]}

    agent = create_agent(
        lib, model, [weather_tool(lib)], pre_model_hook=trim, post_model_hook=audit
    )
    return agent, QUESTION


@scenario({"stream_mode": "updates"}, {"stream_mode": ["updates", "custom", "messages"]})
def tool_node_in_a_custom_graph(lib: Any) -> Any:
    """ToolNode + tools_condition by hand, with injected state, the tool runtime, a
    Command-returning tool and handled tool errors."""
    pre = prebuilt(lib)

    def count(query: str, state: Annotated[dict, pre.InjectedState]) -> str:
        """Count messages."""
        return f"{query}: {len(state['messages'])}"

    def first(messages: Annotated[list, pre.InjectedState("messages")]) -> str:
        """The first message."""
        return messages[0].content

    def progress(step: str, runtime: pre.ToolRuntime) -> str:
        """Report progress."""
        runtime.stream_writer({"progress": step, "call": runtime.tool_call_id})
        return "reported"

    def jump(note: str, tool_call_id: Annotated[str, InjectedToolCallId]) -> Any:
        """Jump with a note."""
        return lib.Command(update={"messages": [ToolMessage(note, tool_call_id=tool_call_id)]})

    def broken(x: int) -> str:
        """Always fails."""
        raise RuntimeError(f"broken {x}")

    calls = asks(
        ("count", {"query": "q"}, "c1"),
        ("first", {}, "c2"),
        ("progress", {"step": "s1"}, "c3"),
        ("jump", {"note": "n"}, "c4"),
        ("broken", {"x": 1}, "c5"),
    )
    model = ScriptedChatModel(script=[calls, AIMessage("ok", id="ai-2")])

    def agent(state: Any) -> Any:
        return {"messages": [model.invoke(state["messages"])]}

    tools = pre.ToolNode([count, first, progress, jump, broken], handle_tool_errors=True)
    graph = (
        lib.StateGraph(messages_state(lib))
        .add_node(agent)
        .add_node(tools)
        .add_edge(lib.START, "agent")
        .add_conditional_edges("agent", pre.tools_condition)
        .add_edge("tools", "agent")
        .compile()
    )
    return graph, {"messages": [HumanMessage("hi", id="h1")]}


@scenario({"stream_mode": "updates"})
def tool_error_propagates_by_default(lib: Any) -> Any:
    def broken(x: int) -> str:
        """Always fails."""
        raise RuntimeError("broken")

    pre = prebuilt(lib)
    graph = (
        lib.StateGraph(messages_state(lib))
        .add_node(pre.ToolNode([broken]))
        .add_edge(lib.START, "tools")
        .compile()
    )
    return graph, {"messages": [asks(("broken", {"x": 1}, "c1"))]}


@scenario({"stream_mode": "updates"})
def tool_error_handlers(lib: Any) -> Any:
    def broken(x: int) -> str:
        """Always fails."""
        raise ValueError("broken")

    def on_value_error(error: ValueError) -> str:
        return f"handled {error}"

    pre = prebuilt(lib)
    state = messages_state(lib)
    graph = (
        lib.StateGraph(state)
        .add_node("text", pre.ToolNode([broken], handle_tool_errors="try again"))
        .add_node("typed", pre.ToolNode([broken], handle_tool_errors=(ValueError,)))
        .add_node("custom", pre.ToolNode([broken], handle_tool_errors=on_value_error))
        .add_edge(lib.START, "text")
        .add_edge("text", "typed")
        .add_edge("typed", "custom")
        .compile()
    )
    return graph, {"messages": [asks(("broken", {"x": 1}, "c1"))]}


@scenario(
    {"stream_mode": "tools"},
    {"stream_mode": ["tools", "updates"]},
    {"stream_mode": ["tools", "custom"], "version": "v2"},
)
def tools_mode(lib: Any) -> Any:
    """LangGraph's undocumented ``tools`` mode: each tool's start, finish or error, from
    ToolNode and from a tool a node invokes itself."""
    from langchain_core.tools import tool

    pre = prebuilt(lib)

    def lookup(q: str) -> str:
        """Look something up."""
        lib.get_stream_writer()({"looking": q})
        return f"found {q}"

    def failing(q: str) -> str:
        """Always fails."""
        raise ValueError("tool broke")

    @tool
    def echo(text: str) -> str:
        """Echo."""
        return text

    def ask_again(state: Any) -> Any:  # one call per step: parallel calls race
        return {"messages": [asks(("failing", {"q": "x"}, "c2"), id="ai-2")]}

    def ask_badly(state: Any) -> Any:
        return {"messages": [asks(("lookup", {"q": 5}, "c3"), id="ai-3")]}

    def direct(state: Any) -> Any:
        return {"messages": [AIMessage(echo.invoke({"text": "direct"}), id="ai-4")]}

    tools = [lookup, failing]
    graph = (
        lib.StateGraph(messages_state(lib))
        .add_node("first", pre.ToolNode(tools))
        .add_node(ask_again)
        .add_node("second", pre.ToolNode(tools, handle_tool_errors=True, name="second"))
        .add_node(ask_badly)
        .add_node("third", pre.ToolNode(tools, name="third"))
        .add_node(direct)
        .add_edge(lib.START, "first")
        .add_edge("first", "ask_again")
        .add_edge("ask_again", "second")
        .add_edge("second", "ask_badly")
        .add_edge("ask_badly", "third")
        .add_edge("third", "direct")
        .compile()
    )
    return graph, {"messages": [asks(("lookup", {"q": "cats"}, "c1"))]}


@thread_scenario
def interrupt_inside_tools(lib: Any) -> Any:
    """Tools that ask a human with ``interrupt()``, resumed call by call (v1: one task runs
    both calls; the first interrupt stops it, the second comes on the first resume)."""
    from tests.differential.thread_scenarios import CONFIG

    def book(hotel: str) -> str:
        """Book a hotel."""
        answer = lib.interrupt(f"Book {hotel}?")
        return f"{answer} for {hotel}"

    model = ScriptedChatModel(
        script=[
            asks(("book", {"hotel": "Ritz"}, "c1"), ("book", {"hotel": "Savoy"}, "c2")),
            AIMessage("done", id="ai-2"),
        ]
    )
    agent = create_agent(lib, model, [book], checkpointer=lib.InMemorySaver(), version="v1")
    run = {"stream_mode": ["updates", "values"], "config": {**CONFIG, "recursion_limit": 25}}
    return agent, [
        ("stream", {"messages": [("user", "book both")]}, run),
        ("get_state", {}),
        ("resume_all_by_id", None, run),
        ("resume_all_by_id", None, run),
        ("get_state", {}),
    ]
