"""What the server keeps besides checkpoints: assistants, threads and runs.

A ``Storage`` holds plain dicts shaped as the API returns them (``server-api.md`` §1.4), so
the routes hand them out as they are: ``Assistant``, ``Thread`` and ``Run``, the SDK's
``TypedDict``s (``streamgraph.sdk.schema``), which name their fields for readers and mypy and
cost nothing at run time; partial updates (``changes``) are plain mappings. Every method is
synchronous and quick (one statement or a few): the embedded SQLite and in-memory backends
run on the server's event loop; the Postgres backend is driven from a worker thread by the
server (``Storage.blocking``).

Timestamps are ISO-8601 strings with ``+00:00``; ids are strings (UUIDs). Filters
(``metadata``, ``values``) match by containment: every key of the filter must be in the
stored object with an equal value (``{"a": {"b": 1}}`` matches ``{"a": {"b": 1, "c": 2}}``,
as Postgres' ``@>`` does; other values must be equal as JSON values, so lists compare whole
and ``True`` is not ``1``).

Rows are created with every field of their API object (missing ones get defaults), and come
back as JSON gives them (copies; tuples become lists). Updates never change a row's id,
``created_at`` or, for assistants, ``version`` (which the update bumps). The functions at the
end of this module hold these semantics for every backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import orjson

from streamgraph.sdk.schema import Assistant, Run, Thread

if TYPE_CHECKING:
    from streamgraph.server.filters import MetadataFilter

__all__ = (
    "Assistant",
    "Conflict",
    "Run",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "Thread",
)

Row = dict[str, Any]
"""A filter, or a row on its way in or out of a database (untyped)."""
Changes = Mapping[str, Any]
RowT = TypeVar("RowT", Assistant, Thread, Run)


class StorageError(Exception):
    """A storage operation failed in a way the caller must know about."""


class Conflict(StorageError):
    """An object with this id already exists."""


class StorageUnavailable(StorageError):
    """The database does not answer (or is locked, or full): a client is told so with 503
    and this message, which names the backend and nothing more (the details are logged)."""

    public = True  # (its message is written for clients: see ``serialize.error_payload``)


class Storage(Protocol):
    """Assistants, threads and runs of one server (see the module docstring).

    ``checkpointer`` is the saver the server's graphs use, in the same database (for the SQL
    backends) so that deleting a thread deletes its checkpoints in one place.
    """

    blocking: bool
    """True when calls may block for a network round trip (Postgres): the server then calls
    them from a worker thread instead of its event loop."""

    checkpointer: Any

    def close(self) -> None: ...

    def outage(self, error: BaseException) -> str | None:
        """If ``error`` means the database is unavailable (unreachable, locked, full), a
        message for clients naming the backend; else ``None`` (a bug, a bad request)."""

    def refused(self, error: BaseException) -> str | None:
        """If ``error`` is the database refusing a value a request gave (a number out of
        its range, a character it cannot store), a message for the client (422); else
        ``None``. Requests are validated so that this does not happen: this is the net
        under that validation."""

    # -- assistants: {assistant_id, graph_id, config, context, metadata, name, description,
    #    created_at, updated_at, version} ---------------------------------------------------

    def create_assistant(self, assistant: Assistant) -> Assistant:
        """Insert (``Conflict`` if the id exists); returns the row as stored."""

    def get_assistant(self, assistant_id: str) -> Assistant | None: ...

    def update_assistant(self, assistant_id: str, changes: Changes) -> Assistant | None:
        """Apply ``changes`` (``metadata`` merged key by key, other fields replaced), bump
        ``version``, set ``updated_at``; keep the previous version for ``list_versions``.
        ``None`` if there is no such assistant."""

    def set_latest_version(self, assistant_id: str, version: int) -> Assistant | None:
        """Make an earlier version current again (its fields and number, ``updated_at`` now).
        ``None`` if there is no such assistant or version."""

    def delete_assistant(self, assistant_id: str) -> bool: ...

    def search_assistants(
        self,
        *,
        graph_id: str | None,
        metadata: Row | None,
        name: str | None,
        limit: int,
        offset: int,
        sort_by: str,
        sort_order: str,
        auth_filter: MetadataFilter | None = None,
    ) -> tuple[list[Assistant], int]:
        """Matching assistants (``name``: case-insensitive substring) and the total count
        before limit/offset. ``sort_by``: assistant_id, graph_id, name, created_at,
        updated_at; ``sort_order``: asc or desc. ``auth_filter``: an auth handler's filter on
        metadata, applied before the page is cut (``streamgraph.server.filters``)."""

    def list_versions(
        self, assistant_id: str, *, metadata: Row | None, limit: int, offset: int
    ) -> list[Assistant]:
        """Every version of an assistant, newest first."""

    # -- threads: {thread_id, created_at, updated_at, state_updated_at, metadata, status,
    #    config, values, error, interrupts} -------------------------------------------------

    def create_thread(self, thread: Thread) -> Thread:
        """Insert (``Conflict`` if the id exists)."""

    def get_thread(self, thread_id: str) -> Thread | None: ...

    def update_thread(self, thread_id: str, changes: Changes) -> Thread | None:
        """Apply ``changes``: ``metadata`` merged key by key, any other field replaced;
        ``updated_at`` set. ``None`` if there is no such thread."""

    def delete_thread(self, thread_id: str) -> bool:
        """Delete the thread, its runs and its checkpoints."""

    def copy_thread(self, thread_id: str, new_thread_id: str, now: str) -> Thread | None:
        """A new thread with the same metadata, values and checkpoints (checkpoints copied
        under the new thread id)."""

    def search_threads(
        self,
        *,
        ids: list[str] | None,
        metadata: Row | None,
        values: Row | None,
        status: str | None,
        limit: int,
        offset: int,
        sort_by: str,
        sort_order: str,
        auth_filter: MetadataFilter | None = None,
    ) -> tuple[list[Thread], int]:
        """Matching threads and the total before limit/offset (``ids`` empty or None: any
        thread). ``sort_by``: thread_id, status, created_at, updated_at, state_updated_at.
        ``auth_filter``: as for ``search_assistants``."""

    # -- runs: {run_id, thread_id, assistant_id, metadata, status, kwargs,
    #    multitask_strategy, created_at, updated_at} -----------------------------------------

    def create_run(self, run: Run) -> Run: ...

    def get_run(self, run_id: str) -> Run | None: ...

    def update_run(self, run_id: str, changes: Changes) -> Run | None:
        """Replace the given fields, set ``updated_at``."""

    def delete_run(self, run_id: str) -> bool: ...

    def list_runs(
        self, thread_id: str, *, status: str | None, limit: int, offset: int
    ) -> list[Run]:
        """A thread's runs, newest first."""

    def runs_with_status(self, statuses: tuple[str, ...]) -> list[Run]:
        """Every run in one of ``statuses``, oldest first (for restarting the queue after a
        server restart)."""

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        """Delete the checkpoints (and their writes) a run made on a thread (rollback)."""

    def finish_run(self, run_id: str, status: str, error: Row | None) -> bool:
        """A run's terminal transition, at most once: set ``status`` (a final one) and keep
        ``error`` (the run's ``{"error", "message"}``, for ``/join`` after the run's events
        are gone), only if the run is still ``pending`` or ``running``. False if it had
        ended already or is gone."""

    def run_error(self, run_id: str) -> Row | None:
        """The error ``finish_run`` kept for a run that failed (deleted with the run)."""


