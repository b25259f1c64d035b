"""Storage on SQL, written once for SQLite (``sqlite.py``) and Postgres (``postgres.py``).

Each table keeps in columns the fields it is searched or sorted on, the JSON fields it
filters by containment as text (orjson), and everything else of the row in one JSON ``data``
column, so a row comes back with exactly the fields it went in with. The dialects differ in
placeholders, in how they order text and NULLs, and in how they test JSON containment: a
filter the dialect can state exactly in SQL is counted and paged in SQL; any other is
narrowed down in SQL and then checked, counted and paged in Python (``base.matches``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, cast

import orjson

from streamgraph.checkpoint.base import BaseCheckpointSaver
from streamgraph.server.storage.base import (
    ASSISTANT_FIELDS,
    ASSISTANT_SORTS,
    RUN_FIELDS,
    THREAD_FIELDS,
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
    matches,
    new_assistant,
    new_run,
    new_thread,
    restored,
    thread_copy,
    version_of,
)

if TYPE_CHECKING:
    from streamgraph.server.filters import MetadataFilter

__all__ = ("MIGRATIONS", "POSTGRES", "SQLITE", "Dialect", "SqlStorage")

MIGRATIONS = (
    """CREATE TABLE IF NOT EXISTS sg_assistants (
        assistant_id TEXT PRIMARY KEY,{seq}
        graph_id TEXT,
        name TEXT,
        created_at TEXT,
        updated_at TEXT,
        version INTEGER,
        metadata TEXT NOT NULL,
        data TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS sg_assistant_versions (
        assistant_id TEXT NOT NULL,
        version INTEGER NOT NULL,{seq}
        created_at TEXT,
        metadata TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (assistant_id, version)
    )""",
    """CREATE TABLE IF NOT EXISTS sg_threads (
        thread_id TEXT PRIMARY KEY,{seq}
        status TEXT,
        created_at TEXT,
        updated_at TEXT,
        state_updated_at TEXT,
        metadata TEXT NOT NULL,
        "values" TEXT NOT NULL,
        data TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS sg_runs (
        run_id TEXT PRIMARY KEY,{seq}
        thread_id TEXT,
        assistant_id TEXT,
        status TEXT,
        created_at TEXT,
        updated_at TEXT,
        metadata TEXT NOT NULL,
        data TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS sg_runs_thread ON sg_runs (thread_id, created_at)",
    "CREATE INDEX IF NOT EXISTS sg_runs_status ON sg_runs (status)",
    """CREATE TABLE IF NOT EXISTS sg_run_errors (
        run_id TEXT PRIMARY KEY,
        error TEXT NOT NULL
    )""",
)
"""Numbered by position; ``sg_server_migrations`` records the ones applied. Append, never
edit. ``{seq}`` is the dialect's insertion-order column (SQLite has ``rowid``)."""


def _q(name: str) -> str:
    return f'"{name}"'


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(frozen=True, slots=True)
class Table(Generic[RowT]):
    """How one kind of row is laid out in columns."""

    name: str
    keys: tuple[str, ...]
    """The primary key's columns (among ``columns``)."""
    columns: tuple[str, ...]
    """Fields kept as plain text or integer columns."""
    json_columns: tuple[str, ...]
    """Fields kept as JSON text in their own column."""
    fields: tuple[str, ...]
    """The API object's fields, in the order rows are returned with."""

    @property
    def all_columns(self) -> tuple[str, ...]:
        return (*self.columns, *self.json_columns, "data")

    @property
    def select(self) -> str:
        return ", ".join(map(_q, self.all_columns))

    def encode(self, row: Mapping[str, Any]) -> list[Any]:
        """Column values, in ``all_columns`` order."""
        extra = {
            k: v for k, v in row.items() if k not in self.columns and k not in self.json_columns
        }
        return [
            *(row.get(c) for c in self.columns),
            *(_dumps(row.get(c)) for c in self.json_columns),
            _dumps(extra),
        ]

    def decode(self, values: Sequence[Any]) -> RowT:
        found = dict(zip(self.columns, values, strict=False))
        for column, text in zip(self.json_columns, values[len(self.columns) :], strict=False):
            found[column] = orjson.loads(text)
        extra: Row = orjson.loads(values[-1])
        found |= extra
        in_order = {f: found.pop(f) for f in self.fields if f in found}
        return cast(RowT, in_order | found)


ASSISTANTS: Table[Assistant] = Table(
    "sg_assistants",
    ("assistant_id",),
    ("assistant_id", "graph_id", "name", "created_at", "updated_at", "version"),
    ("metadata",),
    ASSISTANT_FIELDS,
)
VERSIONS: Table[Assistant] = Table(
    "sg_assistant_versions",
    ("assistant_id", "version"),
    ("assistant_id", "version", "created_at"),
    ("metadata",),
    ASSISTANT_FIELDS,
)
THREADS: Table[Thread] = Table(
    "sg_threads",
    ("thread_id",),
    ("thread_id", "status", "created_at", "updated_at", "state_updated_at"),
    ("metadata", "values"),
    THREAD_FIELDS,
)
RUNS: Table[Run] = Table(
    "sg_runs",
    ("run_id",),
    ("run_id", "thread_id", "assistant_id", "status", "created_at", "updated_at"),
    ("metadata",),
    RUN_FIELDS,
)


class Dialect(ABC):
    """What differs between the databases; the SQL is written with ``?`` placeholders."""

    seq: str
    """The column that orders rows by insertion (the tiebreak of every sort)."""
    seq_ddl: str
    """Its definition in ``CREATE TABLE`` (nothing for SQLite's implicit ``rowid``)."""
    text_order: str
    """Appended to a text column in ``ORDER BY``, so text sorts by code point."""
    lower: str
    """The SQL function that lowercases text as Python's ``str.lower`` does."""
    find: str
    """``find(haystack, needle)``: the 1-based position of a substring, 0 if absent."""
    for_update: str
    """Appended to a ``SELECT`` that reads a row to rewrite it."""
    migration_lock: str | None
    """A statement that keeps other processes from migrating at the same time, if needed."""

    @abstractmethod
    def sql(self, text: str) -> str: ...

    @abstractmethod
    def contains(self, column: str, filter: Row) -> tuple[list[str], list[Any], bool]:
        """Clauses and parameters selecting rows whose ``column`` contains a non-empty
        ``filter``, and whether they are exact (else they select a superset)."""

    def order(self, column: str, descending: bool) -> str:
        direction, nulls = ("DESC", "LAST") if descending else ("ASC", "FIRST")
        return f"{_q(column)}{self.text_order} {direction} NULLS {nulls}, {self.seq} {direction}"


class _Sqlite(Dialect):
    seq = "rowid"
    seq_ddl = ""
    text_order = ""  # BINARY collation: code point order for UTF-8
    lower = "sg_lower"  # SQLite's lower() only knows ASCII; SqliteStorage registers this one
    find = "instr"
    for_update = ""  # writes run in BEGIN IMMEDIATE transactions: nothing else writes
    migration_lock = None

    def sql(self, text: str) -> str:
        return text

    def contains(self, column: str, filter: Row) -> tuple[list[str], list[Any], bool]:
        clauses: list[str] = []
        params: list[Any] = []
        exact = True

        def leaf(path: list[str], value: Any) -> None:
            nonlocal exact
            if isinstance(value, dict) and value:
                for key, item in value.items():
                    leaf([*path, key], item)
                return
            if any('"' in key or "\\" in key or "\0" in key for key in path) or (
                isinstance(value, str) and "\0" in value
            ):
                exact = False  # not a quoted JSON path; SQLite ends text at NUL: Python checks
                return
            where = "$" + "".join(f'."{key}"' for key in path)
            kind = f"json_type({column}, ?)"
            if isinstance(value, dict):
                clauses.append(f"{kind} = 'object'")
            elif value is None:
                clauses.append(f"{kind} = 'null'")
            elif isinstance(value, bool):
                clauses.append(f"{kind} = '{str(value).lower()}'")
            elif isinstance(value, list):
                clauses.append(f"{kind} = 'array'")
                exact = False
            elif isinstance(value, str) or (
                isinstance(value, int | float) and -(2**63) <= value < 2**63
            ):
                test = "= 'text'" if isinstance(value, str) else "IN ('integer', 'real')"
                clauses.append(f"{kind} {test} AND json_extract({column}, ?) = ?")
                params.extend([where, where, value])
                return
            else:
                exact = False
                return
            params.append(where)

        leaf([], filter)
        return clauses, params, exact


_NUL, _NOT_NUL = "\\u0000", "\\ufffd"  # as JSON text escapes them


def _has_list(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_list(v) for v in value.values())
    return isinstance(value, list)


class _Postgres(Dialect):
    seq = "seq"
    seq_ddl = "\n        seq BIGSERIAL NOT NULL,"
    text_order = ' COLLATE "C"'
    lower = "lower"
    find = "strpos"
    for_update = " FOR UPDATE"
    migration_lock = "SELECT pg_advisory_xact_lock(727275)"

    @staticmethod
    @cache
    def _sql(text: str) -> str:
        return text.replace("?", "%s")

    def sql(self, text: str) -> str:
        return self._sql(text)

    def contains(self, column: str, filter: Row) -> tuple[list[str], list[Any], bool]:
        # jsonb's @> is this containment, except that an array contains its sub-arrays. jsonb
        # refuses the escape of NUL, which JSON text may hold: both sides read it as U+FFFD,
        # so the test is exact only for filters with neither (nor any other escape).
        text = _dumps(filter)
        exact = not _has_list(filter) and "\\u" not in text and "\ufffd" not in text
        return (
            [f"CAST(replace({column}, ?, ?) AS jsonb) @> CAST(? AS jsonb)"],
            [_NUL, _NOT_NUL, text.replace(_NUL, _NOT_NUL)],
            exact,
        )


SQLITE: Dialect = _Sqlite()
POSTGRES: Dialect = _Postgres()


class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any], /) -> Any: ...


