"""LangChain tracers in ``config["callbacks"]`` (LangSmith, Langfuse, a ``BaseTracer``...) see a
run as LangGraph shows it: one chain run for the graph, a child chain run per task (tagged
``graph:step:N``, with the task's metadata), and what the node calls (models, tools, nested
graphs) as children of its task's run.

LangSmith tracing switched on (``LANGSMITH_TRACING=true``, ``langsmith.tracing_context``)
counts as such a handler: LangChain adds its tracer, and nodes see their task's run as the
current run tree (``langsmith.get_current_run_tree()``), as under LangGraph.

Only runs whose config carries handlers of the user's pay for this: ``Tracing`` is made then,
lives on the loop, and is driven from the loop's thread (run start and end, task start and
end). A node's ``TracePolicy`` transforms what its run records (``process_inputs``,
``process_outputs``), never what the node gets; a failing processor records the real value.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop
    from streamgraph.pregel._scope import Task

__all__ = ("Tracing", "user_callbacks")


def user_callbacks(callbacks: Any) -> bool:
    """Whether ``config["callbacks"]`` holds handlers of the user's (not only ours), or
    LangSmith tracing is on."""
    if not callbacks:
        return langsmith_tracing()
    handlers = callbacks if isinstance(callbacks, list) else getattr(callbacks, "handlers", None)
    if handlers is None:
        return False
    return (
        any(not (getattr(h, "streamgraph_level_handler", False) or _ours(h)) for h in handlers)
        or langsmith_tracing()
    )


def _ours(handler: Any) -> bool:
    return bool(getattr(handler, "streamgraph_handler", False))


_TRACING_ENV = (
    "LANGSMITH_TRACING_V2",
    "LANGCHAIN_TRACING_V2",
    "LANGSMITH_TRACING",
    "LANGCHAIN_TRACING",
)


def langsmith_tracing() -> bool:
    """Whether LangChain would add its LangSmith tracer to a run now (cheap: langsmith is not
    imported for this)."""
    # (Modules another thread is still importing may lack their names yet: getattr.)
    context = sys.modules.get("langchain_core.tracers.context")
    callback_var = getattr(context, "tracing_v2_callback_var", None)
    if callback_var is not None and callback_var.get() is not None:
        return True
    shared = sys.modules.get("langsmith._internal._context")
    if shared is not None and hasattr(shared, "_GLOBAL_TRACING_ENABLED"):
        # langsmith's own order (utils.tracing_is_enabled, without building its whole
        # context dict on every run): tracing_context(enabled=...), a run in progress,
        # the process-wide switch, then the environment.
        try:
            enabled = shared._TRACING_ENABLED.get()
            if enabled is not None:
                return bool(enabled)
            if shared.get_current_run_tree() is not None:
                return True
            if shared._GLOBAL_TRACING_ENABLED is not None:
                return bool(shared._GLOBAL_TRACING_ENABLED)
        except AttributeError:  # another langsmith: ask it
            utils = sys.modules.get("langsmith.utils")
            ask = getattr(utils, "tracing_is_enabled", None)
            if ask is not None:
                return bool(ask())
    return _tracing_env()


@functools.cache
def _tracing_env() -> bool:
    """The environment's switch, read once (as langsmith caches it)."""
    return any(os.environ.get(name, "").lower() == "true" for name in _TRACING_ENV)


def _processed(processor: Any, value: Any) -> Any:
    if processor is None:
        return value
    try:
        return processor(value)
    except Exception as error:  # fail-open: tracing never breaks the run
        import logging  # (only here: import streamgraph.graph stays free of logging)

        logging.getLogger(__name__).warning(
            "TracePolicy processor failed, recording the real value: %r", error
        )
        return value


class Tracing:
    """The callback runs of one graph level."""

    __slots__ = ("loop", "run")

    def __init__(self, loop: Loop, input: Any) -> None:
        from langchain_core.callbacks import CallbackManager

        self.loop = loop
        config = loop.config
        manager = CallbackManager.configure(
            inheritable_callbacks=config.get("callbacks"),
            inheritable_tags=config.get("tags"),
            inheritable_metadata={**config.get("metadata", {}), "ls_integration": "langgraph"},
        )
        events = loop.events  # astream_events: the same run ids as its events
        self.run = manager.on_chain_start(
            None,
            input if isinstance(input, dict) else {"input": input},
            name=config.get("run_name") or loop.graph.name,
            run_id=UUID(events.run_id)
            if events is not None
            else config.get("run_id")
            if not loop.ns
            else None,
        )

    def task_started(self, task: Task) -> None:
        policy = task.node.trace_policy
        metadata = {k: v for k, v in task.config["metadata"].items() if k.startswith("langgraph_")}
        tag = f"graph:step:{task.step}"
        child = self.run.get_child(tag)
        child.tags = [tag, *(t for t in child.tags if t != tag)]  # first, as LangGraph's
        child.add_metadata(metadata)
        inputs = _processed(getattr(policy, "process_inputs", None), task.input)
        events = self.loop.events
        task.trace_run = child.on_chain_start(
            None,
            inputs if isinstance(inputs, dict) else {"input": inputs},
            name=task.name,
            run_id=UUID(events.run_of(task)) if events is not None else None,
        )
        task._config = None  # (made above without the run; its callbacks now hang from it)

    def task_finished(self, task: Task, output: Any) -> None:
        run = task.trace_run
        if run is None:
            return
        task.trace_run = None
        if task.error is not None or task.interrupts:
            from streamgraph.errors import GraphInterrupt

            run.on_chain_error(task.error or GraphInterrupt(task.interrupts))
            return
        policy = task.node.trace_policy
        outputs = _processed(getattr(policy, "process_outputs", None), output)
        streamed(run, outputs)
        run.on_chain_end(outputs if isinstance(outputs, dict) else {"output": outputs})

    def children_of(self, task: Task) -> Any:
        """The callbacks of runs inside ``task`` (its node is step 1 of its sequence, as
        LangGraph's nodes are)."""
        run = task.trace_run
        return run.get_child("seq:step:1") if run is not None else None

    def finished(self, output: Any) -> None:
        self.run.on_chain_end(output if isinstance(output, dict) else {"output": output})

    def failed(self, error: BaseException) -> None:
        self.run.on_chain_error(error)


def streamed(run: Any, output: Any) -> None:
    """Show a task's output as its run's one streamed chunk to the handlers that record
    streamed output (``astream_log``'s), as LangGraph's node runs stream it."""
    from langchain_core.tracers._streaming import _StreamingCallbackHandler

    for handler in run.handlers:
        if isinstance(handler, _StreamingCallbackHandler):
            for _ in handler.tap_output_iter(run.run_id, iter((output,))):
                pass
