"""The loop's side of persistence: building checkpoints, restoring from them, resuming.

Pure functions over a ``Loop``: nothing here does I/O. What must be stored is queued on
``loop.saves`` as ``SaveOp``s; the drivers carry them out (``_persist.py``) according to the
run's durability.

How the loop's state maps onto a checkpoint's ``channel_values``:

- state keys: their values;
- ``branch:to:<node>``: present (``None``) when ``<node>`` runs in the next step;
- ``join:a+b:c``: the sorted names that have reached the join so far;
- ``__pregel_tasks``: the ``Send``s for the next step;
- ``__start__``: the graph input, in an input checkpoint (the start step has not run yet).

The tasks of the step after a checkpoint therefore follow from the checkpoint alone, and
their ids are derived from its id: a step replayed from a checkpoint gets the same task ids,
which is how saved writes find their task again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from streamgraph.channels.base import MISSING
from streamgraph.checkpoint.base import (
    ERROR,
    INTERRUPT,
    NO_WRITES,
    RESUME,
    SPECIAL_WRITES,
    Checkpoint,
)
from streamgraph.constants import BRANCH_PREFIX, NS_SEP, START, TASKS
from streamgraph.errors import EmptyInputError
from streamgraph.pregel._ids import checkpoint_id, utc_now
from streamgraph.types import Command, Interrupt

if TYPE_CHECKING:
    from streamgraph.checkpoint.base import CheckpointTuple
    from streamgraph.pregel._loop import Loop
    from streamgraph.pregel._scope import Task

__all__ = ("SaveOp", "checkpoint_payload", "restore", "untracked_left_out")

FORMAT_VERSION = 1
DEFERRED = "__deferred__"
"""A deferred node's trigger in a checkpoint: it runs when nothing else is left to run."""


class SaveOp(NamedTuple):
    """One write to the saver: ``put`` (a checkpoint) or ``put_writes`` (a task's writes)."""

    kind: str
    config: dict[str, Any]
    args: tuple[Any, ...]


def restore(loop: Loop, saved: CheckpointTuple | None) -> None:
    """Load the thread's checkpoint (``None``: a fresh thread) into the loop."""
    loop.saved = saved
    if saved is None:
        return
    checkpoint = saved.checkpoint
    values = checkpoint["channel_values"]
    for key, channel in loop.channels.items():
        if key in values:
            loop.channels[key] = channel.from_checkpoint(values[key])
    for key, barrier in loop.barriers.items():
        if key in values:
            loop.barriers[key] = barrier.from_checkpoint(values[key])
    loop.versions = {k: int(v) for k, v in checkpoint["channel_versions"].items()}
    loop.versions_seen = {
        k: {c: int(v) for c, v in seen.items()} for k, seen in checkpoint["versions_seen"].items()
    }
    loop.step = saved.metadata.get("step", -1)
    loop.checkpoint = checkpoint
    loop.checkpoint_config = config_for(loop, checkpoint["id"])  # in streamed key order
    loop.pending_writes = list(saved.pending_writes or ())


def pending_triggers(checkpoint: Checkpoint, loop: Loop) -> tuple[set[str], list[Any]]:
    """The nodes triggered and the Sends queued by a checkpoint."""
    values = checkpoint["channel_values"]
    targets = loop.graph.branch_targets
    pull = {targets[key] for key in values if key in targets and values[key] != DEFERRED}
    loop.deferred = {targets[key] for key in values if key in targets and values[key] == DEFERRED}
    for key, barrier in loop.barriers.items():
        if barrier.is_available():
            pull.add(loop.graph.barrier_targets[key])
    sends = list(values.get(TASKS, ()))
    if not pull and not sends and loop.deferred:  # nothing else left: the deferred run now
        pull, loop.deferred = loop.deferred, set()
    return pull, sends


def make_checkpoint(
    loop: Loop, pull: set[str], sends: list[Any], *, start_input: Any = MISSING
) -> Checkpoint:
    values: dict[str, Any] = {}
    for key, channel in loop.channels.items():
        value = channel.checkpoint()
        if value is not MISSING:
            values[key] = value
    for name in pull:
        values[BRANCH_PREFIX + name] = None
    for name in loop.deferred:  # triggered, waiting for the end of the run
        values[BRANCH_PREFIX + name] = DEFERRED
    for key, barrier in loop.barriers.items():
        if barrier.value:
            values[key] = barrier.checkpoint()
    if sends:
        untracked = loop.graph.untracked_keys
        values[TASKS] = (
            [_send_untracked_left_out(s, untracked) for s in sends] if untracked else list(sends)
        )
    if start_input is not MISSING:
        values[START] = start_input
    return Checkpoint(
        v=FORMAT_VERSION,
        id=checkpoint_id(loop.step),
        ts=utc_now(),
        channel_values=values,
        channel_versions=dict(loop.versions),
        versions_seen={k: dict(v) for k, v in loop.versions_seen.items()},
        updated_channels=sorted(loop.last_updated) or None,
    )


