"""Running one task: call the node, turn its result into writes, route, retry.

``run_task`` and ``arun_task`` are the sync and async forms of the same steps. They never
raise for a node's failure: the outcome lands on the task (``writes``, ``error``,
``interrupts``) and the driver decides what to do with it.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from streamgraph._context import SCOPE
from streamgraph.errors import GraphBubbleUp, GraphInterrupt, ParentCommand
from streamgraph.pregel._messages import set_langchain_context
from streamgraph.types import Command, RetryPolicy

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop, Task

__all__ = ("arun_task", "run_task")


def _sync_only(task: Task, what: str) -> TypeError:
    return TypeError(
        f"No synchronous function provided to {task.name!r}: its {what} is async (async def). "
        "Run the graph with the async API (ainvoke, astream, ...), or make it a regular "
        "function."
    )


def _from_parent(error: ParentCommand) -> Command[Any]:
    """A ``Command(graph=PARENT)`` raised by a graph run inside this task is this task's own
    result."""
    command = error.command
    return Command(update=command.update, goto=command.goto)


def _retry_delay(policy: RetryPolicy, attempt: int) -> float:
    import random

    delay = min(policy.max_interval, policy.initial_interval * policy.backoff_factor**attempt)
    return delay + random.uniform(0, 1) if policy.jitter else delay


def _policy_for(task: Task, error: Exception, attempt: int) -> RetryPolicy | None:
    for policy in task.node.retry_policy:
        retry_on = policy.retry_on
        if isinstance(retry_on, type):
            matches = isinstance(error, retry_on)
        elif isinstance(retry_on, list | tuple):
            matches = isinstance(error, tuple(retry_on))
        else:
            matches = bool(retry_on(error))  # type: ignore[operator]
        if matches:
            return policy if attempt + 1 < policy.max_attempts else None
    return None


def route_task(task: Task, loop: Loop) -> None:
    node = task.node
    state = loop.fresh_state(task.writes, task.step)
    for branch in node.branches:
        if branch.is_async:
            raise _sync_only(task, f"conditional edge '{branch.name}'")
        result = branch.call(state, task)
        task.writes.extend(branch.writes_for(result, node.name, node.known))


async def _aroute(task: Task, loop: Loop) -> None:
    node = task.node
    state = loop.fresh_state(task.writes, task.step)
    for branch in node.branches:
        result = branch.call(state, task)
        if branch.is_async:
            result = await result
        task.writes.extend(branch.writes_for(result, node.name, node.known))


def _record_failure(task: Task, error: BaseException) -> None:
    if isinstance(error, GraphInterrupt):
        task.writes = []
        task.interrupts = error.interrupts
    else:
        task.error = error


def run_task(task: Task, loop: Loop) -> None:
    """Run ``task`` to completion on this thread (call inside the task's context)."""
    SCOPE.set(task)
    if "langchain_core.runnables.config" in sys.modules:
        set_langchain_context(task)
    node = task.node
    attempt = 0
    while True:
        routed = False
        try:
            if node.is_async:
                raise _sync_only(task, "node function")
            try:
                result = node.call(task.input, task)
            except ParentCommand as command:
                result = _from_parent(command)
            writes = node.writes_for(result)
            writes.extend(node.edge_writes)
            task.writes = writes
            if node.branches:
                routed = True
                route_task(task, loop)
            return
        except GraphBubbleUp as bubble:
            _record_failure(task, bubble)
            return
        except Exception as error:
            policy = None if routed else _policy_for(task, error, attempt)
            if policy is None:
                if not routed:
                    task.writes = []
                task.error = error
                return
            time.sleep(_retry_delay(policy, attempt))
            attempt += 1


async def arun_task(task: Task, loop: Loop) -> None:
    """Run ``task`` on the event loop (call inside the task's context)."""
    SCOPE.set(task)
    if "langchain_core.runnables.config" in sys.modules:
        set_langchain_context(task)
    node = task.node
    attempt = 0
    while True:
        routed = False
        try:
            try:
                result = await node.acall(task.input, task)
            except ParentCommand as command:
                result = _from_parent(command)
            writes = node.writes_for(result)
            writes.extend(node.edge_writes)
            task.writes = writes
            if node.branches:
                routed = True
                await _aroute(task, loop)
            return
        except GraphBubbleUp as bubble:
            _record_failure(task, bubble)
            return
        except Exception as error:
            policy = None if routed else _policy_for(task, error, attempt)
            if policy is None:
                if not routed:
                    task.writes = []
                task.error = error
                return
            import asyncio

            await asyncio.sleep(_retry_delay(policy, attempt))
            attempt += 1
