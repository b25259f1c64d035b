"""The server's state and the operations its routes share.

``Api`` holds the served graphs, the storage, the event logs and the run manager. Routes
stay thin: they validate a request, call one or two methods here, and shape the response.
Lookups raise ``ApiError`` (a status and a ``detail`` message), which the app turns into
LangGraph's ``{"detail": ...}`` bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from uuid_utils import uuid7

from streamgraph.server.auth import CURRENT, Guard, user_from_config
from streamgraph.server.eventlog import EventLogs
from streamgraph.server.execute import Outcome, wait_body
from streamgraph.server.filters import MetadataFilter
from streamgraph.server.graphs import GraphEntry
from streamgraph.server.outage import PAUSE_SECONDS, Pausing, PausingSaver
from streamgraph.server.runs import ActiveRun, RunManager, final_status
from streamgraph.server.serialize import dumps, error_payload
from streamgraph.server.state import interrupts_map, json_ready
from streamgraph.server.storage.base import (
    UNFINISHED,
    Assistant,
    Conflict,
    Run,
    Storage,
    StorageError,
    StorageUnavailable,
    Thread,
)
from streamgraph.server.webhooks import DELAYS as WEBHOOK_DELAYS
from streamgraph.server.webhooks import WebhookPolicy, WebhookRefused, post_with_retries
from streamgraph.store.base import BaseStore
from streamgraph.store.memory import InMemoryStore
from streamgraph.types import Command, Send

__all__ = ("Api", "ApiError", "found", "new_id", "now", "system_assistant_id", "thread_row")

logger = logging.getLogger(__name__)
JsonObject = dict[str, Any]
P = ParamSpec("P")
T = TypeVar("T")
# LangGraph's namespace for system assistant ids: uuid5(this, graph_id).
ASSISTANT_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
RESERVED_CONFIGURABLE = ("thread_id", "run_id", "graph_id", "assistant_id")
SERVER_RESTART = {
    "error": "ServerRestart",
    "message": "The server stopped while this run was running; its thread keeps the steps "
    "done before (a run with no input goes on from there)",
}


class ApiError(Exception):
    """An HTTP error with LangGraph's ``{"detail": ...}`` body."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def found(row: T | None, detail: str) -> T:
    """``row``, or a 404 if it is gone (deleted by another request meanwhile)."""
    if row is None:
        raise ApiError(404, detail)
    return row


def system_assistant_id(graph_id: str) -> str:
    return str(uuid.uuid5(ASSISTANT_NAMESPACE, graph_id))


def new_id() -> str:
    """A UUIDv7 (``uuid_utils``, as LangGraph's server makes them): ordered by creation
    time, within a millisecond too (a counter), so newest-first listings sort by id."""
    return str(uuid7())


def now(later: float = 0.0) -> str:
    """The time (plus ``later`` seconds), as rows store it."""
    stamp = datetime.now(UTC)
    if later:
        stamp += timedelta(seconds=later)
    return stamp.isoformat()


def thread_row(thread_id: str, metadata: JsonObject | None = None) -> Thread:
    """A new thread, as stored and returned."""
    stamp = now()
    return {
        "thread_id": thread_id,
        "created_at": stamp,
        "updated_at": stamp,
        "state_updated_at": stamp,
        "metadata": metadata or {},
        "status": "idle",
        "config": {},
        "values": None,
        "error": None,
        "interrupts": {},
    }


