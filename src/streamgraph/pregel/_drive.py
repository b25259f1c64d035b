"""The drivers: the only code that knows threads and event loops.

``drive`` (sync, here) and ``adrive`` (async, ``_adrive.py``) have the same shape: ask the
loop for a step's tasks, run them, hand each finished task back to the loop, and yield events
as they appear. How a step runs depends on who is waiting for what:

- one task, and nobody needs events while it runs: inline on the consumer's thread;
- one task whose events the consumer wants live (``custom``, ``messages``, nested graphs):
  in a greenlet on the consumer's thread, each event handed over by a switch (no thread hop),
  or on a worker thread for nodes that write events by the thousand;
- several tasks: on worker threads, concurrently; events and results are yielded as they
  arrive.

Stopping is structured: when a level stops (success, error, or the consumer closing the
stream), nothing it started is still running. Async tasks are cancelled; worker threads
cannot be, so the driver waits for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from contextvars import copy_context
from queue import Empty
from threading import get_ident
from typing import Any

from greenlet import getcurrent, greenlet

from streamgraph.pregel._checkpoint import restore
from streamgraph.pregel._execute import run_task
from streamgraph.pregel._inbox import Inbox, consumer_busy
from streamgraph.pregel._lifecycle import flush as flush_lifecycle
from streamgraph.pregel._lifecycle import note_interrupt
from streamgraph.pregel._loop import Loop, StopRun, Task
from streamgraph.pregel._mailbox import PUMP, Mailbox, wait_for
from streamgraph.pregel._persist import Persister
from streamgraph.pregel._pool import submit
from streamgraph.pregel._tracing import Tracing

__all__ = ("drive",)

Shape = Callable[[Any], Any]

GREENLET_MAX_EVENTS = 64
"""A single task streaming live runs in a greenlet on the consumer's thread (no thread hop:
best for short nodes) unless its node wrote more events than this last time: a worker thread
then lets node and consumer run side by side (best for nodes writing thousands of events)."""


def _report(context: Any, task: Task, loop: Loop, put: Callable[[Any], None]) -> None:
    """Run a task on a worker thread and put it back into the inbox when it is done."""
    try:
        context.run(run_task, task, loop)
    except BaseException as error:
        task.error = error
    put(task)


def drive(loop: Loop, input: Any, shape: Shape) -> Iterator[Any]:
    if loop.traced:
        return _traced(loop, input, shape)
    if loop.saver is None:
        return _steps(loop, input, shape)  # no wrapper generator: one layer less per chunk
    return _persisted(loop, input, shape)


def _traced(loop: Loop, input: Any, shape: Shape) -> Iterator[Any]:
    """The run as a chain run of the user's LangChain tracers (see ``_tracing.py``)."""
    tracing = loop.tracing = Tracing(loop, input)
    try:
        yield from (_steps if loop.saver is None else _persisted)(loop, input, shape)
    except BaseException as error:
        tracing.failed(error)
        raise
    tracing.finished(loop.output())


def _persisted(loop: Loop, input: Any, shape: Shape) -> Iterator[Any]:
    persister = loop.persister = Persister(loop.saver, loop.durability)
    restore(loop, persister.restore(loop.saver_config))
    finished = False
    try:
        yield from _steps(loop, input, shape)
        finished = True
    finally:
        _save(loop)
        if finished and _nothing_to_keep(loop):
            persister.held = []
        persister.close()


def _nothing_to_keep(loop: Loop) -> bool:
    """A subgraph run with ``durability="exit"`` that ended normally saves nothing (its parent's
    checkpoint has its result); one that failed or was interrupted saves where it stopped."""
    return bool(loop.ns) and loop.durability == "exit" and not loop.interrupted


def _save(loop: Loop) -> None:
    if loop.saves:
        ops, loop.saves = loop.saves, []
        loop.persister.flush(ops)


def _steps(loop: Loop, input: Any, shape: Shape) -> Iterator[Any]:
    with ExitStack() as stack:
        if loop.listeners:  # nested: enclosing queues read on this thread wait for this level
            stack.enter_context(consumer_busy(listener.put for listener in loop.listeners))
        yield from _level(loop, input, shape)


def _level(loop: Loop, input: Any, shape: Shape) -> Iterator[Any]:
    mailbox = Mailbox()
    tasks = loop.start(input)
    _save(loop)
    if loop.lifecycle:
        flush_lifecycle(loop)
    while tasks:
        yield from _step(loop, tasks, mailbox, shape)
        try:
            # Error handlers of the step's failed nodes, when they could not start right away.
            tasks = loop.take_followups() or loop.tick()
        except Exception:  # the step's events (its values) come before the error
            yield from _flush(loop, shape)
            raise
        _save(loop)
    if loop.out:
        yield from _flush(loop, shape)
    if loop.interrupted and loop.config.get("callbacks"):
        note_interrupt(loop)
        flush_lifecycle(loop)


