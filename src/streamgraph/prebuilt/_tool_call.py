"""One tool call as ``ToolNode`` runs it: the request its wrappers see, and how its errors
become ``ToolMessage``s.

``wrap_tool_call(request, execute)`` sees a ``ToolCallRequest`` (the call, the tool, the state,
the ``ToolRuntime``) and decides what to do: pass it on with ``execute(request)`` (as often as
it likes, with ``request.override(...)`` changes), or answer itself with a ``ToolMessage`` or
``Command``.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.messages import ToolCall, ToolMessage
from langchain_core.tools import BaseTool, ToolException
from langchain_core.tools.base import TOOL_MESSAGE_BLOCK_TYPES
from typing_extensions import TypedDict

from streamgraph.errors import StreamGraphError
from streamgraph.types import Command

if TYPE_CHECKING:
    from streamgraph.prebuilt._injection import ToolRuntime

__all__ = (
    "INVALID_TOOL_NAME_ERROR_TEMPLATE",
    "TOOL_CALL_ERROR_TEMPLATE",
    "AsyncToolCallWrapper",
    "ToolCallRequest",
    "ToolCallWithContext",
    "ToolCallWrapper",
    "ToolInvocationError",
    "error_content",
    "handled_types",
    "msg_content_output",
)

INVALID_TOOL_NAME_ERROR_TEMPLATE = (
    "Error: {requested_tool} is not a valid tool, try one of [{available_tools}]."
)
TOOL_CALL_ERROR_TEMPLATE = "Error: {error}\n Please fix your mistakes."
TOOL_INVOCATION_ERROR_TEMPLATE = (
    "Error invoking tool '{tool_name}' with kwargs {tool_kwargs} with error:\n"
    " {error}\n"
    " Please fix the error and try again."
)


@dataclass
class ToolCallRequest:
    """A tool call on its way to its tool, as ``wrap_tool_call`` handlers see it.

    ``tool`` is ``None`` for a call to a tool the ``ToolNode`` does not have: a handler may
    answer such a call itself; ``execute`` answers it with an error message.
    """

    tool_call: ToolCall
    tool: BaseTool | None
    state: Any
    runtime: ToolRuntime[Any, Any]

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dataclass_fields__ and hasattr(self, name):
            warnings.warn(
                f"Setting attribute '{name}' on ToolCallRequest is deprecated. Use the "
                "override() method instead to create a new instance with modified values.",
                DeprecationWarning,
                stacklevel=2,
            )
        object.__setattr__(self, name, value)

    def override(self, **overrides: Any) -> ToolCallRequest:
        """A copy with ``tool_call``, ``tool`` or ``state`` replaced (a new ``state`` reaches
        the tool through ``InjectedState`` and ``ToolRuntime.state`` alike)."""
        request = replace(self, **overrides)
        if "state" in overrides:
            from streamgraph.prebuilt._injection import ToolRuntime

            if isinstance(request.runtime, ToolRuntime):
                object.__setattr__(
                    request, "runtime", replace(request.runtime, state=request.state)
                )
        return request


ToolCallWrapper = Callable[
    [ToolCallRequest, Callable[[ToolCallRequest], ToolMessage | Command[Any]]],
    ToolMessage | Command[Any],
]
"""``wrap_tool_call``: ``(request, execute) -> ToolMessage | Command``."""

AsyncToolCallWrapper = Callable[
    [ToolCallRequest, Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]]],
    Awaitable[ToolMessage | Command[Any]],
]
"""``awrap_tool_call``: the async form, used by async runs."""


class ToolCallWithContext(TypedDict):
    """One tool call sent to a ``ToolNode`` with ``Send``, with the state it may inject
    (what the prebuilt agent sends for each call)."""

    __type: Literal["tool_call_with_context"]
    tool_call: ToolCall
    state: Any


class ToolInvocationError(ToolException, StreamGraphError):
    """The model called a tool with arguments its schema rejects (``source``); only the
    errors about arguments the model wrote are shown (``filtered_errors``)."""

    def __init__(
        self,
        tool_name: str,
        source: Exception,
        tool_kwargs: dict[str, Any],
        filtered_errors: list[Any] | None = None,
    ) -> None:
        if filtered_errors is not None:
            shown = "\n".join(
                f"{'.'.join(str(p) for p in error.get('loc', ()))}: "
                f"{error.get('msg', 'Unknown error')}"
                for error in filtered_errors
            )
        else:
            shown = str(source)
        self.message = TOOL_INVOCATION_ERROR_TEMPLATE.format(
            tool_name=tool_name, tool_kwargs=tool_kwargs, error=shown
        )
        self.tool_name = tool_name
        self.tool_kwargs = tool_kwargs
        self.source = source
        self.filtered_errors = filtered_errors
        super().__init__(self.message)


def default_handle_tool_errors(error: Exception) -> str:
    """The default ``handle_tool_errors``: bad arguments become a message the model can act
    on; an error raised inside the tool propagates."""
    if isinstance(error, ToolInvocationError):
        return error.message
    raise error


def handled_types(handler: Any) -> tuple[type[BaseException], ...]:
    """The exception types ``handle_tool_errors`` turns into messages (``()``: none)."""
    if not handler:
        return ()
    if isinstance(handler, type) and issubclass(handler, Exception):
        return (handler,)
    if isinstance(handler, tuple):
        return handler
    if callable(handler) and not isinstance(handler, bool):
        return _annotated_types(handler)
    return (Exception,)


def _annotated_types(handler: Callable[..., str]) -> tuple[type[BaseException], ...]:
    """What a handler function's first parameter is annotated with (``Exception`` when it is
    not annotated)."""
    params = list(inspect.signature(handler).parameters.values())
    if not params:
        return (Exception,)
    first = params[1] if params[0].name in ("self", "cls") and len(params) == 2 else params[0]
    hints = typing.get_type_hints(handler)
    if first.name not in hints:
        return (Exception,)
    annotation = hints[first.name]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
        if all(isinstance(m, type) and issubclass(m, Exception) for m in members):
            return tuple(members)
        raise ValueError(
            "All types in the error handler error annotation must be Exception types. For "
            f"example, `def custom_handler(e: Union[ValueError, TypeError])`. Got "
            f"'{first.annotation}' instead."
        )
    if isinstance(annotation, type) and issubclass(annotation, Exception):
        return (annotation,)
    raise ValueError(
        "Arbitrary types are not supported in the error handler signature. Please annotate "
        "the error with either a specific Exception type or a union of Exception types. For "
        "example, `def custom_handler(e: ValueError)` or `def custom_handler(e: "
        f"Union[ValueError, TypeError])`. Got '{annotation}' instead."
    )


def error_content(error: Exception, handler: Any) -> str:
    """The ``ToolMessage`` content ``handle_tool_errors`` gives ``error``."""
    if isinstance(handler, bool | tuple) or (
        isinstance(handler, type) and issubclass(handler, Exception)
    ):
        return TOOL_CALL_ERROR_TEMPLATE.format(error=repr(error))
    if isinstance(handler, str):
        return handler
    if callable(handler):
        return str(handler(error))
    raise ValueError(
        "Got unexpected type of `handle_tool_error`. Expected bool, str or callable. "
        f"Received: {handler}"
    )


def msg_content_output(output: Any) -> str | list[Any]:
    """A tool's output as ``ToolMessage`` content: strings and content blocks as they are,
    anything else as JSON (or ``str()`` when that fails)."""
    if isinstance(output, str) or (
        isinstance(output, list)
        and all(isinstance(x, dict) and x.get("type") in TOOL_MESSAGE_BLOCK_TYPES for x in output)
    ):
        return output
    try:
        return json.dumps(output, ensure_ascii=False)
    except Exception:
        return str(output)
