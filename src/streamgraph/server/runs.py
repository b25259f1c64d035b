"""Runs: one state machine per run, whose end happens exactly once.

A run moves through four phases, each change made synchronously on the event loop (so no
two requests can both make one):

    QUEUED --start--> RUNNING --its task is done--> ENDING --stored, log closed--> ENDED
       \\____________________cancel (before start)____/

- ``submit`` gives a run its event log (its first event, ``metadata``, is there before the
  HTTP response starts) and puts it in the run queue (``queue.py``: start time, one run per
  thread, a slot); the queue calls ``_start``.
- ``_start`` makes the run's task: the graph's work, and nothing else, so that cancelling
  it cancels exactly that work (nested graphs included; sync nodes are waited for, see the
  drivers). The task's done callback ends the run: a task cancelled before its first line
  still ends its run (it used not to, which left runs ``pending`` for ever).
- ``cancel`` of a QUEUED run ends it at once (taken out of the queue; it never executes);
  of a RUNNING one cancels its task; of an ENDING or ENDED one does nothing (too late).
- ``_end`` is the terminal transition, entered once (``_claim``): the status is stored
  (``Storage.finish_run``, a compare-and-set, so a run ends once in the database too), then
  the thread's row, then the log is closed, then waiters are released, then the run's
  thread and slot go to the next runs. A client that sees the stream end already finds the
  final status (LangGraph's SDK checks it).

A run's end never raises: a failure to store it is logged with the run's id, and the
stream still ends with one ``error`` event.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from streamgraph.sdk.schema import Run, RunStatus
from streamgraph.server.eventlog import EventLog
from streamgraph.server.execute import Outcome, graph_events, wait_body
from streamgraph.server.queue import EmbeddedQueue
from streamgraph.server.serialize import INTERNAL_ERROR, dumps, error_payload

if TYPE_CHECKING:
    from streamgraph.server.api import Api

__all__ = ("STOPPED", "ActiveRun", "Phase", "RunManager", "final_status")

STOPPED: Any = object()
"""What waiting for a queued run gives when the server stops before it starts (its
waiters end without a result: their clients ask the next server)."""

logger = logging.getLogger(__name__)


class Phase(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    ENDING = "ending"
    ENDED = "ended"


class ActiveRun:
    """A run this process has queued or is executing."""

    __slots__ = (
        "body",
        "cancel_action",
        "done",
        "log",
        "marking",
        "outcome",
        "phase",
        "run",
        "task",
        "temporary",
    )

    def __init__(self, run: Run, log: EventLog, *, temporary: bool) -> None:
        self.run = run
        self.log = log
        self.temporary = temporary  # stateless, thread deleted after: kept in memory only
        self.phase = Phase.QUEUED
        self.task: asyncio.Task[None] | None = None
        self.marking: asyncio.Future[Any] | None = None  # storing its "running" status
        self.done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.cancel_action: str | None = None
        self.outcome = Outcome()
        self.body: Any = None

    @property
    def run_id(self) -> str:
        return str(self.run["run_id"])

    @property
    def thread_id(self) -> str:
        return str(self.run["thread_id"])

    def __repr__(self) -> str:
        return f"<run {self.run_id} {self.phase.value}>"


class RunManager:
    """The server's runs in progress (see the module docstring). ``workers``: how many runs
    execute at once (``None``: as many as there are)."""

    def __init__(self, api: Api, *, workers: int | None = None) -> None:
        self.api = api
        self.active: dict[str, ActiveRun] = {}
        self.queue: EmbeddedQueue[ActiveRun] = EmbeddedQueue(self._start, workers)
        self._bodies: OrderedDict[str, Any] = OrderedDict()  # results of finished runs
        self._ends: set[asyncio.Task[None]] = set()
        self.stopping = False

    def finished_body(self, run_id: str) -> Any:
        """The ``/wait`` body of a recently finished run (the last 10,000 are kept)."""
        return self._bodies.get(run_id)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        """Shutting down: running runs are cancelled (``interrupted``) and their ends stored;
        queued runs stay ``pending`` in storage and start when the server starts again."""
        if self.stopping:
            return await self._ended(10)
        self.stopping = True
        for active in list(self.active.values()):
            if active.phase is Phase.QUEUED:
                self.queue.remove(active)
                active.log.close()
                if not active.done.done():  # (its waiters: no result from this server)
                    active.done.set_result(STOPPED)
            elif active.phase is Phase.RUNNING:
                self._cancel_running(active, "interrupt")
        await self._ended(10)

    async def _ended(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._ends or any(a.phase is Phase.RUNNING for a in self.active.values()):
            if time.monotonic() > deadline:
                logger.warning("runs still ending after %g s: stopping without them", seconds)
                break
            await asyncio.sleep(0.01)

    # -- submitting ----------------------------------------------------------------------------

    def submit(self, run: Run, *, temporary: bool) -> ActiveRun:
        """Queue ``run`` (it starts at its ``created_at``, after its thread's earlier runs)."""
        log = self.api.logs.create(str(run["run_id"]))
        log.run = run
        if log.last_seq == 0:  # (a run queued again after a restart keeps its log)
            log.append("metadata", dumps({"run_id": run["run_id"], "attempt": 1}))
        active = ActiveRun(run, log, temporary=temporary)
        self.active[active.run_id] = active
        self.queue.put(active, delay=_seconds_until(run["created_at"]))
        return active

    def on_thread(self, thread_id: str) -> list[ActiveRun]:
        """The thread's runs not ended: the current one first."""
        return [a for a in self.queue.on_thread(thread_id) if a.phase is not Phase.ENDED]

    def thread_busy(self, thread_id: str) -> bool:
        return bool(self.on_thread(thread_id))

    def runs_after(self, active: ActiveRun) -> bool:
        """Whether another run of ``active``'s thread will still run (queued or running),
        so the thread stays ``busy`` when this one ends. A run ending at the same time does
        not count: it stores the thread's row itself (counting it, two runs ending together
        each left the thread ``busy`` for the other)."""
        return any(
            a is not active and a.phase in (Phase.QUEUED, Phase.RUNNING)
            for a in self.queue.on_thread(active.thread_id)
        )

    def current(self, thread_id: str) -> ActiveRun | None:
        runs = self.on_thread(thread_id)
        return runs[0] if runs else None

    # -- executing -----------------------------------------------------------------------------

    def _start(self, active: ActiveRun) -> None:
        """The queue's go: QUEUED -> RUNNING, with the run's task."""
        if active.phase is not Phase.QUEUED or self.stopping:  # (cancelled; or stays pending)
            return
        active.phase = Phase.RUNNING
        task = asyncio.get_running_loop().create_task(self._execute(active))
        active.task = task
        task.add_done_callback(lambda done: self._task_done(active, done))

    async def _execute(self, active: ActiveRun) -> None:
        """The graph's work (cancelling this task cancels exactly that)."""
        api = self.api
        if not active.temporary:
            # (its own task, awaited by the run's end too: a cancel here must not let the
            # end be stored before this write lands, which would leave the row "running")
            active.marking = asyncio.ensure_future(
                api.call_for_run(
                    active, api.storage.update_run, active.run_id, {"status": "running"}
                )
            )
            await asyncio.shield(active.marking)
        graph, input, config, options = await api.prepare_run(active.run, active.temporary)
        kwargs = active.run["kwargs"]
        await graph_events(
            graph,
            input,
            config,
            graph_id=config["metadata"]["graph_id"],
            run_id=active.run_id,
            requested=list(kwargs["stream_mode"]),
            subgraphs=bool(kwargs.get("subgraphs")),
            options=options,
            outcome=active.outcome,
            emit=active.log.append,
        )

    def _task_done(self, active: ActiveRun, task: asyncio.Task[None]) -> None:
        cancelled = task.cancelled()
        error = None if cancelled else task.exception()
        if isinstance(error, asyncio.CancelledError):
            cancelled, error = True, None
        if error is not None:
            active.outcome.error = error
            logger.error(
                "run %s (thread %s) failed: %s: %s",
                active.run_id,
                active.thread_id,
                type(error).__name__,
                error,
                exc_info=error,
            )
            active.log.append("error", dumps(error_payload(error)))
        if self._claim(active):
            self._spawn_end(active, cancelled=cancelled)

    # -- ending ----------------------------------------------------------------------------------

    def _claim(self, active: ActiveRun) -> bool:
        """Enter the terminal transition; False if it has been entered already."""
        if active.phase in (Phase.ENDING, Phase.ENDED):
            return False
        if active.phase is Phase.QUEUED:
            self.queue.remove(active)
        active.phase = Phase.ENDING
        return True

    def _spawn_end(self, active: ActiveRun, *, cancelled: bool) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(self._end(active, cancelled=cancelled))
        self._ends.add(task)
        task.add_done_callback(self._ends.discard)
        return task

    async def _end(self, active: ActiveRun, *, cancelled: bool) -> None:
        """Store how the run ended, then close its log, then wake its waiters, then free
        its thread (in this order: see the module docstring). Never raises."""
        rollback = cancelled and active.cancel_action == "rollback"
        try:
            body = await self._store_end(active, cancelled=cancelled, rollback=rollback)
        except Exception as error:  # storage failure: said once on the stream, logged here
            logger.exception(
                "run %s (thread %s): storing how it ended failed", active.run_id, active.thread_id
            )
            if active.outcome.error is None:
                active.log.append("error", dumps(error_payload(error)))
            body = {"__error__": INTERNAL_ERROR}
        try:
            active.body = {} if cancelled else body
            self._bodies[active.run_id] = active.body
            if len(self._bodies) > 10_000:
                self._bodies.popitem(last=False)
            if rollback:  # the run is gone: nothing may find it, not even its log
                active.log.run = None
            self.api.logs.close(active.run_id)
        finally:
            if not active.done.done():
                active.done.set_result(active.body)
            self.active.pop(active.run_id, None)
            active.phase = Phase.ENDED
            self.queue.finished(active)
        webhook = active.run["kwargs"].get("webhook")
        if webhook and not rollback and not self.stopping:
            self.api.background(self.api.send_webhook(webhook, active))

    async def _store_end(self, active: ActiveRun, *, cancelled: bool, rollback: bool) -> Any:
        if active.marking is not None:
            await asyncio.wait([active.marking])
        await self.api.run_saver.settled(active.thread_id)  # (its last checkpoint writes)
        status = final_status(active.outcome, cancelled)
        if active.temporary:  # no stored row: its in-memory one shows how it ended
            active.run["status"] = status
            return wait_body(active.outcome, {})
        return await self.api.settle_thread(
            active, active.outcome, cancelled=cancelled, rollback=rollback
        )

    # -- cancelling ------------------------------------------------------------------------------

    async def cancel(self, run_id: str, *, action: str = "interrupt", wait: bool = False) -> bool:
        """Cancel a queued or running run; ``False`` if it is not (or no longer) active. A
        queued run's end is stored before this returns (it will never execute, even after a
        restart)."""
        active = self.active.get(run_id)
        if active is None or active.phase in (Phase.ENDING, Phase.ENDED):
            return False
        if active.phase is Phase.QUEUED:
            active.cancel_action = action
            self._log_cancel(active, action)
            self._claim(active)
            await asyncio.shield(self._spawn_end(active, cancelled=True))
        else:
            self._cancel_running(active, action)
        if wait:
            await asyncio.shield(active.done)
        return True

    def request_cancel(self, run_id: str, action: str = "interrupt") -> None:
        """Cancel without waiting (for code that cannot await: a closing stream)."""
        active = self.active.get(run_id)
        if active is None:
            return
        if active.phase is Phase.QUEUED:
            active.cancel_action = action
            self._log_cancel(active, action)
            self._claim(active)
            self._spawn_end(active, cancelled=True)
        elif active.phase is Phase.RUNNING:
            self._cancel_running(active, action)

    def _cancel_running(self, active: ActiveRun, action: str) -> None:
        if active.cancel_action is not None:  # already being cancelled
            return
        active.cancel_action = action
        self._log_cancel(active, action)
        assert active.task is not None
        active.task.cancel()

    @staticmethod
    def _log_cancel(active: ActiveRun, action: str) -> None:
        logger.info("run %s (thread %s): cancelling (%s)", active.run_id, active.thread_id, action)

    async def wait(self, active: ActiveRun) -> Any:
        return await asyncio.shield(active.done)


def final_status(outcome: Outcome, cancelled: bool) -> RunStatus:
    """How a run ended, as its ``status`` says it."""
    if cancelled:
        return "interrupted"
    return "error" if outcome.error is not None else "success"


def _seconds_until(stamp: str) -> float:
    """Seconds from now until an ISO timestamp (a run's ``created_at``; 0 if past)."""
    try:
        return max(0.0, datetime.fromisoformat(stamp).timestamp() - time.time())
    except (TypeError, ValueError):
        return 0.0
