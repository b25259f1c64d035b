"""Types of the LangGraph Server API as the SDK sends and receives them.

Response objects (assistants, threads, runs, states) are plain JSON dicts, as in
``langgraph_sdk``; the ``TypedDict``s below say which fields they have. The literal types
list the values the server accepts (``langgraph_sdk.schema`` has the same names).

These are also the server's own definitions of those objects: ``streamgraph.server`` types
its stored rows with them and writes its ``/openapi.json`` from them (through pydantic, which
the server has and the SDK never imports). So they are ``typing_extensions.TypedDict``s, the
kind pydantic reads on Python 3.11.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple, NotRequired, TypeAlias

from typing_extensions import TypedDict

__all__ = (
    "All",
    "Assistant",
    "AssistantVersion",
    "BulkCancelRunsStatus",
    "CancelAction",
    "Checkpoint",
    "Command",
    "Config",
    "Context",
    "DisconnectMode",
    "Durability",
    "GraphSchema",
    "IfNotExists",
    "Input",
    "Interrupt",
    "Item",
    "Json",
    "LangSmithTracing",
    "MultitaskStrategy",
    "OnCompletionBehavior",
    "OnConflictBehavior",
    "PruneStrategy",
    "QueryParamTypes",
    "Run",
    "RunCreate",
    "RunCreateMetadata",
    "RunStatus",
    "Send",
    "SortOrder",
    "StreamMode",
    "StreamPart",
    "StreamVersion",
    "Thread",
    "ThreadError",
    "ThreadState",
    "ThreadStatus",
    "ThreadStreamMode",
    "ThreadTask",
    "ThreadUpdateStateResponse",
)

Json: TypeAlias = dict[str, Any] | None
_Primitive: TypeAlias = str | int | float | bool | None
QueryParamTypes: TypeAlias = (
    Mapping[str, _Primitive | Sequence[_Primitive]]
    | list[tuple[str, _Primitive]]
    | tuple[tuple[str, _Primitive], ...]
    | str
    | bytes
)
"""Extra query parameters (what ``httpx`` accepts as ``params``)."""
Input: TypeAlias = Any
Context: TypeAlias = dict[str, Any]

All = Literal["*"]
StreamMode = Literal[
    "values",
    "messages",
    "updates",
    "events",
    "tasks",
    "checkpoints",
    "debug",
    "custom",
    "messages-tuple",
    "tools",
    "lifecycle",
]
ThreadStreamMode = Literal["run_modes", "lifecycle", "state_update"]
StreamVersion = Literal["v1", "v2"]
RunStatus = Literal["pending", "running", "error", "success", "timeout", "interrupted"]
ThreadStatus = Literal["idle", "busy", "interrupted", "error"]
DisconnectMode = Literal["cancel", "continue"]
MultitaskStrategy = Literal["reject", "interrupt", "rollback", "enqueue"]
OnConflictBehavior = Literal["raise", "do_nothing"]
OnCompletionBehavior = Literal["delete", "keep"]
IfNotExists = Literal["create", "reject"]
Durability = Literal["sync", "async", "exit"]
CancelAction = Literal["interrupt", "rollback"]
BulkCancelRunsStatus = Literal["pending", "running", "all"]
PruneStrategy = Literal["delete", "keep_latest"]
SortOrder = Literal["asc", "desc"]

Item: TypeAlias = dict[str, Any]


class Config(TypedDict, total=False):
    """The ``config`` of a run or assistant."""

    tags: list[str]
    recursion_limit: int
    configurable: dict[str, Any]


class Checkpoint(TypedDict, total=False):
    """Points at one checkpoint of a thread."""

    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str | None
    checkpoint_map: dict[str, Any] | None


class Send(TypedDict):
    """A ``Send`` as JSON: run ``node`` with ``input``."""

    node: str
    input: Any


class Command(TypedDict, total=False):
    """A ``Command`` as JSON: resume an interrupt, update the state, or jump to nodes."""

    goto: Send | str | Sequence[Send | str]
    update: Any
    resume: Any


class Interrupt(TypedDict):
    """An interrupt waiting for a resume value."""

    value: Any
    id: str
    response_schema: NotRequired[dict[str, Any] | None]


class Assistant(TypedDict):
    """A graph with a configuration (``/assistants``); timestamps are ISO-8601 strings."""

    assistant_id: str
    graph_id: str
    config: Config
    context: Context
    metadata: dict[str, Any]
    name: str
    description: str | None
    created_at: str
    updated_at: str
    version: int


AssistantVersion: TypeAlias = Assistant
"""One version of an assistant (``created_at``: when that version was made)."""


class ThreadError(TypedDict):
    """Why a thread's last run failed."""

    error: str
    message: str


