"""ToolNode beyond what the differential scenarios compare: standalone use, real
parallelism, live custom events, injections, async tools, and clear errors for bad input."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Annotated, Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from examples.fake_llm import tool_call
from streamgraph.config import get_stream_writer
from streamgraph.graph import START, MessagesState, StateGraph
from streamgraph.prebuilt import InjectedStore, ToolNode, ToolRuntime, tools_condition
from streamgraph.prebuilt.tool_node import ToolInvocationError
from streamgraph.types import Command

NEVER = 10.0  # only waited out when something is wrong


def asks(*calls: tuple[str, dict[str, Any], str]) -> AIMessage:
    return AIMessage("", tool_calls=[tool_call(*c) for c in calls], id="ai")


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def tool_graph(node: ToolNode) -> Any:
    return StateGraph(MessagesState).add_node(node).add_edge(START, node.name).compile()


def test_works_outside_a_graph_with_dict_or_list_input() -> None:
    node = ToolNode([add])
    out = node.invoke({"messages": [asks(("add", {"a": 1, "b": 2}, "c1"))]})
    assert [(m.content, m.tool_call_id, m.name) for m in out["messages"]] == [("3", "c1", "add")]
    listed = node.invoke([HumanMessage("hi"), asks(("add", {"a": 2, "b": 2}, "c2"))])
    assert isinstance(listed, list) and listed[0].content == "4"


def test_sync_tool_calls_run_in_parallel() -> None:
    all_in = threading.Barrier(4)  # passed only when the four calls run at the same time

    def meet(i: int) -> str:
        """Wait for the other calls."""
        all_in.wait(NEVER)
        return f"met {i}"

    node = ToolNode([meet])
    calls = asks(*[("meet", {"i": i}, f"c{i}") for i in range(4)])
    out = tool_graph(node).invoke({"messages": [calls]})
    assert [m.tool_call_id for m in out["messages"][1:]] == ["c0", "c1", "c2", "c3"]
    assert [m.content for m in out["messages"][1:]] == [f"met {i}" for i in range(4)], (
        "not run in parallel"
    )


def test_tool_custom_events_arrive_while_other_tools_still_run() -> None:
    received, finished = threading.Event(), threading.Event()

    def announce(text: str) -> str:
        """Write to the stream, then keep working until the consumer has it."""
        get_stream_writer()({"said": text})
        received.wait(NEVER)  # held back until the tools end, it would keep this waiting
        finished.set()
        return text

    def hold() -> str:
        """Keep working until the announcement is out."""
        received.wait(NEVER)
        return "held"

    graph = tool_graph(ToolNode([announce, hold]))
    calls = asks(("announce", {"text": "hi"}, "c1"), ("hold", {}, "c2"))
    for mode, chunk in graph.stream({"messages": [calls]}, stream_mode=["custom", "updates"]):
        if mode == "custom":
            assert chunk == {"said": "hi"}
            assert not finished.is_set(), "custom event held back"
            received.set()
            break
    else:
        pytest.fail("no custom event")


def test_async_tools_run_concurrently_in_async_graphs() -> None:
    waiting: list[str] = []

    async def wait(seconds: float) -> str:
        """Wait until all three calls are waiting (one after another, the first never is)."""
        waiting.append("one more")
        deadline = time.monotonic() + NEVER
        while len(waiting) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        return "waited" if len(waiting) == 3 else "alone"

    graph = tool_graph(ToolNode([wait]))
    calls = asks(*[("wait", {"seconds": 0.3}, f"c{i}") for i in range(3)])
    out = asyncio.run(graph.ainvoke({"messages": [calls]}))
    assert [m.content for m in out["messages"][1:]] == ["waited"] * 3


def test_async_only_tool_in_a_sync_run_says_so() -> None:
    async def wait() -> str:
        """Wait."""
        return "x"

    with pytest.raises(NotImplementedError, match="does not support sync invocation"):
        tool_graph(ToolNode([wait])).invoke({"messages": [asks(("wait", {}, "c1"))]})


def test_runtime_and_store_injection() -> None:
    from langgraph.store.memory import InMemoryStore

    def remember(note: str, store: Annotated[Any, InjectedStore()], runtime: ToolRuntime) -> str:
        """Remember a note."""
        store.put(("notes",), runtime.tool_call_id, {"note": note})
        runtime.stream_writer({"stored": note})
        return f"{len(runtime.state['messages'])} messages"

    node = ToolNode([remember])
    assert "store" not in node.tools_by_name["remember"].tool_call_schema.model_fields
    store = InMemoryStore()
    graph = StateGraph(MessagesState).add_node(node).add_edge(START, "tools").compile(store=store)
    chunks = list(
        graph.stream(
            {"messages": [asks(("remember", {"note": "n1"}, "c1"))]},
            stream_mode=["custom", "updates"],
        )
    )
    assert chunks[0] == ("custom", {"stored": "n1"})
    assert chunks[1][1]["tools"]["messages"][0].content == "1 messages"
    assert store.get(("notes",), "c1").value == {"note": "n1"}
    storeless = tool_graph(ToolNode([remember]))
    with pytest.raises(ValueError, match="compile it with store="):
        storeless.invoke({"messages": [asks(("remember", {"note": "n"}, "c1"))]})


def test_invalid_arguments_raise_when_errors_are_not_handled() -> None:
    node = ToolNode([add], handle_tool_errors=False)
    with pytest.raises(ToolInvocationError, match="b: Field required"):
        node.invoke({"messages": [asks(("add", {"a": 1}, "c1"))]})


def test_command_without_the_tool_message_is_refused() -> None:
    def go(x: str) -> Command[Any]:
        """Go."""
        return Command(update={"messages": []})

    with pytest.raises(ValueError, match="matching ToolMessage in Command.update for tool 'go'"):
        ToolNode([go]).invoke({"messages": [asks(("go", {"x": "a"}, "c1"))]})


def test_bad_input_and_bad_handlers_get_clear_errors() -> None:
    node = ToolNode([add])
    with pytest.raises(ValueError, match="No message found in input.*got str"):
        node.invoke("hello")
    with pytest.raises(ValueError, match="No AIMessage found in input"):
        node.invoke({"messages": [HumanMessage("hi")]})

    def handler(error: str) -> str:
        return error

    with pytest.raises(ValueError, match="annotate the error with either a specific Exception"):
        ToolNode([add], handle_tool_errors=handler)
    with pytest.raises(TypeError, match="handle_tool_errors must be"):
        ToolNode([add], handle_tool_errors=3)  # type: ignore[arg-type]


def test_tools_condition_reads_lists_dicts_and_objects() -> None:
    calling = asks(("add", {}, "c1"))
    assert tools_condition([calling]) == "tools"
    assert (
        tools_condition({"messages": [calling, ToolMessage("x", tool_call_id="c1")]}) == "__end__"
    )
    assert tools_condition(MessagesStateObject([calling])) == "tools"
    with pytest.raises(ValueError, match="No messages found"):
        tools_condition({"messages": []})


class MessagesStateObject:
    def __init__(self, messages: list[Any]) -> None:
        self.messages = messages


@pytest.mark.parametrize("use_async", [False, True])
def test_interrupt_answers_reach_the_tool_call_that_asked_whatever_the_timing(
    use_async: bool,
) -> None:
    """Two calls interrupt; the first call in order asks last. Its answer must still go to it,
    not to whichever call reached interrupt() first."""
    from streamgraph.checkpoint.memory import InMemorySaver
    from streamgraph.types import interrupt

    def book(hotel: str, delay: float) -> str:
        """Book a hotel after asking."""
        time.sleep(delay)
        return f"{interrupt(f'Book {hotel}?')} for {hotel}"

    graph = (
        StateGraph(MessagesState)
        .add_node("tools", ToolNode([book]))
        .add_edge(START, "tools")
        .compile(checkpointer=InMemorySaver())
    )
    config = {"configurable": {"thread_id": "t"}}
    calls = asks(
        ("book", {"hotel": "Ritz", "delay": 0.2}, "c1"),
        ("book", {"hotel": "Savoy", "delay": 0.0}, "c2"),
    )

    def run(input: Any) -> Any:
        if use_async:
            return asyncio.run(graph.ainvoke(input, config))
        return graph.invoke(input, config)

    asked = run({"messages": [calls]})["__interrupt__"]
    assert [i.value for i in asked] == ["Book Ritz?"]
    asked = run(Command(resume="yes"))["__interrupt__"]
    assert [i.value for i in asked] == ["Book Savoy?"]
    out = run(Command(resume="sure"))
    assert [m.content for m in out["messages"][1:]] == ["yes for Ritz", "sure for Savoy"]
