"""The drivers: the only code that knows threads and event loops.

``drive`` (sync) and ``adrive`` (async) have the same shape: ask the loop for a step's tasks,
run them, hand each finished task back to the loop, and yield events as they appear. Events
written while a node runs (``custom``, nested graphs) reach the consumer through the level's
inbox while the node is still running; a step with a single task and nobody waiting for such
events runs inline on the consumer's thread (the fast path).

Stopping is structured: when a level stops (success, error, or the consumer closing the
stream), nothing it started is still running. Async tasks are cancelled; worker threads
cannot be, so the driver waits for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import copy_context
from queue import SimpleQueue
from typing import Any

from streamgraph._context import SCOPE
from streamgraph.pregel._execute import arun_task, run_task
from streamgraph.pregel._inbox import AsyncInbox
from streamgraph.pregel._loop import Loop, Task
from streamgraph.pregel._pool import submit

__all__ = ("adrive", "drive")

Shape = Callable[[Any], Any]


def _report(context: Any, task: Task, loop: Loop, put: Callable[[Any], None]) -> None:
    """Run a task on a worker thread and put it back into the inbox when it is done."""
    try:
        context.run(run_task, task, loop)
    except BaseException as error:
        task.error = error
    put(task)


def drive(loop: Loop, input: Any, shape: Shape) -> Iterator[Any]:
    inbox: SimpleQueue[Any] = SimpleQueue()
    loop.own_put = inbox.put
    tasks = loop.start(input)
    pending = 0
    try:
        while tasks:
            if len(tasks) == 1 and (loop.inline_ok or tasks[0].hidden):
                task = tasks[0]
                if loop.out:
                    yield from _flush(loop, shape)
                copy_context().run(run_task, task, loop)
                while not inbox.empty():
                    yield shape(inbox.get())
                loop.finish_task(task)
                if loop.out:
                    yield from _flush(loop, shape)
                if task.error is not None:
                    raise loop.finish_error(task)
            else:
                for task in tasks:
                    submit(_report, copy_context(), task, loop, inbox.put)
                pending = len(tasks)
                if loop.out:
                    yield from _flush(loop, shape)
                while pending:
                    item = inbox.get()
                    if type(item) is tuple:
                        yield shape(item)
                        continue
                    pending -= 1
                    loop.finish_task(item)
                    if loop.out:
                        yield from _flush(loop, shape)
                    if item.error is not None:
                        pending = _wait(inbox, pending)
                        raise loop.finish_error(item)
            tasks = loop.tick()
        if loop.out:
            yield from _flush(loop, shape)
    finally:
        if pending:
            _wait(inbox, pending)


def _flush(loop: Loop, shape: Shape) -> Iterator[Any]:
    out = loop.out
    loop.out = []
    for event in out:
        yield shape(event)


def _wait(inbox: SimpleQueue[Any], pending: int) -> int:
    """Block until ``pending`` running tasks have finished; drop their events."""
    while pending:
        if type(inbox.get()) is not tuple:
            pending -= 1
    return 0


async def _areport(task: Task, loop: Loop, put: Callable[[Any], None]) -> None:
    try:
        await arun_task(task, loop)
    except asyncio.CancelledError:
        raise
    except BaseException as error:
        task.error = error
    put(task)


async def _run_inline(task: Task, loop: Loop) -> None:
    token = SCOPE.set(task.scope)
    try:
        await arun_task(task, loop)
    finally:
        SCOPE.reset(token)


def _has_async(task: Task) -> bool:
    node = task.node
    return node.is_async or node.is_subgraph or node.is_runnable


async def adrive(loop: Loop, input: Any, shape: Shape) -> AsyncIterator[Any]:
    inbox = AsyncInbox()
    loop.own_put = inbox.put
    tasks = loop.start(input)
    running: list[tuple[Task, asyncio.Task[None]]] = []
    pending: set[Task] = set()
    try:
        while tasks:
            task = tasks[0]
            if len(tasks) == 1 and (task.hidden or (loop.inline_ok and _has_async(task))):
                for event in _take(loop, inbox, shape, inbox_too=True):
                    yield event
                await _run_inline(task, loop)
                loop.finish_task(task)
                for event in _take(loop, inbox, shape, inbox_too=True):
                    yield event
                if task.error is not None:
                    raise loop.finish_error(task)
            else:
                pending = set(tasks)
                running = _launch(tasks, loop, inbox)
                for event in _take(loop, inbox, shape):
                    yield event
                while pending:
                    item = await inbox.get()
                    if type(item) is tuple:
                        yield shape(item)
                        continue
                    pending.discard(item)
                    loop.finish_task(item)
                    for event in _take(loop, inbox, shape):
                        yield event
                    if item.error is not None:
                        await _astop(running, inbox, pending)
                        raise loop.finish_error(item)
            tasks = loop.tick()
        for event in _take(loop, inbox, shape):
            yield event
    finally:
        if pending:
            await _astop(running, inbox, pending)


def _launch(
    tasks: list[Task], loop: Loop, inbox: AsyncInbox
) -> list[tuple[Task, asyncio.Task[None]]]:
    running = []
    for task in tasks:
        if _has_async(task):
            job = asyncio.create_task(_areport(task, loop, inbox.put), context=copy_context())
            running.append((task, job))
        else:
            submit(_report, copy_context(), task, loop, inbox.put)
    return running


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
