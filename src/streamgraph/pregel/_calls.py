"""Functional-API task calls: a ``@task`` called while a task runs (an ``@entrypoint``, a
graph node, another ``@task``) runs as a *push* task of the current step.

The call gets an id derived from its caller's id and its position among the caller's calls,
so a caller re-run from the same checkpoint (resuming after an interrupt, retrying after a
failure) makes the same calls under the same ids. A call whose result was saved at that
checkpoint returns it without running again; one that was interrupted runs again with its
``interrupt()`` answers. Its result is saved as a ``__return__`` write under its own id when
its caller finishes (the driver's thread does every save).

A call returns a future: ``CallFuture`` (a ``concurrent.futures.Future`` that can also be
awaited) on sync callers, an ``asyncio`` future on the event loop. On the event loop it runs
as an asyncio task (sync functions: on the worker pool). On a sync caller it starts on the
worker pool once the caller makes another call, waits, or finishes; asked for its result
before that, it runs on the caller's own thread (async functions called from sync code run on
an event loop of their own). Its ``updates`` and ``tasks`` events are delivered while the
step runs, from whichever thread finishes it. A caller finishes after every call it made.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Generator, Sequence
from contextvars import copy_context
from datetime import UTC, datetime
from functools import partial
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from streamgraph._context import SCOPE
from streamgraph.channels.base import MISSING
from streamgraph.checkpoint.base import ERROR, RESUME
from streamgraph.constants import INTERRUPT, NS_END, NS_SEP, PUSH
from streamgraph.errors import GraphInterrupt
from streamgraph.pregel._execute import arun_task, run_task
from streamgraph.pregel._ids import interrupt_id, task_id
from streamgraph.pregel._node import Node, is_async_callable
from streamgraph.pregel._pool import submit
from streamgraph.pregel._scope import Task
from streamgraph.types import RetryPolicy, TimeoutPolicy

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop

__all__ = ("RETURN", "CallFuture", "CallNode", "await_calls", "call", "wait_for_calls")

RETURN = "__return__"
_COUNTING = threading.Lock()


class _CallSchema:
    """A call's input is ``(args, kwargs)``: no state keys to read."""

    kind = "call"
    stored_keys: tuple[str, ...] = ()
    managed: dict[str, Any] = {}


_SCHEMA: Any = _CallSchema()


class CallNode(Node):
    """The node a ``@task`` function runs as: called with the call's own arguments, its
    return value written to ``__return__``."""

    __slots__ = ()

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> None:
        super().__init__(
            name,
            fn,
            input_schema=_SCHEMA,
            state_schema=_SCHEMA,
            writable=frozenset(),
            triggers=(PUSH,),
            retry_policy=retry_policy,
            timeout=timeout,
        )
        self.is_async = is_async_callable(fn)
        self.call = _call_with_arguments(fn)

    def writes_for(self, value: Any) -> list[tuple[str, Any]]:
        return [(RETURN, value)]


def _call_with_arguments(fn: Callable[..., Any]) -> Callable[[Any, Any], Any]:
    def call(value: Any, scope: Any) -> Any:
        args, kwargs = value
        return fn(*args, **kwargs)

    return call


class CallFuture(concurrent.futures.Future[Any]):
    """A call's result on a sync caller: ``.result()`` waits for it (keeping the stream's
    events flowing meanwhile); ``await`` works too.

    A call starts on the worker pool when its caller makes another call or finishes; one
    whose result is asked for before that runs right there on the caller's thread (so
    ``step(x).result()`` costs no thread hop)."""

    def __init__(self, job: Callable[[], None] | None = None, caller: Task | None = None) -> None:
        super().__init__()
        self._settled: SimpleQueue[bool] | None = None
        self._job = job
        self._caller = caller
        # concurrent.futures.wait()/as_completed() register a waiter: that starts it too
        self._waiters: list[Any] = _StartingList(self)

    def _take_job(self) -> Callable[[], None] | None:
        if self._job is None:
            return None
        with self._condition:
            job, self._job = self._job, None
        return job

    def start(self) -> None:
        """Run it on the worker pool, unless it has started."""
        job = self._take_job()
        if job is not None:
            submit(job)

    def result(self, timeout: float | None = None) -> Any:
        job = self._take_job()
        if job is not None:
            job()
        elif not self.done() and timeout is None:
            from streamgraph.pregel._mailbox import wait_for

            if self._caller is not None:  # the calls made after it run while it waits
                for sibling in self._caller.call_futures:
                    if type(sibling) is CallFuture:
                        sibling.start()

            with self._condition:
                if not self.done():
                    self._settled = SimpleQueue()
            if self._settled is not None:
                wait_for(self._settled)
        return super().result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self.start()
        return super().exception(timeout)

    # Whoever looks at it any other way is waiting for it: it starts.
    def done(self) -> bool:
        if self._job is not None:
            self.start()
        return super().done()

    def running(self) -> bool:
        if self._job is not None:
            self.start()
        return super().running()

    def add_done_callback(self, fn: Callable[[Any], object]) -> None:
        self.start()
        super().add_done_callback(fn)

    def settle(self, ok: bool, value: Any) -> None:
        if ok:
            self.set_result(value)
        else:
            self.set_exception(value)
        settled = self._settled
        if settled is not None:
            settled.put(True)

    def __await__(self) -> Generator[Any, None, Any]:
        self.start()
        return asyncio.wrap_future(self).__await__()