class Api:
    """Everything the routes need (see the module docstring)."""

    def __init__(
        self,
        graphs: dict[str, GraphEntry],
        storage: Storage,
        *,
        workers: int | None = None,
        api_keys: list[str] | None = None,
        max_body_bytes: int = 10 * 2**20,
        event_dir: str | os.PathLike[str] | None = None,
        log_keep_seconds: float = 300.0,
        log_max_bytes: int = 1024 * 2**20,
        pause_seconds: float = PAUSE_SECONDS,
        webhooks: WebhookPolicy | None = None,
        guard: Guard | None = None,
    ) -> None:
        self.graphs = graphs
        self.storage = storage
        # Runs' saves and ends wait through storage outages (see ``outage.py``).
        self.pausing = Pausing(self.outage, pause_seconds)
        self.run_saver = PausingSaver(storage.checkpointer, self.pausing)
        # The store of ``/store`` and of every graph's runs (a Storage without one: memory).
        self.store: BaseStore = getattr(storage, "store", None) or InMemoryStore()
        self.webhooks = webhooks or WebhookPolicy()
        self.webhook_delays = WEBHOOK_DELAYS  # between attempts (tests shorten them)
        self.api_keys = frozenset(api_keys or ())
        self.guard = guard
        """Custom auth (``langgraph.json``'s ``auth``), or None (see ``access.py``)."""
        self.max_body_bytes = max_body_bytes
        self.logs = EventLogs(event_dir, keep_seconds=log_keep_seconds, max_bytes=log_max_bytes)
        self.runs = RunManager(self, workers=workers)
        self._saver_graphs: dict[tuple[int, bool], Any] = {}
        self._system = {system_assistant_id(graph_id): graph_id for graph_id in graphs}
        # Assistants by id and graph id: every run looks one up twice (when created, when
        # started); they change only through the routes, which forget them.
        self._assistants: dict[str, Assistant] = {}
        self._webhook_client: Any = None
        self._background: set[asyncio.Task[Any]] = set()  # referenced until done
        self._thread_locks: dict[str, list[Any]] = {}  # thread id -> [lock, users]

    async def startup(self) -> None:
        for graph_id in self.graphs:
            if await self.call(self.storage.get_assistant, system_assistant_id(graph_id)) is None:
                await self._create_system_assistant(graph_id)
        await self._recover_runs()
        await self.runs.start()

    async def _create_system_assistant(self, graph_id: str) -> Assistant:
        """Every graph has one (id: uuid5 of the graph id, as LangGraph makes it)."""
        stamp = now()
        try:
            created = await self.call(
                self.storage.create_assistant,
                {
                    "assistant_id": system_assistant_id(graph_id),
                    "graph_id": graph_id,
                    "config": {},
                    "context": {},
                    "metadata": {"created_by": "system"},
                    "name": self._graph_name(graph_id),
                    "description": None,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "version": 1,
                },
            )
        except Conflict:  # made meanwhile by another request
            found = await self.call(self.storage.get_assistant, system_assistant_id(graph_id))
            if found is None:  # and deleted since
                raise
            return found
        return created

    def _graph_name(self, graph_id: str) -> str:
        """A system assistant's name: its graph's (``compile(name=...)``), as LangGraph names
        it, or the graph id when the graph has the default name or is made per run."""
        graph = self.graphs[graph_id].graph
        name = getattr(graph, "name", None)
        return name if isinstance(name, str) and name != "LangGraph" else graph_id

    async def _recover_runs(self) -> None:
        """What a previous process left unfinished. A run that was running when it died
        ends as failed (``ServerRestart``, on its stream too; its thread keeps every step
        checkpointed before the crash, and a new run with no input resumes from there);
        pending runs are queued again (at their start time), with their logs; threads left
        ``busy`` with no run get their status back."""
        self.logs.forget_stale_files()
        unfinished = await self.call(self.storage.runs_with_status, UNFINISHED)
        for run in unfinished:
            if run["status"] == "running":
                await self._fail_after_restart(run)
        for run in unfinished:
            if run["status"] == "pending":
                self.runs.submit(run, temporary=False)
        busy, _ = await self.call(
            self.storage.search_threads,
            ids=None,
            metadata=None,
            values=None,
            status="busy",
            limit=100_000,
            offset=0,
            sort_by="thread_id",
            sort_order="asc",
        )
        for thread in busy:
            if not self.runs.thread_busy(thread["thread_id"]):
                await self.refresh_thread(thread["thread_id"])

    async def _fail_after_restart(self, run: Run) -> None:
        run_id, thread_id = run["run_id"], run["thread_id"]
        logger.warning(
            "run %s (thread %s) was running when the server stopped: marked as failed",
            run_id,
            thread_id,
        )
        log = self.logs.create(run_id)
        log.run = run
        if log.last_seq == 0:
            log.append("metadata", dumps({"run_id": run_id, "attempt": 1}))
        log.append("error", dumps(SERVER_RESTART))
        self.logs.close(run_id)
        await self.call(self.storage.finish_run, run_id, "error", SERVER_RESTART)
        await self.call(
            self.storage.update_thread, thread_id, {"status": "error", "error": SERVER_RESTART}
        )

    def background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` on the loop without waiting for it (kept referenced until done)."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def begin_shutdown(self) -> None:
        """The server is asked to stop: end every stream and wait now (readers, ``/wait``
        and ``/join``; clients reconnect to the next server), stop the runs."""
        if not self.logs.stopping:
            self.logs.shutdown()
            self.background(self.runs.stop())

    async def shutdown(self) -> None:
        self.logs.shutdown()
        await self.runs.stop()
        self.logs.close_all()
        if self._background:  # webhooks being sent: a few seconds to finish
            _, late = await asyncio.wait(self._background, timeout=5)
            for task in late:  # (still retrying: logged as not delivered)
                task.cancel()
            if late:
                logger.warning("%d webhooks not delivered: the server stops", len(late))
                await asyncio.wait(late)
        if self._webhook_client is not None:
            await self._webhook_client.aclose()
        await self.call(self.storage.close)

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Call a storage method: inline, or on a thread for a storage that blocks. An
        error meaning the storage is unavailable becomes ``StorageUnavailable`` (503)."""
        try:
            if self.storage.blocking:
                return await asyncio.to_thread(fn, *args, **kwargs)
            return fn(*args, **kwargs)
        except StorageError:
            raise
        except Exception as error:
            reason = self.storage.outage(error)
            if reason is not None:
                raise StorageUnavailable(reason) from error
            refused = self.storage.refused(error)
            if refused is not None:
                raise ApiError(422, f"body: {refused}") from error
            raise

    async def call_for_run(
        self, active: ActiveRun, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``call`` for a run's own writes: retried through a storage outage (the run
        pauses), so that it neither goes on unsaved nor ends without its end stored."""
        what = f"run {active.run_id} (thread {active.thread_id})"

        async def attempt() -> T:
            return await self.call(fn, *args, **kwargs)

        return await self.pausing.acall(what, attempt)

    def outage(self, error: BaseException) -> str | None:
        """The 503 message for an error that means the storage is unavailable."""
        if isinstance(error, StorageUnavailable):
            return str(error)
        return self.storage.outage(error)

    # -- custom auth -----------------------------------------------------------------------------

    async def authorize(
        self, resource: str, action: str, value: dict[str, Any]
    ) -> MetadataFilter | None:
        """Run the auth handler for ``action`` on ``resource`` for the current request (a
        route that authorizes per item: ``Access(deferred=True)``); its filter, or None.
        Without custom auth, or outside a request, everything is allowed."""
        grant = CURRENT.get()
        if self.guard is None or grant is None:
            return None
        return await self.guard.authorize(grant.principal, resource, action, value)

    @staticmethod
    def visible(resource: str, row: Any) -> bool:
        """Whether the current request may see ``row`` (its grant's filter on
        ``resource``'s metadata; everything without custom auth)."""
        grant = CURRENT.get()
        return grant is None or grant.allows(resource, (row or {}).get("metadata"))

    @staticmethod
    def auth_filter(resource: str) -> MetadataFilter | None:
        """The current request's filter on ``resource`` (for searches)."""
        grant = CURRENT.get()
        return None if grant is None else grant.filter_for(resource)

    async def search_threads(self, **query: Any) -> tuple[list[Thread], int]:
        """``storage.search_threads`` showing only what the current request may see."""
        return await self.call(
            self.storage.search_threads, **query, auth_filter=self.auth_filter("threads")
        )

    async def search_assistants(self, **query: Any) -> tuple[list[Assistant], int]:
        """``storage.search_assistants`` showing only what the current request may see."""
        return await self.call(
            self.storage.search_assistants, **query, auth_filter=self.auth_filter("assistants")
        )

    # -- lookups ---------------------------------------------------------------------------------

    async def assistant(self, assistant_id: str) -> Assistant:
        """An assistant by id, or a graph's system assistant by graph id (a copy); 404 if
        the current request may not see it."""
        found = await self.lookup_assistant(assistant_id)
        if not self.visible("assistants", found):
            raise ApiError(404, f"Assistant '{assistant_id}' not found")
        return found

    async def lookup_assistant(self, assistant_id: str) -> Assistant:
        """``assistant()`` without the custom auth check (for run workers and for run
        creation, which checks assistants its own way)."""
        requested = assistant_id
        cached = self._assistants.get(requested)
        if cached is not None:
            return cached.copy()
        graph_id = assistant_id if assistant_id in self.graphs else self._system.get(assistant_id)
        if graph_id is not None:
            assistant_id = system_assistant_id(graph_id)
        found = (
            await self.call(self.storage.get_assistant, assistant_id)
            if _is_uuid(assistant_id)
            else None
        )
        if found is None and graph_id is not None:  # deleted: a graph always has one
            found = await self._create_system_assistant(graph_id)
        if found is None:
            raise ApiError(404, f"Assistant '{assistant_id}' not found")
        self._assistants[requested] = self._assistants[str(found["assistant_id"])] = found
        return found.copy()

    def forget_assistant(self, assistant_id: str) -> None:
        """Drop a changed or deleted assistant from the cache (by any name it had)."""
        for key, row in list(self._assistants.items()):
            if row["assistant_id"] == assistant_id:
                del self._assistants[key]

    async def thread(self, thread_id: str) -> Thread:
        """A thread; 404 if there is none or the current request may not see it."""
        found = await self.call(self.storage.get_thread, thread_id)
        if found is None or not self.visible("threads", found):
            raise ApiError(404, f"Thread with ID {thread_id} not found")
        return found

    def entry(self, graph_id: str) -> GraphEntry:
        entry = self.graphs.get(graph_id)
        if entry is None:
            raise ApiError(
                404,
                f"Graph '{graph_id}' not found: this server serves "
                f"{', '.join(sorted(self.graphs))}",
            )
        return entry

    def with_saver(self, graph: Any, *, checkpoints: bool = True) -> Any:
        """``graph`` checkpointing into the server's storage (unless ``checkpoints`` is
        False) with the server's store, as LangGraph's server runs graphs (one clone per
        graph and kind)."""
        clone = self._saver_graphs.get((id(graph), checkpoints))
        if clone is None or clone[0] is not graph:
            copy = graph.with_config()
            if checkpoints:
                copy.checkpointer = self.run_saver
            copy.store = self.store
            clone = self._saver_graphs[id(graph), checkpoints] = (graph, copy)
        return clone[1]

    async def thread_graph(self, thread: Thread) -> Any | None:
        """The graph a thread's checkpoints belong to (its last run's), with the saver."""
        graph_id = (thread.get("metadata") or {}).get("graph_id")
        if graph_id is None or graph_id not in self.graphs:
            return None
        graph = await self.graphs[graph_id].resolve(
            {"configurable": {"thread_id": thread["thread_id"]}}
        )
        return self.with_saver(graph)

    # -- runs ------------------------------------------------------------------------------------

    async def prepare_run(
        self, run: Run, temporary: bool
    ) -> tuple[Any, Any, JsonObject, JsonObject]:
        """The graph, input, config and run options of a run about to execute."""
        assistant = await self.lookup_assistant(run["assistant_id"])
        kwargs = run["kwargs"]
        config = run_config(assistant, run)
        graph = await self.entry(assistant["graph_id"]).resolve(config)
        graph = self.with_saver(graph, checkpoints=not temporary)
        context = {**(assistant.get("context") or {}), **(kwargs.get("context") or {})}
        options = {
            "interrupt_before": kwargs.get("interrupt_before"),
            "interrupt_after": kwargs.get("interrupt_after"),
            # (always a dict, as LangGraph's server passes it: a graph whose context_schema
            # is a dataclass or model gets its default instance when nobody set any)
            "context": context,
            # (without a checkpointer durability means nothing: not passed)
            "durability": None if temporary else served_durability(kwargs.get("durability")),
        }
        return graph, run_input(kwargs), config, options

    async def settle_thread(
        self, active: ActiveRun, outcome: Outcome, *, cancelled: bool, rollback: bool
    ) -> Any:
        """Store the run's end and its thread's new row; returns the ``/wait`` body."""
        storage = self.storage
        run = active.run
        run_id, thread_id = run["run_id"], run["thread_id"]
        if rollback:
            await self.call_for_run(active, storage.delete_run_checkpoints, thread_id, run_id)
            await self.call_for_run(active, storage.delete_run, run_id)
        else:
            status = final_status(outcome, cancelled)
            error = error_payload(outcome.error) if outcome.error is not None else None
            await self.call_for_run(active, storage.finish_run, run_id, status, error)
        async with self._thread_lock(thread_id):
            return await self._settle_row(active, outcome, cancelled=cancelled)

    @contextlib.asynccontextmanager
    async def _thread_lock(self, thread_id: str) -> AsyncIterator[None]:
        """One writer of a thread's row at a time: runs of a thread ending together each
        read what the other left (else the last write could be stale, ``busy`` for ever)."""
        entry = self._thread_locks.setdefault(thread_id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if not entry[1]:
                del self._thread_locks[thread_id]

    async def _settle_row(self, active: ActiveRun, outcome: Outcome, *, cancelled: bool) -> Any:
        run, storage = active.run, self.storage
        thread_id = run["thread_id"]
        thread = await self.call_for_run(active, storage.get_thread, thread_id)
        if thread is None:  # deleted while the run ran
            return wait_body(outcome, {})
        metadata = {
            "graph_id": run["metadata"].get("graph_id"),
            "assistant_id": run["assistant_id"],
        }
        changes = await self._thread_state(
            {**thread, "metadata": {**thread["metadata"], **metadata}}
        )
        changes["metadata"] = metadata
        if outcome.error is not None and not cancelled:
            changes["status"] = "error"
            changes["error"] = error_payload(outcome.error)
        if self.runs.runs_after(active):
            changes["status"] = "busy"
        await self.call_for_run(active, storage.update_thread, thread_id, changes)
        return wait_body(outcome, changes.get("values", thread.get("values")))

    async def _thread_state(self, thread: Thread) -> JsonObject:
        """A thread's row fields from its last checkpoint: values, interrupts, status."""
        graph = await self.thread_graph(thread)
        if graph is None:
            return {"status": "idle", "error": None}
        config = {"configurable": {"thread_id": thread["thread_id"]}}
        what = f"storing thread {thread['thread_id']}'s state"
        snapshot = await self.pausing.acall(what, graph.aget_state, config)
        return {
            "values": json_ready(snapshot.values),
            "interrupts": interrupts_map(snapshot),
            "state_updated_at": now(),
            "status": "interrupted" if snapshot.next else "idle",
            "error": None,
        }

    async def refresh_thread(self, thread_id: str) -> None:
        """Give a thread with no run in progress the status its checkpoints say."""
        thread = await self.call(self.storage.get_thread, thread_id)
        if thread is None or self.runs.thread_busy(thread_id):
            return
        changes = await self._thread_state(thread)
        changes.pop("error")
        await self.call(self.storage.update_thread, thread_id, changes)

    async def check_webhook(self, url: str) -> None:
        """422 unless the webhook policy allows ``url`` (see ``webhooks.py``)."""
        try:
            await self.webhooks.check(url)
        except WebhookRefused as error:
            raise ApiError(422, f"body.webhook: {error}") from None

    async def send_webhook(self, url: str, active: ActiveRun) -> None:
        """POST the finished run (with its status and values) to ``url``, retried with
        backoff, every attempt logged with the run's id; never raises."""
        label = f"run {active.run_id} (thread {active.thread_id}): webhook {url}"
        try:
            await self.webhooks.check(url)
            payload = await self._webhook_payload(active)
        except Exception as error:  # refused now (its host moved), or storage down
            logger.warning("%s not sent: %s: %s", label, type(error).__name__, error)
            return
        import httpx

        if self._webhook_client is None:
            self._webhook_client = httpx.AsyncClient(timeout=10)
        client = self._webhook_client
        headers = {"content-type": "application/json", **self.webhooks.headers}

        async def send() -> int:
            response = await client.post(url, content=payload, headers=headers)
            return int(response.status_code)

        await post_with_retries(send, label=label, delays=self.webhook_delays)

    async def _webhook_payload(self, active: ActiveRun) -> bytes:
        run: JsonObject = dict(active.run)
        if not active.temporary:
            stored = await self.call(self.storage.get_run, active.run_id)
            if stored is not None:
                run.update(stored)
        error = active.outcome.error
        payload = {
            **run,
            "values": active.body,
            "webhook_sent_at": now(),
            "error": error_payload(error) if error is not None else None,
        }
        return dumps(self.webhooks.payload(payload))


def served_durability(asked: str | None) -> str:
    """The durability a run executes with. A client that received a step's ``updates``
    event must find that step saved, whatever happens to the server next: so ``async``
    (LangGraph's default, which saves a step while the next one runs and sends its events
    before the save) runs as ``sync`` (each step saved before its events leave). ``exit``
    (save only at the end) is a client's explicit choice, kept."""
    return "exit" if asked == "exit" else "sync"


def run_config(assistant: Assistant, run: Run) -> JsonObject:
    """The run's config: the assistant's, then the request's, plus the ids of the run."""
    kwargs = run["kwargs"]
    given = kwargs.get("config") or {}
    base = assistant.get("config") or {}
    configurable = {
        **(base.get("configurable") or {}),
        **(given.get("configurable") or {}),
        "run_id": run["run_id"],
        "thread_id": run["thread_id"],
        "graph_id": assistant["graph_id"],
        "assistant_id": assistant["assistant_id"],
    }
    # The user who created the run (stored with it as JSON) as an object graphs can ask
    # ``.identity`` of, as LangGraph's server gives it.
    configurable["langgraph_auth_user"] = user_from_config(configurable.get("langgraph_auth_user"))
    configurable["user_id"] = configurable.get("langgraph_auth_user_id") or ""
    checkpoint = kwargs.get("checkpoint") or {}
    checkpoint_id = kwargs.get("checkpoint_id") or checkpoint.get("checkpoint_id")
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    metadata = {
        **(run.get("metadata") or {}),
        "created_by": "system",
        "graph_id": assistant["graph_id"],
        "assistant_id": assistant["assistant_id"],
        "run_attempt": 1,
        "run_id": run["run_id"],
        "thread_id": run["thread_id"],
    }
    config: JsonObject = {"configurable": configurable, "metadata": metadata}
    tags = [*(base.get("tags") or ()), *(given.get("tags") or ())]
    if tags:
        config["tags"] = tags
    limit = given.get("recursion_limit", base.get("recursion_limit"))
    if limit is not None:
        config["recursion_limit"] = limit
    return config


def run_input(kwargs: JsonObject) -> Any:
    command = kwargs.get("command")
    if not command:
        return kwargs.get("input")
    goto = command.get("goto")
    if isinstance(goto, dict):
        goto = Send(goto["node"], goto.get("input"))
    elif isinstance(goto, list):
        goto = [Send(g["node"], g.get("input")) if isinstance(g, dict) else g for g in goto]
    return Command(update=command.get("update"), resume=command.get("resume"), goto=goto or ())


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