# -- the semantics every backend shares (pure; the backends only store and fetch) ------------

ASSISTANT_FIELDS = (
    "assistant_id",
    "graph_id",
    "config",
    "context",
    "metadata",
    "name",
    "description",
    "created_at",
    "updated_at",
    "version",
)
THREAD_FIELDS = (
    "thread_id",
    "created_at",
    "updated_at",
    "state_updated_at",
    "metadata",
    "status",
    "config",
    "values",
    "error",
    "interrupts",
)
RUN_FIELDS = (
    "run_id",
    "thread_id",
    "assistant_id",
    "metadata",
    "status",
    "kwargs",
    "multitask_strategy",
    "created_at",
    "updated_at",
)
UNFINISHED = ("pending", "running")
"""The statuses of a run that has not ended (``finish_run`` moves it out of them once)."""
ASSISTANT_SORTS = ("assistant_id", "graph_id", "name", "created_at", "updated_at")
THREAD_SORTS = ("thread_id", "status", "created_at", "updated_at", "state_updated_at")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def json_copy(value: Any) -> Any:
    """``value`` as JSON gives it back (a deep copy; ``TypeError`` if it is not JSON)."""
    return orjson.loads(orjson.dumps(value))


def copy_row(row: RowT) -> RowT:
    return cast(RowT, json_copy(row))


