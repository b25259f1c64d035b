"""The drivers: the only code that knows threads and event loops.

``drive`` (sync, here) and ``adrive`` (async, ``_adrive.py``) have the same shape: ask the
loop for a step's tasks, run them, hand each finished task back to the loop, and yield events as
they appear. Events
written while a node runs (``custom``, nested graphs) reach the consumer through the level's
inbox while the node is still running; a step with a single task and nobody waiting for such
events runs inline on the consumer's thread (the fast path).

Stopping is structured: when a level stops (success, error, or the consumer closing the
stream), nothing it started is still running. Async tasks are cancelled; worker threads
cannot be, so the driver waits for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import copy_context
from queue import SimpleQueue
from typing import Any

from streamgraph.pregel._execute import run_task
from streamgraph.pregel._loop import Loop, Task
from streamgraph.pregel._pool import submit

__all__ = ("drive",)

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
                waiting = tasks[::-1]
                while waiting and pending < loop.max_concurrency:
                    submit(_report, copy_context(), waiting.pop(), loop, inbox.put)
                    pending += 1
                if loop.out:
                    yield from _flush(loop, shape)
                while pending:
                    item = inbox.get()
                    if type(item) is tuple:
                        yield shape(item)
                        continue
                    pending -= 1
                    if waiting:  # max_concurrency: start the next one
                        submit(_report, copy_context(), waiting.pop(), loop, inbox.put)
                        pending += 1
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