def _step(loop: Loop, tasks: list[Task], mailbox: Mailbox, shape: Shape) -> Iterator[Any]:
    """Run one step's tasks, each the cheapest way that still delivers events on time."""
    queue = mailbox.queue
    task = tasks[0]
    if loop.graph.step_timeout is not None and not task.hidden:
        # timed steps wait on their workers with a deadline
        loop.set_own_put(queue.put)
        yield from _parallel_step(loop, tasks, queue, shape)
    elif len(tasks) == 1 and (loop.inline_ok or task.hidden):
        loop.set_own_put(queue.put)
        yield from _inline_step(loop, task, queue, shape)
    elif (
        len(tasks) == 1 and not task.node.is_async and task.node.live_events <= GREENLET_MAX_EVENTS
    ):
        loop.set_own_put(mailbox.put)
        yield from _greenlet_step(loop, task, mailbox, shape)
    else:
        # Nothing runs in a greenlet here, so events skip the mailbox's checks.
        loop.set_own_put(queue.put)
        yield from _parallel_step(loop, tasks, queue, shape)


def _inline_step(loop: Loop, task: Task, inbox: Inbox, shape: Shape) -> Iterator[Any]:
    """The fast path: nobody needs events while the task runs, so run it right here."""
    if loop.out:
        yield from _flush(loop, shape)
    copy_context().run(run_task, task, loop)
    yield from _drain(inbox, shape)
    yield from _finish(loop, task, shape)


def _greenlet_step(loop: Loop, task: Task, mailbox: Mailbox, shape: Shape) -> Iterator[Any]:
    """One task whose events the consumer wants live: run it in a greenlet on this thread;
    each event it writes switches here to be yielded (see ``_mailbox.py``)."""
    if loop.out:
        yield from _flush(loop, shape)
    context = copy_context()
    context.run(PUMP.set, (*PUMP.get(), mailbox))
    runner = greenlet(_run_then_done)
    runner.gr_context = context
    queue = mailbox.queue
    mailbox.driver, mailbox.thread = getcurrent(), get_ident()
    origin = runner
    events = 0
    try:
        result = runner.switch(task, loop)
        while result is not _DONE:
            event, origin = result
            events += 1
            yield shape(event)
            if not queue.empty():
                yield from _drain(queue, shape)
            result = origin.switch()
    finally:
        mailbox.driver = None
        task.node.live_events = events
        if not runner.dead:  # the consumer stopped listening: graphs the node runs stop at
            loop.stop_requested = True  # their next step; the node itself finishes quietly
        while not runner.dead:
            origin.switch()
    yield from _drain(queue, shape)
    yield from _finish(loop, task, shape)


_DONE = object()


def _run_then_done(task: Task, loop: Loop) -> object:
    try:
        run_task(task, loop)
    except StopRun as stop:  # a graph the node ran stopped with the consumer
        task.error = stop
    return _DONE


def _parallel_step(loop: Loop, tasks: list[Task], inbox: Inbox, shape: Shape) -> Iterator[Any]:
    """Several tasks: run them on worker threads; yield events and results as they come.

    When a task fails, no further task starts, but those already running (threads cannot be
    stopped) finish and are recorded as usual (their writes saved, error handlers started);
    then the first failure is raised."""
    waiting = tasks[::-1]
    pending = 0
    events = 0
    failed: Task | None = None
    get: Callable[[], Any] = (lambda: wait_for(inbox)) if PUMP.get() else inbox.get
    step_timeout = loop.graph.step_timeout
    if step_timeout is not None and not PUMP.get():
        deadline = time.monotonic() + step_timeout

        def get() -> Any:
            try:
                return inbox.get(max(deadline - time.monotonic(), 0))
            except Empty:
                raise TimeoutError(f"step {loop.step} took over {step_timeout}s") from None

    try:
        while waiting and pending < loop.max_concurrency:
            submit(_report, copy_context(), waiting.pop(), loop, inbox.put)
            pending += 1
        if loop.out:
            yield from _flush(loop, shape)
        fast = get == inbox.get  # then: the same, one call less per event
        raw, room = inbox.get_raw, inbox.room
        while pending:
            if fast:
                item = raw()
                if room.waiting:
                    room.taken()
            else:
                item = get()
            if type(item) is tuple:
                events += 1
                yield shape(item)
                continue
            pending -= 1
            loop.finish_task(item)
            if item.error is not None and failed is None:
                failed = item
            for handler in loop.take_followups():  # a failed node's error handler
                submit(_report, copy_context(), handler, loop, inbox.put)
                pending += 1
            if waiting and failed is None:  # max_concurrency: start the next one
                submit(_report, copy_context(), waiting.pop(), loop, inbox.put)
                pending += 1
            _save(loop)
            if loop.out:
                yield from _flush(loop, shape)
        if failed is not None:
            raise loop.finish_error(failed)
    finally:
        if len(tasks) == 1:
            tasks[0].node.live_events = events
        if pending:  # stopped early: graphs the running nodes run stop at their next step
            loop.stop_requested = True
            _wait(inbox, pending)


def _finish(loop: Loop, task: Task, shape: Shape) -> Iterator[Any]:
    loop.finish_task(task)
    _save(loop)
    if loop.out:
        yield from _flush(loop, shape)
    if task.error is not None:
        raise loop.finish_error(task)


def _drain(inbox: Inbox, shape: Shape) -> Iterator[Any]:
    """Events already in the inbox (put by other threads)."""
    while not inbox.empty():
        item = inbox.get()
        if type(item) is tuple:
            yield shape(item)


def _flush(loop: Loop, shape: Shape) -> Iterator[Any]:
    out = loop.out
    loop.out = []
    for event in out:
        yield shape(event)


def _wait(inbox: Inbox, pending: int) -> int:
    """Block until ``pending`` running tasks have finished; drop their events."""
    while pending:
        if isinstance(inbox.get(), Task):
            pending -= 1
    return 0
