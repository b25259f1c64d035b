"""Types of custom auth: users, the context handlers get, the values they authorize.

Each ``@auth.on.<resource>.<action>`` handler is called as ``handler(ctx=..., value=...)``:
``ctx`` is an ``AuthContext`` (the user, their permissions, the resource and action) and
``value`` a dict describing the operation, typed below (``ThreadsCreate`` for
``threads.create``, ...). ``Auth.types.on.threads.create.value`` names the same type for
annotations. A handler returns ``None`` or ``True`` (allowed), ``False`` (403), or a
``FilterType`` restricting the operation to resources whose metadata matches.
"""

from __future__ import annotations

import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import typing_extensions

__all__ = (
    "AssistantsCreate",
    "AssistantsDelete",
    "AssistantsRead",
    "AssistantsSearch",
    "AssistantsUpdate",
    "AuthContext",
    "Authenticator",
    "BaseAuthContext",
    "BaseUser",
    "CronsCreate",
    "CronsDelete",
    "CronsRead",
    "CronsSearch",
    "CronsUpdate",
    "FilterType",
    "Handler",
    "HandlerResult",
    "IfNotExists",
    "MetadataInput",
    "MinimalUser",
    "MinimalUserDict",
    "MultitaskStrategy",
    "OnConflictBehavior",
    "RunStatus",
    "RunsCreate",
    "StoreDelete",
    "StoreGet",
    "StoreListNamespaces",
    "StorePut",
    "StoreSearch",
    "StudioUser",
    "ThreadStatus",
    "ThreadTTL",
    "ThreadsCreate",
    "ThreadsDelete",
    "ThreadsRead",
    "ThreadsSearch",
    "ThreadsUpdate",
    "on",
)

RunStatus = typing.Literal["pending", "error", "success", "timeout", "interrupted"]
MultitaskStrategy = typing.Literal["reject", "rollback", "interrupt", "enqueue"]
OnConflictBehavior = typing.Literal["raise", "do_nothing"]
IfNotExists = typing.Literal["create", "reject"]
ThreadStatus = typing.Literal["idle", "busy", "interrupted", "error"]
MetadataInput = dict[str, typing.Any]
"""Metadata a resource is created or updated with (the handler may change it)."""

FilterType = (
    dict[
        str,
        str
        | dict[typing.Literal["$eq", "$contains"], str]
        | dict[typing.Literal["$contains"], list[str]],
    ]
    | dict[str, str]
)
"""What a handler returns to restrict an operation to resources whose metadata matches:
``{"owner": "alice"}`` (equal), ``{"owner": {"$eq": "alice"}}`` (the same),
``{"tags": {"$contains": "a"}}`` (a list holding the value, or every value of a list),
``{"$or": [f1, f2]}`` and ``{"$and": [f1, f2]}`` (two or more filters, nested at most
twice). The keys of one filter must all match."""

HandlerResult = None | bool | FilterType
"""``None``/``True``: allowed; ``False``: 403; a filter: allowed on matching resources."""

Handler = Callable[..., Awaitable[HandlerResult]]


@typing.runtime_checkable
class MinimalUser(typing.Protocol):
    """Any object with an ``identity``."""

    @property
    def identity(self) -> str: ...


class MinimalUserDict(typing.TypedDict, total=False):
    """A user as a dict (what ``@auth.authenticate`` usually returns)."""

    identity: typing_extensions.Required[str]
    """The user's unique id."""
    display_name: str
    """A name to show (defaults to the identity)."""
    is_authenticated: bool
    """Defaults to True."""
    permissions: Sequence[str]
    """Strings the handlers may check (``ctx.permissions``)."""


