"""Reading and editing a thread's state: ``get_state``, history, ``update_state``.

These work on a checkpoint already loaded from the saver (the ``Pregel`` methods do the I/O,
sync or async) and reuse the loop's machinery: a throwaway ``Loop`` restored from the
checkpoint knows the next step's tasks, their ids and their saved writes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from streamgraph.checkpoint.base import (
    ERROR,
    INTERRUPT,
    NO_WRITES,
    SPECIAL_WRITES,
    CheckpointTuple,
)
from streamgraph.constants import END, NS_SEP, PULL, START
from streamgraph.errors import InvalidUpdateError
from streamgraph.pregel._checkpoint import (
    SaveOp,
    pending_triggers,
    restore,
    save_checkpoint,
    task_state,
    untracked_left_out,
    with_checkpoint_map,
)
from streamgraph.pregel._execute import route_task
from streamgraph.pregel._loop import Loop
from streamgraph.types import PregelTask, StateSnapshot

if TYPE_CHECKING:
    from streamgraph.pregel._scope import Task
    from streamgraph.pregel.main import Pregel

__all__ = (
    "empty_snapshot",
    "inspect",
    "inspect_many",
    "restored_copy",
    "snapshot",
    "update",
)


def inspect(
    graph: Pregel, saver: Any, config: dict[str, Any], saved: CheckpointTuple | None
) -> Loop:
    """A loop restored from ``saved`` that runs nothing: for looking and editing."""
    configurable = config.get("configurable", {})
    ns = configurable.get("checkpoint_ns", "")
    loop = Loop(
        graph,
        config=config,
        own_modes=frozenset(),
        own_subgraphs=False,
        ns=tuple(ns.split(NS_SEP)) if ns else (),
        checkpoint_ns=ns,
        saver=saver,
    )
    restore(loop, saved)
    return loop


def inspect_many(
    graph: Pregel, saver: Any, config: dict[str, Any], saved: Iterable[CheckpointTuple]
) -> Iterator[Loop]:
    """``inspect`` of each of ``saved`` (a page of history): one loop is built, and each
    checkpoint gets a copy of it with fresh per-run state (building a loop costs more than
    reading a checkpoint)."""
    template: Loop | None = None
    for one in saved:
        if template is None:
            template = inspect(graph, saver, config, None)
        yield restored_copy(template, one)


def restored_copy(template: Loop, saved: CheckpointTuple) -> Loop:
    """A copy of ``template`` (an inspecting loop) restored from ``saved``."""
    loop = copy.copy(template)
    graph = template.graph
    loop.channels = {k: proto.copy_empty() for k, proto in graph.channel_protos.items()}
    loop.barriers = {k: proto.copy_empty() for k, proto in graph.barrier_protos.items()}
    for name in _PER_RUN_LISTS:
        setattr(loop, name, [])
    loop.fresh, loop.checkpoint_metadata = {}, {}
    loop.changed_since_save, loop.last_updated = set(), set()
    restore(loop, saved)
    return loop


_PER_RUN_LISTS = ("out", "done", "followups", "interrupts", "lifecycle", "null_resume", "saves")


def next_tasks(loop: Loop) -> list[Task]:
    values = loop.checkpoint["channel_values"]
    if START in values and not loop.graph.low_level:  # (low-level graphs: a channel)
        return [loop._start_task(values[START], loop.step + 1)]
    pull, sends = pending_triggers(loop.checkpoint, loop)
    return loop._prepare(loop.step + 1, pull, sends)


def empty_snapshot(config: dict[str, Any]) -> StateSnapshot:
    return StateSnapshot(
        values={},
        next=(),
        config=config,
        metadata=None,
        created_at=None,
        parent_config=None,
        tasks=(),
        interrupts=(),
    )


def snapshot(loop: Loop, *, apply_pending: bool = True) -> StateSnapshot:
    """The state at ``loop``'s checkpoint, as ``get_state`` shows it: with ``apply_pending``,
    the saved writes of the next step's finished tasks are applied to ``values`` and those
    tasks left out of ``next``."""
    saved = loop.saved
    order = {name: index for index, name in enumerate(loop.graph.nodes)}
    tasks = sorted(next_tasks(loop), key=lambda t: (t.path[0] == PULL, order.get(t.name, -1)))
    writes: dict[str, list[tuple[str, Any]]] = {}
    for task_id, channel, value in loop.pending_writes:
        writes.setdefault(task_id, []).append((channel, value))
    entries: list[PregelTask] = []
    waiting: list[str] = []
    interrupts: list[Any] = []
    for task in tasks:
        own = writes.get(task.id, [])
        errors = [v for c, v in own if c == ERROR]
        stopped = tuple(i for c, v in own if c == INTERRUPT for i in v)
        finished = bool(own) and not errors and not stopped
        regular = [(c, v) for c, v in own if c not in SPECIAL_WRITES or c == NO_WRITES]
        result = {c: v for c, v in regular if c in loop.stream_keys_set} if regular else None
        if result and isinstance(loop.stream_keys, str):  # one channel: its value itself
            result = result[loop.stream_keys]
        interrupts.extend(stopped)
        entries.append(
            PregelTask(
                task.id,
                task.name,
                task.path,
                errors[0] if errors else None,
                stopped,
                task_state(loop, task),
                result,
            )
        )
        if finished and apply_pending:
            task.writes = [(c, v) for c, v in own if c not in SPECIAL_WRITES]
            loop.done.append(task)
        else:
            waiting.append(task.name)
    if loop.done:
        loop._apply_writes()
    return StateSnapshot(
        values=loop.values(),
        next=tuple(waiting),
        config=with_checkpoint_map(saved.config, saved.metadata) or saved.config,
        metadata=saved.metadata,
        created_at=saved.checkpoint["ts"],
        parent_config=with_checkpoint_map(saved.parent_config, saved.metadata),
        tasks=tuple(entries),
        interrupts=tuple(interrupts),
    )


def _last_node(loop: Loop) -> str:
    """The node that ran last (what ``update_state`` acts as when not told)."""
    seen = {
        node: max(versions.values(), default=0)
        for node, versions in loop.versions_seen.items()
        if node in loop.graph.nodes
    }
    if not seen:
        return START
    latest = max(seen.values())
    last = [node for node, version in seen.items() if version == latest]
    if len(last) > 1:
        raise InvalidUpdateError(
            f"Ambiguous update: nodes {sorted(last)} ran last; pass as_node= to say which one "
            "the update comes from"
        )
    return last[0]


def update(loop: Loop, supersteps: list[list[tuple[Any, str | None]]]) -> list[SaveOp]:
    """Write each superstep's ``(values, as_node)`` updates as if those nodes had returned
    them, together: one new checkpoint (source ``update``) per superstep, whose next step
    follows the nodes' edges. Returns the saves to carry out."""
    for updates in supersteps:
        if not updates:
            raise InvalidUpdateError("bulk_update_state: a superstep needs at least one update")
        pending = {t.name: t for t in next_tasks(loop)} if loop.checkpoint else {}
        loop.done = [_update_task(loop, values, as_node) for values, as_node in updates]
        # A deferred node about to run stays triggered unless the update stands for it.
        carried = (set(pending) & loop.graph.deferred_nodes) - {t.name for t in loop.done}
        for task in loop.done:
            # An update as a node that was about to run stands for that task's result.
            if task.name in pending:
                task.id = pending[task.name].id
                path = NS_SEP.join(str(p) for p in task.path)
                loop.saves.append(
                    SaveOp(
                        "put_writes",
                        loop.checkpoint_config,
                        (untracked_left_out(task.writes, loop.graph.untracked_keys), task.id, path),
                    )
                )
        pull, sends, _ = loop._apply_writes()
        if loop.graph.deferred_nodes:
            loop.deferred |= carried
            pull = loop._defer(pull, sends)
        loop.step = loop.step + 1 if loop.saved is not None or loop.checkpoint else 0
        save_checkpoint(loop, "update", pull, sends)
    return loop.saves


def _update_task(loop: Loop, values: Any, as_node: str | None) -> Task:
    graph = loop.graph
    if as_node is None and graph.low_level and len(graph.nodes) == 1:
        as_node = next(iter(graph.nodes))  # (an entrypoint's: its one node, as LangGraph)
    if as_node is None:
        as_node = START if loop.saved is None and loop.checkpoint is None else _last_node(loop)
    if as_node != START and as_node not in graph.nodes and as_node != END:
        raise InvalidUpdateError(
            f"update_state(as_node={as_node!r}): no such node; nodes are {sorted(graph.nodes)}"
        )
    node = graph.start_node if as_node in (START, END) else graph.nodes[as_node]
    if as_node == START:
        writes = graph.input_spec.input_writes(values, graph.input_keys)
    else:
        writes = node.writes_for(values)
    task = loop._task(node, as_node, None, (PULL, as_node), (0, as_node), (), loop.step + 1)
    task.writes = list(writes)
    if as_node != END:
        task.writes.extend(node.edge_writes)
        if node.branches:
            route_task(task, loop, values)
    return task
