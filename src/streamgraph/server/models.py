"""The server's request bodies and responses as types: validation, and ``/openapi.json``.

A request body is a ``Body`` (a pydantic model): ``routing`` validates the JSON against it
and the handler gets the model (``req.body.limit``, defaults filled in). The objects the
server returns (``Assistant``, ``Thread``, ``Run``, ``ThreadState``, ...) are the SDK's
``TypedDict``s (``streamgraph.sdk.schema``): one definition for the SDK's types, the
server's stored rows and this document; they are never validated at run time.

Validation follows the JSON the client sent, strictly: no coercion (``"5"`` is not an
integer, ``1`` is not ``true``); ``null`` for a field is the same as leaving it out (its
default applies) unless the model lists the field in ``keep_null``; fields the server does
not know are accepted and ignored, as LangGraph's server does (clients send fields only
some servers know). A value that may take several JSON forms (``stream_mode``: a string or
an array) is a ``json_union``: the form is chosen by the value's JSON type, so an error
names what is wrong inside the form the client meant (``body.stream_mode[1]: 'bogus' is
not one of ...``). ``describe`` turns pydantic's first error into that one line.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, NotRequired, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Tag,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from typing_extensions import TypedDict

from streamgraph.sdk.schema import (
    BulkCancelRunsStatus,
    Checkpoint,
    Config,
    DisconnectMode,
    Durability,
    IfNotExists,
    MultitaskStrategy,
    OnCompletionBehavior,
    OnConflictBehavior,
    PruneStrategy,
    SortOrder,
    ThreadStatus,
)

__all__ = (
    "STREAM_MODES",
    "AssistantCountRequest",
    "AssistantCreate",
    "AssistantPatch",
    "AssistantSearchRequest",
    "AssistantVersionChange",
    "AssistantVersionsSearchRequest",
    "Body",
    "Command",
    "ErrorResponse",
    "GraphDrawing",
    "GraphSchemaNoId",
    "Health",
    "JsonObject",
    "RunBatchCreate",
    "RunCreate",
    "RunCreateStateful",
    "RunCreateStateless",
    "RunCreateStreamingStateful",
    "RunCreateStreamingStateless",
    "RunsCancel",
    "Send",
    "ServerInfo",
    "StoreDeleteRequest",
    "StoreItem",
    "StoreListNamespacesRequest",
    "StoreNamespaces",
    "StorePutRequest",
    "StoreSearchRequest",
    "StoreSearchResponse",
    "Subgraphs",
    "ThreadCountRequest",
    "ThreadCreate",
    "ThreadPatch",
    "ThreadPruneRequest",
    "ThreadPruneResponse",
    "ThreadSearchRequest",
    "ThreadStateCheckpointRequest",
    "ThreadStateSearch",
    "ThreadStateUpdate",
    "ThreadSuperstep",
    "ThreadSuperstepUpdate",
    "UuidStr",
    "describe",
    "json_type",
    "json_union",
)

# -- building blocks -----------------------------------------------------------------------------

_JSON_TYPES: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("object", dict),
    ("array", list),
    ("string", str),
    ("boolean", bool),  # before the numbers: a bool is an int to Python
    ("integer", int),
    ("number", float),
    ("null", type(None)),
)
_TAG = "json:"  # union branches are tagged "json:<type>"; error locations leave them out


def json_type(value: Any) -> str:
    """The JSON type name of a decoded JSON value (``"object"``, ``"integer"``, ...)."""
    for name, types in _JSON_TYPES:
        if isinstance(value, types):
            return name
    return type(value).__name__


def _branch(value: Any) -> str:
    return _TAG + json_type(value)


def json_union(**forms: Any) -> Any:
    """A value of several JSON forms, picked by its JSON type: ``json_union(string=X,
    array=list[X])`` (see the module docstring)."""
    choices = tuple(Annotated[form, Tag(_TAG + name)] for name, form in forms.items())
    expected = " or ".join(forms)
    return Annotated[
        Union[choices],  # noqa: UP007 (a tuple of types, built at run time)
        Discriminator(
            _branch, custom_error_type="json_form", custom_error_message=f"expected {expected}"
        ),
    ]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _uuid(value: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ValueError(f"{_short(value)} is not a UUID") from None
    return value


def _run_config(config: Config) -> Config:
    """A run's ``recursion_limit`` must allow one step (LangGraph would fail the run)."""
    limit = config.get("recursion_limit")
    if limit is not None and limit < 1:
        # (raised inside a validator, pydantic places it at ``config.recursion_limit``)
        raise ValidationError.from_exception_data(
            "Config",
            [
                {
                    "type": "greater_than_equal",
                    "loc": ("recursion_limit",),
                    "input": limit,
                    "ctx": {"ge": 1},
                }
            ],
        )
    return config


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise _nul(value)
    return value