def matches(stored: Any, filter: Any) -> bool:
    """Containment: every key of a dict ``filter`` is in ``stored`` with a matching value
    (recursively); any other value must be equal (see ``same``)."""
    if isinstance(filter, dict):
        return isinstance(stored, dict) and all(
            key in stored and matches(stored[key], value) for key, value in filter.items()
        )
    return same(stored, filter)


def same(a: Any, b: Any) -> bool:
    """Equality of JSON values, as JSON has it: ``1 == 1.0``, but ``True != 1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def check_sort(sort_by: str, sort_order: str, allowed: tuple[str, ...]) -> bool:
    """Validate a search's sort; True for descending."""
    if sort_by not in allowed:
        raise ValueError(f"Invalid sort_by {sort_by!r}: expected one of {', '.join(allowed)}")
    if sort_order.lower() not in ("asc", "desc"):
        raise ValueError(f"Invalid sort_order {sort_order!r}: expected 'asc' or 'desc'")
    return sort_order.lower() == "desc"


def _complete(fields: tuple[str, ...], defaults: Row, row: RowT, key: str) -> RowT:
    if not isinstance(row.get(key), str):
        raise ValueError(f"{key} must be a string, got {row.get(key)!r}")
    given: Row = json_copy(row)
    done = {field: given.pop(field) if field in given else defaults.get(field) for field in fields}
    return cast(RowT, done | given)


def new_assistant(row: Assistant) -> Assistant:
    """An assistant to insert: ``row`` with the missing fields filled in, as JSON."""
    now = row.get("created_at") or utc_now()
    defaults: Row = {
        "config": {},
        "context": {},
        "metadata": {},
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    return _complete(ASSISTANT_FIELDS, defaults, row, "assistant_id")


def new_thread(row: Thread) -> Thread:
    now = row.get("created_at") or utc_now()
    defaults: Row = {
        "created_at": now,
        "updated_at": now,
        "state_updated_at": now,
        "metadata": {},
        "status": "idle",
        "config": {},
        "interrupts": {},
    }
    return _complete(THREAD_FIELDS, defaults, row, "thread_id")


def new_run(row: Run) -> Run:
    now = row.get("created_at") or utc_now()
    defaults: Row = {
        "created_at": now,
        "updated_at": now,
        "metadata": {},
        "status": "pending",
        "kwargs": {},
    }
    return _complete(RUN_FIELDS, defaults, row, "run_id")


def changed(row: RowT, changes: Changes, *, merge_metadata: bool, keep: tuple[str, ...]) -> RowT:
    """``row`` after ``changes`` (fields replaced; ``metadata`` merged key by key when
    ``merge_metadata``; the ``keep`` fields never change); ``updated_at`` is set to now unless
    ``changes`` gives it."""
    changes = json_copy(changes)
    new: Row = dict(row)
    for field, value in changes.items():
        if field in keep:
            continue
        if field == "metadata" and merge_metadata:
            new["metadata"] = {**(row.get("metadata") or {}), **(value or {})}
        else:
            new[field] = value
    if "updated_at" not in changes:
        new["updated_at"] = utc_now()
    return cast(RowT, new)


def restored(current: Assistant, version: Assistant) -> Assistant:
    """The assistant with an earlier ``version`` entry's fields made current again."""
    fields = ("graph_id", "config", "context", "metadata", "name", "description", "version")
    earlier: Row = json_copy({k: version.get(k) for k in fields})
    return cast(Assistant, {**current, **earlier, "updated_at": utc_now()})


def version_of(assistant: Assistant) -> Assistant:
    """The entry ``list_versions`` keeps for an assistant's current version: the assistant as
    it is, ``created_at`` being when this version was made."""
    return assistant | {"created_at": assistant["updated_at"]}


def thread_copy(thread: Thread, new_thread_id: str, now: str) -> Thread:
    """What ``copy_thread`` inserts: same metadata, values and state; new id and times; idle
    if the original was busy (the copy has no runs)."""
    status = "idle" if thread.get("status") == "busy" else thread.get("status")
    return copy_row(thread) | {
        "thread_id": new_thread_id,
        "created_at": now,
        "updated_at": now,
        "status": status,
    }
