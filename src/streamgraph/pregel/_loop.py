"""Loop: one run of one graph level, as a state machine with no I/O and no threads.

The drivers (``_drive.py``) own threads and event loops; they ask the loop for the tasks of a
step (``start``, ``tick``), run them, and report each finished task (``finish_task``). The
loop turns all of that into stream events (``out``) and channel updates.

Invariants: every task of a step reads the state as it was when the step started; writes of
step N are applied together, in task-path order, before step N+1 is prepared; events are built
only for modes somebody asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from streamgraph.channels.base import MISSING
from streamgraph.channels.binop import BinaryOperatorAggregate
from streamgraph.checkpoint.base import ERROR, NO_WRITES
from streamgraph.constants import (
    DEFAULT_RECURSION_LIMIT,
    INTERRUPT,
    NS_END,
    NS_SEP,
    PULL,
    PUSH,
    START,
    TASKS,
)
from streamgraph.errors import (
    EmptyInputError,
    ErrorCode,
    GraphBubbleUp,
    GraphRecursionError,
    ParentCommand,
    create_error_message,
)
from streamgraph.pregel._cache import lookup
from streamgraph.pregel._checkpoint import (
    SaveOp,
    apply_resume,
    check_resumable,
    checkpoint_payload,
    pending_triggers,
    replay_saved_writes,
    resume_value,
    save_checkpoint,
    untracked_left_out,
    with_checkpoint_map,
)
from streamgraph.pregel._events import Events
from streamgraph.pregel._ids import run_seed, task_id, unique_task_id, utc_now
from streamgraph.pregel._lifecycle import note_resume
from streamgraph.pregel._messages import Messages
from streamgraph.pregel._scope import Task
from streamgraph.pregel._stream import MESSAGE_EVENTS, Event, Listener, Routes
from streamgraph.pregel._task_view import (
    emit_task_event,
    result_payload,
    start_payload,
    task_config,
)
from streamgraph.pregel._tracing import Tracing, user_callbacks
from streamgraph.types import Command, Interrupt, Send

if TYPE_CHECKING:
    from streamgraph.pregel._node import Node
    from streamgraph.pregel.main import Pregel

__all__ = ("Loop", "StopRun", "Task")

PREVIOUS = "__previous__"
_CALL_MODES = frozenset(("updates", "tasks", "debug"))
_CHECKPOINT_KEYS = ("thread_id", "checkpoint_ns", "checkpoint_id", "checkpoint_map")


class StopRun(BaseException):
    """Raised at a step boundary after ``stop_requested`` was set: the run ends there."""


class Loop(Routes):
    """The state of one graph level's run; see the module docstring."""

    def __init__(
        self,
        graph: Pregel,
        *,
        config: dict[str, Any],
        own_modes: frozenset[str],
        own_subgraphs: bool,
        listeners: tuple[Listener, ...] = (),
        ns: tuple[str, ...] = (),
        checkpoint_ns: str = "",
        output_keys: str | tuple[str, ...] | None = None,
        interrupt_before: frozenset[str] = frozenset(),
        interrupt_after: frozenset[str] = frozenset(),
        context: Any = None,
        saver: Any = None,
        durability: str = "async",
        parent_map: dict[str, str] | None = None,
        resume_input: Any = MISSING,
        resuming: bool = False,
        message_ids: set[str] | None = None,
        events_enclosing: Task | None = None,
        outer: Loop | None = None,
        control: Any = None,
    ) -> None:
        self.graph = graph
        self.config = config
        self.context = context
        # A nested graph without a store of its own uses the enclosing run's, as LangGraph's.
        self.store: Any = graph.store
        if self.store is None and outer is not None:
            self.store = outer.store
        self.ns = ns
        self.checkpoint_ns = checkpoint_ns
        self.ns_prefix = checkpoint_ns + NS_SEP if checkpoint_ns else ""
        self.limit: int = config.get("recursion_limit", DEFAULT_RECURSION_LIMIT)
        self.max_concurrency: int = config.get("max_concurrency") or 1_000_000
        keys = output_keys if output_keys is not None else graph.stream_keys
        self.stream_keys = keys
        self.stream_keys_set: frozenset[str] = (
            frozenset((keys,))
            if isinstance(keys, str)
            else graph.stream_keys_set
            if keys is graph.stream_keys
            else frozenset(keys)
        )
        self.interrupt_before = interrupt_before
        self.interrupt_after = interrupt_after
        self.channels = {k: proto.copy_empty() for k, proto in graph.channel_protos.items()}
        self.barriers = {k: proto.copy_empty() for k, proto in graph.barrier_protos.items()}
        self.id_base = int.from_bytes(run_seed())
        self.id_count = 0
        self.step = 0
        self.out: list[Event] = []
        self.done: list[Task] = []
        # A reducer key's value as a routing function saw it: (value before, the writes
        # applied, value after). Applying the same writes to the same value reuses it.
        self.fresh: dict[str, tuple[Any, list[Any], Any]] = {}
        self.followups: list[Task] = []  # error handlers to run in the current step
        self.deferred: set[str] = set()  # deferred nodes triggered, waiting for the end
        self.interrupts: list[Interrupt] = []
        self.interrupted = False
        self.interrupt_status = "pending"  # "interrupt_before"/"_after" for static stops
        self.graph_handlers: list[Any] | None = None  # streamgraph.callbacks handlers
        self.lifecycle: list[Any] = []  # their events, for the driver to hand over
        self.stop_requested = False  # set from another thread to stop at the next step
        self.outer = outer  # the run whose task runs this one (a nested graph's)
        self.control = control  # RunControl: drain requests stop the run at a step boundary
        self.call_answers: dict[str, Any] = {}  # resume answers for @task calls, by call id
        self._server_info: Any = MISSING
        self._step_id: tuple[int, str] | None = None
        self.null_resume: list[Any] = []  # a resume answer no interrupt was waiting for
        self.own_put: Callable[[Event], None] | None = None
        # For a consumer that reads at its own pace (a v3 run stream): how many events a
        # step's worker threads may write ahead of it (None: no limit).
        # The last step recursion_limit allows (counted as LangGraph counts: from the step
        # before the first one this run executes, plus one more when resuming).
        self.stop = self.limit
        self.saves: list[SaveOp] = []  # for the driver to carry out (see _persist.py)
        self.persister: Any = None
        self.durability = durability
        self._route_events(own_modes, own_subgraphs, listeners)
        if graph.live_calls and not own_modes.isdisjoint(_CALL_MODES):
            self.inline_ok = False
        # Tracked when somebody wants messages here, or around here (then chat models still
        # stream, so that what they return is the streamed message, as in LangGraph).
        self.messages = (
            Messages(self, message_ids if message_ids is not None else set())
            if "messages" in self.modes or MESSAGE_EVENTS in self.modes or message_ids is not None
            else None
        )
        self.events: Events | None = (
            Events(self, events_enclosing) if "events" in self.modes else None
        )
        # LangChain tracers of the user's in config["callbacks"] (see _tracing.py)
        self.traced = user_callbacks(config.get("callbacks"))
        self.tracing: Tracing | None = None
        self.saver = saver
        self.resuming = resuming  # a nested run whose enclosing task is being resumed
        if saver is not None:
            self._init_persistence(parent_map or {}, resume_input)

    def _init_persistence(self, parent_map: dict[str, str], resume_input: Any) -> None:
        configurable = self.config.get("configurable", {})
        self.thread_id = configurable["thread_id"]
        self.parent_map = parent_map
        self.resume_input = resume_input
        self.saved: Any = None
        self.checkpoint: Any = None
        self.checkpoint_config: Any = None  # config of the current checkpoint (None: none yet)
        self.checkpoint_parent: Any = None
        self.checkpoint_metadata: dict[str, Any] = {}
        self.versions: dict[str, int] = {}
        self.versions_seen: dict[str, dict[str, int]] = {}
        self.pending_writes: list[tuple[str, str, Any]] = []
        self.changed_since_save: set[str] = set()
        self.last_updated: set[str] = set()
        # The caller's configurable as checkpoint configs show it (thread_id where the
        # caller put it, as LangGraph keeps it).
        self.user_configurable = {
            k: v
            for k, v in configurable.items()
            if not k.startswith("__") and k not in _CHECKPOINT_KEYS or k == "thread_id"
        }
        self.stored_metadata = {
            **{k: v for k, v in self.config.get("metadata", {}).items() if k != "checkpoint_ns"},
            **{
                k: v
                for k, v in configurable.items()
                if isinstance(v, str | int | float | bool)
                and not k.startswith("__")
                and k not in ("thread_id", "checkpoint_ns", "checkpoint_id")
            },
        }

    @property
    def previous(self) -> Any:
        """``Runtime.previous``: an entrypoint's last saved return value for the thread."""
        channel = self.channels.get(PREVIOUS)
        return None if channel is None or channel.value is MISSING else channel.value

    @property
    def saver_config(self) -> dict[str, Any]:
        """The config the saver is asked for this level's checkpoint with."""
        configurable = self.config.get("configurable", {})
        wanted = {"thread_id": self.thread_id, "checkpoint_ns": self.checkpoint_ns}
        if not self.checkpoint_ns and configurable.get("checkpoint_id"):
            wanted["checkpoint_id"] = configurable["checkpoint_id"]
        return {"configurable": wanted}

    # -- steps -------------------------------------------------------------------------------

    def start(self, input: Any) -> list[Task]:
        """The first tasks: the hidden ``__start__`` task that writes the input and follows
        START's edges or, resuming a thread (input ``None`` or ``Command(resume=...)``), the
        tasks of the checkpoint's next step."""
        if self.events is not None:
            self.events.run_started(input)
        if self.saver is not None and (input is None or resume_value(input) is not MISSING):
            check_resumable(self, input)
            return self._resume(resume_value(input))
        if self.saver is not None and self.resuming and self.saved is not None:
            # A subgraph re-run by its resumed parent task continues where it stopped.
            return self._resume(MISSING)
        if input is None:
            raise EmptyInputError("Received no input for __start__")
        if isinstance(input, Command):
            if input.update is None and not input.goto and input.resume is None:
                raise EmptyInputError("Received no input for __start__: the Command is empty")
            if input.resume is not None:
                raise RuntimeError("Cannot use Command(resume=...) without checkpointer")
        if self.graph.low_level:
            return self._input_step(input)
        if self.saver is None:
            return [self._start_task(input, 0)]
        self.pending_writes = []  # new input: a step left pending is abandoned
        self.step = self.step + 1 if self.saved else -1
        start = self._start_task(input, self.step + 1, checkpoint_first=True)
        self.step = start.step
        self.stop = start.step + self.limit
        return [start]

    def _start_task(self, input: Any, step: int, checkpoint_first: bool = False) -> Task:
        graph = self.graph
        node = graph.start_node
        if isinstance(input, Command):
            writes = node.writes_for(Command(update=input.update, goto=input.goto))
        else:
            writes = graph.input_spec.input_writes(input, graph.input_keys)
        if checkpoint_first:  # the input checkpoint: resuming from it re-runs this step
            save_checkpoint(self, "input", set(), [], start_input=input)
        task = self._task(node, START, writes, (PULL, START), (0, START), (START,), step)
        task.hidden = True
        if checkpoint_first and self.want_checkpoints:
            self.checkpoint_event([task])
        return task

    def _input_step(self, input: Any) -> list[Task]:
        """A low-level graph's input: written straight to its input channels (no task), then
        the first step's tasks (at step 0, as LangGraph numbers them)."""
        graph = self.graph
        writes = graph.input_spec.input_writes(input, graph.input_keys)
        if self.saver is not None:
            self.pending_writes = []  # new input: a step left pending is abandoned
        self.step = self.step + 1 if self.saver is not None and self.saved else -1
        self.done = [_InputWrites(writes)]  # type: ignore[list-item]
        pull, sends, _ = self._apply_writes()
        if self.saver is not None:
            save_checkpoint(self, "input", pull, sends)
        self.stop = self.step + self.limit + 1  # as LangGraph counts from the input step
        tasks = self._prepare(self.step + 1, pull, sends)
        if self.saver is not None and self.want_checkpoints:
            self.checkpoint_event(tasks)
        if tasks and self._should_interrupt(self.interrupt_before, [t.name for t in tasks]):
            return self._interrupt_here()
        if not tasks:
            return []
        self.step += 1
        self._announce(tasks)
        return tasks

    def _resume(self, resume: Any) -> list[Task]:
        """Continue the thread from its checkpoint: re-run what was left pending there,
        replaying the writes of the tasks that had finished."""
        if resume is not MISSING:
            self.resume_input = resume
        if self.config.get("callbacks"):
            note_resume(self)
        if self.want_values:
            self.emit("values", self.values())
        saved = self.saved
        self.checkpoint_parent = with_checkpoint_map(saved.parent_config, saved.metadata)
        self.checkpoint_metadata = {k: saved.metadata.get(k) for k in ("source", "step", "parents")}
        values = self.checkpoint["channel_values"]
        stopped_at_input = START in values and not self.graph.low_level
        if (
            not stopped_at_input
            and resume is MISSING
            and "checkpoint_id" in self.saver_config["configurable"]
        ):
            # Replaying from a chosen checkpoint: a fork of it runs the next step afresh.
            pull, sends = pending_triggers(self.checkpoint, self)
            self.step += 1
            save_checkpoint(self, "fork", pull, sends)
        self.stop = self.step + 2 + self.limit
        if stopped_at_input:  # stopped before its input was processed
            tasks = [self._start_task(values[START], self.step + 1)]
        else:
            pull, sends = pending_triggers(self.checkpoint, self)
            tasks = self._prepare(self.step + 1, pull, sends)
        if self.want_checkpoints:
            self.checkpoint_event(tasks)
        if not tasks:
            return []
        apply_resume(self, tasks, self.resume_input)
        self.step += 1
        self._announce(tasks)
        to_run = replay_saved_writes(self, tasks)
        return to_run or self.tick()

    def checkpoint_event(self, tasks: list[Task]) -> None:
        """Emit the current checkpoint (``checkpoints`` mode, and ``debug``)."""
        metadata = self.checkpoint_metadata
        payload = checkpoint_payload(
            self, self.checkpoint_config, self.checkpoint_parent, metadata, tasks
        )
        if "checkpoints" in self.modes:
            self.emit("checkpoints", payload)
        if "debug" in self.modes:
            self.emit(
                "debug",
                {
                    "step": metadata["step"],
                    "timestamp": utc_now(),
                    "type": "checkpoint",
                    "payload": payload,
                },
            )

    def finish_task(self, task: Task) -> None:
        """Record a finished task and emit what its completion shows in each mode."""
        preparers = self.graph.write_preparers
        if preparers:
            for key, value in task.writes:
                prepare = preparers.get(key)
                if prepare is not None:
                    prepare(value)
        if self.saver is not None:
            calls = task.call_tasks
            while calls:  # its @task calls' results (and their calls'), under their own ids
                call = calls.pop()
                calls.extend(call.call_tasks)
                self._save_task_writes(call)
            self._save_task_writes(task)
        if self.messages is not None and self.messages.writers:
            self.messages.close_writers(task)  # v3 message writers end with their task
        if task.hidden:
            self.done.append(task)
            return
        if task.interrupts:
            self.interrupts.extend(task.interrupts)
            if self.want_updates:
                self.emit("updates", {INTERRUPT: task.interrupts})
            if self.want_values:
                values = self.values()
                values = values if isinstance(values, dict) else {}  # (an entrypoint's)
                self.emit("values", {**values, INTERRUPT: task.interrupts})
        else:
            if self.messages is not None and task.error is None and not task.cached:
                self.messages.emit_output(task)  # whole messages precede the update
            if self.events is not None and task.error is None and not task.cached:
                self.events.task_finished(task, self.update_payload(task.writes))
            if self.want_updates and (task.error is None or task.writes):
                update = {task.name: self.update_payload(task.writes)}
                if task.cached:
                    update["__metadata__"] = {"cached": True}
                self.emit("updates", update)
        if self.tracing is not None and not task.cached:
            self.tracing.task_finished(task, self.update_payload(task.writes))
        # A task that hands a Command to the parent graph has no result of its own.
        # A task served from the cache shows its start and update, not a result (LangGraph's).
        if self.want_tasks and not task.cached and not isinstance(task.error, ParentCommand):
            emit_task_event(self, task, result_payload(self, task))
        if task.error is None:
            self.done.append(task)
        elif task.node.error_handler is not None and not isinstance(task.error, GraphBubbleUp):
            # Handled: the handler runs in this step in the failed node's place.
            self.followups.append(self.handler_task(task, task.error))
            task.error = None

    def handler_task(self, failed: Task, error: BaseException) -> Task:
        """The task of ``failed``'s error handler, which gets its input and the error."""
        from streamgraph.errors import NodeError

        handler = failed.node.error_handler
        assert handler is not None
        path = (*failed.path[:3], "node_error_handler", False)
        order = (*failed.order, 1)  # its writes apply where the failed node's would have
        task = self._task(handler, handler.name, failed.input, path, order, (PUSH,), failed.step)
        task.node_error = NodeError(failed.name, error)
        return task

    def take_followups(self) -> list[Task]:
        """The error-handler tasks waiting to start (and forget them)."""
        followups = self.followups
        if followups:
            self.followups = []
        return followups

    def _save_task_writes(self, task: Task) -> None:
        if task.interrupts:
            writes: list[tuple[str, Any]] = [(INTERRUPT, task.interrupts)]
        elif task.error is not None:
            if isinstance(task.error, GraphBubbleUp):
                return
            writes = [(ERROR, repr(task.error))]
        else:
            writes = task.writes or [(NO_WRITES, None)]
        path = "|".join(str(p) for p in task.path)
        saved = untracked_left_out(writes, self.graph.untracked_keys)
        self.saves.append(SaveOp("put_writes", self.checkpoint_config, (saved, task.id, path)))
        self.pending_writes.extend((task.id, channel, value) for channel, value in writes)

    @property
    def stopping(self) -> bool:
        """A stop was asked of this run or of one around it (nested runs stop with it)."""
        loop: Loop | None = self
        while loop is not None:
            if loop.stop_requested:
                return True
            loop = loop.outer
        return False

    def tick(self) -> list[Task]:
        """After every task of a step finished: apply their writes, emit ``values``, save a
        checkpoint, and prepare the next step. ``[]`` when the run is over."""
        if self.stopping:
            raise StopRun
        just_ran = self.done
        pull, sends, updated = self._apply_writes()
        if self.graph.deferred_nodes:
            pull = self._defer(pull, sends)
        if self.want_values and updated and not updated.isdisjoint(self.stream_keys_set):
            self.emit("values", self.values())
        if self.interrupts:
            self.interrupted = True
            return []
        next_names = pull | {send.node for send in sends}
        stop_after = self._should_interrupt(self.interrupt_after, [t.name for t in just_ran])
        stop_before = not stop_after and self._should_interrupt(self.interrupt_before, next_names)
        if self.saver is not None:
            save_checkpoint(self, "loop", pull, sends)
        step = self.step + 1
        tasks = self._prepare(step, pull, sends)
        if self.saver is not None and self.want_checkpoints:
            self.checkpoint_event(tasks)
        if stop_after or (stop_before and tasks):
            return self._interrupt_here("interrupt_after" if stop_after else "interrupt_before")
        if step > self.stop:
            raise GraphRecursionError(
                create_error_message(
                    message=f"Recursion limit of {self.limit} reached without hitting a stop "
                    "condition. You can increase the limit by setting the `recursion_limit` "
                    "config key.",
                    error_code=ErrorCode.GRAPH_RECURSION_LIMIT,
                )
            )
        if not tasks:
            return []
        control = self.control
        if control is not None and control.drain_requested:
            from streamgraph.errors import GraphDrained

            raise GraphDrained(control.drain_reason)
        self.step = step
        self._announce(tasks)
        return tasks

    def _defer(self, pull: set[str], sends: list[Send]) -> set[str]:
        """Hold back triggered deferred nodes until a step would have nothing else to run."""
        waiting = pull & self.graph.deferred_nodes
        if waiting:
            self.deferred |= waiting
            pull = pull - waiting
            for name in waiting:  # a join that triggered it is spent now, as when it runs
                for key in self.graph.nodes[name].triggers:
                    barrier = self.barriers.get(key)
                    if barrier is not None:
                        barrier.consume()
        if not pull and not sends and self.deferred:
            pull, self.deferred = self.deferred, set()
        return pull

    def _announce(self, tasks: list[Task]) -> None:
        """Task start events: ``tasks``/``debug`` payloads, and the task runs of
        ``astream_events`` and of tracers (none for a task served from the cache)."""
        if self.graph.cached_nodes:
            for task in tasks:
                if task.node.cache_policy is not None and not task.writes:
                    lookup(task)
        if not self.want_tasks and self.events is None and self.tracing is None:
            return
        for task in tasks:
            if task.hidden:
                continue
            if self.tracing is not None and not task.cached:
                self.tracing.task_started(task)
            if self.want_tasks:
                emit_task_event(self, task, start_payload(self, task))
            if self.events is not None and not task.cached:
                self.events.task_started(task)

    def _should_interrupt(self, nodes: frozenset[str], names: Any) -> bool:
        """interrupt_before/after: one of ``names`` is listed, and (with a checkpointer) some
        channel changed since the last such interrupt (so resuming does not stop again)."""
        if not nodes or not any(name in nodes for name in names):
            return False
        if self.saver is None:
            return True
        seen = self.versions_seen.get(INTERRUPT, {})
        if not any(v > seen.get(k, 0) for k, v in self.versions.items()):
            return False
        self.versions_seen[INTERRUPT] = dict(self.versions)
        return True

    def _interrupt_here(self, status: str = "interrupt_before") -> list[Task]:
        self.interrupted = True
        self.interrupt_status = status
        if self.want_updates:
            self.emit("updates", {INTERRUPT: ()})
        return []

    def _apply_writes(self) -> tuple[set[str], list[Send], set[str]]:
        done = self.done
        self.done = []
        if len(done) > 1:
            done.sort(key=_task_order)
        grouped: dict[str, list[Any]] = {}
        for task in done:
            for key, value in task.writes:
                values = grouped.get(key)
                if values is None:
                    grouped[key] = [value]
                else:
                    values.append(value)
        graph = self.graph
        branch_targets = graph.branch_targets
        channels = self.channels
        pull: set[str] = set()
        sends: list[Send] = []
        updated: set[str] = set()
        fresh, self.fresh = self.fresh, {}
        for key, values in grouped.items():
            target = branch_targets.get(key)
            if target is not None:
                pull.add(target)
            elif key in channels:
                if key in fresh and _reuse(channels[key], fresh[key], values):
                    updated.add(key)
                elif channels[key].update(values):
                    updated.add(key)
            elif key == TASKS:
                sends.extend(values)
            elif key in self.barriers:
                barrier = self.barriers[key]
                barrier.update(values)
                if barrier.is_available():
                    pull.add(graph.barrier_targets[key])
        for key in graph.ephemeral_keys:
            if key not in grouped and channels[key].update(()):
                updated.add(key)
        triggers = graph.trigger_map
        if triggers:  # low-level graphs: nodes subscribed to the updated channels
            for key in updated:
                if key in triggers and channels[key].is_available():
                    pull.update(triggers[key])
        if self.saver is not None:
            self._bump_versions(done, grouped, updated)
        return pull, sends, updated

    def _bump_versions(self, done: list[Task], grouped: dict[str, Any], updated: set[str]) -> None:
        """Every state channel the step updated gets the next version (what interrupts
        compare); the nodes that ran record that version as seen (what ``update_state``
        reads to find the node that ran last).

        Only state channels are versioned and only the last step's nodes recorded: a
        checkpoint stays the size of the state, not of the graph's history.
        """
        latest = max(self.versions.values(), default=None)
        version = self.saver.get_next_version(latest, None)  # (the saver's contract)
        for key in updated:
            self.versions[key] = version
        self.changed_since_save.update(updated)
        ran = {task.name for task in done if not task.hidden}
        if ran:
            seen = (
                {INTERRUPT: self.versions_seen[INTERRUPT]}
                if INTERRUPT in self.versions_seen
                else {}
            )
            seen.update((name, {"__step__": version}) for name in sorted(ran))
            self.versions_seen = seen
        self.last_updated = updated

    def _prepare(self, step: int, pull: set[str], sends: list[Send]) -> list[Task]:
        nodes = self.graph.nodes
        tasks: list[Task] = []
        for index, send in enumerate(sends):
            node = nodes[send.node]
            task = self._task(
                node, send.node, send.arg, (PUSH, index, False), (1, index), (PUSH,), step
            )
            if send.timeout is not None:
                task.timeout = send.timeout
            tasks.append(task)
        for name in sorted(pull):
            node = nodes[name]
            for key in node.triggers:
                barrier = self.barriers.get(key)
                if barrier is not None:
                    barrier.consume()
            tasks.append(
                self._task(
                    node, name, self.read(node, step), (PULL, name), (0, name), node.triggers, step
                )
            )
        if self.messages is not None:
            for task in tasks:
                self.messages.mark_input(task)
        return tasks

    def _task(
        self,
        node: Node,
        name: str,
        input: Any,
        path: tuple[Any, ...],
        order: tuple[Any, ...],
        triggers: tuple[str, ...],
        step: int,
    ) -> Task:
        if self.saver is None or self.checkpoint is None:
            self.id_count += 1
            id = unique_task_id(self.id_base, self.id_count)
        else:  # derived from the step's checkpoint: a replayed step gets the same ids
            seed = bytes.fromhex(self.checkpoint["id"].replace("-", ""))
            id = task_id(seed, self.checkpoint_ns, str(step), name, *map(str, path))
        local = f"{name}{NS_END}{id}"
        return Task(
            self,
            node,
            name,
            input,
            path,
            order,
            triggers,
            step,
            id,
            self.ns_prefix + local,
            (*self.ns, local),
        )

    def read(self, node: Node, step: int) -> Any:
        """What ``node`` receives at ``step``: its input keys' current values and managed
        values, in its schema's type."""
        channels = self.channels
        if node.reader is not None:
            return node.reader(channels)
        values = {}
        for key in node.input_keys:
            value = channels[key].value
            if value is not MISSING:
                values[key] = value
        for key, manager in node.managed:
            values[key] = manager.get(step, self.stop)
        return node.input_schema.coerce(values)

    def fresh_state(self, writes: list[tuple[str, Any]], step: int, schema: Any = None) -> Any:
        """The state with one task's writes applied, as its routing functions see it (in
        ``schema``, a routing function's own input schema, or the state's)."""
        if schema is None:
            schema = self.graph.state_spec
        channels = self.channels
        pending: dict[str, list[Any]] = {}
        for key, value in writes:
            if key in channels:
                pending.setdefault(key, []).append(value)
        values = {}
        for key in schema.stored_keys:
            channel = channels[key]
            if key in pending:
                before = channel.value
                channel = channel.copy_empty()
                channel.value = before
                channel.update(pending[key])
                if type(channel) is BinaryOperatorAggregate:
                    self.fresh[key] = (before, pending[key], channel.value)
            if channel.value is not MISSING:
                values[key] = channel.value
        for key, manager in schema.managed.items():
            values[key] = manager.get(step, self.stop)
        return schema.coerce(values)

    # -- what the runtime object shows -------------------------------------------------------

    def run_control(self) -> Any:
        """The run's ``RunControl`` (made on first use when the caller passed none)."""
        control = self.control
        if control is None:
            from streamgraph.runtime import RunControl

            control = self.control = RunControl()
        return control

    @property
    def server_info(self) -> Any:
        info = self._server_info
        if info is MISSING:
            from streamgraph.runtime import server_info_from

            info = self._server_info = server_info_from(self.config.get("configurable", {}))
        return info

    @property
    def lifecycle_run_id(self) -> Any:
        """The run's id in lifecycle events when the config gives none (made once)."""
        made = self.__dict__.get("_lifecycle_run_id")
        if made is None:
            import uuid

            made = self.__dict__["_lifecycle_run_id"] = uuid.uuid4()
        return made

    def step_checkpoint_id(self) -> str:
        """Id of the checkpoint the current step started from (without a checkpointer, an id
        made for the step on first use)."""
        if self.saver is not None and self.checkpoint is not None:
            return str(self.checkpoint["id"])
        made = self._step_id
        if made is None or made[0] != self.step:
            from streamgraph.pregel._ids import checkpoint_id

            made = self._step_id = (self.step, checkpoint_id(self.step))
        return made[1]

    # -- payloads ----------------------------------------------------------------------------

    def values(self) -> Any:
        keys = self.stream_keys
        channels = self.channels
        if isinstance(keys, str):
            value = channels[keys].value
            return None if value is MISSING else value
        out = {}
        for key in keys:
            value = channels[key].value
            if value is not MISSING and (value or channels[key].is_available()):
                out[key] = value
        return out

    def output(self) -> Any:
        """What ``invoke`` returns: the output keys' values (plus ``__interrupt__``)."""
        keys = self.graph.output_keys
        channels = self.channels
        if isinstance(keys, str):
            value = channels[keys].value
            return None if value is MISSING else value
        out = {}
        for key in keys:
            value = channels[key].value
            if value is not MISSING and (value or channels[key].is_available()):
                out[key] = value
        return out

    def update_payload(self, writes: list[tuple[str, Any]]) -> Any:
        keys = self.stream_keys
        if isinstance(keys, str):
            found = [value for key, value in writes if key == keys]
            if not found:
                return None
            return found[0] if len(found) == 1 else found
        stream = self.stream_keys_set
        update = {}
        count = 0
        for key, value in writes:
            if key in stream:
                update[key] = value
                count += 1
        if not count:
            return None
        if count != len(update):  # a key written twice: one dict per write, in order
            return [{key: value} for key, value in writes if key in stream]
        return update

    def task_config(self, task: Task) -> dict[str, Any]:
        """The config a node sees (``config`` parameter, ``get_config()``)."""
        return task_config(self, task)

    def finish_error(self, task: Task) -> BaseException:
        """The exception to raise for a failed task, with a note naming the task."""
        error = task.error
        assert error is not None
        if isinstance(error, ParentCommand) and not self.ns:
            # Raised as LangGraph raises it (callers catch ParentCommand), saying why.
            error.add_note(
                f"Node '{task.name}' returned {error.command!r}, but graph "
                f"'{self.graph.name}' has no parent graph to send it to"
            )
        if isinstance(error, Exception):
            error.add_note(f"During task with name '{task.name}' and id '{task.id}'")
        return error


def _task_order(task: Task) -> tuple[Any, ...]:
    return task.order


class _InputWrites:
    """A low-level graph's input, applied like a task's writes (before any step)."""

    __slots__ = ("writes",)
    hidden = True
    name = "__input__"
    order = (-1,)

    def __init__(self, writes: list[tuple[str, Any]]) -> None:
        self.writes = writes


def _reuse(channel: Any, fresh: tuple[Any, list[Any], Any], values: list[Any]) -> bool:
    """Give a reducer key the value a routing function already computed from the same
    value and the same writes (an ``operator.add`` list is not copied twice a step)."""
    before, applied, after = fresh
    if (
        type(channel) is not BinaryOperatorAggregate
        or channel.value is not before
        or len(applied) != len(values)
        or any(a is not b for a, b in zip(applied, values, strict=True))
    ):
        return False
    channel.value = after
    return True