def _checkpoint_no_nul(checkpoint: Any) -> Any:
    for key in ("thread_id", "checkpoint_ns", "checkpoint_id"):
        value = checkpoint.get(key)
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError.from_exception_data(
                "Checkpoint",
                [
                    {
                        "type": "value_error",
                        "loc": (key,),
                        "input": value,
                        "ctx": {"error": _nul(value)},
                    }
                ],
            )
    return checkpoint


def _nul(value: str) -> ValueError:
    return ValueError(f"{_short(value)} contains a NUL character (\\u0000)")


Text = Annotated[str, AfterValidator(_no_nul)]
"""A name or an id: never a NUL character (a Postgres text column cannot hold one)."""
UuidStr = Annotated[
    str, AfterValidator(_uuid), WithJsonSchema({"type": "string", "format": "uuid"})
]
MAX_INT = 2**31 - 1  # the largest integer every database column takes (Postgres INTEGER)
MAX_DELAY = 10 * 365 * 86_400  # after_seconds: ten years
Limit = Annotated[int, Field(ge=1, le=1000)]
Offset = Annotated[int, Field(ge=0, le=MAX_INT)]
RunConfig = Annotated[Config, AfterValidator(_run_config)]
CheckpointRef = Annotated[Checkpoint, AfterValidator(_checkpoint_no_nul)]
JsonObject = dict[str, Any]

RunStreamMode = Literal[
    "values",
    "updates",
    "messages",
    "messages-tuple",
    "tasks",
    "checkpoints",
    "events",
    "debug",
    "custom",
]
STREAM_MODES: tuple[str, ...] = RunStreamMode.__args__  # type: ignore[attr-defined]


class Send(TypedDict):
    """Run ``node`` with ``input`` (``Command.goto``)."""

    node: str
    input: NotRequired[Any]


if TYPE_CHECKING:  # what the values are, for mypy (the json_unions below say how to check)
    StreamModes = RunStreamMode | list[RunStreamMode]
    Nodes = Literal["*"] | list[str]
    Goto = str | Send | list[str | Send]
    StateValues = JsonObject | list[Any]
    Before = str | JsonObject
else:
    StreamModes = json_union(string=RunStreamMode, array=list[RunStreamMode])
    Nodes = json_union(string=Literal["*"], array=list[str])
    Before = json_union(string=str, object=JsonObject)
    StateValues = json_union(object=JsonObject, array=list[Any])
    Goto = json_union(string=str, object=Send, array=list[json_union(string=str, object=Send)])


class Command(TypedDict, total=False):
    """Resume an interrupt (``resume``), update the state, or jump to nodes (``goto``)."""

    update: Any
    resume: Any
    goto: Goto


class Body(BaseModel):
    """A request body (see the module docstring)."""

    model_config = ConfigDict(strict=True, extra="allow")
    keep_null: ClassVar[frozenset[str]] = frozenset()
    """Fields where ``null`` is a value, not "left out"."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict) and None in data.values():
            keep = cls.keep_null
            return {k: v for k, v in data.items() if v is not None or k in keep}
        return data


# -- assistants ----------------------------------------------------------------------------------

AssistantSort = Literal["assistant_id", "graph_id", "name", "created_at", "updated_at"]


class AssistantCreate(Body):
    graph_id: Text
    """The served graph the assistant runs."""
    assistant_id: UuidStr | None = None
    """Its id (default: a new one)."""
    config: JsonObject | None = None
    context: JsonObject | None = None
    metadata: JsonObject | None = None
    name: Text | None = None
    description: Text | None = None
    if_exists: OnConflictBehavior = "raise"
    """When an assistant with this id exists: fail (409) or return it."""


class AssistantPatch(Body):
    keep_null: ClassVar[frozenset[str]] = frozenset({"description"})
    graph_id: Text | None = None
    config: JsonObject | None = None
    context: JsonObject | None = None
    metadata: JsonObject | None = None
    """Merged into the assistant's metadata, key by key."""
    name: Text | None = None
    description: Text | None = None
    """``null`` clears it."""


class AssistantSearchRequest(Body):
    metadata: JsonObject | None = None
    """Assistants whose metadata contains this."""
    graph_id: Text | None = None
    name: Text | None = None
    """Part of the name, in any case."""
    limit: Limit = 10
    offset: Offset = 0
    sort_by: AssistantSort = "created_at"
    sort_order: SortOrder = "desc"
    select: list[str] | None = None
    """Only these fields of each assistant."""


class AssistantCountRequest(Body):
    metadata: JsonObject | None = None
    graph_id: Text | None = None
    name: Text | None = None


class AssistantVersionChange(Body):
    version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None
    """The version to make current (or in the ``version`` query parameter)."""