def untracked_left_out(writes: list[tuple[str, Any]], keys: frozenset[str]) -> list[Any]:
    """``writes`` as saved: without writes to ``UntrackedValue`` keys, nor such keys in the
    arguments of ``Send``s (as LangGraph: a dict argument's top-level keys)."""
    if not keys:
        return writes
    return [
        (c, _send_untracked_left_out(v, keys)) if c == TASKS else (c, v)
        for c, v in writes
        if c not in keys
    ]


def _send_untracked_left_out(send: Any, keys: frozenset[str]) -> Any:
    from streamgraph.types import Send

    if type(send) is not Send or not isinstance(send.arg, dict) or keys.isdisjoint(send.arg):
        return send
    arg = {k: v for k, v in send.arg.items() if k not in keys}
    return Send(send.node, arg, timeout=send.timeout)


def config_for(loop: Loop, checkpoint_id_: str) -> dict[str, Any]:
    configurable: dict[str, Any] = {"checkpoint_ns": loop.checkpoint_ns, **loop.user_configurable}
    if loop.checkpoint_ns:
        configurable["checkpoint_map"] = {**loop.parent_map, loop.checkpoint_ns: checkpoint_id_}
    configurable["checkpoint_id"] = checkpoint_id_
    return {"configurable": configurable}


def with_checkpoint_map(config: dict[str, Any] | None, metadata: Any) -> dict[str, Any] | None:
    """A subgraph checkpoint's config as LangGraph shows it: with the ids of its parents'
    checkpoints (``checkpoint_map``, from the stored metadata)."""
    if config is None:
        return None
    configurable = config["configurable"]
    ns = configurable.get("checkpoint_ns", "")
    if not ns or "checkpoint_map" in configurable:
        return config
    parents = dict((metadata or {}).get("parents", {}))
    checkpoint_map = {**parents, ns: configurable["checkpoint_id"]}
    return {"configurable": {**configurable, "checkpoint_map": checkpoint_map}}


def save_checkpoint(
    loop: Loop, source: str, pull: set[str], sends: list[Any], *, start_input: Any = MISSING
) -> None:
    """Make a checkpoint of the loop's state (``pull``/``sends``: the next step) and queue
    its storage. The loop emits it once the next step's tasks exist (their ids come from the
    checkpoint's id)."""
    checkpoint = make_checkpoint(loop, pull, sends, start_input=start_input)
    metadata = {"source": source, "step": loop.step, "parents": dict(loop.parent_map)}
    # With durability="exit" only the last checkpoint is stored: none has a stored parent.
    parent_config = None if loop.durability == "exit" else loop.checkpoint_config
    new_versions = {k: v for k, v in loop.versions.items() if k in loop.changed_since_save}
    loop.changed_since_save = set()
    loop.saves.append(
        SaveOp(
            "put",
            parent_config or config_for(loop, ""),
            (
                checkpoint,
                {
                    **metadata,
                    **{k: v for k, v in loop.stored_metadata.items() if k not in metadata},
                },
                new_versions,
            ),
        )
    )
    loop.checkpoint = checkpoint
    loop.checkpoint_config = config_for(loop, checkpoint["id"])
    loop.checkpoint_parent = parent_config
    loop.checkpoint_metadata = metadata
    loop.pending_writes = []


def checkpoint_payload(
    loop: Loop,
    config: dict[str, Any],
    parent_config: dict[str, Any] | None,
    metadata: dict[str, Any],
    tasks: list[Task],
) -> dict[str, Any]:
    writes = _writes_by_task(loop.pending_writes)
    return {
        "config": config,
        "parent_config": parent_config,
        "values": loop.values(),
        "metadata": metadata,
        "next": [t.name for t in tasks],
        "tasks": [_task_entry(loop, t, writes.get(t.id, [])) for t in tasks],
    }