class _StartingList(list[Any]):
    """A future's waiter list whose first waiter starts the future."""

    def __init__(self, future: CallFuture) -> None:
        super().__init__()
        self.future = future

    def append(self, waiter: Any) -> None:
        super().append(waiter)
        if self.future._job is not None:  # (the future's lock is held: it is reentrant)
            self.future.start()


def call(node: CallNode, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Start a call of ``node`` from the running task; return its future."""
    parent: Task | None = SCOPE.get(None)
    if parent is None:
        raise RuntimeError(
            f"Called task {node.name!r} outside of a running graph: call tasks from an "
            "@entrypoint, a graph node or another @task"
        )
    loop = parent.loop
    child = _child_task(loop, parent, node, (args, kwargs))
    if loop.want_tasks:
        _emit_live(loop, child, {**_start(child)})
    saved = _saved_writes(loop, child.id)
    if saved is not None and (
        any(c == RETURN for c, _ in saved) or not any(c in (ERROR, INTERRUPT) for c, _ in saved)
    ):
        value = next((v for c, v in saved if c == RETURN), None)
        return _done_future(value)
    if saved is not None:
        child.resuming = True
        child.resume = list(next((v for c, v in saved if c == RESUME), ()))
    if loop.tracing is not None or loop.events is not None:
        _run_started(loop, parent, child, args, kwargs)
    answer = loop.call_answers.pop(child.id, MISSING) if loop.call_answers else MISSING
    if answer is not MISSING:
        child.resume = [*child.resume, answer]
        child.resuming = True
    try:
        aloop = asyncio.get_running_loop()
    except RuntimeError:
        aloop = None
    futures = parent.call_futures
    if futures and type(futures[-1]) is CallFuture:
        futures[-1].start()  # a call made after it: they run side by side
    if aloop is not None:
        started = _start_async(aloop, loop, parent, child)
    else:
        started = CallFuture(caller=parent)
        started._job = partial(_run_sync, copy_context(), loop, parent, child, started)
    futures.append(started)
    return started


def wait_for_calls(task: Task) -> None:
    """Block until every call ``task`` made has finished (so their results are saved with
    it, even those it never waited for)."""
    futures = task.call_futures
    for future in futures[:-1]:
        if type(future) is CallFuture:
            future.start()
    for future in futures:
        if not future.done():
            try:
                future.result()
            except BaseException:  # the caller's business: it saw it, or chose not to
                pass
    task.call_futures = []


async def await_calls(task: Task) -> None:
    """``wait_for_calls`` on the event loop."""
    futures = [f for f in task.call_futures if not f.done()]
    task.call_futures = []
    if futures:
        await asyncio.gather(
            *(asyncio.wrap_future(f) if isinstance(f, CallFuture) else f for f in futures),
            return_exceptions=True,
        )


def _child_task(loop: Loop, parent: Task, node: CallNode, input: Any) -> Task:
    with _COUNTING:  # (a ToolNode's tools call from threads of their own)
        index = parent.calls
        parent.calls += 1
    # (from the caller's id, which is unique too without a checkpointer: parallel callers
    # make ids without sharing a counter)
    id = task_id(bytes.fromhex(parent.id.replace("-", "")), PUSH, str(index))
    local = f"{node.name}{NS_END}{id}"
    path = (PUSH, parent.path, index, True)  # (as LangGraph shows a call's path)
    return Task(
        loop,
        node,
        node.name,
        input,
        path,
        (*parent.order, index),
        (PUSH,),
        parent.step,
        id,
        f"{parent.ns}{NS_SEP}{local}",  # nested graphs it runs stream under its caller's
        (*parent.ns_path, local),
    )


def _saved_writes(loop: Loop, id: str) -> list[tuple[str, Any]] | None:
    if loop.saver is None or not loop.pending_writes:
        return None
    found = [(channel, value) for task, channel, value in loop.pending_writes if task == id]
    return found or None


def _done_future(value: Any) -> Any:
    try:
        aloop = asyncio.get_running_loop()
    except RuntimeError:
        future = CallFuture()
        future.set_result(value)
        return future
    done = aloop.create_future()
    done.set_result(value)
    return done


def _run_sync(context: Any, loop: Loop, parent: Task, child: Task, future: CallFuture) -> None:
    try:
        if child.node.is_async:
            context.run(asyncio.run, arun_task(child, loop))
        else:
            context.run(run_task, child, loop)
    except BaseException as error:
        child.error = error
    ok, value = _finished(loop, parent, child)
    future.settle(ok, value)


def _start_async(aloop: asyncio.AbstractEventLoop, loop: Loop, parent: Task, child: Task) -> Any:
    if child.node.is_async:
        return aloop.create_task(_arun(loop, parent, child), context=copy_context())
    future = aloop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def job(context: Any) -> None:
        try:
            context.run(run_task, child, loop)
        except BaseException as error:
            child.error = error
        ok, value = _finished(loop, parent, child)
        aloop.call_soon_threadsafe(settle, ok, value)

    submit(job, copy_context())
    return future


async def _arun(loop: Loop, parent: Task, child: Task) -> Any:
    try:
        await arun_task(child, loop)
    except asyncio.CancelledError:
        raise
    except BaseException as error:
        child.error = error
    ok, value = _finished(loop, parent, child)
    if not ok:
        raise value
    return value


def _finished(loop: Loop, parent: Task, child: Task) -> tuple[bool, Any]:
    """Record a finished call (saved with its caller) and stream what it shows."""
    if child.interrupts:
        if _raised_here(child):
            parent.call_tasks.append(child)
        else:  # passed up from a call of its own (saved there); it runs again on resume
            parent.call_tasks.extend(child.call_tasks)
        return False, GraphInterrupt(child.interrupts)
    parent.call_tasks.append(child)
    value = next((v for c, v in child.writes if c == RETURN), None)
    if child.trace_run is not None:
        _run_finished(child, value)
    if child.error is None and loop.want_updates:
        loop.put_live("updates", {child.name: value})
    if loop.want_tasks:
        _emit_live(loop, child, _result(child, value))
    if child.error is not None:
        return False, child.error
    return True, value


def _run_started(
    loop: Loop, parent: Task, child: Task, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """The call's callback run (for the user's tracers and ``astream_events``): a child of
    its caller's run, its inputs by parameter name."""
    import inspect
    import uuid

    callbacks: Any = parent.config.get("callbacks")
    if not hasattr(callbacks, "on_chain_start"):
        return
    try:
        inputs = dict(inspect.signature(child.node.fn).bind(*args, **kwargs).arguments)
    except (TypeError, ValueError):
        inputs = {"args": args, "kwargs": kwargs}
    run_id = uuid.UUID(loop.events.run_of(child)) if loop.events is not None else None
    child.trace_run = callbacks.on_chain_start(None, inputs, name=child.name, run_id=run_id)