class AssistantVersionsSearchRequest(Body):
    metadata: JsonObject | None = None
    limit: Limit = 10
    offset: Offset = 0


# -- threads -------------------------------------------------------------------------------------

ThreadSort = Literal["thread_id", "status", "created_at", "updated_at", "state_updated_at"]


class ThreadSuperstepUpdate(TypedDict, total=False):
    """One node's write in a superstep: ``values`` as if ``as_node`` returned them."""

    values: Any
    as_node: Text | None


class ThreadSuperstep(TypedDict, total=False):
    updates: list[ThreadSuperstepUpdate]


class ThreadCreate(Body):
    thread_id: UuidStr | None = None
    """Its id (default: a new one)."""
    metadata: JsonObject | None = None
    if_exists: OnConflictBehavior = "raise"
    """When a thread with this id exists: fail (409) or return it."""
    ttl: Any = None
    supersteps: list[ThreadSuperstep] | None = None
    """State updates to apply, step by step, to the new thread (needs ``graph_id``)."""
    graph_id: Text | None = None


class ThreadPatch(Body):
    metadata: JsonObject | None = None
    """Merged into the thread's metadata, key by key."""
    ttl: Any = None


class ThreadSearchRequest(Body):
    ids: list[UuidStr] | None = None
    metadata: JsonObject | None = None
    values: JsonObject | None = None
    """Threads whose values contain this."""
    status: ThreadStatus | None = None
    limit: Limit = 10
    offset: Offset = 0
    sort_by: ThreadSort = "created_at"
    sort_order: SortOrder = "desc"
    select: list[str] | None = None
    extract: JsonObject | None = None


class ThreadCountRequest(Body):
    metadata: JsonObject | None = None
    values: JsonObject | None = None
    status: ThreadStatus | None = None


class ThreadPruneRequest(Body):
    thread_ids: list[UuidStr]
    strategy: PruneStrategy = "delete"


class ThreadStateUpdate(Body):
    values: StateValues | None = None
    """Written as if ``as_node`` had returned them."""
    as_node: Text | None = None
    checkpoint: CheckpointRef | None = None
    checkpoint_id: Text | None = None
    """Update from this checkpoint instead of the latest."""


class ThreadStateCheckpointRequest(Body):
    checkpoint: CheckpointRef
    subgraphs: bool = False


class ThreadStateSearch(Body):
    limit: Limit = 10
    before: Before | None = None
    """Only checkpoints before this one (an id, or a checkpoint object)."""
    metadata: JsonObject | None = None
    """Only checkpoints whose metadata contains this."""
    checkpoint: CheckpointRef | None = None


# -- runs ----------------------------------------------------------------------------------------


class RunCreate(Body):
    """What every run-creating body has (the routes take the subclasses below)."""

    assistant_id: Text
    """An assistant id, or a graph id (its system assistant)."""
    input: Any = None
    """The graph's input; ``null`` continues from the thread's checkpoint."""
    command: Command | None = None
    metadata: JsonObject | None = None
    config: RunConfig | None = None
    context: JsonObject | None = None
    """The run's context (``configurable`` and ``context`` may not both be given)."""
    webhook: Text | None = None
    """A URL to POST the finished run to."""
    interrupt_before: Nodes | None = None
    interrupt_after: Nodes | None = None
    stream_mode: StreamModes = "values"
    stream_subgraphs: bool = False
    stream_resumable: bool = False
    feedback_keys: list[str] | None = None
    after_seconds: Annotated[float, Field(ge=0, le=MAX_DELAY)] | None = None
    """Start the run this many seconds later."""
    checkpoint_id: Text | None = None
    """Start from this checkpoint of the thread."""
    checkpoint: CheckpointRef | None = None
    checkpoint_during: bool | None = None
    durability: Durability | None = None


class RunCreateStateful(RunCreate):
    multitask_strategy: MultitaskStrategy = "enqueue"
    """What to do when the thread is running another run."""
    if_not_exists: IfNotExists = "reject"
    """A missing thread: 404, or create it."""


class RunCreateStreamingStateful(RunCreateStateful):
    on_disconnect: DisconnectMode = "continue"
    """What happens to the run when the client goes away before it ends."""


class RunCreateStateless(RunCreate):
    on_completion: OnCompletionBehavior = "delete"
    """Delete the run's temporary thread when it ends, or keep it."""


class RunCreateStreamingStateless(RunCreateStateless):
    on_disconnect: DisconnectMode = "continue"
    """What happens to the run when the client goes away before it ends."""


MAX_BATCH = 1000
"""Runs in one ``/runs/batch`` request (one 1 MB body used to create 20,000)."""


class RunBatchCreate(RootModel[Annotated[list[RunCreateStateless], Field(max_length=MAX_BATCH)]]):
    """Several stateless background runs (at most ``MAX_BATCH``)."""