def _writes_by_task(pending: list[tuple[str, str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    found: dict[str, list[tuple[str, Any]]] = {}
    for task_id, channel, value in pending:
        found.setdefault(task_id, []).append((channel, value))
    return found


def _task_entry(loop: Loop, task: Task, writes: list[tuple[str, Any]]) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": task.id, "name": task.name}
    errors = [v for c, v in writes if c == ERROR]
    interrupts = tuple(_interrupt_dict(i) for c, v in writes if c == INTERRUPT for i in v)
    result = {c: v for c, v in writes if c in loop.stream_keys_set}
    if not result and any(c not in SPECIAL_WRITES or c == NO_WRITES for c, _ in writes):
        result = {}
    if errors:
        entry["error"] = errors[0]
    else:
        if result:
            entry["result"] = result
        entry["interrupts"] = interrupts
    entry["state"] = task_state(loop, task)
    return entry


def _interrupt_dict(interrupt: Interrupt) -> dict[str, Any]:
    return {
        "value": interrupt.value,
        "id": interrupt.id,
        "response_schema": interrupt.response_schema,
    }


def task_state(loop: Loop, task: Task) -> dict[str, Any] | None:
    """Where a subgraph node keeps its own checkpoints (``None`` for other nodes)."""
    if not task.node.is_subgraph:
        return None
    return {"configurable": {"thread_id": loop.thread_id, "checkpoint_ns": task.ns}}


# -- resuming ----------------------------------------------------------------------------------


def resume_value(input: Any) -> Any:
    """The resume value of a ``Command(resume=...)`` input, else ``MISSING``."""
    if isinstance(input, Command) and input.resume is not None:
        return input.resume
    return MISSING


def check_resumable(loop: Loop, input: Any) -> None:
    if loop.saved is None:
        if input is None:
            raise EmptyInputError("Received no input for __start__")
        raise EmptyInputError("Cannot resume: the thread has no checkpoint to resume from")


def apply_resume(loop: Loop, tasks: list[Task], resume: Any) -> None:
    """Hand pending tasks their ``interrupt()`` answers: saved ones, plus ``resume``."""
    pending = _writes_by_task(loop.pending_writes)
    interrupted: dict[str, Task] = {}
    for task in tasks:
        writes = pending.get(task.id, [])
        for channel, value in writes:
            if channel == RESUME:
                task.resume = list(value)
            elif channel == INTERRUPT:
                for interrupt in value:
                    interrupted[interrupt.id] = task
        task.resume_input = loop.resume_input
    if resume is MISSING:
        return
    if not interrupted:
        # Nothing is waiting for an answer (the state was edited after the interrupt, say):
        # the first interrupt() the resumed run reaches gets it, as in LangGraph.
        if not _keyed_by_interrupt_id(resume):
            loop.null_resume = [resume]
        return
    calls = _interrupted_calls(pending, {task.id for task in tasks})
    owners = {k: calls.get(k, task.id) for k, task in interrupted.items()}
    owners.update(calls)  # (a call's interrupt its caller never saw is pending too)
    if isinstance(resume, dict) and resume and all(k in owners for k in resume):
        keyed = dict(resume)
    elif len(set(owners.values())) > 1:
        raise RuntimeError(
            "When there are multiple pending interrupts, you must specify the interrupt id "
            "when resuming: Command(resume={interrupt_id: value, ...})"
        )
    else:
        keyed = {next(iter(interrupted)): resume}
    answers: dict[str, Any] = {}
    for key, value in keyed.items():
        call = calls.get(key)
        if call is None:
            answers[interrupted[key].id] = value
            continue
        # A @task call's interrupt: its caller re-runs and the call gets the answer.
        if key in interrupted:
            interrupted[key].resuming = True
        loop.call_answers[call] = value
        saved: list[Any] = next((v for c, v in pending[call] if c == RESUME), [])
        loop.saves.append(
            SaveOp("put_writes", loop.checkpoint_config, ([(RESUME, [*saved, value])], call, ""))
        )
    for task in tasks:
        if task.id in answers:
            task.resume = [*task.resume, answers[task.id]]
            task.resuming = True
            loop.saves.append(
                SaveOp(
                    "put_writes",
                    loop.checkpoint_config,
                    ([(RESUME, task.resume)], task.id, _path(task)),
                )
            )


def _interrupted_calls(
    pending: dict[str, list[tuple[str, Any]]], tasks: set[str]
) -> dict[str, str]:
    """Interrupt id -> id of the ``@task`` call that raised it (calls are not tasks of the
    step: their writes are saved under ids of their own)."""
    owners: dict[str, Any] = {}
    for id, writes in pending.items():
        if id in tasks or any(channel == "__return__" for channel, _ in writes):
            continue
        for channel, value in writes:
            if channel == INTERRUPT:
                for interrupt in value:
                    owners[interrupt.id] = id
    return owners


def _keyed_by_interrupt_id(resume: Any) -> bool:
    return (
        isinstance(resume, dict)
        and bool(resume)
        and all(
            isinstance(k, str) and len(k) == 32 and all(c in "0123456789abcdef" for c in k)
            for k in resume
        )
    )


class RestoredError(Exception):
    """A node's error read back from a checkpoint (where it is kept as its ``repr``), for
    its error handler on resume."""


def replay_saved_writes(loop: Loop, tasks: list[Task]) -> list[Task]:
    """Tasks whose writes were saved before the run stopped are not run again: their writes
    are replayed (``updates`` marked cached). Returns the tasks that still have to run."""
    pending = _writes_by_task(loop.pending_writes)
    to_run = []
    for task in tasks:
        writes = pending.get(task.id)
        if writes is not None and task.node.error_handler is not None:
            failed = next((v for c, v in writes if c == ERROR), None)
            if failed is not None:  # it failed for good: its error handler runs instead
                task = loop.handler_task(task, RestoredError(failed))
                writes = pending.get(task.id)
        if writes is None or any(c in (ERROR, INTERRUPT) for c, _ in writes):
            if writes is not None:
                task.resuming = True
            to_run.append(task)
            continue
        task.writes = [(c, v) for c, v in writes if c not in SPECIAL_WRITES]
        if loop.want_updates:
            update = loop.update_payload(task.writes)
            loop.emit("updates", {task.name: update, "__metadata__": {"cached": True}})
        loop.done.append(task)
    return to_run


def _path(task: Task) -> str:
    return NS_SEP.join(str(p) for p in task.path)
