"""Running one task: call the node, turn its result into writes, route, retry.

``run_task`` and ``arun_task`` are the sync and async forms of the same steps. They never
raise for a node's failure: the outcome lands on the task (``writes``, ``error``,
``interrupts``) and the driver decides what to do with it.

Retries follow LangGraph: the first policy of the node (or of the graph) whose ``retry_on``
matches the error decides; it allows ``max_attempts`` attempts in all, waiting
``initial_interval * backoff_factor ** (n - 1)`` seconds (capped by ``max_interval``, plus up
to a second of jitter) before attempt ``n + 1``. An attempt covers the node and its routing:
nothing of a failed attempt is kept.
"""

from __future__ import annotations

import sys
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from streamgraph._context import SCOPE
from streamgraph.errors import GraphBubbleUp, GraphInterrupt, NodeCancelledError, ParentCommand
from streamgraph.pregel._cache import alookup, aremember, lookup, remember
from streamgraph.pregel._messages import set_langchain_context
from streamgraph.types import Command, RetryPolicy

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop, Task

__all__ = ("DRIVER_LOOP", "arun_task", "run_task")

DRIVER_LOOP: ContextVar[Any] = ContextVar("streamgraph_driver_loop", default=None)
"""The event loop of the async run a sync task was started by (on a worker thread): its
async routing functions run there, as LangGraph awaits them."""


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


def retries_on(policy: RetryPolicy, error: Exception) -> bool:
    """Whether ``policy`` applies to ``error`` (its ``retry_on``: a class, classes, or a
    predicate)."""
    retry_on = policy.retry_on
    if isinstance(retry_on, list | tuple):
        return isinstance(error, tuple(retry_on))
    if isinstance(retry_on, type) and issubclass(retry_on, Exception):
        return isinstance(error, retry_on)
    if callable(retry_on):
        return bool(retry_on(error))  # type: ignore[call-arg]
    raise TypeError(
        "retry_on must be an Exception class, a list or tuple of Exception classes, or a "
        f"callable, got {retry_on!r}"
    )


def _retry_delay(task: Task, error: Exception) -> float | None:
    """Seconds to wait before the next attempt, or ``None`` when the task has failed for
    good. Counts the failure (``task.attempt``)."""
    policies = task.node.retry_policy or task.loop.graph.retry_policy
    policy = next((p for p in policies if retries_on(p, error)), None)
    if policy is None or task.attempt >= policy.max_attempts:
        return None
    interval = min(
        policy.max_interval, policy.initial_interval * policy.backoff_factor ** (task.attempt - 1)
    )
    if policy.jitter:
        import random

        interval += random.uniform(0, 1)
    task.attempt += 1
    task.writes = []
    task.pushed = []
    task._runtime = None  # the next attempt's runtime shows the new attempt number
    task.resuming = True  # graphs run inside it continue where they stopped
    task.interrupts_seen = 0
    return interval


def _branch_state(task: Task, loop: Loop, branch: Any, states: dict[Any, Any], output: Any) -> Any:
    """The state a conditional edge sees (each input schema computed once per task).

    With the graph's own (dict) state, keys the node returned that the state does not have
    reach the edge too, as LangGraph passes them on (state keys win)."""
    schema = branch.input_schema
    if schema not in states:
        states[schema] = loop.fresh_state(task.writes, task.step, schema)
    state = states[schema]
    if schema is None and type(output) is dict and isinstance(state, dict):
        return {**output, **state}
    return state


def route_task(task: Task, loop: Loop, output: Any = None) -> None:
    node = task.node
    states: dict[Any, Any] = {}
    for branch in node.branches:
        state = _branch_state(task, loop, branch, states, output)
        run = None if task.trace_run is None else route_run(task, branch, state)
        try:
            if branch.is_async:
                result = _await_from_sync(branch.call(state, task), task, branch.name)
            else:
                result = branch.call(state, task)
        except BaseException as error:
            if run is not None:
                run.on_chain_error(error)
            raise
        if run is not None:
            run.on_chain_end({"output": result})
        task.writes.extend(branch.writes_for(result, node.name, node.known))


def route_run(task: Task, branch: Any, state: Any) -> Any:
    """A traced task's routing function as a run of its own, after the node's (LangGraph's
    step 3 of the node's sequence); ``None`` for a runnable route, which traces itself."""
    if branch.runnable is not None:
        return None
    children = task.trace_run.get_child("seq:step:3")
    inputs = state if isinstance(state, dict) else {"input": state}
    return children.on_chain_start(None, inputs, name=branch.name)


def _await_from_sync(coroutine: Any, task: Task, name: str) -> Any:
    """The result of an async routing function called from sync code: on the event loop of
    the async run the task belongs to, or (``aupdate_state``, on that loop's own thread) on
    a thread of its own; plain sync runs cannot have one."""
    import asyncio
    import threading
    from contextvars import copy_context

    driver = DRIVER_LOOP.get()
    if driver is not None:
        return asyncio.run_coroutine_threadsafe(coroutine, driver).result()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        coroutine.close()
        raise _sync_only(task, f"conditional edge '{name}'") from None
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, asyncio.run(coroutine)))
        except BaseException as error:
            outcome.append((False, error))

    thread = threading.Thread(target=copy_context().run, args=(run,))
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


