"""MemoryStorage: assistants, threads and runs in dicts, for tests and ``streamgraph dev``.

Rows go in and come out through a JSON round trip, so they behave as the SQL backends' do
(callers may mutate what they get; tuples come back as lists; non-JSON values are refused).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.server.storage.base import (
    ASSISTANT_SORTS,
    THREAD_SORTS,
    UNFINISHED,
    Assistant,
    Changes,
    Conflict,
    Row,
    RowT,
    Run,
    Thread,
    changed,
    check_sort,
    copy_row,
    json_copy,
    matches,
    new_assistant,
    new_run,
    new_thread,
    restored,
    thread_copy,
    version_of,
)
from streamgraph.store.memory import InMemoryStore

if TYPE_CHECKING:
    from streamgraph.server.filters import MetadataFilter

__all__ = ("MemoryStorage",)


def _sorted(rows: Iterable[RowT], field: str, descending: bool) -> list[RowT]:
    # As the SQL backends order: missing values first (last when descending), then ties in
    # insertion order (reversed when descending).
    keyed = [(_sort_key(row, field), index, row) for index, row in enumerate(rows)]
    keyed.sort(key=lambda item: item[:2], reverse=descending)
    return [row for _, _, row in keyed]


def _sort_key(row: Mapping[str, Any], field: str) -> tuple[bool, Any]:
    return row[field] is not None, row[field] or ""


def _page(rows: list[RowT], limit: int, offset: int) -> list[RowT]:
    return [copy_row(row) for row in rows[offset : offset + limit]]


class MemoryStorage:
    """Everything in this process's memory; gone when it exits. Thread-safe."""

    blocking = False

    def __init__(self) -> None:
        self.checkpointer = InMemorySaver()
        self.store = InMemoryStore()
        self._assistants: dict[str, Assistant] = {}
        self._versions: dict[str, list[Assistant]] = {}
        self._threads: dict[str, Thread] = {}
        self._runs: dict[str, Run] = {}
        self._run_errors: dict[str, Row] = {}
        self._lock = threading.RLock()

    def close(self) -> None:
        self.store.stop_ttl_sweeper()

    def outage(self, error: BaseException) -> str | None:
        return None  # (memory is always there)

    def refused(self, error: BaseException) -> str | None:
        return None  # (it takes any JSON)

    def __enter__(self) -> MemoryStorage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- assistants --------------------------------------------------------------------------

    def create_assistant(self, assistant: Assistant) -> Assistant:
        row = new_assistant(assistant)
        with self._lock:
            if row["assistant_id"] in self._assistants:
                raise Conflict(f"Assistant {row['assistant_id']} already exists")
            self._assistants[row["assistant_id"]] = row
            self._versions[row["assistant_id"]] = [version_of(row)]
            return copy_row(row)

    def get_assistant(self, assistant_id: str) -> Assistant | None:
        with self._lock:
            found = self._assistants.get(assistant_id)
            return None if found is None else copy_row(found)

    def update_assistant(self, assistant_id: str, changes: Changes) -> Assistant | None:
        with self._lock:
            current = self._assistants.get(assistant_id)
            if current is None:
                return None
            row = changed(
                current,
                changes,
                merge_metadata=True,
                keep=("assistant_id", "created_at", "version"),
            )
            versions = self._versions[assistant_id]
            row["version"] = max([current["version"], *(v["version"] for v in versions)]) + 1
            self._assistants[assistant_id] = row
            versions.append(version_of(row))
            return copy_row(row)

    def set_latest_version(self, assistant_id: str, version: int) -> Assistant | None:
        with self._lock:
            current = self._assistants.get(assistant_id)
            wanted = [v for v in self._versions.get(assistant_id, ()) if v["version"] == version]
            if current is None or not wanted:
                return None
            row = self._assistants[assistant_id] = restored(current, wanted[0])
            return copy_row(row)

    def delete_assistant(self, assistant_id: str) -> bool:
        with self._lock:
            self._versions.pop(assistant_id, None)
            return self._assistants.pop(assistant_id, None) is not None

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
        descending = check_sort(sort_by, sort_order, ASSISTANT_SORTS)
        with self._lock:
            found = [
                row
                for row in self._assistants.values()
                if (graph_id is None or row["graph_id"] == graph_id)
                and (not metadata or matches(row["metadata"], metadata))
                and (not name or name.lower() in (row["name"] or "").lower())
                and (auth_filter is None or auth_filter.matches(row["metadata"]))
            ]
            return _page(_sorted(found, sort_by, descending), limit, offset), len(found)

    def list_versions(
        self, assistant_id: str, *, metadata: Row | None, limit: int, offset: int
    ) -> list[Assistant]:
        with self._lock:
            found = [
                v
                for v in self._versions.get(assistant_id, ())
                if not metadata or matches(v["metadata"], metadata)
            ]
            found.sort(key=lambda v: v["version"], reverse=True)
            return _page(found, limit, offset)

    # -- threads -----------------------------------------------------------------------------

    def create_thread(self, thread: Thread) -> Thread:
        row = new_thread(thread)
        with self._lock:
            if row["thread_id"] in self._threads:
                raise Conflict(f"Thread with ID {row['thread_id']} already exists")
            self._threads[row["thread_id"]] = row
            return copy_row(row)

    def get_thread(self, thread_id: str) -> Thread | None:
        with self._lock:
            found = self._threads.get(thread_id)
            return None if found is None else copy_row(found)

    def update_thread(self, thread_id: str, changes: Changes) -> Thread | None:
        with self._lock:
            current = self._threads.get(thread_id)
            if current is None:
                return None
            row = changed(current, changes, merge_metadata=True, keep=("thread_id", "created_at"))
            self._threads[thread_id] = row
            return copy_row(row)

    def delete_thread(self, thread_id: str) -> bool:
        with self._lock:
            existed = self._threads.pop(thread_id, None) is not None
            for run_id in [r["run_id"] for r in self._runs.values() if r["thread_id"] == thread_id]:
                del self._runs[run_id]
                self._run_errors.pop(run_id, None)
            self.checkpointer.delete_thread(thread_id)
            return existed

    def copy_thread(self, thread_id: str, new_thread_id: str, now: str) -> Thread | None:
        with self._lock:
            original = self._threads.get(thread_id)
            if original is None:
                return None
            if new_thread_id in self._threads:
                raise Conflict(f"Thread with ID {new_thread_id} already exists")
            row = thread_copy(original, new_thread_id, now)
            self.checkpointer.copy_thread(thread_id, new_thread_id)
            self._threads[new_thread_id] = row
            return copy_row(row)

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
        descending = check_sort(sort_by, sort_order, THREAD_SORTS)
        wanted = set(ids) if ids else None
        with self._lock:
            found = [
                row
                for row in self._threads.values()
                if (wanted is None or row["thread_id"] in wanted)
                and (status is None or row["status"] == status)
                and (not metadata or matches(row["metadata"], metadata))
                and (not values or matches(row["values"], values))
                and (auth_filter is None or auth_filter.matches(row["metadata"]))
            ]
            return _page(_sorted(found, sort_by, descending), limit, offset), len(found)

    # -- runs --------------------------------------------------------------------------------

    def create_run(self, run: Run) -> Run:
        row = new_run(run)
        with self._lock:
            if row["run_id"] in self._runs:
                raise Conflict(f"Run {row['run_id']} already exists")
            self._runs[row["run_id"]] = row
            return copy_row(row)

    def get_run(self, run_id: str) -> Run | None:
        with self._lock:
            found = self._runs.get(run_id)
            return None if found is None else copy_row(found)

    def update_run(self, run_id: str, changes: Changes) -> Run | None:
        with self._lock:
            current = self._runs.get(run_id)
            if current is None:
                return None
            row = changed(current, changes, merge_metadata=False, keep=("run_id", "created_at"))
            self._runs[run_id] = row
            return copy_row(row)

    def delete_run(self, run_id: str) -> bool:
        with self._lock:
            self._run_errors.pop(run_id, None)
            return self._runs.pop(run_id, None) is not None

    def finish_run(self, run_id: str, status: str, error: Row | None) -> bool:
        with self._lock:
            current = self._runs.get(run_id)
            if current is None or current["status"] not in UNFINISHED:
                return False
            self._runs[run_id] = changed(
                current, {"status": status}, merge_metadata=False, keep=("run_id", "created_at")
            )
            if error is not None:
                self._run_errors[run_id] = json_copy(error)
            return True

    def run_error(self, run_id: str) -> Row | None:
        with self._lock:
            found = self._run_errors.get(run_id)
            return None if found is None else json_copy(found)

    def list_runs(
        self, thread_id: str, *, status: str | None, limit: int, offset: int
    ) -> list[Run]:
        with self._lock:
            found = [
                r
                for r in self._runs.values()
                if r["thread_id"] == thread_id and (status is None or r["status"] == status)
            ]
            return _page(_sorted(found, "created_at", True), limit, offset)

    def runs_with_status(self, statuses: tuple[str, ...]) -> list[Run]:
        with self._lock:
            found = [r for r in self._runs.values() if r["status"] in statuses]
            return [copy_row(r) for r in _sorted(found, "created_at", False)]

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        self.checkpointer.delete_run_checkpoints(thread_id, run_id)
