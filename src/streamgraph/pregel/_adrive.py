"""The async driver: ``adrive``, the twin of ``drive`` in ``_drive.py`` (same shape).

Kept in its own module so that ``import streamgraph.graph`` does not import asyncio; the
first ``astream``/``ainvoke`` does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextvars import copy_context
from typing import Any

from streamgraph._context import SCOPE
from streamgraph.pregel._checkpoint import restore
from streamgraph.pregel._drive import Shape, _nothing_to_keep, _report, drive
from streamgraph.pregel._execute import DRIVER_LOOP, arun_task
from streamgraph.pregel._inbox import AsyncInbox, Room
from streamgraph.pregel._lifecycle import aflush as aflush_lifecycle
from streamgraph.pregel._lifecycle import note_interrupt
from streamgraph.pregel._loop import Loop, StopRun, Task
from streamgraph.pregel._persist import AsyncPersister
from streamgraph.pregel._pool import submit

__all__ = ("adrive", "arun_on_worker", "astream_on_worker")


async def _areport(task: Task, loop: Loop, put: Callable[[Any], None]) -> None:
    try:
        await arun_task(task, loop)
    except asyncio.CancelledError:
        raise
    except BaseException as error:
        task.error = error
    put(task)


async def _run_inline(task: Task, loop: Loop) -> None:
    token = SCOPE.set(task)
    try:
        await arun_task(task, loop)
    finally:
        SCOPE.reset(token)


def _has_async(task: Task) -> bool:
    node = task.node
    return node.is_async or node.is_subgraph or node.is_runnable


async def adrive(loop: Loop, input: Any, shape: Shape) -> AsyncIterator[Any]:
    if loop.traced:
        from streamgraph.pregel._tracing import Tracing

        tracing = loop.tracing = Tracing(loop, input)
        try:
            async for event in _adrive(loop, input, shape):
                yield event
        except BaseException as error:
            tracing.failed(error)
            raise
        tracing.finished(loop.output())
        return
    async for event in _adrive(loop, input, shape):
        yield event


async def _adrive(loop: Loop, input: Any, shape: Shape) -> AsyncIterator[Any]:
    if loop.saver is None:
        async for event in _asteps(loop, input, shape):
            yield event
        return
    persister = loop.persister = AsyncPersister(loop.saver, loop.durability)
    restore(loop, await persister.restore(loop.saver_config))
    finished = False
    try:
        async for event in _asteps(loop, input, shape):
            yield event
        finished = True
    finally:
        await _asave(loop)
        if finished and _nothing_to_keep(loop):
            persister.held = []
        await persister.close()


async def _asave(loop: Loop) -> None:
    if loop.saves:
        ops, loop.saves = loop.saves, []
        await loop.persister.flush(ops)


async def _asteps(loop: Loop, input: Any, shape: Shape) -> AsyncIterator[Any]:
    inbox = AsyncInbox()
    loop.set_own_put(inbox.put)
    tasks = loop.start(input)
    await _asave(loop)
    if loop.lifecycle:
        await aflush_lifecycle(loop)
    running: list[tuple[Task, asyncio.Task[None]]] = []
    pending: set[Task] = set()
    try:
        while tasks:
            task = tasks[0]
            inline = loop.inline_ok and _has_async(task) and loop.graph.step_timeout is None
            if len(tasks) == 1 and (task.hidden or inline):
                for event in _take(loop, inbox, shape, inbox_too=True):
                    yield event
                await _run_inline(task, loop)
                for event in _take(loop, inbox, shape, inbox_too=True):  # its @task calls'
                    yield event
                loop.finish_task(task)
                await _asave(loop)
                for event in _take(loop, inbox, shape, inbox_too=True):
                    yield event
                if task.error is not None:
                    raise loop.finish_error(task)
            else:
                running = []
                async for event in _aparallel_step(loop, tasks, inbox, shape, pending, running):
                    yield event
            try:
                tasks = loop.take_followups() or loop.tick()
            except Exception:  # the step's events (its values) come before the error
                for event in _take(loop, inbox, shape):
                    yield event
                raise
            await _asave(loop)
        for event in _take(loop, inbox, shape):
            yield event
        if loop.interrupted and loop.config.get("callbacks"):
            note_interrupt(loop)
            await aflush_lifecycle(loop)
    finally:
        if pending:
            await _astop(running, inbox, pending)


async def _aparallel_step(
    loop: Loop,
    tasks: list[Task],
    inbox: AsyncInbox,
    shape: Shape,
    pending: set[Task],
    running: list[tuple[Task, asyncio.Task[None]]],
) -> AsyncIterator[Any]:
    """Several tasks (or sync ones): async nodes as tasks, sync nodes on worker threads."""
    waiting = tasks[::-1]
    while waiting and len(pending) < loop.max_concurrency:
        _launch(waiting.pop(), loop, inbox, pending, running)
    for event in _take(loop, inbox, shape):
        yield event
    step_timeout = loop.graph.step_timeout
    deadline = None if step_timeout is None else time.monotonic() + step_timeout
    while pending:
        if deadline is None:
            item = await inbox.get()
        else:
            try:
                item = await asyncio.wait_for(inbox.get(), max(deadline - time.monotonic(), 0))
            except TimeoutError:  # the graph's step_timeout: stop the step's tasks
                await _astop(running, inbox, pending)
                raise
        if type(item) is tuple:
            yield shape(item)
            continue
        pending.discard(item)
        loop.finish_task(item)
        for handler in loop.take_followups():  # a failed node's error handler
            _launch(handler, loop, inbox, pending, running)
        if waiting and item.error is None:  # max_concurrency: start the next one
            _launch(waiting.pop(), loop, inbox, pending, running)
        await _asave(loop)
        for event in _take(loop, inbox, shape):
            yield event
        if item.error is not None:
            await _astop(running, inbox, pending)
            raise loop.finish_error(item)


def _launch(
    task: Task,
    loop: Loop,
    inbox: AsyncInbox,
    pending: set[Task],
    running: list[tuple[Task, asyncio.Task[None]]],
) -> None:
    pending.add(task)
    if _has_async(task):
        job = asyncio.create_task(_areport(task, loop, inbox.put), context=copy_context())
        running.append((task, job))
    else:
        context = copy_context()
        if any(branch.is_async for branch in task.node.branches):
            context.run(DRIVER_LOOP.set, asyncio.get_running_loop())
        submit(_report, context, task, loop, inbox.put)


def _take(loop: Loop, inbox: AsyncInbox, shape: Shape, inbox_too: bool = False) -> list[Any]:
    """Events ready to hand out: the loop's own, then (around inline steps) anything that
    arrived in the inbox meanwhile."""
    events = [shape(e) for e in loop.out] if loop.out else []
    loop.out = []
    if inbox_too:
        while True:
            try:
                events.append(shape(inbox.get_nowait()))
            except IndexError:
                break
    return events


async def _astop(
    running: list[tuple[Task, asyncio.Task[None]]], inbox: AsyncInbox, pending: set[Task]
) -> None:
    """Cancel this level's async tasks and wait until every task (threads too) is over."""
    jobs = [job for _, job in running if not job.done()]
    for job in jobs:
        job.cancel()
    if jobs:
        await asyncio.gather(*jobs, return_exceptions=True)
    for task, job in running:
        if job.cancelled():
            pending.discard(task)
    while pending:
        while True:
            try:
                item = inbox.get_nowait()
            except IndexError:
                break
            if type(item) is not tuple:
                pending.discard(item)
        if pending:
            item = await inbox.get()
            if type(item) is not tuple:
                pending.discard(item)


