"""``Runtime``: what a node can ask for with a ``runtime`` parameter.

A run builds one ``Runtime`` (context, store, custom writer, server info, run control) and each
task sees it with its own ``execution_info`` (ids, attempt number) and ``heartbeat``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from streamgraph.types import StreamWriter

__all__ = (
    "DEFAULT_RUNTIME",
    "BaseUser",
    "ExecutionInfo",
    "RunControl",
    "Runtime",
    "ServerInfo",
    "get_runtime",
)

ContextT = TypeVar("ContextT")


@runtime_checkable
class BaseUser(Protocol):
    """An authenticated user, as LangGraph Server hands it to a run (attribute and item
    access)."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def display_name(self) -> str: ...

    @property
    def identity(self) -> str: ...

    @property
    def permissions(self) -> Any: ...

    def __getitem__(self, key: str) -> Any: ...

    def __contains__(self, key: str) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...


@dataclass(frozen=True, slots=True)
class ExecutionInfo:
    """Read-only facts about the node execution that is running."""

    checkpoint_id: str
    """Id of the checkpoint the step started from."""
    checkpoint_ns: str
    """The task's checkpoint namespace (``"node:<task_id>"``, nested ``"a:<id>|b:<id>"``)."""
    task_id: str
    """The task's id."""
    thread_id: str | None = None
    """The thread, or ``None`` without a checkpointer."""
    run_id: str | None = None
    """``config["run_id"]`` as a string, or ``None`` when not given."""
    node_attempt: int = 1
    """Which attempt this is (1 the first time, 2 after one retry...)."""
    node_first_attempt_time: float | None = None
    """Unix time at which the first attempt started."""

    def patch(self, **overrides: Any) -> ExecutionInfo:
        """A copy with the given fields replaced."""
        return replace(self, **overrides)


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Set when the run comes from a server (``assistant_id``/``graph_id`` in the config's
    ``configurable``); ``None`` otherwise."""

    assistant_id: str
    graph_id: str
    user: BaseUser | None = None


class RunControl:
    """Asks a run to stop cooperatively: after ``request_drain()`` (from any thread) the run
    ends at its next step boundary with ``GraphDrained``, its checkpoint saved, so it can be
    resumed later. One per run: pass it with ``invoke(..., control=control)``."""

    __slots__ = ("_drain_reason",)

    def __init__(self) -> None:
        self._drain_reason: str | None = None

    def request_drain(self, reason: str = "shutdown") -> None:
        self._drain_reason = reason  # one attribute write: safe from any thread

    @property
    def drain_requested(self) -> bool:
        return self._drain_reason is not None

    @property
    def drain_reason(self) -> str | None:
        return self._drain_reason


def _no_op_stream_writer(_: Any) -> None:
    return None


def _no_op_heartbeat() -> None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Runtime(Generic[ContextT]):
    """Run-scoped things a node may use: the ``context`` passed to ``invoke(..., context=)``,
    the store, the ``custom`` stream writer, and facts about the execution.

    Example::

        def greet(state: State, runtime: Runtime[Context]) -> dict:
            return {"text": f"hello {runtime.context.user_id}"}
    """

    context: ContextT = None  # type: ignore[assignment]
    """What the caller passed as ``context=`` (coerced to the graph's ``context_schema``)."""
    store: Any = None
    """The store the graph was compiled with."""
    stream_writer: StreamWriter = field(default=_no_op_stream_writer)
    """Writes to the ``custom`` stream."""
    heartbeat: Callable[[], None] = field(default=_no_op_heartbeat)
    """Tell an ``idle_timeout`` that the node is still making progress (a no-op elsewhere)."""
    previous: Any = None
    """The previous return value for the thread (functional API with a checkpointer)."""
    execution_info: ExecutionInfo | None = None
    """Ids and attempt number of the running node."""
    server_info: ServerInfo | None = None
    """Set when the run comes from a server."""
    control: RunControl | None = None
    """The run's drain control."""

    def merge(self, other: Runtime[ContextT]) -> Runtime[ContextT]:
        """``other``'s values where it has them, this runtime's elsewhere."""
        return Runtime(
            context=other.context or self.context,
            store=other.store or self.store,
            stream_writer=other.stream_writer
            if other.stream_writer is not _no_op_stream_writer
            else self.stream_writer,
            heartbeat=other.heartbeat
            if other.heartbeat is not _no_op_heartbeat
            else self.heartbeat,
            previous=self.previous if other.previous is None else other.previous,
            execution_info=other.execution_info or self.execution_info,
            server_info=other.server_info or self.server_info,
            control=other.control or self.control,
        )

    def override(self, **overrides: Any) -> Runtime[ContextT]:
        """A copy with the given fields replaced."""
        return replace(self, **overrides)

    def patch_execution_info(self, **overrides: Any) -> Runtime[ContextT]:
        """A copy whose ``execution_info`` has the given fields replaced."""
        if self.execution_info is None:
            raise RuntimeError("Cannot patch execution_info before it has been set")
        return replace(self, execution_info=self.execution_info.patch(**overrides))

    @property
    def drain_requested(self) -> bool:
        return self.control.drain_requested if self.control is not None else False

    @property
    def drain_reason(self) -> str | None:
        return self.control.drain_reason if self.control is not None else None


DEFAULT_RUNTIME: Runtime[Any] = Runtime()
"""The runtime of code running outside any graph run: every field empty."""


def get_runtime(context_schema: type[ContextT] | None = None) -> Runtime[ContextT]:
    """The ``Runtime`` of the node that is running (``context_schema`` only types the result).

    Raises ``RuntimeError`` outside of a running node.
    """
    from streamgraph._context import current_scope

    runtime: Runtime[ContextT] = current_scope().runtime
    return runtime


def server_info_from(configurable: dict[str, Any]) -> ServerInfo | None:
    """``ServerInfo`` from what a server puts in ``configurable`` (``assistant_id``,
    ``graph_id``, ``langgraph_auth_user``); ``None`` when none of them is there."""
    assistant_id = configurable.get("assistant_id")
    graph_id = configurable.get("graph_id")
    user = configurable.get("langgraph_auth_user")
    if user is not None and not (isinstance(user, BaseUser) or hasattr(user, "identity")):
        user = None
    if assistant_id is None and graph_id is None and user is None:
        return None
    return ServerInfo(
        assistant_id=str(assistant_id) if assistant_id else "",
        graph_id=str(graph_id) if graph_id else "",
        user=user,
    )
