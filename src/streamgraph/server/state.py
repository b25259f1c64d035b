"""Thread state as the API shows it: ``StateSnapshot`` -> ``ThreadState`` JSON, and the
thread row's ``values``/``interrupts``/``status`` derived from the latest checkpoint."""

from __future__ import annotations

from typing import Any

from streamgraph.sdk.schema import Checkpoint, Interrupt, ThreadState, ThreadTask
from streamgraph.server.serialize import dumps, loads
from streamgraph.types import StateSnapshot

__all__ = ("checkpoint_ref", "interrupts_map", "json_ready", "snapshot_json")


def json_ready(value: Any) -> Any:
    """``value`` as the JSON the API returns (messages as dicts, tuples as lists, ...)."""
    return loads(dumps(value))


def checkpoint_ref(config: dict[str, Any] | None) -> Checkpoint | None:
    if not config:
        return None
    configurable = config.get("configurable", {})
    if "checkpoint_id" not in configurable:
        return None
    ref: Checkpoint = {
        "checkpoint_id": configurable["checkpoint_id"],
        "thread_id": configurable.get("thread_id"),
        "checkpoint_ns": configurable.get("checkpoint_ns", ""),
    }
    if configurable.get("checkpoint_map"):
        ref["checkpoint_map"] = configurable["checkpoint_map"]
    return ref


def _task_json(task: Any) -> ThreadTask:
    state = task.state
    if isinstance(state, StateSnapshot):
        state = snapshot_json(state)
    return {
        "id": task.id,
        "name": task.name,
        "path": list(task.path),
        "error": repr(task.error) if task.error is not None else None,
        "interrupts": [{"value": i.value, "id": i.id} for i in task.interrupts],
        "checkpoint": checkpoint_ref(state)
        if isinstance(state, dict) and "configurable" in state
        else None,
        "state": state,
        "result": task.result,
    }


def snapshot_json(snapshot: StateSnapshot) -> ThreadState:
    checkpoint = checkpoint_ref(snapshot.config)
    parent = checkpoint_ref(snapshot.parent_config)
    shown: ThreadState = json_ready(
        {
            "values": snapshot.values,
            "next": list(snapshot.next),
            "tasks": [_task_json(task) for task in snapshot.tasks],
            "metadata": snapshot.metadata,
            "created_at": snapshot.created_at,
            "checkpoint": checkpoint,
            "parent_checkpoint": parent,
            "interrupts": [{"value": i.value, "id": i.id} for i in snapshot.interrupts],
            "checkpoint_id": checkpoint["checkpoint_id"] if checkpoint else None,
            "parent_checkpoint_id": parent["checkpoint_id"] if parent else None,
        }
    )
    return shown


def interrupts_map(snapshot: StateSnapshot) -> dict[str, list[Interrupt]]:
    """The thread row's ``interrupts``: task id -> the task's pending interrupts."""
    shown: dict[str, list[Interrupt]] = json_ready(
        {
            task.id: [{"id": i.id, "value": i.value} for i in task.interrupts]
            for task in snapshot.tasks
            if task.interrupts
        }
    )
    return shown


EMPTY_STATE: ThreadState = {
    "values": {},
    "next": [],
    "tasks": [],
    "metadata": None,
    "created_at": None,
    "checkpoint": None,
    "parent_checkpoint": None,
    "interrupts": [],
    "checkpoint_id": None,
    "parent_checkpoint_id": None,
}