Check = Callable[[Mapping[str, Any]], bool]
"""A condition on a row still to check in Python (what SQL could not state exactly)."""


class SqlStorage(ABC):
    """Assistants, threads and runs in SQL tables; subclasses give connections."""

    blocking: bool
    dialect: Dialect
    checkpointer: BaseCheckpointSaver

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Connection]:
        """A connection to read with."""

    @abstractmethod
    def _writing(self) -> AbstractContextManager[Connection]:
        """A connection in a transaction, committed when the block ends without error."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def migrate(self) -> None:
        """Apply the migrations not applied yet (``__init__`` does)."""
        with self._writing() as conn:
            if self.dialect.migration_lock:
                self._run(conn, self.dialect.migration_lock)
            self._run(
                conn, "CREATE TABLE IF NOT EXISTS sg_server_migrations (v INTEGER PRIMARY KEY)"
            )
            done = {
                row[0] for row in self._run(conn, "SELECT v FROM sg_server_migrations").fetchall()
            }
            for version, statement in enumerate(MIGRATIONS):
                if version not in done:
                    self._run(conn, statement.format(seq=self.dialect.seq_ddl))
                    self._run(conn, "INSERT INTO sg_server_migrations (v) VALUES (?)", (version,))

    # -- rows --------------------------------------------------------------------------------

    def _run(self, conn: Connection, sql: str, params: Sequence[Any] = ()) -> Any:
        return conn.execute(self.dialect.sql(sql), params)

    def _get(
        self, conn: Connection, table: Table[RowT], key: str, *, lock: bool = False
    ) -> RowT | None:
        sql = f"SELECT {table.select} FROM {table.name} WHERE {_q(table.keys[0])} = ?"
        found = self._run(conn, sql + (self.dialect.for_update if lock else ""), (key,)).fetchone()
        return None if found is None else table.decode(found)

    def _insert(self, conn: Connection, table: Table[Any], row: Mapping[str, Any]) -> bool:
        """Insert ``row``; False if one with its key exists."""
        columns = table.all_columns
        sql = (
            f"INSERT INTO {table.name} ({', '.join(map(_q, columns))}) VALUES "
            f"({', '.join('?' * len(columns))}) ON CONFLICT "
            f"({', '.join(map(_q, table.keys))}) DO NOTHING"
        )
        return bool(self._run(conn, sql, table.encode(row)).rowcount == 1)

    def _update(self, conn: Connection, table: Table[Any], row: Mapping[str, Any]) -> None:
        columns = table.all_columns[1:]
        sql = (
            f"UPDATE {table.name} SET {', '.join(f'{_q(c)} = ?' for c in columns)} "
            f"WHERE {_q(table.keys[0])} = ?"
        )
        values = table.encode(row)
        self._run(conn, sql, [*values[1:], values[0]])

    def _delete(self, conn: Connection, table: Table[Any], column: str, key: str) -> bool:
        sql = f"DELETE FROM {table.name} WHERE {_q(column)} = ?"
        return bool(self._run(conn, sql, (key,)).rowcount > 0)

    def _contains(
        self,
        field: str,
        filter: Row | None,
        where: list[str],
        params: list[Any],
        checks: list[Check],
    ) -> None:
        if not filter:
            return
        clauses, values, exact = self.dialect.contains(_q(field), filter)
        where.extend(clauses)
        params.extend(values)
        if not exact:
            checks.append(lambda row: matches(row[field], filter))

    def _auth_filter(
        self, auth: MetadataFilter | None, where: list[str], params: list[Any], checks: list[Check]
    ) -> None:
        """An auth handler's filter on metadata: its containment part in SQL, the rest (if
        any) checked in Python."""
        if auth is None:
            return
        self._contains("metadata", auth.narrowing, where, params, checks)
        if not auth.exact:
            checks.append(lambda row: auth.matches(row["metadata"]))

    def _search(
        self,
        table: Table[RowT],
        where: list[str],
        params: list[Any],
        checks: list[Check],
        order: str,
        limit: int,
        offset: int,
        *,
        count: bool = True,
    ) -> tuple[list[RowT], int]:
        tail = f"FROM {table.name}" + (" WHERE " + " AND ".join(where) if where else "")
        select = f"SELECT {table.select} {tail} ORDER BY {order}"
        with self._reading() as conn:
            if not checks:
                rows = self._run(
                    conn, select + " LIMIT ? OFFSET ?", [*params, limit, offset]
                ).fetchall()
                total = (
                    self._run(conn, f"SELECT COUNT(*) {tail}", params).fetchone()[0]
                    if count
                    else -1
                )
                return [table.decode(row) for row in rows], int(total)
            rows = self._run(conn, select, params).fetchall()
        found = [row for row in map(table.decode, rows) if all(check(row) for check in checks)]
        return found[offset : offset + limit], len(found)

    # -- assistants --------------------------------------------------------------------------

    def create_assistant(self, assistant: Assistant) -> Assistant:
        row = new_assistant(assistant)
        with self._writing() as conn:
            if not self._insert(conn, ASSISTANTS, row):
                raise Conflict(f"Assistant {row['assistant_id']} already exists")
            self._insert(conn, VERSIONS, version_of(row))
        return row

    def get_assistant(self, assistant_id: str) -> Assistant | None:
        with self._reading() as conn:
            return self._get(conn, ASSISTANTS, assistant_id)

    def update_assistant(self, assistant_id: str, changes: Changes) -> Assistant | None:
        with self._writing() as conn:
            current = self._get(conn, ASSISTANTS, assistant_id, lock=True)
            if current is None:
                return None
            row = changed(
                current,
                changes,
                merge_metadata=True,
                keep=("assistant_id", "created_at", "version"),
            )
            latest = self._run(
                conn,
                "SELECT MAX(version) FROM sg_assistant_versions WHERE assistant_id = ?",
                (assistant_id,),
            ).fetchone()[0]
            row["version"] = max(current["version"], latest or 0) + 1
            self._update(conn, ASSISTANTS, row)
            self._insert(conn, VERSIONS, version_of(row))
        return row

    def set_latest_version(self, assistant_id: str, version: int) -> Assistant | None:
        wanted = [
            v
            for v in self.list_versions(assistant_id, metadata=None, limit=10_000, offset=0)
            if v["version"] == version
        ]
        if not wanted:
            return None
        with self._writing() as conn:
            current = self._get(conn, ASSISTANTS, assistant_id, lock=True)
            if current is None:
                return None
            row = restored(current, wanted[0])
            self._update(conn, ASSISTANTS, row)
        return row

    def delete_assistant(self, assistant_id: str) -> bool:
        with self._writing() as conn:
            self._delete(conn, VERSIONS, "assistant_id", assistant_id)
            return self._delete(conn, ASSISTANTS, "assistant_id", assistant_id)

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
        where: list[str] = []
        params: list[Any] = []
        checks: list[Check] = []
        if graph_id is not None:
            where.append('"graph_id" = ?')
            params.append(graph_id)
        if name:
            where.append(f'{self.dialect.find}({self.dialect.lower}("name"), ?) > 0')
            params.append(name.lower())
        self._contains("metadata", metadata, where, params, checks)
        self._auth_filter(auth_filter, where, params, checks)
        return self._search(
            ASSISTANTS,
            where,
            params,
            checks,
            self.dialect.order(sort_by, descending),
            limit,
            offset,
        )

    def list_versions(
        self, assistant_id: str, *, metadata: Row | None, limit: int, offset: int
    ) -> list[Assistant]:
        where, params, checks = ['"assistant_id" = ?'], [assistant_id], list[Check]()
        self._contains("metadata", metadata, where, params, checks)
        return self._search(
            VERSIONS, where, params, checks, '"version" DESC', limit, offset, count=False
        )[0]

    # -- threads -----------------------------------------------------------------------------

    def create_thread(self, thread: Thread) -> Thread:
        row = new_thread(thread)
        with self._writing() as conn:
            if not self._insert(conn, THREADS, row):
                raise Conflict(f"Thread with ID {row['thread_id']} already exists")
        return row

    def get_thread(self, thread_id: str) -> Thread | None:
        with self._reading() as conn:
            return self._get(conn, THREADS, thread_id)

    def update_thread(self, thread_id: str, changes: Changes) -> Thread | None:
        with self._writing() as conn:
            current = self._get(conn, THREADS, thread_id, lock=True)
            if current is None:
                return None
            row = changed(current, changes, merge_metadata=True, keep=("thread_id", "created_at"))
            self._update(conn, THREADS, row)
        return row

    def delete_thread(self, thread_id: str) -> bool:
        with self._writing() as conn:
            self._run(
                conn,
                "DELETE FROM sg_run_errors WHERE run_id IN "
                "(SELECT run_id FROM sg_runs WHERE thread_id = ?)",
                (thread_id,),
            )
            self._delete(conn, RUNS, "thread_id", thread_id)
            existed = self._delete(conn, THREADS, "thread_id", thread_id)
        self.checkpointer.delete_thread(thread_id)
        return existed

    def copy_thread(self, thread_id: str, new_thread_id: str, now: str) -> Thread | None:
        with self._writing() as conn:
            original = self._get(conn, THREADS, thread_id)
            if original is None:
                return None
            row = thread_copy(original, new_thread_id, now)
            if not self._insert(conn, THREADS, row):
                raise Conflict(f"Thread with ID {new_thread_id} already exists")
        try:
            self.checkpointer.copy_thread(thread_id, new_thread_id)
        except BaseException:
            with self._writing() as conn:
                self._delete(conn, THREADS, "thread_id", new_thread_id)
            raise
        return row

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
        where: list[str] = []
        params: list[Any] = []
        checks: list[Check] = []
        if ids:
            where.append(f'"thread_id" IN ({", ".join("?" * len(ids))})')
            params.extend(ids)
        if status is not None:
            where.append('"status" = ?')
            params.append(status)
        self._contains("metadata", metadata, where, params, checks)
        self._contains("values", values, where, params, checks)
        self._auth_filter(auth_filter, where, params, checks)
        return self._search(
            THREADS, where, params, checks, self.dialect.order(sort_by, descending), limit, offset
        )

    # -- runs --------------------------------------------------------------------------------

    def create_run(self, run: Run) -> Run:
        row = new_run(run)
        with self._writing() as conn:
            if not self._insert(conn, RUNS, row):
                raise Conflict(f"Run {row['run_id']} already exists")
        return row

    def get_run(self, run_id: str) -> Run | None:
        with self._reading() as conn:
            return self._get(conn, RUNS, run_id)

    def update_run(self, run_id: str, changes: Changes) -> Run | None:
        with self._writing() as conn:
            current = self._get(conn, RUNS, run_id, lock=True)
            if current is None:
                return None
            row = changed(current, changes, merge_metadata=False, keep=("run_id", "created_at"))
            self._update(conn, RUNS, row)
        return row

    def delete_run(self, run_id: str) -> bool:
        with self._writing() as conn:
            self._run(conn, "DELETE FROM sg_run_errors WHERE run_id = ?", (run_id,))
            return self._delete(conn, RUNS, "run_id", run_id)

    def finish_run(self, run_id: str, status: str, error: Row | None) -> bool:
        with self._writing() as conn:
            current = self._get(conn, RUNS, run_id, lock=True)
            if current is None or current["status"] not in UNFINISHED:
                return False
            row = changed(
                current, {"status": status}, merge_metadata=False, keep=("run_id", "created_at")
            )
            self._update(conn, RUNS, row)
            if error is not None:
                self._run(
                    conn,
                    "INSERT INTO sg_run_errors (run_id, error) VALUES (?, ?) "
                    "ON CONFLICT (run_id) DO UPDATE SET error = excluded.error",
                    (run_id, _dumps(error)),
                )
        return True

    def run_error(self, run_id: str) -> Row | None:
        with self._reading() as conn:
            found = self._run(
                conn, "SELECT error FROM sg_run_errors WHERE run_id = ?", (run_id,)
            ).fetchone()
        return None if found is None else cast(Row, orjson.loads(found[0]))

    def list_runs(
        self, thread_id: str, *, status: str | None, limit: int, offset: int
    ) -> list[Run]:
        where, params = ['"thread_id" = ?'], [thread_id]
        if status is not None:
            where.append('"status" = ?')
            params.append(status)
        return self._search(
            RUNS,
            where,
            params,
            [],
            self.dialect.order("created_at", True),
            limit,
            offset,
            count=False,
        )[0]

    def runs_with_status(self, statuses: tuple[str, ...]) -> list[Run]:
        if not statuses:
            return []
        sql = (
            f"SELECT {RUNS.select} FROM {RUNS.name} WHERE "
            f'"status" IN ({", ".join("?" * len(statuses))}) '
            f"ORDER BY {self.dialect.order('created_at', False)}"
        )
        with self._reading() as conn:
            return [RUNS.decode(row) for row in self._run(conn, sql, statuses).fetchall()]

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        self.checkpointer.delete_run_checkpoints(thread_id, run_id)
