"""ToolNode's wrap_tool_call/awrap_tool_call, the ToolCallRequest they see, ValidationNode."""

from __future__ import annotations

import asyncio
import warnings
from typing import Annotated, Any

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import InjectedToolArg
from pydantic import BaseModel

from streamgraph.graph import START, MessagesState, StateGraph
from streamgraph.prebuilt import ToolNode, ValidationNode
from streamgraph.prebuilt.tool_node import ToolCallRequest, ToolRuntime
from streamgraph.types import Command


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def asks(name: str, args: dict[str, Any], call_id: str = "c1") -> dict[str, Any]:
    return {"messages": [AIMessage("", tool_calls=[{"name": name, "args": args, "id": call_id}])]}


def test_a_wrapper_can_change_the_request_and_call_execute_again() -> None:
    seen: list[Any] = []

    def doubled_then_retried(request: ToolCallRequest, execute: Any) -> Any:
        seen.append((request.tool.name if request.tool else None, request.state["messages"]))
        args = {k: v * 2 for k, v in request.tool_call["args"].items()}
        first = execute(request.override(tool_call={**request.tool_call, "args": args}))
        return execute(request) if first.content == "6" else first

    out = ToolNode([add], wrap_tool_call=doubled_then_retried).invoke(asks("add", {"a": 1, "b": 2}))
    assert [m.content for m in out["messages"]] == ["3"]
    assert seen[0][0] == "add" and len(seen[0][1]) == 1


def test_a_wrapper_answers_for_an_unknown_tool() -> None:
    def answer(request: ToolCallRequest, execute: Any) -> Any:
        assert request.tool is None
        return ToolMessage("handled", tool_call_id=request.tool_call["id"])

    out = ToolNode([add], wrap_tool_call=answer).invoke(asks("ghost", {}))
    assert out["messages"][0].content == "handled"
    # without a wrapper (or when it calls execute), the model hears of the mistake
    plain = ToolNode([add]).invoke(asks("ghost", {}))["messages"][0]
    assert plain.status == "error" and "ghost is not a valid tool" in plain.content


def test_async_wrapper_and_sync_wrapper_in_async_runs() -> None:
    async def awrap(request: ToolCallRequest, execute: Any) -> Any:
        result = await execute(request)
        return ToolMessage(f"[{result.content}]", tool_call_id=result.tool_call_id)

    def wrap(request: ToolCallRequest, execute: Any) -> Any:
        return execute(request)

    graph = StateGraph(MessagesState).add_node(ToolNode([add], awrap_tool_call=awrap))
    graph = graph.add_edge(START, "tools").compile()
    out = asyncio.run(graph.ainvoke(asks("add", {"a": 2, "b": 2})))
    assert out["messages"][-1].content == "[4]"
    node = ToolNode([add], wrap_tool_call=wrap)
    out = asyncio.run(node.ainvoke(asks("add", {"a": 2, "b": 3})))
    assert out["messages"][0].content == "5"


def test_wrapper_errors_become_messages_when_errors_are_handled() -> None:
    def broken(request: ToolCallRequest, execute: Any) -> Any:
        raise RuntimeError("wrapper broke")

    node = ToolNode([add], wrap_tool_call=broken, handle_tool_errors=True)
    message = node.invoke(asks("add", {"a": 1, "b": 1}))["messages"][0]
    assert message.status == "error" and "wrapper broke" in message.content
    with pytest.raises(RuntimeError, match="wrapper broke"):
        ToolNode([add], wrap_tool_call=broken, handle_tool_errors=False).invoke(
            asks("add", {"a": 1, "b": 1})
        )


