"""``ToolNode``: run the tool calls of the last AI message, all at once, as ``ToolMessage``s.

Input is the graph state (a dict or object with a ``messages`` key), a list of messages, a
list of tool calls, or one tool call sent with ``Send("tools", {"__type":
"tool_call_with_context", ...})`` (what the prebuilt agent sends per call). Output is
``{"messages": [ToolMessage, ...]}`` (a list for list input), or, when a tool returns a
``Command``, a list of the commands and message updates in call order.

Each call goes through ``wrap_tool_call``/``awrap_tool_call`` when given (see
``_tool_call.py``). Errors: a call to an unknown tool and a call with invalid arguments come
back as an error ``ToolMessage`` the model can react to; an exception raised inside a tool
propagates unless ``handle_tool_errors`` says otherwise (``True``: every error as a message; a
string: that message; exception types: those; a function: its return value, for the
exception types its first parameter is annotated with).
"""

from __future__ import annotations

import asyncio
import copy
import functools
from collections.abc import Callable, Sequence
from typing import Any, Literal

import langchain_core.messages.tool
from langchain_core.messages import AIMessage, AnyMessage, RemoveMessage, ToolCall, ToolMessage
from langchain_core.messages.utils import convert_to_messages
from langchain_core.tools import BaseTool
from langchain_core.tools import tool as create_tool
from pydantic import ValidationError

from streamgraph._context import SCOPE
from streamgraph._internal._runnable import RunnableCallable
from streamgraph.constants import END
from streamgraph.errors import GraphBubbleUp
from streamgraph.prebuilt._injection import (
    InjectedState,
    InjectedStore,
    Injections,
    ToolRuntime,
    injections_of,
)
from streamgraph.prebuilt._tool_call import (
    INVALID_TOOL_NAME_ERROR_TEMPLATE,
    TOOL_CALL_ERROR_TEMPLATE,
    AsyncToolCallWrapper,
    ToolCallRequest,
    ToolCallWithContext,
    ToolCallWrapper,
    ToolInvocationError,
    default_handle_tool_errors,
    error_content,
    handled_types,
    msg_content_output,
)
from streamgraph.pregel._pool import run_all
from streamgraph.pregel._runnable_api import command_as_tool_output
from streamgraph.pregel._scope import CallOrder
from streamgraph.types import Command, Send

# A tool returning a Command (or a list of Commands and ToolMessages) hands it over as is, as
# LangGraph's Command is a LangChain tool output.
command_as_tool_output(langchain_core.messages.tool)

__all__ = (
    "INVALID_TOOL_NAME_ERROR_TEMPLATE",
    "TOOL_CALL_ERROR_TEMPLATE",
    "AsyncToolCallWrapper",
    "InjectedState",
    "InjectedStore",
    "ToolCallRequest",
    "ToolCallWithContext",
    "ToolCallWrapper",
    "ToolInvocationError",
    "ToolNode",
    "ToolRuntime",
    "msg_content_output",
    "tools_condition",
)

TOOL_CALL_WITH_CONTEXT = "tool_call_with_context"
InputType = Literal["list", "dict", "tool_calls"]
ErrorHandler = bool | str | Callable[..., str] | type[Exception] | tuple[type[Exception], ...]


def _checked_handler(handler: Any) -> Any:
    """``handle_tool_errors`` checked when the node is made (a mistake shows at once)."""
    if not isinstance(handler, bool | str | tuple | type) and not callable(handler):
        raise TypeError(
            "handle_tool_errors must be a bool, a string, exception type(s) or a function, "
            f"not {type(handler).__name__}"
        )
    if callable(handler) and not isinstance(handler, type):
        handled_types(handler)  # its annotation must name exception types
    return handler


