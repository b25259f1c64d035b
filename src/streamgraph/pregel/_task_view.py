"""What a task shows the world: the config its node sees, and its ``tasks``/``debug``
payloads. Functions of the loop and one task, kept apart from the step machinery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamgraph.pregel._events import tool_events_handler
from streamgraph.pregel._messages import base_message_class, with_callbacks

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop
    from streamgraph.pregel._scope import Task

__all__ = ("emit_task_event", "result_payload", "start_payload", "task_config", "task_runtime")

# Left out of task payloads' metadata (LangGraph keeps the rest, run_id and graph_id too).
_FRAMEWORK_META = frozenset(
    (
        "langgraph_step",
        "langgraph_node",
        "langgraph_triggers",
        "langgraph_path",
        "langgraph_checkpoint_ns",
        "thread_id",
        "checkpoint_id",
        "checkpoint_ns",
    )
)
# The caller's configurable keys copied into node metadata (LangGraph's set).
_PROPAGATED_CONFIGURABLE = (
    "run_id",
    "assistant_id",
    "thread_id",
    "graph_id",
    "checkpoint_id",
    "checkpoint_ns",
    "task_id",
)


def start_payload(loop: Loop, task: Task) -> dict[str, Any]:
    """A task's start, as ``tasks`` mode shows it."""
    payload = {"id": task.id, "name": task.name, "input": task.input, "triggers": task.triggers}
    meta = _user_metadata(loop, task)
    if meta:
        payload["metadata"] = meta
    return payload


def _user_metadata(loop: Loop, task: Task) -> dict[str, Any]:
    """The task's metadata as its node sees it, without the framework's own keys."""
    meta = {k: v for k, v in task.config["metadata"].items() if k not in _FRAMEWORK_META}
    tags = loop.config.get("tags")
    if tags:
        meta["tags"] = tags
    return meta


def result_payload(loop: Loop, task: Task) -> dict[str, Any]:
    """A task's result, as ``tasks`` mode shows it (repeated keys as ``$writes``)."""
    stream = loop.stream_keys_set
    result: dict[str, Any] = {}
    for key, value in task.writes:
        if key not in stream:
            continue
        if key in result:
            previous = result[key]
            if type(previous) is dict and "$writes" in previous:
                previous["$writes"].append(value)
            else:
                result[key] = {"$writes": [previous, value]}
        else:
            result[key] = value
    return {
        "id": task.id,
        "name": task.name,
        "error": task.error,
        "result": result,
        "interrupts": [
            {"value": i.value, "id": i.id, "response_schema": i.response_schema}
            for i in task.interrupts
        ],
    }


def emit_task_event(loop: Loop, task: Task, payload: dict[str, Any]) -> None:
    """Emit a task payload in ``tasks`` and ``debug`` modes, whichever are wanted."""
    if "tasks" in loop.modes:
        loop.emit("tasks", payload)
    if "debug" in loop.modes:
        from datetime import UTC, datetime

        loop.emit(
            "debug",
            {
                "step": task.step,
                "timestamp": datetime.now(UTC).isoformat(),
                "type": "task_result" if "result" in payload else "task",
                "payload": payload,
            },
        )


def task_config(loop: Loop, task: Task) -> dict[str, Any]:
    """The config a node sees (``config`` parameter, ``get_config()``)."""
    base = loop.config
    configurable = {
        **base.get("configurable", {}),
        "checkpoint_ns": task.ns,
        "__pregel_durability": loop.durability,  # (LangGraph's key: nodes read it)
    }
    metadata = dict(base.get("metadata", {}))
    given = base.get("configurable", {})
    for key in _PROPAGATED_CONFIGURABLE:
        if given.get(key):
            metadata.setdefault(key, given[key])
    metadata.update(
        langgraph_step=task.step,
        langgraph_node=task.name,
        langgraph_triggers=task.triggers,
        langgraph_path=task.path,
        langgraph_checkpoint_ns=task.ns,
    )
    metadata.update(task.node.metadata)
    if "checkpoint_ns" in metadata:  # a nested run's: after the task's keys, as LangChain adds it
        metadata["checkpoint_ns"] = metadata.pop("checkpoint_ns")
    # (the run's run_id names the graph's run, not its tasks': LangGraph drops it there too)
    config = {k: v for k, v in base.items() if k not in ("metadata", "configurable", "run_id")}
    config["tags"] = [*base.get("tags", ()), *task.node.tags]
    config["metadata"] = metadata
    config["configurable"] = configurable
    if loop.tracing is not None and task.trace_run is not None:
        config["callbacks"] = loop.tracing.children_of(task)
    if loop.events is not None:
        config["callbacks"] = loop.events.callbacks_for(task, config)
    elif base_message_class() is not None:
        timeout = task.node.timeout
        if timeout is not None and timeout.idle_timeout is not None:
            from streamgraph.pregel._timeout import progress_handler

            with_callbacks(config, progress_handler(task))
        if loop.messages is not None:
            with_callbacks(config, loop.messages.handler())
        if "tools" in loop.modes:
            with_callbacks(config, tool_events_handler(loop))
    return config


def task_runtime(loop: Loop, task: Task) -> Any:
    """The ``Runtime`` a node sees: the run's, with this attempt's ``execution_info``."""
    from streamgraph.runtime import ExecutionInfo, Runtime

    configurable = loop.config.get("configurable", {})
    run_id = loop.config.get("run_id")
    thread_id = configurable.get("thread_id")
    info = ExecutionInfo(
        checkpoint_id=loop.step_checkpoint_id(),
        checkpoint_ns=task.ns,
        task_id=task.id,
        thread_id=None if thread_id is None else str(thread_id),
        run_id=None if run_id is None else str(run_id),
        node_attempt=task.attempt,
        node_first_attempt_time=task.started or None,
    )
    return Runtime(
        context=loop.context,
        store=loop.store,
        stream_writer=task.writer,
        heartbeat=task.heartbeat,
        previous=loop.previous,
        execution_info=info,
        server_info=loop.server_info,
        control=loop.run_control(),
    )