class Thread(TypedDict):
    """A conversation: its metadata, status, latest values and pending interrupts."""

    thread_id: str
    created_at: str
    updated_at: str
    state_updated_at: str
    metadata: dict[str, Any]
    status: ThreadStatus
    config: dict[str, Any]
    values: Any
    error: ThreadError | None
    interrupts: dict[str, list[Interrupt]]


class Run(TypedDict):
    """One execution of an assistant on a thread; ``kwargs`` echoes what the run was given
    (input, command, config, context, stream modes, ...)."""

    run_id: str
    thread_id: str
    assistant_id: str
    metadata: dict[str, Any]
    status: RunStatus
    kwargs: dict[str, Any]
    multitask_strategy: MultitaskStrategy
    created_at: str
    updated_at: str


class ThreadTask(TypedDict):
    """A task of a checkpoint's next step."""

    id: str
    name: str
    path: list[Any]
    error: str | None
    interrupts: list[Interrupt]
    checkpoint: Checkpoint | None
    state: ThreadState | dict[str, Any] | None
    result: Any


class ThreadState(TypedDict):
    """A thread's state at one checkpoint."""

    values: Any
    next: list[str]
    tasks: list[ThreadTask]
    metadata: dict[str, Any] | None
    created_at: str | None
    checkpoint: Checkpoint | None
    parent_checkpoint: Checkpoint | None
    interrupts: list[Interrupt]
    checkpoint_id: str | None
    parent_checkpoint_id: str | None


class ThreadUpdateStateResponse(TypedDict):
    """What ``update_state`` returns: the checkpoint it wrote."""

    checkpoint: Checkpoint
    configurable: Checkpoint
    checkpoint_id: str | None


class GraphSchema(TypedDict):
    """JSON schemas of a graph's input, output, state, config and context."""

    graph_id: str
    input_schema: dict[str, Any] | None
    output_schema: dict[str, Any] | None
    state_schema: dict[str, Any] | None
    config_schema: dict[str, Any] | None
    context_schema: dict[str, Any] | None


class LangSmithTracing(TypedDict, total=False):
    """Where the server should send a run's traces."""

    project_name: str
    example_id: str


class RunCreate(TypedDict, total=False):
    """One run of ``runs.create_batch``: the body of ``POST /runs``."""

    assistant_id: str
    input: Any
    metadata: dict[str, Any] | None
    config: Config | None
    context: Context | None
    stream_mode: StreamMode | Sequence[StreamMode]
    webhook: str | None
    on_completion: OnCompletionBehavior | None
    after_seconds: int | None


class RunCreateMetadata(TypedDict):
    """What ``on_run_created`` receives, read from the response's ``Content-Location``."""

    run_id: str
    thread_id: str | None


class StreamPart(NamedTuple):
    """One server-sent event of a run stream (``version="v1"``)."""

    event: str
    """The SSE event name: the stream mode, ``|``-joined with a subgraph namespace."""
    data: Any
    """The decoded JSON payload; ``None`` when the event carried no data."""
    id: str | None = None
    """The SSE event id; ``None`` unless the server sends ids (resumable runs)."""
