"""``ToolNode``: run the tool calls of the last AI message, all at once, as ``ToolMessage``s.

Input is the graph state (a dict or object with a ``messages`` key), a list of messages, or
one tool call sent with ``Send("tools", {"__type": "tool_call_with_context", ...})`` (what
the prebuilt agent sends per call). Output is ``{"messages": [ToolMessage, ...]}`` (a list
for list input), or, when a tool returns a ``Command``, a list of the commands and message
updates in call order.

Errors: a call to an unknown tool and a call with invalid arguments come back as an error
``ToolMessage`` the model can react to; an exception raised inside a tool propagates unless
``handle_tool_errors`` says otherwise (``True``: every error as a message; a string: that
message; exception types: those; a function: its return value, for the exception types its
first parameter is annotated with).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, ToolCall, ToolMessage
from langchain_core.messages.tool import ToolOutputMixin
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from langchain_core.tools import tool as create_tool
from pydantic import ValidationError

from streamgraph._context import SCOPE
from streamgraph.constants import END
from streamgraph.errors import GraphBubbleUp, StreamGraphError
from streamgraph.prebuilt._injection import Injections, ToolRuntime, injections_of, state_field
from streamgraph.pregel._node import DualNode
from streamgraph.pregel._pool import run_all
from streamgraph.pregel._scope import CallOrder
from streamgraph.types import Command

__all__ = ("ToolInvocationError", "ToolNode", "tools_condition")

TOOL_CALL_WITH_CONTEXT = "tool_call_with_context"
ErrorHandler = bool | str | Callable[..., str] | type[Exception] | tuple[type[Exception], ...]


class ToolInvocationError(ToolException, StreamGraphError):
    """The model called a tool with arguments its schema rejects."""

    def __init__(
        self, tool_name: str, tool_kwargs: dict[str, Any], errors: list[dict[str, Any]]
    ) -> None:
        self.tool_name = tool_name
        self.tool_kwargs = tool_kwargs
        self.errors = errors
        details = "\n".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in errors
        )
        super().__init__(
            f"Error invoking tool '{tool_name}' with kwargs {tool_kwargs} with error:\n"
            f" {details}\n Please fix the error and try again."
        )


class _DEFAULT_HANDLER:
    pass


def _with_named_answers(command: Command[Any], key: str, call: ToolCall) -> Command[Any]:
    """``command`` with the unnamed ``ToolMessage`` answers to ``call`` named after its tool
    (copies; an update that is a state object is changed in place)."""

    def named(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return type(value)(named(item) for item in value)
        if isinstance(value, ToolMessage) and value.tool_call_id == call["id"] and not value.name:
            return value.model_copy(update={"name": call["name"]})
        return value

    update = command.update
    if isinstance(update, dict):
        update = {**update, key: named(update[key])}
    elif isinstance(update, list | tuple):
        update = [(k, named(v) if k == key else v) for k, v in update]
    else:
        setattr(update, key, named(getattr(update, key)))
    return Command(graph=command.graph, update=update, resume=command.resume, goto=command.goto)


class _HeldCommand(ToolOutputMixin):
    """A ``Command`` a tool returned, carried through LangChain's tool output formatting
    (which would otherwise turn it into text) and unwrapped by ``ToolNode``."""

    def __init__(self, command: Command[Any]) -> None:
        self.command = command

    @property
    def _streamgraph_tool_output(self) -> Command[Any]:
        """What ``tools`` mode shows as the call's output (the tool's own ``Command``)."""
        return self.command


def _hold(result: Any) -> Any:
    return _HeldCommand(result) if isinstance(result, Command) else result


def _passing_commands(tool: BaseTool) -> BaseTool:
    """A copy of a function-backed tool whose ``Command`` results survive LangChain."""
    if not isinstance(tool, StructuredTool):
        return tool
    update: dict[str, Any] = {}
    if tool.func is not None:
        func = tool.func
        update["func"] = functools.wraps(func)(lambda *a, **k: _hold(func(*a, **k)))
    if tool.coroutine is not None:
        coroutine = tool.coroutine

        @functools.wraps(coroutine)
        async def held(*args: Any, **kwargs: Any) -> Any:
            return _hold(await coroutine(*args, **kwargs))

        update["coroutine"] = held
    return tool.model_copy(update=update)


def _handled_types(handler: Callable[..., str]) -> tuple[type[BaseException], ...]:
    """The exception types a handler function's first parameter is annotated with."""
    try:
        params = list(inspect.signature(handler).parameters.values())
        hints = typing.get_type_hints(handler)
    except (TypeError, ValueError, NameError):
        return (Exception,)
    if not params or params[0].name not in hints:
        return (Exception,)
    annotation = hints[params[0].name]
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    members = typing.get_args(annotation) if union else (annotation,)
    if all(isinstance(t, type) and issubclass(t, BaseException) for t in members):
        return tuple(members)
    raise ValueError(
        f"handle_tool_errors function {handler!r} annotates its first parameter with "
        f"{annotation!r}: use exception types (or leave it unannotated)"
    )