async def _aroute(task: Task, loop: Loop, output: Any = None) -> None:
    node = task.node
    states: dict[Any, Any] = {}
    for branch in node.branches:
        state = _branch_state(task, loop, branch, states, output)
        run = None if task.trace_run is None else route_run(task, branch, state)
        try:
            if branch.runnable is not None:
                result = await branch.runnable.ainvoke(state, task.config)
            else:
                result = branch.call(state, task)
                if branch.is_async:
                    result = await result
        except BaseException as error:
            if run is not None:
                run.on_chain_error(error)
            raise
        if run is not None:
            run.on_chain_end({"output": result})
        task.writes.extend(branch.writes_for(result, node.name, node.known))


def _record_failure(task: Task, error: BaseException) -> None:
    if isinstance(error, GraphInterrupt):
        task.writes = []
        task.interrupts = error.interrupts
    else:
        task.error = error


def _attempt(task: Task, loop: Loop) -> None:
    node = task.node
    if node.is_async:
        raise _sync_only(task, "node function")
    try:
        result = node.call(task.input, task)
    except ParentCommand as command:
        result = _from_parent(command)
    writes = node.writes_for(result)
    writes.extend(node.edge_writes)
    task.writes = [*task.pushed, *writes] if task.pushed else writes
    if node.branches:
        route_task(task, loop, result)


def run_task(task: Task, loop: Loop) -> None:
    """Run ``task`` to completion on this thread (call inside the task's context)."""
    SCOPE.set(task)
    if "langchain_core.runnables.config" in sys.modules:
        set_langchain_context(task)
    task.started = time.time()
    if task.timeout is not None:  # compile() refuses these; a Send may still ask
        task.error = _sync_timeout(task)
        return
    try:
        _attempts(task, loop)
    finally:
        if task.call_futures:  # @task calls it started and did not wait for
            from streamgraph.pregel._calls import wait_for_calls

            wait_for_calls(task)


def _attempts(task: Task, loop: Loop) -> None:
    if task.node.cache_policy is not None and (task.cached or task.cached is None and lookup(task)):
        return
    while True:
        try:
            _attempt(task, loop)
            if task.node.cache_policy is not None:
                remember(task)
            return
        except GraphBubbleUp as bubble:
            _record_failure(task, bubble)
            return
        except Exception as error:
            delay = _retry_delay(task, error)
            if delay is None:  # (writes made before a failing route are kept, as LangGraph)
                task.error = error
                return
            time.sleep(delay)
        except BaseException as error:
            if type(error).__name__ == "CancelledError":  # no event loop here: the node's own
                task.writes = []
                task.error = _node_cancelled(task, error)
                return
            raise


def _sync_timeout(task: Task) -> ValueError:
    from streamgraph.pregel._node import SYNC_TIMEOUT

    return ValueError(f"{SYNC_TIMEOUT} Node {task.name!r} is sync.")


def _node_cancelled(task: Task, error: BaseException) -> NodeCancelledError:
    cancelled = NodeCancelledError(task.name)
    cancelled.__cause__ = error
    return cancelled


async def _aattempt(task: Task, loop: Loop) -> None:
    node = task.node
    try:
        result = await node.acall(task.input, task)
    except ParentCommand as command:
        result = _from_parent(command)
    writes = node.writes_for(result)
    writes.extend(node.edge_writes)
    task.writes = [*task.pushed, *writes] if task.pushed else writes
    if node.branches:
        await _aroute(task, loop, result)


async def arun_task(task: Task, loop: Loop) -> None:
    """Run ``task`` on the event loop (call inside the task's context)."""

    SCOPE.set(task)
    if "langchain_core.runnables.config" in sys.modules:
        set_langchain_context(task)
    task.started = time.time()
    try:
        await _aattempts(task, loop)
    except BaseException:
        for call in task.call_futures:  # the run is being cancelled: so are its calls
            call.cancel()
        raise
    finally:
        if task.call_futures:  # @task calls it started and did not wait for
            from streamgraph.pregel._calls import await_calls

            await await_calls(task)


async def _aattempts(task: Task, loop: Loop) -> None:
    import asyncio

    if task.node.cache_policy is not None and (
        task.cached or task.cached is None and await alookup(task)
    ):
        return
    while True:
        timeout = task.timeout
        try:
            if timeout is None:
                await _aattempt(task, loop)
            else:
                from streamgraph.pregel._timeout import run_with_timeout

                await run_with_timeout(task, timeout, _aattempt(task, loop))
            if task.node.cache_policy is not None:
                await aremember(task)
            return
        except GraphBubbleUp as bubble:
            _record_failure(task, bubble)
            return
        except asyncio.CancelledError as error:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the run is being cancelled: not the node's doing
            task.writes = []
            task.error = _node_cancelled(task, error)
            return
        except Exception as error:
            delay = _retry_delay(task, error)
            if delay is None:  # (writes made before a failing route are kept, as LangGraph)
                task.error = error
                return
            await asyncio.sleep(delay)