@typing.runtime_checkable
class BaseUser(typing.Protocol):
    """The user handlers and graphs see: attributes, and dict-style access to its fields."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def display_name(self) -> str: ...

    @property
    def identity(self) -> str: ...

    @property
    def permissions(self) -> Sequence[str]: ...

    def __getitem__(self, key: str) -> typing.Any: ...

    def __contains__(self, key: str) -> bool: ...

    def __iter__(self) -> typing.Iterator[str]: ...


class StudioUser:
    """The user of requests coming from LangGraph Studio to a development server
    (``langgraph_sdk.auth.is_studio_user`` tells them apart)."""

    __slots__ = ("_is_authenticated", "_permissions", "username")

    def __init__(self, username: str, is_authenticated: bool = False) -> None:
        self.username = username
        self._is_authenticated = is_authenticated
        self._permissions = ["authenticated"] if is_authenticated else []

    @property
    def is_authenticated(self) -> bool:
        return self._is_authenticated

    @property
    def display_name(self) -> str:
        return self.username

    @property
    def identity(self) -> str:
        return self.username

    @property
    def permissions(self) -> Sequence[str]:
        return self._permissions


Authenticator = Callable[
    ...,
    Awaitable[MinimalUser | str | BaseUser | MinimalUserDict | typing.Mapping[str, typing.Any]],
]
"""An ``@auth.authenticate`` handler: takes request parts by name (``authorization``,
``headers``, ``path``, ``method``, ``path_params``, ``query_params``, ``request``, ...),
returns the user (a string identity, a dict with ``identity``, or an object with one)."""


@dataclass(slots=True)
class BaseAuthContext:
    """Who makes the request."""

    permissions: Sequence[str]
    user: BaseUser


@typing.final
@dataclass(slots=True)
class AuthContext(BaseAuthContext):
    """Who makes the request and what they ask for."""

    resource: typing.Literal["runs", "threads", "crons", "assistants", "store"]
    action: typing.Literal[
        "create",
        "read",
        "update",
        "delete",
        "search",
        "create_run",
        "put",
        "get",
        "list_namespaces",
    ]


class ThreadTTL(typing.TypedDict, total=False):
    strategy: typing.Literal["delete"]
    ttl: int
    """Minutes."""


class ThreadsCreate(typing.TypedDict, total=False):
    """``threads.create``: a thread about to be created (set ``metadata`` to stamp it)."""

    thread_id: UUID
    metadata: MetadataInput
    if_exists: OnConflictBehavior
    ttl: ThreadTTL


class ThreadsRead(typing.TypedDict, total=False):
    """``threads.read``: a thread (its state, history, runs, streams) about to be read."""

    thread_id: UUID
    run_id: UUID | None


class ThreadsUpdate(typing.TypedDict, total=False):
    """``threads.update``: a thread about to change (metadata, state, a run cancelled)."""

    thread_id: UUID
    metadata: MetadataInput
    action: typing.Literal["interrupt", "rollback"] | None


class ThreadsDelete(typing.TypedDict, total=False):
    """``threads.delete``: a thread (or one of its runs) about to be deleted."""

    thread_id: UUID
    run_id: UUID | None


class ThreadsSearch(typing.TypedDict, total=False):
    """``threads.search``: a thread search or count (a filter narrows what it finds)."""

    metadata: MetadataInput
    values: MetadataInput
    status: ThreadStatus | None
    limit: int
    offset: int
    ids: Sequence[UUID] | None
    thread_id: UUID | None


class RunsCreate(typing.TypedDict, total=False):
    """``threads.create_run``: a run about to be created (``thread_id`` is None for a
    stateless run; set ``metadata`` to stamp the run and a thread it creates)."""

    assistant_id: UUID | None
    thread_id: UUID | None
    run_id: UUID | None
    status: RunStatus | None
    metadata: MetadataInput
    prevent_insert_if_inflight: bool
    multitask_strategy: MultitaskStrategy
    if_not_exists: IfNotExists
    after_seconds: int
    kwargs: dict[str, typing.Any]
    action: typing.Literal["interrupt", "rollback"] | None


class AssistantsCreate(typing.TypedDict, total=False):
    """``assistants.create``: an assistant about to be created."""

    assistant_id: UUID
    graph_id: str
    config: dict[str, typing.Any]
    context: dict[str, typing.Any]
    metadata: MetadataInput
    if_exists: OnConflictBehavior
    name: str


class AssistantsRead(typing.TypedDict, total=False):
    """``assistants.read``: an assistant (its graph, schemas, versions) about to be read."""

    assistant_id: UUID
    metadata: MetadataInput


class AssistantsUpdate(typing.TypedDict, total=False):
    """``assistants.update``: an assistant about to change (or go back to a version)."""

    assistant_id: UUID
    graph_id: str | None
    config: dict[str, typing.Any]
    context: dict[str, typing.Any]
    metadata: MetadataInput
    name: str | None
    version: int | None


class AssistantsDelete(typing.TypedDict):
    """``assistants.delete``."""

    assistant_id: UUID


class AssistantsSearch(typing.TypedDict):
    """``assistants.search``: an assistant search or count."""

    graph_id: str | None
    metadata: MetadataInput
    limit: int
    offset: int


class CronsCreate(typing.TypedDict, total=False):
    payload: dict[str, typing.Any]
    schedule: str
    cron_id: UUID | None
    thread_id: UUID | None
    user_id: str | None
    end_time: datetime | None


class CronsDelete(typing.TypedDict):
    cron_id: UUID


class CronsRead(typing.TypedDict):
    cron_id: UUID


class CronsUpdate(typing.TypedDict, total=False):
    cron_id: UUID
    payload: dict[str, typing.Any] | None
    schedule: str | None


class CronsSearch(typing.TypedDict, total=False):
    assistant_id: UUID | None
    thread_id: UUID | None
    limit: int
    offset: int


class StoreGet(typing.TypedDict):
    """``store.get`` (set ``namespace`` to redirect the read)."""

    namespace: tuple[str, ...]
    key: str


class StoreSearch(typing.TypedDict):
    """``store.search`` (``namespace`` is the prefix searched)."""

    namespace: tuple[str, ...]
    filter: dict[str, typing.Any] | None
    limit: int
    offset: int
    query: str | None


class StoreListNamespaces(typing.TypedDict):
    """``store.list_namespaces`` (``namespace`` is the prefix listed)."""

    namespace: tuple[str, ...] | None
    suffix: tuple[str, ...] | None
    max_depth: int | None
    limit: int
    offset: int


class StorePut(typing.TypedDict):
    """``store.put`` (set ``namespace`` to redirect the write)."""

    namespace: tuple[str, ...]
    key: str
    value: dict[str, typing.Any] | None
    index: typing.Literal[False] | list[str] | None


class StoreDelete(typing.TypedDict):
    """``store.delete``."""

    namespace: tuple[str, ...]
    key: str


class on:  # LangGraph's lowercase name: Auth.types.on.threads.create.value
    """The value type of each handler, for annotations: ``on.threads.create.value``."""

    value = dict[str, typing.Any]

    class threads:
        value = ThreadsCreate | ThreadsRead | ThreadsUpdate | ThreadsDelete | ThreadsSearch

        class create:
            value = ThreadsCreate

        class create_run:
            value = RunsCreate

        class read:
            value = ThreadsRead

        class update:
            value = ThreadsUpdate

        class delete:
            value = ThreadsDelete

        class search:
            value = ThreadsSearch

    class assistants:
        value = (
            AssistantsCreate
            | AssistantsRead
            | AssistantsUpdate
            | AssistantsDelete
            | AssistantsSearch
        )

        class create:
            value = AssistantsCreate

        class read:
            value = AssistantsRead

        class update:
            value = AssistantsUpdate

        class delete:
            value = AssistantsDelete

        class search:
            value = AssistantsSearch

    class crons:
        value = CronsCreate | CronsRead | CronsUpdate | CronsDelete | CronsSearch

        class create:
            value = CronsCreate

        class read:
            value = CronsRead

        class update:
            value = CronsUpdate

        class delete:
            value = CronsDelete

        class search:
            value = CronsSearch

    class store:
        value = StoreGet | StoreSearch | StoreListNamespaces | StorePut | StoreDelete

        class put:
            value = StorePut

        class get:
            value = StoreGet

        class search:
            value = StoreSearch

        class delete:
            value = StoreDelete

        class list_namespaces:
            value = StoreListNamespaces
