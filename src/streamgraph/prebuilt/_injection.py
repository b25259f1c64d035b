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
from typing import Any, Generic, TypeVar

from langchain_core.tools import InjectedToolArg, InjectedToolCallId
from langchain_core.tools.base import _DirectlyInjectedToolArg, get_all_basemodel_annotations

from streamgraph._context import TOOL_CALL_WRITER

__all__ = ("InjectedState", "InjectedStore", "Injections", "ToolRuntime", "injections_of")

ContextT = TypeVar("ContextT")
StateT = TypeVar("StateT")


class InjectedState(InjectedToolArg):
    """Fill the parameter with the graph state, or with one key of it:
    ``Annotated[dict, InjectedState]`` or ``Annotated[list, InjectedState("messages")]``."""

    def __init__(self, field: str | None = None) -> None:
        self.field = field


class InjectedStore(InjectedToolArg):
    """Fill the parameter with the graph's store (``compile(store=...)``)."""


@dataclass
class ToolRuntime(_DirectlyInjectedToolArg, Generic[ContextT, StateT]):
    """Everything about the current tool call, for a parameter annotated ``ToolRuntime``:
    the graph state, the run's context, its config, the stream writer, the tool call's id
    and the store."""

    state: StateT
    context: ContextT
    config: dict[str, Any]
    stream_writer: Any
    tool_call_id: str | None
    store: Any = field(default=None)

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
    ``None`` for the whole state)."""

    state: dict[str, str | None]
    store: tuple[str, ...]
    runtime: tuple[str, ...]
    call_id: tuple[str, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset((*self.state, *self.store, *self.runtime, *self.call_id))

    def __bool__(self) -> bool:
        return bool(self.state or self.store or self.runtime)


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
    return isinstance(origin, type) and issubclass(origin, ToolRuntime)


def injections_of(tool: Any) -> Injections:
    """Read a tool's injected parameters from its input schema, once."""
    state: dict[str, str | None] = {}
    store: list[str] = []
    runtime: list[str] = []
    call_id: list[str] = []
    try:
        schema = tool.get_input_schema()
        annotations = get_all_basemodel_annotations(schema)
    except Exception:  # a schema given as JSON, not a model: nothing can be injected
        annotations = {}
    for name, annotation in annotations.items():
        if (marker := _marker(annotation, InjectedState)) is not None:
            state[name] = getattr(marker, "field", None) if not isinstance(marker, type) else None
        elif _marker(annotation, InjectedStore) is not None:
            store.append(name)
        elif _marker(annotation, InjectedToolCallId) is not None:
            call_id.append(name)
        elif _is_runtime(annotation):
            runtime.append(name)
    return Injections(state, tuple(store), tuple(runtime), tuple(call_id))


def state_field(state: Any, key: str | None) -> Any:
    if key is None:
        return state
    if isinstance(state, dict):
        return state[key]
    return getattr(state, key)
