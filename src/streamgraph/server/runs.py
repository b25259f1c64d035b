"""Runs: a queue, workers, one run per thread at a time, cancellation, and the end of a run.

A created run gets an event log at once (its first event, ``metadata``, is there before the
HTTP response starts) and is dispatched: to the ready queue when its thread has no run in
progress, else behind the thread's current run. ``workers`` tasks take ready runs as soon
as they are queued (no polling), and each run executes as a task of its own so that
cancelling it cancels exactly the graph's work (nested graphs and tasks included; sync nodes
are waited for, see the drivers).

How a run ends is decided once, in ``_finish``: its status and its thread's row are stored,
then its log is closed, then waiters are released. So a client that sees the stream end
already finds the final status (LangGraph's SDK checks it).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any

from streamgraph.sdk.schema import Run, RunStatus
from streamgraph.server.eventlog import EventLog
from streamgraph.server.execute import Outcome, graph_events, wait_body
from streamgraph.server.serialize import dumps, error_payload

if TYPE_CHECKING:
    from streamgraph.server.api import Api

__all__ = ("ActiveRun", "RunManager", "final_status")

logger = logging.getLogger(__name__)


class ActiveRun:
    """A run this process is queueing or executing."""

    __slots__ = ("body", "cancel_action", "done", "log", "outcome", "run", "task", "temporary")

    def __init__(self, run: Run, log: EventLog, *, temporary: bool) -> None:
        self.run = run
        self.log = log
        self.temporary = temporary  # stateless, thread deleted after: kept in memory only
        self.task: asyncio.Task[None] | None = None
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


class RunManager:
    """The server's run queue and workers (see the module docstring)."""

    def __init__(self, api: Api, *, workers: int = 16) -> None:
        self.api = api
        self.workers = workers
        self.active: dict[str, ActiveRun] = {}
        self._ready: asyncio.Queue[ActiveRun] = asyncio.Queue()
        self._thread_current: dict[str, ActiveRun] = {}  # the run a thread is on
        self._thread_waiting: dict[str, deque[ActiveRun]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._bodies: OrderedDict[str, Any] = OrderedDict()  # results of finished runs

    def finished_body(self, run_id: str) -> Any:
        """The ``/wait`` body of a recently finished run (the last 10,000 are kept)."""
        return self._bodies.get(run_id)

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for active in list(self.active.values()):
            self._cancel_now(active, "interrupt")
        pending = [a.task for a in self.active.values() if a.task is not None]
        if pending:
            await asyncio.wait(pending, timeout=10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- submitting --------------------------------------------------------------------------

    def submit(self, run: Run, *, temporary: bool, after_seconds: float = 0.0) -> ActiveRun:
        log = self.api.logs.create(str(run["run_id"]))
        log.run = run
        log.append("metadata", dumps({"run_id": run["run_id"], "attempt": 1}))
        active = ActiveRun(run, log, temporary=temporary)
        self.active[active.run_id] = active
        if after_seconds > 0:
            asyncio.get_running_loop().call_later(after_seconds, self._dispatch, active)
        else:
            self._dispatch(active)
        return active

    def _dispatch(self, active: ActiveRun) -> None:
        if active.done.done():  # cancelled while it waited
            return
        thread_id = active.thread_id
        if thread_id in self._thread_current:
            self._thread_waiting.setdefault(thread_id, deque()).append(active)
        else:
            self._thread_current[thread_id] = active
            self._ready.put_nowait(active)

    def thread_busy(self, thread_id: str) -> bool:
        return thread_id in self._thread_current or bool(self._thread_waiting.get(thread_id))

    def thread_has_waiting(self, thread_id: str) -> bool:
        return bool(self._thread_waiting.get(thread_id))

    def current(self, thread_id: str) -> ActiveRun | None:
        return self._thread_current.get(thread_id)

    # -- executing -----------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            active = await self._ready.get()
            if active.done.done():
                self._release(active)
                continue
            active.task = asyncio.create_task(self._execute(active))
            # wait() does not raise when the run's task is cancelled: the worker goes on.
            await asyncio.wait([active.task])

    async def _execute(self, active: ActiveRun) -> None:
        api = self.api
        try:
            if not active.temporary:
                await api.call(api.storage.update_run, active.run_id, {"status": "running"})
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
        except asyncio.CancelledError:
            await self._finish(active, cancelled=True)
            return
        except Exception as error:
            logger.error(
                "run %s (thread %s) failed: %s: %s",
                active.run_id,
                active.thread_id,
                type(error).__name__,
                error,
                exc_info=error,
            )
            active.outcome.error = error
            active.log.append("error", dumps(error_payload(error)))
        await self._finish(active, cancelled=False)

    async def _finish(self, active: ActiveRun, *, cancelled: bool) -> None:
        """Store how the run ended, then close its log, then wake its waiters (in this order:
        see the module docstring). Never raises: a failure here is logged on the stream."""
        api = self.api
        rollback = cancelled and active.cancel_action == "rollback"
        try:
            if active.temporary:
                body = wait_body(active.outcome, {})
            else:
                body = await api.settle_thread(
                    active.run, active.outcome, cancelled=cancelled, rollback=rollback
                )
        except Exception as error:  # storage failure: say so on the stream, once
            logger.exception(
                "run %s (thread %s): storing how it ended failed", active.run_id, active.thread_id
            )
            active.log.append("error", dumps(error_payload(error)))
            body = {"__error__": error_payload(error)}
        active.body = {} if cancelled else body
        if active.temporary:  # no stored row: its in-memory one shows how it ended
            active.run["status"] = final_status(active.outcome, cancelled)
        self._bodies[active.run_id] = active.body
        if len(self._bodies) > 10_000:
            self._bodies.popitem(last=False)
        if rollback:  # the run is gone: nothing may find it, not even its log
            active.log.run = None
        api.logs.close(active.run_id)
        if not active.done.done():
            active.done.set_result(active.body)
        self.active.pop(active.run_id, None)
        self._release(active)
        webhook = active.run["kwargs"].get("webhook")
        if webhook and not rollback:
            api.background(api.send_webhook(webhook, active))

    def _release(self, active: ActiveRun) -> None:
        """The thread is free: start its next waiting run."""
        thread_id = active.thread_id
        if self._thread_current.get(thread_id) is active:
            del self._thread_current[thread_id]
            waiting = self._thread_waiting.get(thread_id)
            while waiting:
                following = waiting.popleft()
                if not following.done.done():
                    self._thread_current[thread_id] = following
                    self._ready.put_nowait(following)
                    break
            if waiting is not None and not waiting:
                del self._thread_waiting[thread_id]

    # -- cancelling ------------------------------------------------------------------------------

    async def cancel(self, run_id: str, *, action: str = "interrupt", wait: bool = False) -> bool:
        """Cancel a pending or running run; ``False`` if it is not (or no longer) active."""
        active = self.active.get(run_id)
        if active is None or active.done.done():
            return False
        self._cancel_now(active, action)
        if wait:
            await asyncio.wait([active.done])
        return True

    def request_cancel(self, run_id: str, action: str = "interrupt") -> None:
        """Cancel without waiting (for code that cannot await: a closing stream)."""
        active = self.active.get(run_id)
        if active is not None and not active.done.done():
            self._cancel_now(active, action)

    def _cancel_now(self, active: ActiveRun, action: str) -> None:
        if active.cancel_action is not None:  # already being cancelled
            return
        logger.info("run %s (thread %s): cancelling (%s)", active.run_id, active.thread_id, action)
        active.cancel_action = action
        if active.task is not None:
            active.task.cancel()
            return
        # Not started: nothing ran, so it ends here (removed from its thread's queue).
        waiting = self._thread_waiting.get(active.thread_id)
        if waiting is not None and active in waiting:
            waiting.remove(active)
        asyncio.get_running_loop().create_task(self._finish(active, cancelled=True))

    async def wait(self, active: ActiveRun) -> Any:
        return await asyncio.shield(active.done)


def final_status(outcome: Outcome, cancelled: bool) -> RunStatus:
    """How a run ended, as its ``status`` says it."""
    if cancelled:
        return "interrupted"
    return "error" if outcome.error is not None else "success"
