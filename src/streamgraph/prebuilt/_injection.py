"""Tool arguments the model never sees: graph state, the store, and the whole tool runtime.

Annotate a tool parameter with one of these and ``ToolNode`` fills it in when it runs the
tool; LangChain leaves it out of the schema the model is shown::

    def lookup(query: str, state: Annotated[dict, InjectedState]) -> str: ...
    def count(query: str, messages: Annotated[list, InjectedState("messages")]) -> int: ...
    def save(note: str, store: Annotated[BaseStore, InjectedStore()]) -> str: ...
    def progress(query: str, runtime: ToolRuntime) -> str: ...
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any, Generic

from langchain_core.tools import InjectedToolArg, InjectedToolCallId
from langchain_core.tools.base import (
    _DirectlyInjectedToolArg,
    _is_injected_arg_type,
    get_all_basemodel_annotations,
)
from typing_extensions import TypeVar

from streamgraph._context import TOOL_CALL_WRITER

__all__ = ("InjectedState", "InjectedStore", "Injections", "ToolRuntime", "injections_of")

ContextT = TypeVar("ContextT", default=None)
StateT = TypeVar("StateT", default=Any)


class InjectedState(InjectedToolArg):
    """Fill the parameter with the graph state, or with one key of it:
    ``Annotated[dict, InjectedState]`` or ``Annotated[list, InjectedState("messages")]``."""

    def __init__(self, field: str | None = None) -> None:
        self.field = field


class InjectedStore(InjectedToolArg):
    """Fill the parameter with the graph's store (``compile(store=...)``)."""


@dataclass
class ToolRuntime(_DirectlyInjectedToolArg, Generic[ContextT, StateT]):
    """Everything about the current tool call, for a tool parameter annotated ``ToolRuntime``
    (or named ``runtime``): the graph state, the run's context, the call's config, the stream
    writer, the tool call's id, the store, the node's tools, and the run's execution and
    server info."""

    state: StateT
    context: ContextT
    config: dict[str, Any]
    stream_writer: Any
    tool_call_id: str | None
    store: Any = field(default=None)
    tools: list[Any] = field(default_factory=list)
    execution_info: Any = None
    server_info: Any = None

    def emit_output_delta(self, delta: Any) -> None:
        """Stream a piece of this tool call's output: a ``tool-output-delta`` event of the
        ``tools`` stream mode (``run.tool_calls`` in v3 runs). Does nothing when the run
        does not stream ``tools``."""
        write = TOOL_CALL_WRITER.get()
        if write is not None:
            write(delta)


@dataclass(frozen=True)
class Injections:
    """Which parameters of one tool get what: ``state`` maps a parameter to a state key (or
    ``None`` for the whole state); ``names`` are every injected parameter (their values from
    the model are dropped, so a model cannot forge them)."""

    state: dict[str, str | None]
    store: tuple[str, ...]
    runtime: tuple[str, ...]
    call_id: tuple[str, ...]
    names: frozenset[str] = frozenset()
    optional_state: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.state or self.store or self.runtime or self.names)


def _marker(annotation: Any, kind: type) -> Any | None:
    """The ``kind`` marker (an instance or the class itself) in an ``Annotated`` hint."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    for item in typing.get_args(annotation)[1:]:
        if isinstance(item, kind) or (isinstance(item, type) and issubclass(item, kind)):
            return item
    return None


def _is_runtime(annotation: Any) -> bool:
    origin = typing.get_origin(annotation) or annotation
    if origin is typing.Annotated:
        return _marker(annotation, ToolRuntime) is not None or _is_runtime(
            typing.get_args(annotation)[0]
        )
    return isinstance(origin, type) and issubclass(origin, ToolRuntime)


def _annotations(tool: Any) -> tuple[dict[str, Any], Any]:
    """A tool's parameter annotations (its function's and its schema's) and its schema."""
    try:
        schema = tool.get_input_schema()
        from_schema = get_all_basemodel_annotations(schema)
    except Exception:  # a schema given as JSON, not a model: nothing can be injected
        return {}, None
    func = getattr(tool, "func", None) or getattr(tool, "coroutine", None)
    try:
        from_func = typing.get_type_hints(func, include_extras=True) if func else {}
    except Exception:
        from_func = {}
    return {**from_func, **from_schema}, schema


def injections_of(tool: Any) -> Injections:
    """Read a tool's injected parameters from its function and input schema, once."""
    state: dict[str, str | None] = {}
    store: list[str] = []
    runtime: list[str] = []
    call_id: list[str] = []
    names: set[str] = set()
    optional: set[str] = set()
    annotations, schema = _annotations(tool)
    for name, annotation in annotations.items():
        if _is_injected_arg_type(annotation):
            names.add(name)
        if (marker := _marker(annotation, InjectedState)) is not None:
            key = getattr(marker, "field", None) if not isinstance(marker, type) else None
            state[name] = key
            field_info = schema.model_fields.get(name) if key and schema is not None else None
            if field_info is not None and not field_info.is_required():
                optional.add(name)
        elif _marker(annotation, InjectedStore) is not None:
            store.append(name)
        elif _marker(annotation, InjectedToolCallId) is not None:
            call_id.append(name)
        elif name == "runtime" or _is_runtime(annotation):
            runtime.append(name)
    return Injections(
        state,
        tuple(store),
        tuple(runtime),
        tuple(call_id),
        frozenset(names | set(state) | set(store) | set(runtime)),
        frozenset(optional),
    )