def _run_finished(child: Task, value: Any) -> None:
    from streamgraph.pregel._tracing import streamed

    run = child.trace_run
    child.trace_run = None
    if child.error is not None or child.interrupts:
        run.on_chain_error(child.error or GraphInterrupt(child.interrupts))
        return
    streamed(run, value)
    run.on_chain_end(value)


def _raised_here(task: Task) -> bool:
    """Whether ``task``'s interrupts come from its own ``interrupt()`` calls."""
    own = {
        interrupt_id(task.ns if index == 0 else f"{task.ns}{NS_SEP}{index}")
        for index in range(task.interrupts_seen)
    }
    return all(interrupt.id in own for interrupt in task.interrupts)


def _start(task: Task) -> dict[str, Any]:
    return {"id": task.id, "name": task.name, "input": task.input, "triggers": task.triggers}


def _result(task: Task, value: Any) -> dict[str, Any]:
    return {
        "id": task.id,
        "name": task.name,
        "error": task.error,
        "result": {RETURN: value} if task.error is None else {},
        "interrupts": [],
    }


def _emit_live(loop: Loop, task: Task, payload: dict[str, Any]) -> None:
    if "tasks" in loop.modes:
        loop.put_live("tasks", payload)
    if "debug" in loop.modes:
        loop.put_live(
            "debug",
            {
                "step": task.step,
                "timestamp": datetime.now(UTC).isoformat(),
                "type": "task_result" if "result" in payload else "task",
                "payload": payload,
            },
        )