class RunsCancel(Body):
    """Either ``thread_id`` and ``run_ids``, or ``status``."""

    thread_id: UuidStr | None = None
    run_ids: list[UuidStr] | None = None
    status: BulkCancelRunsStatus | None = None


# -- responses besides the SDK's objects ---------------------------------------------------------


# -- store ---------------------------------------------------------------------------------------

Labels = list[Text]
"""A namespace: its labels (non-empty, without dots; checked by the route)."""


class StorePutRequest(Body):
    namespace: Labels
    key: Text
    value: JsonObject
    index: Literal[False] | list[str] | None = None
    """The value's paths to embed for vector search (``false``: none; absent: the store's)."""
    ttl: Annotated[float, Field(ge=0)] | None = None
    """Minutes until the item expires (absent: never, or the store's default)."""


class StoreDeleteRequest(Body):
    namespace: Labels
    key: Text


class StoreSearchRequest(Body):
    namespace_prefix: Labels = Field(default_factory=list)
    filter: JsonObject | None = None
    """Items whose value matches (``{"kind": "note"}``, ``{"n": {"$gt": 3}}``)."""
    limit: Limit = 10
    offset: Offset = 0
    query: str | None = None
    """Rank by similarity to this text (with a store index configured)."""
    refresh_ttl: bool | None = None


class StoreListNamespacesRequest(Body):
    prefix: Labels | None = None
    """Namespaces starting with these labels (``"*"`` matches any one)."""
    suffix: Labels | None = None
    max_depth: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None
    """Cut namespaces to this many labels."""
    limit: Limit = 100
    offset: Offset = 0


class StoreItem(TypedDict):
    namespace: list[str]
    key: str
    value: JsonObject
    created_at: str
    updated_at: str


class StoreSearchItem(StoreItem):
    score: float | None


class StoreSearchResponse(TypedDict):
    items: list[StoreSearchItem]


class StoreNamespaces(TypedDict):
    namespaces: list[list[str]]


class ErrorResponse(TypedDict):
    """Every error: ``{"detail": "<what is wrong>"}``."""

    detail: str


class ThreadPruneResponse(TypedDict):
    pruned_count: int


class Health(TypedDict):
    ok: bool
    services: JsonObject


class ServerInfo(TypedDict):
    version: str
    streamgraph: bool
    flags: dict[str, bool]
    graphs: list[str]


class GraphDrawing(TypedDict):
    """A graph's nodes and edges (``xray`` expands subgraphs)."""

    nodes: list[JsonObject]
    edges: list[JsonObject]


class GraphSchemaNoId(TypedDict):
    """JSON schemas of a (sub)graph's input, output, state, config and context."""

    input_schema: JsonObject | None
    output_schema: JsonObject | None
    state_schema: JsonObject | None
    config_schema: JsonObject | None
    context_schema: JsonObject | None


Subgraphs = dict[str, GraphSchemaNoId]


# -- pydantic's errors as one line -----------------------------------------------------------------

_EXPECTED = {
    "string_type": "string",
    "int_type": "integer",
    "float_type": "number",
    "bool_type": "boolean",
    "dict_type": "object",
    "model_type": "object",
    "list_type": "array",
    "none_required": "null",
}


def describe(error: ValidationError, where: str = "body") -> tuple[str, str]:
    """Where the first problem is (``body.stream_mode[1]``) and what it is."""
    problems = error.errors(include_url=False)
    # A missing field first, as the client most likely forgot it.
    first = next((p for p in problems if p["type"] == "missing"), problems[0])
    return where + _location(first["loc"]), _problem(first)


def _number(bound: float) -> str:
    return str(int(bound)) if bound == int(bound) else str(bound)


def _location(loc: tuple[int | str, ...]) -> str:
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif not part.startswith(_TAG):
            parts.append(f".{part}")
    return "".join(parts)


def _problem(problem: Mapping[str, Any]) -> str:
    kind, value = problem["type"], problem.get("input")
    context = problem.get("ctx") or {}
    got = f"got {json_type(value)} {_short(value)}"
    if kind == "missing":
        return "field required"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, {got}"
    if kind == "value_error":  # our own checks (``_uuid``): their message as it is
        return str(context["error"])
    if kind == "json_form":
        return f"{problem['msg']}, {got}"
    if kind == "literal_error":  # pydantic says "'a', 'b' or 'c'"
        expected = ", ".join(str(context["expected"]).rsplit(" or ", 1))
        return f"{_short(value)} is not one of {expected}"
    if kind == "greater_than_equal":
        return f"{value} is less than {_number(context['ge'])}"
    if kind == "less_than_equal":
        return f"{value} is more than {_number(context['le'])}"
    if kind == "too_long":
        return f"{context['actual_length']} items, more than {context['max_length']}"
    return str(problem["msg"])