def test_tool_runtime_and_request_are_langgraphs() -> None:
    def where(runtime: ToolRuntime) -> str:
        """Report the runtime."""
        return f"{runtime.tool_call_id} {len(runtime.tools)} {runtime.execution_info.task_id}"

    graph = StateGraph(MessagesState).add_node(ToolNode([where, add])).add_edge(START, "tools")
    out = graph.compile().invoke(asks("where", {}, "call-9"))
    call_id, tools, task_id = out["messages"][-1].content.split()
    assert (call_id, tools) == ("call-9", "2") and task_id != "None"
    request = ToolCallRequest({"name": "add", "args": {}, "id": "x"}, None, {}, None)  # type: ignore[arg-type]
    with pytest.warns(DeprecationWarning, match="Setting attribute 'tool_call'"):
        request.tool_call = {"name": "b", "args": {}, "id": "y"}  # type: ignore[typeddict-item]


def test_tool_call_lists_and_commands() -> None:
    def go(where: str) -> Command[Any]:
        """Go somewhere."""
        return Command(goto=where)

    node = ToolNode([add, go])
    calls = [{"name": "add", "args": {"a": 1, "b": 1}, "id": "c1", "type": "tool_call"}]
    assert node.invoke(calls)["messages"][0].content == "2"
    (command,) = node.invoke(asks("go", {"where": "x"}))  # a goto alone is passed on
    assert command == Command(goto="x")


def test_validation_node() -> None:
    class Point(BaseModel):
        x: int

    with pytest.warns(DeprecationWarning, match="ValidationNode is deprecated"):
        node = ValidationNode([Point])
    good, bad = node.invoke(
        [
            AIMessage(
                "",
                tool_calls=[
                    {"name": "Point", "args": {"x": 1}, "id": "g"},
                    {"name": "Point", "args": {"x": "no"}, "id": "b"},
                ],
            )
        ]
    )
    assert good.content == '{"x":1}' and "is_error" not in good.additional_kwargs
    assert bad.additional_kwargs == {"is_error": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ValidationNode([Point]).name == "validation"


def test_a_tool_streams_partial_output_in_tools_mode() -> None:
    from langchain_core.tools import tool

    @tool
    def spell(word: str, runtime: ToolRuntime) -> str:
        """Spell a word."""
        for letter in word:
            runtime.emit_output_delta(letter)
        return word

    builder = StateGraph(MessagesState)
    builder.add_node("tools", ToolNode([spell]))
    builder.add_edge(START, "tools")
    graph = builder.compile()
    events = [p["event"] for p in graph.stream(asks("spell", {"word": "ab"}), stream_mode="tools")]
    assert events == ["tool-started", "tool-output-delta", "tool-output-delta", "tool-finished"]
    deltas = [
        p.get("delta") for p in graph.stream(asks("spell", {"word": "ab"}), stream_mode="tools")
    ]
    assert deltas[1:3] == ["a", "b"]
    assert graph.invoke(asks("spell", {"word": "ab"}))["messages"][-1].content == "ab"  # no-op


def test_a_tool_class_returning_commands_hands_them_over() -> None:
    from langchain_core.tools import BaseTool

    class Handoff(BaseTool):
        name: str = "handoff"
        description: str = "Hand the conversation over."

        def _run(self, **kwargs: Any) -> Any:
            return [Command(goto="other"), ToolMessage("handed over", tool_call_id="c1")]

    out = ToolNode([Handoff()]).invoke(asks("handoff", {}))
    assert [type(item).__name__ for item in out] == ["Command", "dict"]
    assert out[0].goto == "other"
    assert out[1]["messages"][0].content == "handed over"


class Secret(InjectedToolArg):
    """A parameter the caller fills in, not the model."""


def test_arguments_a_model_may_not_set_are_dropped() -> None:
    from langchain_core.tools import tool

    @tool
    def whoami(query: str, role: Annotated[str, Secret()] = "guest") -> str:
        """Who am I."""
        return role

    forged = asks("whoami", {"query": "q", "role": "admin"})
    assert ToolNode([whoami]).invoke(forged)["messages"][0].content == "guest"


def test_tool_runtime_takes_one_type_argument() -> None:
    from langchain_core.tools import tool

    @tool
    def info(runtime: ToolRuntime[dict[str, str]]) -> str:
        """Info."""
        return str(runtime.tool_call_id)

    assert ToolNode([info]).invoke(asks("info", {}))["messages"][0].content == "c1"