async def arun_on_worker(loop: Loop, input: Any) -> None:
    """Run a whole level with the sync driver on one worker thread and wait for it.

    For ``ainvoke`` of graphs whose nodes are all sync: one thread round trip per run
    instead of one per step, and the event loop is never blocked. If the waiting coroutine
    is cancelled, the run stops at its next step boundary and this returns only after that
    (nothing of it is still running).
    """
    event_loop = asyncio.get_running_loop()
    waiters = [event_loop.create_future()]
    finished: list[BaseException | None] = []

    def wake(error: BaseException | None) -> None:
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(error)

    def job() -> None:
        error: BaseException | None = None
        try:
            for _ in drive(loop, input, _no_events):
                pass
        except BaseException as raised:  # handed to the awaiting coroutine
            error = raised
        finished.append(error)  # before the wake-up: see the cancellation path below
        try:
            event_loop.call_soon_threadsafe(wake, error)
        except RuntimeError:  # the event loop is gone: nobody is waiting any more
            pass

    submit(copy_context().run, job)
    try:
        error = await waiters[0]
    except asyncio.CancelledError:
        loop.stop_requested = True
        await _until_finished(event_loop, waiters, finished)
        raise
    if isinstance(error, StopRun):
        raise asyncio.CancelledError
    if error is not None:
        raise error


async def _until_finished(
    event_loop: asyncio.AbstractEventLoop, waiters: list[asyncio.Future[Any]], finished: list[Any]
) -> None:
    """After a cancellation: wait, ignoring further cancellations, until the job is over."""
    waiter = event_loop.create_future()
    waiters.append(waiter)  # woken by the job's wake-up, unless it already happened:
    while not finished:
        try:
            await asyncio.shield(waiter)
        except asyncio.CancelledError:
            continue


async def astream_on_worker(loop: Loop, input: Any, shape: Shape) -> AsyncIterator[Any]:
    """Run a whole level with the sync driver on one worker thread, yielding its events
    here as they come (one wake-up of the event loop per batch of events).

    For graphs whose nodes are all sync, in a server: one thread round trip per run instead
    of one per step. The worker runs ahead of the consumer by at most ``LIMIT`` events
    (``_inbox.Room``), then waits for it to catch up. Closing or
    cancelling the consumer stops the run at its next step boundary, nested runs included,
    and returns once the worker is done.
    """
    import threading

    event_loop = asyncio.get_running_loop()
    arrived = asyncio.Event()
    pending: list[Any] = []
    room = Room(pending.__len__)
    lock = threading.Lock()
    outcome: list[BaseException | None] = []

    def job() -> None:
        error: BaseException | None = None
        try:
            for item in drive(loop, input, shape):
                with lock:
                    pending.append(item)
                    first = len(pending) == 1
                if first:
                    event_loop.call_soon_threadsafe(arrived.set)
                room.wait()
        except BaseException as raised:  # handed to the consumer
            error = raised
        with lock:
            outcome.append(error)
        try:
            event_loop.call_soon_threadsafe(arrived.set)
        except RuntimeError:  # the event loop is gone: nobody is waiting any more
            pass

    submit(copy_context().run, job)
    try:
        while True:
            await arrived.wait()
            arrived.clear()
            with lock:
                batch = pending[:]
                del pending[:]
                over = bool(outcome)
            room.taken()
            for item in batch:
                yield item
            if over and not pending:
                break
    except BaseException:  # cancelled, or the consumer went away
        loop.stop_requested = True
        room.release()
        while not outcome:
            try:
                await asyncio.shield(arrived.wait())
            except asyncio.CancelledError:
                continue
            arrived.clear()
        raise
    error = outcome[0]
    if isinstance(error, StopRun):
        raise asyncio.CancelledError
    if error is not None:
        raise error


def _no_events(event: Any) -> Any:
    raise AssertionError(f"an invoke-style run produced an event: {event!r}")