class ToolNode(RunnableCallable):
    """A graph node that runs the tool calls in the last ``AIMessage`` in parallel."""

    def __init__(
        self,
        tools: Sequence[BaseTool | Callable[..., Any]],
        *,
        name: str = "tools",
        tags: list[str] | None = None,
        handle_tool_errors: ErrorHandler = default_handle_tool_errors,
        messages_key: str = "messages",
        wrap_tool_call: ToolCallWrapper | None = None,
        awrap_tool_call: AsyncToolCallWrapper | None = None,
    ) -> None:
        super().__init__(self._func, self._afunc, name=name, tags=tags, trace=False)
        self.messages_key = messages_key
        self.handle_tool_errors = _checked_handler(handle_tool_errors)
        self.wrap_tool_call = wrap_tool_call
        self.awrap_tool_call = awrap_tool_call
        self._tools_by_name: dict[str, BaseTool] = {}
        self._injections: dict[str, Injections] = {}
        for item in tools:
            tool = item if isinstance(item, BaseTool) else create_tool(item)
            self._tools_by_name[tool.name] = tool
            self._injections[tool.name] = injections_of(tool)

    @property
    def tools_by_name(self) -> dict[str, BaseTool]:
        """The node's tools by name."""
        return self._tools_by_name

    def __repr__(self) -> str:
        return f"ToolNode(tools={list(self._tools_by_name)})"

    # -- running -----------------------------------------------------------------------------

    def _func(self, input: Any, config: Any, runtime: Any) -> Any:
        calls, input_type = self._parse_input(input)
        runtimes = [self._tool_runtime(input, call, config, runtime) for call in calls]
        runs: list[Callable[[], Any]] = [
            functools.partial(self._run_one, call, input_type, rt)
            for call, rt in zip(calls, runtimes, strict=True)
        ]
        order = CallOrder.of_current_task(len(runs))
        if order is not None:
            runs = [functools.partial(order.run, index, run) for index, run in enumerate(runs)]
        return self._combine(run_all(runs), input_type)

    async def _afunc(self, input: Any, config: Any, runtime: Any) -> Any:
        calls, input_type = self._parse_input(input)
        runtimes = [self._tool_runtime(input, call, config, runtime) for call in calls]
        runs = [
            functools.partial(self._arun_one, call, input_type, rt)
            for call, rt in zip(calls, runtimes, strict=True)
        ]
        order = CallOrder.of_current_task(len(runs))
        outputs = await asyncio.gather(
            *(run() if order is None else order.arun(index, run) for index, run in enumerate(runs))
        )
        return self._combine(list(outputs), input_type)

    def _tool_runtime(
        self, input: Any, call: ToolCall, config: Any, runtime: Any
    ) -> ToolRuntime[Any, Any]:
        return ToolRuntime(
            state=self._state_of(input, config),
            context=getattr(runtime, "context", None),
            config=config,
            stream_writer=getattr(runtime, "stream_writer", _ignore),
            tool_call_id=call.get("id"),
            store=getattr(runtime, "store", None),
            tools=list(self._tools_by_name.values()),
            execution_info=getattr(runtime, "execution_info", None),
            server_info=getattr(runtime, "server_info", None),
        )

    def _run_one(
        self, call: ToolCall, input_type: InputType, runtime: ToolRuntime[Any, Any]
    ) -> Any:
        request = ToolCallRequest(
            call, self._tools_by_name.get(call["name"]), runtime.state, runtime
        )
        config = runtime.config
        wrap = self.wrap_tool_call
        if wrap is None:
            return self._execute(request, input_type, config)
        try:
            return wrap(request, lambda req: self._execute(req, input_type, config))
        except GraphBubbleUp:
            raise
        except Exception as error:
            return self._wrapper_error(request, error)

    async def _arun_one(
        self, call: ToolCall, input_type: InputType, runtime: ToolRuntime[Any, Any]
    ) -> Any:
        request = ToolCallRequest(
            call, self._tools_by_name.get(call["name"]), runtime.state, runtime
        )
        config = runtime.config
        if self.awrap_tool_call is None and self.wrap_tool_call is None:
            return await self._aexecute(request, input_type, config)

        async def execute(req: ToolCallRequest) -> Any:
            return await self._aexecute(req, input_type, config)

        try:
            if self.awrap_tool_call is not None:
                return await self.awrap_tool_call(request, execute)
            assert self.wrap_tool_call is not None
            return self.wrap_tool_call(request, lambda req: self._execute(req, input_type, config))
        except GraphBubbleUp:
            raise
        except Exception as error:
            return self._wrapper_error(request, error)

    def _wrapper_error(self, request: ToolCallRequest, error: Exception) -> ToolMessage:
        """An exception out of a wrapper: a message when errors are handled at all."""
        if not self.handle_tool_errors:
            raise error
        call = request.tool_call
        return ToolMessage(
            content=error_content(error, self.handle_tool_errors),
            name=call["name"],
            tool_call_id=call["id"],
            status="error",
        )

    def _prepared(self, request: ToolCallRequest) -> tuple[BaseTool | None, Any, Any]:
        """(the tool's runner, the call as the tool takes it, or an error message)."""
        call, tool = request.tool_call, request.tool
        if tool is None:
            if call["name"] not in self._tools_by_name:
                return None, None, self._unknown_tool(call)
            raise TypeError(f"Tool {call['name']} is not registered with ToolNode")
        injected = self._inject(call, request.runtime, tool)
        return tool, {**injected, "type": "tool_call"}, None

    def _execute(self, request: ToolCallRequest, input_type: InputType, config: Any) -> Any:
        runner, call, answer = self._prepared(request)
        if runner is None:
            return answer
        try:
            try:
                response = runner.invoke(call, config)
            except ValidationError as error:
                raise self._invocation_error(request, error) from error
            return self._normalize(response, request.tool_call, input_type)
        except GraphBubbleUp:
            raise
        except Exception as error:
            return self._error_message(request.tool_call, error)

    async def _aexecute(self, request: ToolCallRequest, input_type: InputType, config: Any) -> Any:
        runner, call, answer = self._prepared(request)
        if runner is None:
            return answer
        try:
            try:
                response = await runner.ainvoke(call, config)
            except ValidationError as error:
                raise self._invocation_error(request, error) from error
            return self._normalize(response, request.tool_call, input_type)
        except GraphBubbleUp:
            raise
        except Exception as error:
            return self._error_message(request.tool_call, error)

    # -- input and output ----------------------------------------------------------------------

    def _parse_input(self, input: Any) -> tuple[list[ToolCall], InputType]:
        if isinstance(input, list):
            if input and isinstance(input[-1], dict) and input[-1].get("type") == "tool_call":
                return list(input), "tool_calls"
            messages: Any = input
            input_type: InputType = "list"
        elif isinstance(input, dict) and input.get("__type") == TOOL_CALL_WITH_CONTEXT:
            return [input["tool_call"]], "tool_calls"
        elif isinstance(input, dict):
            messages, input_type = input.get(self.messages_key), "dict"
        else:
            messages, input_type = getattr(input, self.messages_key, None), "dict"
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
        return list(ai.tool_calls), input_type

    def _state_of(self, input: Any, config: Any) -> Any:
        """The state tools may inject: the sent state, the graph's state for bare tool
        calls, or the input itself."""
        if isinstance(input, dict) and input.get("__type") == TOOL_CALL_WITH_CONTEXT:
            return input.get("state")
        if not (
            isinstance(input, list)
            and input
            and isinstance(input[-1], dict)
            and input[-1].get("type") == "tool_call"
        ):
            return input
        read = (config or {}).get("configurable", {}).get("__pregel_read")
        if read is not None:  # a LangGraph-style channel reader given by the caller
            return read(list(read.args[1]), True)
        task = SCOPE.get()
        if task is not None and task.node.fn is self:
            return task.loop.read(task.node, task.step)
        return {}

    def _combine(self, outputs: list[Any], input_type: InputType) -> Any:
        flat: list[Any] = []
        for output in outputs:
            flat.extend(output if isinstance(output, list) else (output,))
        if not any(isinstance(output, Command) for output in flat):
            return flat if input_type == "list" else {self.messages_key: flat}
        combined: list[Any] = []
        parent: Command[Any] | None = None
        for output in flat:
            if not isinstance(output, Command):
                combined.append([output] if input_type == "list" else {self.messages_key: [output]})
            elif (
                output.graph == Command.PARENT
                and isinstance(output.goto, list)
                and all(isinstance(send, Send) for send in output.goto)
            ):  # Sends to the parent graph go in one Command
                earlier: list[Any] = list(parent.goto) if parent is not None else []  # type: ignore[arg-type]
                goto = [*earlier, *output.goto]
                parent = Command(graph=Command.PARENT, goto=goto)
            else:
                combined.append(output)
        if parent is not None:
            combined.append(parent)
        return combined

    def _inject(self, call: ToolCall, runtime: ToolRuntime[Any, Any], tool: BaseTool) -> ToolCall:
        """The call with the state, store and runtime the tool asks for filled in (and any
        value the model gave for those parameters dropped)."""
        wanted = self._injections.get(call["name"])
        if wanted is None or (not wanted and tool is not self._tools_by_name.get(call["name"])):
            wanted = injections_of(tool)
        if not wanted:
            return call
        values: dict[str, Any] = {}
        if wanted.state:
            values.update(self._state_values(call, runtime.state, wanted))
        if wanted.store:
            if runtime.store is None:
                raise ValueError(
                    "Cannot inject store into tools with InjectedStore annotations - please "
                    f"compile your graph with a store. (Tool '{call['name']}' asks for it: "
                    "compile it with store=...)"
                )
            values.update((param, runtime.store) for param in wanted.store)
        values.update((param, runtime) for param in wanted.runtime)
        injected = copy.copy(call)
        args = {k: v for k, v in call["args"].items() if k not in wanted.names}
        injected["args"] = {**args, **values}
        return injected

    def _state_values(self, call: ToolCall, state: Any, wanted: Injections) -> dict[str, Any]:
        if isinstance(state, list):
            keys = list(wanted.state.values())
            if keys[0] is None or keys == [self.messages_key]:
                state = {self.messages_key: state}
            else:
                fields = ", ".join(k for k in keys if k)
                raise ValueError(
                    f"Invalid input to ToolNode. Tool {call['name']} requires graph state dict "
                    f"as input. State should contain fields {fields}."
                )
        values: dict[str, Any] = {}
        for param, key in wanted.state.items():
            if not key:
                values[param] = state
            elif isinstance(state, dict):
                if key in state:
                    values[param] = state[key]
                elif param not in wanted.optional_state:
                    raise KeyError(key)
            elif hasattr(state, key):
                values[param] = getattr(state, key)
            elif param not in wanted.optional_state:
                raise AttributeError(key)
        return values

    def _normalize(self, response: Any, call: ToolCall, input_type: InputType) -> Any:
        if isinstance(response, Command):
            return self._checked_command(response, call, input_type)
        if isinstance(response, ToolMessage):
            response.content = msg_content_output(response.content)
            return response
        if isinstance(response, list):
            if all(isinstance(r, Command | ToolMessage) for r in response):
                return self._checked_list(response, call, input_type)
            raise TypeError(
                f"Tool {call['name']} returned a list with invalid element types: expected "
                "all Command or ToolMessage"
            )
        raise TypeError(f"Tool {call['name']} returned unexpected type: {type(response)}")

    def _checked_list(self, response: list[Any], call: ToolCall, input_type: InputType) -> Any:
        """A list of messages and commands from one call must answer it exactly once."""
        answers = 0
        for item in response:
            if isinstance(item, ToolMessage):
                answers += item.tool_call_id == call["id"]
            elif isinstance(item, Command) and isinstance(item.update, dict):
                answers += sum(
                    isinstance(m, ToolMessage) and m.tool_call_id == call["id"]
                    for m in item.update.get(self.messages_key, [])
                )
        if answers != 1:
            raise ValueError(
                f"Tool {call['name']} returned a list with {answers} messages bound to "
                f"tool_call_id {call['id']!r}; expected exactly one terminating ToolMessage."
            )
        checked: list[Any] = []
        for item in response:
            if isinstance(item, Command):
                checked.append(self._checked_command(item, call, input_type, require=False))
            else:
                item.content = msg_content_output(item.content)
                checked.append(item)
        return checked

    def _checked_command(
        self, command: Command[Any], call: ToolCall, input_type: InputType, require: bool = True
    ) -> Command[Any]:
        """Every tool call needs its ``ToolMessage``: a ``Command`` for this graph must carry
        it, or the next model call would see an unanswered tool call. Answers get the tool's
        name."""
        if isinstance(command.update, dict):
            if input_type not in ("dict", "tool_calls"):
                raise ValueError(
                    "Tools can provide a dict in Command.update only when using dict with "
                    f"'{self.messages_key}' key as ToolNode input, got: {command.update} for "
                    f"tool '{call['name']}'"
                )
            command = copy.deepcopy(command)
            messages = command.update.get(self.messages_key, [])
        elif isinstance(command.update, list):
            if input_type != "list":
                raise ValueError(
                    "Tools can provide a list of messages in Command.update only when using "
                    f"list of messages as ToolNode input, got: {command.update} for tool "
                    f"'{call['name']}'"
                )
            command = copy.deepcopy(command)
            messages = command.update
        else:
            return command
        messages = convert_to_messages(messages)
        if messages == [RemoveMessage(id="__remove_all__")]:
            return command
        answered = False
        for message in messages:
            if isinstance(message, ToolMessage) and message.tool_call_id == call["id"]:
                message.name = call["name"]
                answered = True
        if require and command.graph is None and not answered:
            example = (
                '`Command(update={"messages": [ToolMessage("Success", tool_call_id=tool_call_id)'
                ", ...]}, ...)`"
                if input_type == "dict"
                else '`Command(update=[ToolMessage("Success", tool_call_id=tool_call_id), ...]'
                ", ...)`"
            )
            raise ValueError(
                f"Expected to have a matching ToolMessage in Command.update for tool "
                f"'{call['name']}', got: {messages}. Every tool call (LLM requesting to call a "
                "tool) in the message history MUST have a corresponding ToolMessage. You can "
                f"fix it by modifying the tool to return {example}."
            )
        return command

    # -- errors ------------------------------------------------------------------------------

    def _unknown_tool(self, call: ToolCall) -> ToolMessage:
        return ToolMessage(
            content=INVALID_TOOL_NAME_ERROR_TEMPLATE.format(
                requested_tool=call["name"], available_tools=", ".join(self._tools_by_name)
            ),
            name=call["name"],
            tool_call_id=call["id"],
            status="error",
        )

    def _invocation_error(self, request: ToolCallRequest, error: ValidationError) -> Exception:
        """Arguments the tool's schema rejected, as a ``ToolInvocationError`` (errors about
        injected parameters left out: the model did not write those)."""
        call = request.tool_call
        wanted = self._injections.get(call["name"])
        injected = wanted.names if wanted is not None else frozenset()
        errors = []
        for detail in error.errors():
            if detail["loc"] and detail["loc"][0] not in injected:
                kept: dict[str, Any] = dict(detail)
                given = kept.get("input")
                if isinstance(given, dict):
                    kept["input"] = {k: v for k, v in given.items() if k not in injected}
                errors.append(kept)
        return ToolInvocationError(call["name"], error, call["args"], errors)

    def _error_message(self, call: ToolCall, error: Exception) -> ToolMessage:
        handler = self.handle_tool_errors
        if not handler or not isinstance(error, handled_types(handler)):
            raise error
        return ToolMessage(
            content=error_content(error, handler),
            name=call["name"],
            tool_call_id=call["id"],
            status="error",
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