def _error_content(error: Exception) -> str:
    return f"Error: {error!r}\n Please fix your mistakes."


class ToolNode(DualNode):
    """A graph node that runs the tool calls in the last ``AIMessage`` in parallel."""

    def __init__(
        self,
        tools: Sequence[BaseTool | Callable[..., Any]],
        *,
        name: str = "tools",
        tags: list[str] | None = None,
        handle_tool_errors: ErrorHandler | type[_DEFAULT_HANDLER] = _DEFAULT_HANDLER,
        messages_key: str = "messages",
    ) -> None:
        self.name = name
        self.tags = tags
        self.messages_key = messages_key
        self.handle_tool_errors = handle_tool_errors
        self._handled = self._handled_exception_types(handle_tool_errors)
        self.tools_by_name: dict[str, BaseTool] = {}
        self._runners: dict[str, BaseTool] = {}
        self._injections: dict[str, Injections] = {}
        for item in tools:
            tool = item if isinstance(item, BaseTool) else create_tool(item)
            self.tools_by_name[tool.name] = tool
            self._runners[tool.name] = _passing_commands(tool)
            self._injections[tool.name] = injections_of(tool)

    @staticmethod
    def _handled_exception_types(handler: Any) -> tuple[type[BaseException], ...]:
        if handler is _DEFAULT_HANDLER:
            return (ToolInvocationError,)
        if handler is False:
            return ()
        if handler is True or isinstance(handler, str):
            return (Exception,)
        if isinstance(handler, type) and issubclass(handler, BaseException):
            return (handler,)
        if isinstance(handler, tuple) and all(
            isinstance(t, type) and issubclass(t, BaseException) for t in handler
        ):
            return handler
        if callable(handler):
            return _handled_types(handler)
        raise TypeError(
            f"handle_tool_errors must be a bool, a string, exception type(s) or a function, "
            f"not {type(handler).__name__}"
        )

    def __repr__(self) -> str:
        return f"ToolNode(tools={list(self.tools_by_name)})"

    # -- running -----------------------------------------------------------------------------

    def invoke(self, input: Any, config: Any = None) -> Any:
        calls, state, as_list = self._parse_input(input)
        config = config or {}
        runs: list[Callable[[], Any]] = [
            functools.partial(self._run_one, call, state, config) for call in calls
        ]
        order = CallOrder.of_current_task(len(runs))
        if order is not None:
            runs = [functools.partial(order.run, index, run) for index, run in enumerate(runs)]
        outputs = run_all(runs)
        return self._combine(outputs, as_list)

    async def ainvoke(self, input: Any, config: Any = None) -> Any:
        calls, state, as_list = self._parse_input(input)
        config = config or {}
        runs = [functools.partial(self._arun_one, call, state, config) for call in calls]
        order = CallOrder.of_current_task(len(runs))
        outputs = await asyncio.gather(
            *(run() if order is None else order.arun(index, run) for index, run in enumerate(runs))
        )
        return self._combine(list(outputs), as_list)

    def _run_one(self, call: ToolCall, state: Any, config: Any) -> Any:
        runner = self._runners.get(call["name"])
        if runner is None:
            return self._unknown_tool(call)
        try:
            output = runner.invoke(self._with_injections(call, state, config), config)
        except GraphBubbleUp:
            raise
        except Exception as error:
            return self._error_message(call, runner, error)
        return self._checked(output, call)

    async def _arun_one(self, call: ToolCall, state: Any, config: Any) -> Any:
        runner = self._runners.get(call["name"])
        if runner is None:
            return self._unknown_tool(call)
        try:
            output = await runner.ainvoke(self._with_injections(call, state, config), config)
        except GraphBubbleUp:
            raise
        except Exception as error:
            return self._error_message(call, runner, error)
        return self._checked(output, call)

    # -- input and output ----------------------------------------------------------------------

    def _parse_input(self, input: Any) -> tuple[list[ToolCall], Any, bool]:
        """(tool calls, state for injection, whether the output is a plain list)."""
        if isinstance(input, dict) and input.get("__type") == TOOL_CALL_WITH_CONTEXT:
            return [input["tool_call"]], input.get("state"), False
        if isinstance(input, list):
            messages: Any = input
        elif isinstance(input, dict):
            messages = input.get(self.messages_key)
        else:
            messages = getattr(input, self.messages_key, None)
        if not messages:
            raise ValueError(
                f"No message found in input: ToolNode '{self.name}' expects a state with a "
                f"'{self.messages_key}' list, a list of messages, or a tool call sent to it; "
                f"got {type(input).__name__}"
            )
        ai = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
        if ai is None:
            raise ValueError(
                f"No AIMessage found in input: ToolNode '{self.name}' runs the tool calls of "
                "the last AIMessage, and there is none"
            )
        return list(ai.tool_calls), input, isinstance(input, list)

    def _combine(self, outputs: list[Any], as_list: bool) -> Any:
        if not any(isinstance(output, Command) for output in outputs):
            return outputs if as_list else {self.messages_key: outputs}
        # Commands keep their place among the messages, as each tool's own update.
        return [
            output
            if isinstance(output, Command)
            else [output]
            if as_list
            else {self.messages_key: [output]}
            for output in outputs
        ]

    def _with_injections(self, call: ToolCall, state: Any, config: Any) -> dict[str, Any]:
        wanted = self._injections[call["name"]]
        if not wanted:
            return {**call, "type": "tool_call"}
        args = dict(call["args"])
        for param, key in wanted.state.items():
            args[param] = state_field(state, key)
        scope = SCOPE.get(None)
        store = scope.loop.store if scope is not None else None
        for param in wanted.store:
            if store is None:
                raise ValueError(
                    f"Tool '{call['name']}' asks for the store (InjectedStore), but the graph "
                    "has none: compile it with store=..."
                )
            args[param] = store
        for param in wanted.runtime:
            args[param] = ToolRuntime(
                state=state,
                context=scope.loop.context if scope is not None else None,
                config=config,
                stream_writer=scope.writer if scope is not None else _ignore,
                tool_call_id=call.get("id"),
                store=store,
            )
        return {**call, "args": args, "type": "tool_call"}

    def _checked(self, output: Any, call: ToolCall) -> Any:
        if isinstance(output, _HeldCommand):
            output = output.command
        if isinstance(output, Command):
            return self._check_command(output, call)
        if isinstance(output, ToolMessage):
            return output
        return ToolMessage(content=str(output), name=call["name"], tool_call_id=call["id"])

    def _check_command(self, command: Command[Any], call: ToolCall) -> Command[Any]:
        """Every tool call needs its ``ToolMessage``; a ``Command`` for this graph must carry
        it, or the next model call would see an unanswered tool call. Unnamed answers get
        the tool's name (in a copy: the tool's own ``Command`` was streamed already, in
        ``tools`` mode)."""
        if command.graph is not None:
            return command
        update = command.update
        if isinstance(update, dict):
            messages = update.get(self.messages_key, [])
        elif isinstance(update, list | tuple):
            messages = [v for k, v in update if k == self.messages_key]
        else:
            messages = getattr(update, self.messages_key, [])
        messages = messages if isinstance(messages, list | tuple) else [messages]
        answers = [
            m for m in messages if isinstance(m, ToolMessage) and m.tool_call_id == call["id"]
        ]
        if not answers:
            raise ValueError(
                f"Expected to have a matching ToolMessage in Command.update for tool "
                f"'{call['name']}', got: {list(messages)}. Every tool call (LLM requesting to "
                "call a tool) in the message history MUST have a corresponding ToolMessage. "
                "You can fix it by modifying the tool to return "
                '`Command(update={"messages": [ToolMessage("Success", '
                "tool_call_id=tool_call_id), ...]}, ...)`."
            )
        if all(answer.name is not None for answer in answers):
            return command
        return _with_named_answers(command, self.messages_key, call)

    # -- errors ------------------------------------------------------------------------------

    def _unknown_tool(self, call: ToolCall) -> ToolMessage:
        names = ", ".join(self.tools_by_name)
        return ToolMessage(
            content=f"Error: {call['name']} is not a valid tool, try one of [{names}].",
            name=call["name"],
            tool_call_id=call["id"],
            status="error",
        )

    def _error_message(self, call: ToolCall, tool: BaseTool, error: Exception) -> ToolMessage:
        error = self._as_invocation_error(call, tool, error)
        if not isinstance(error, self._handled):
            raise error
        handler = self.handle_tool_errors
        if handler is _DEFAULT_HANDLER:
            content = str(error)
        elif isinstance(handler, str):
            content = handler
        elif callable(handler) and not isinstance(handler, type):
            content = handler(error)
        else:
            content = _error_content(error)
        return ToolMessage(
            content=content, name=call["name"], tool_call_id=call["id"], status="error"
        )

    def _as_invocation_error(self, call: ToolCall, tool: BaseTool, error: Exception) -> Exception:
        """Arguments the tool's schema rejected, as a ``ToolInvocationError`` (errors about
        injected parameters left out: the model did not write those)."""
        schema = tool.args_schema
        if not isinstance(error, ValidationError) or error.title != getattr(
            schema, "__name__", None
        ):
            return error
        injected = self._injections[call["name"]].names
        errors = [e for e in error.errors() if not (e["loc"] and e["loc"][0] in injected)]
        return ToolInvocationError(
            call["name"], call["args"], [dict(e) for e in errors or error.errors()]
        )


def _ignore(chunk: Any) -> None:
    """The stream writer outside a graph run: nothing listens."""


def tools_condition(state: Any, messages_key: str = "messages") -> Literal["tools", "__end__"]:
    """Route to ``"tools"`` when the last message asks for tool calls, else to ``END``."""
    if isinstance(state, list):
        messages: Any = state
    elif isinstance(state, dict):
        messages = state.get(messages_key, [])
    else:
        messages = getattr(state, messages_key, [])
    if not messages:
        raise ValueError(f"No messages found in input state to tool_edge: {state}")
    last: AnyMessage = messages[-1]
    if isinstance(last, AIMessage) and last.tool_calls:
        return "tools"
    return END  # type: ignore[return-value]
