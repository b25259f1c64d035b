"""The built-in transformers: one projection per graph stream mode, subgraph lifecycle, and
subgraph handles. ``stream_events(version="v3")`` always registers ``ValuesTransformer``,
``MessagesTransformer``, ``LifecycleTransformer`` and ``SubgraphTransformer``; the others
are opt-in (``transformers=[UpdatesTransformer, ...]`` at compile time or per call), and a
run asks the graph only for the stream modes its transformers need.

Each projection keeps the events of its own scope (the run's level, or a subgraph handle's);
deeper events stay in the main log and reach the handles of their subgraphs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NotRequired

from langchain_protocol.protocol import LifecycleCause
from typing_extensions import TypedDict

from streamgraph.stream._messages import MessagesTransformer
from streamgraph.stream._types import ProtocolEvent, StreamTransformer
from streamgraph.stream.run_stream import AsyncSubgraphRunStream, SubgraphRunStream
from streamgraph.stream.stream_channel import StreamChannel

if TYPE_CHECKING:
    from streamgraph.stream._mux import StreamMux

__all__ = (
    "CheckpointsTransformer",
    "CustomTransformer",
    "DebugTransformer",
    "LifecyclePayload",
    "LifecycleTransformer",
    "MessagesTransformer",
    "SubgraphStatus",
    "SubgraphTransformer",
    "TasksTransformer",
    "UpdatesTransformer",
    "ValuesTransformer",
)

_logger = logging.getLogger("streamgraph.stream")

SubgraphStatus = Literal["started", "completed", "failed", "interrupted", "drained"]


class LifecyclePayload(TypedDict, total=False):
    """An item of the ``lifecycle`` projection (and the data of ``lifecycle`` events)."""

    event: SubgraphStatus
    namespace: list[str]
    graph_name: NotRequired[str]
    trigger_call_id: NotRequired[str]
    cause: NotRequired[LifecycleCause]
    error: NotRequired[str]


# -- one projection per stream mode ----------------------------------------------------------


class _ModeProjection(StreamTransformer):
    """The payloads of one stream mode at this transformer's scope, as a projection named
    after the mode."""

    _native = True
    _mode: ClassVar[str]

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._log: StreamChannel[Any] = StreamChannel()
        self._scope_list = list(scope)

    def init(self) -> dict[str, Any]:
        return {self._mode: self._log}

    def process(self, event: ProtocolEvent) -> bool:
        params = event["params"]
        if event["method"] == self._mode and params["namespace"] == self._scope_list:
            self._log.push(params["data"])
        return True

    def _take(self, namespace: tuple[str, ...], data: Any) -> None:
        """``process`` for an event that was not built (``StreamMux.fast_route``)."""
        if namespace == self.scope:
            self._log.push(data)


class ValuesTransformer(_ModeProjection):
    """``run.values``: the state after each step of this run's own graph."""

    _mode = "values"
    _methods = frozenset({"values"})
    required_stream_modes = ("values",)

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._latest: Any = None
        self._interrupted = False
        self._interrupts: list[Any] = []

    @property
    def error(self) -> BaseException | None:
        """The error the run ended with, if any."""
        return self._log._error

    def process(self, event: ProtocolEvent) -> bool:
        params = event["params"]
        if event["method"] == "values" and params["namespace"] == self._scope_list:
            self._latest = params["data"]
            interrupts = params.get("interrupts")
            if interrupts:
                self._interrupted = True
                self._interrupts.extend(interrupts)
            self._log.push(params["data"])
        return True


class UpdatesTransformer(_ModeProjection):
    """``run.updates``: each node's update (``{node: update}``)."""

    _mode = "updates"
    _methods = frozenset({"updates"})
    required_stream_modes = ("updates",)


class CustomTransformer(_ModeProjection):
    """``run.custom``: what nodes write with their stream writer."""

    _mode = "custom"
    _methods = frozenset({"custom"})
    required_stream_modes = ("custom",)


class CheckpointsTransformer(_ModeProjection):
    """``run.checkpoints``: each checkpoint saved (graphs with a checkpointer)."""

    _mode = "checkpoints"
    _methods = frozenset({"checkpoints"})
    required_stream_modes = ("checkpoints",)


class DebugTransformer(_ModeProjection):
    """``run.debug``: checkpoints, task starts and task results, with step and time."""

    _mode = "debug"
    _methods = frozenset({"debug"})
    required_stream_modes = ("debug",)


class TasksTransformer(_ModeProjection):
    """``run.tasks``: task starts and results (the main log folds them into
    ``lifecycle``)."""

    _mode = "tasks"
    _methods = frozenset({"tasks"})
    required_stream_modes = ("tasks",)


# -- subgraph lifecycle ----------------------------------------------------------------------


def _split_segment(segment: str) -> tuple[str, str | None]:
    """``"node:<task id>"`` -> ``("node", "<task id>")``."""
    name, colon, task_id = segment.partition(":")
    return name, task_id if colon else None


def _terminal_of(result: dict[str, Any]) -> tuple[SubgraphStatus, str | None]:
    """How a task result ends the subgraph it ran (an interrupt wins over an error)."""
    if result.get("interrupts"):
        return "interrupted", None
    error = result.get("error")
    if error:
        return "failed", str(error)
    return "completed", None


def _terminal_of_error(err: BaseException) -> tuple[SubgraphStatus, str | None]:
    from streamgraph.errors import GraphInterrupt

    if type(err).__name__ == "GraphDrained":
        return "drained", None
    if isinstance(err, GraphInterrupt):
        return "interrupted", None
    return "failed", str(err)


def _tool_call_id_of(task_input: Any) -> str | None:
    """The tool call a task runs: a ``tool_call_with_context`` input, or a list of tool
    calls (the first)."""
    if isinstance(task_input, dict) and isinstance(task_input.get("tool_call"), dict):
        call_id = task_input["tool_call"].get("id")
        return call_id if isinstance(call_id, str) else None
    if isinstance(task_input, list):
        for call in task_input:
            if isinstance(call, dict) and isinstance(call.get("id"), str):
                return str(call["id"])
    return None


class _TasksLifecycleBase(StreamTransformer):
    """Subgraph lifecycle from ``tasks`` events: a subgraph starts with the first task
    seen in its namespace and ends with the result of the parent task that ran it (or with
    the run). Subclasses say which namespaces they track and what starting and ending do.

    ``tasks`` events leave the main log here (the lifecycle is their summary there).

    A nested run whose tasks carry ``lc_agent_name`` metadata is a subagent: it is named
    after it, and its ``cause`` is the tool call that started it when the parent task ran
    one."""

    required_stream_modes = ("tasks",)
    _methods: frozenset[str] | None = frozenset({"tasks"})

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._seen: set[tuple[str, ...]] = set()
        self._open: dict[tuple[str, ...], str] = {}  # namespace -> id of the parent task
        self._lc_by_ns: dict[tuple[str, ...], str | None] = {}
        self._pending_tool_calls: dict[str, str] = {}  # task id -> tool call id
        self._pending_cause: LifecycleCause | None = None

    def _should_track(self, ns: tuple[str, ...]) -> bool:
        raise NotImplementedError

    def _on_started(
        self, ns: tuple[str, ...], graph_name: str | None, trigger_call_id: str | None
    ) -> None:
        raise NotImplementedError

    def _on_terminal(self, ns: tuple[str, ...], status: SubgraphStatus, error: str | None) -> None:
        raise NotImplementedError

    def process(self, event: ProtocolEvent) -> bool:
        if event["method"] != "tasks":
            return True
        ns = tuple(event["params"]["namespace"])
        data = event["params"]["data"]
        if "result" in data:
            for child, status, error in self._ended_by(ns, data):
                self._on_terminal(child, status, error)
        else:
            self._note_task(ns, data)
            self._start(ns, data)
        return False

    def _note_task(self, ns: tuple[str, ...], data: dict[str, Any]) -> None:
        if ns not in self._lc_by_ns:
            self._lc_by_ns[ns] = (data.get("metadata") or {}).get("lc_agent_name")
        task_id = data.get("id")
        if isinstance(task_id, str):
            call_id = _tool_call_id_of(data.get("input"))
            if call_id is not None:
                self._pending_tool_calls[task_id] = call_id

    def _start(self, ns: tuple[str, ...], data: dict[str, Any]) -> None:
        if ns in self._seen or not self._should_track(ns):
            return
        self._seen.add(ns)
        name, trigger = _split_segment(ns[-1])
        agent = (data.get("metadata") or {}).get("lc_agent_name")
        cause: LifecycleCause | None = None
        if agent is not None and trigger is not None:
            call_id = self._pending_tool_calls.get(trigger)
            if call_id:
                cause = {"type": "toolCall", "tool_call_id": str(call_id)}
        self._pending_cause = cause
        self._on_started(ns, agent if agent is not None else (name or None), trigger)
        if trigger is not None:
            self._open[ns] = trigger

    def _ended_by(
        self, ns: tuple[str, ...], result: dict[str, Any]
    ) -> list[tuple[tuple[str, ...], SubgraphStatus, str | None]]:
        task_id = result.get("id")
        if not task_id:
            return []
        ended = []
        for child, parent_task in list(self._open.items()):
            if parent_task == task_id and child[:-1] == ns:
                status, error = _terminal_of(result)
                ended.append((child, status, error))
                del self._open[child]
        return ended

    def finalize(self) -> None:
        for ns in list(self._open):
            self._on_terminal(ns, "completed", None)
        self._open.clear()

    def fail(self, err: BaseException) -> None:
        status, error = _terminal_of_error(err)
        for ns in list(self._open):
            self._on_terminal(ns, status, error)
        self._open.clear()


class LifecycleTransformer(_TasksLifecycleBase):
    """``run.lifecycle``: ``started`` and ``completed``/``failed``/``interrupted`` for every
    subgraph below this scope, at any depth; also ``lifecycle`` events of the main log."""

    _native = True

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._channel: StreamChannel[LifecyclePayload] = StreamChannel("lifecycle")

    def init(self) -> dict[str, Any]:
        return {"lifecycle": self._channel}

    def _should_track(self, ns: tuple[str, ...]) -> bool:
        depth = len(self.scope)
        return len(ns) > depth and ns[:depth] == self.scope

    def _on_started(
        self, ns: tuple[str, ...], graph_name: str | None, trigger_call_id: str | None
    ) -> None:
        if trigger_call_id is None:  # nothing would tell when it ends
            return
        payload: LifecyclePayload = {"event": "started", "namespace": list(ns)}
        if graph_name:
            payload["graph_name"] = graph_name
        payload["trigger_call_id"] = trigger_call_id
        if self._pending_cause is not None:
            payload["cause"] = self._pending_cause
        self._emit(payload)

    def _on_terminal(self, ns: tuple[str, ...], status: SubgraphStatus, error: str | None) -> None:
        payload: LifecyclePayload = {"event": status, "namespace": list(ns)}
        if error is not None:
            payload["error"] = error
        self._emit(payload)

    def _emit(self, payload: LifecyclePayload) -> None:
        self._channel.push(payload)


class SubgraphTransformer(_TasksLifecycleBase):
    """``run.subgraphs``: a run stream per direct child graph, with its own projections
    (its grandchildren are on its own ``subgraphs``). A handle exists only for a reader:
    when nobody is subscribed to ``subgraphs`` as a child starts, no pipeline is built."""

    _native = True
    supports_sync = True
    _methods: frozenset[str] | None = frozenset({"tasks"})

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._log: StreamChannel[Any] = StreamChannel()
        self._handles: dict[tuple[str, ...], Any] = {}
        self._mux: StreamMux | None = None
        self._depth = len(scope)
        # Only tasks events matter until a handle exists; then every event of a child goes
        # to the child's pipeline.
        self._methods = frozenset({"tasks"})

    def init(self) -> dict[str, Any]:
        return {"subgraphs": self._log}

    def _on_register(self, mux: Any) -> None:
        self._mux = mux

    def _should_track(self, ns: tuple[str, ...]) -> bool:
        return len(ns) == self._depth + 1 and ns[: self._depth] == self.scope

    def _note_task(self, ns: tuple[str, ...], data: dict[str, Any]) -> None:
        """Nothing to note: a handle's name is its own tasks' agent name, and the tool call
        that caused it is a lifecycle matter (``run.lifecycle``)."""

    def _on_started(
        self, ns: tuple[str, ...], graph_name: str | None, trigger_call_id: str | None
    ) -> None:
        if self._mux is None or not self._log._subscribed:
            return
        try:
            child = self._mux._make_child(ns)
        except RuntimeError:  # a pipeline of instances: no copies for children
            return
        handle_class = AsyncSubgraphRunStream if child.is_async else SubgraphRunStream
        handle = handle_class(
            child, path=ns, graph_name=graph_name, trigger_call_id=trigger_call_id
        )
        if not self._handles:
            self._methods = None
            self._mux.reroute()
        self._handles[ns] = handle
        self._log.push(handle)

    def _on_terminal(self, ns: tuple[str, ...], status: SubgraphStatus, error: str | None) -> None:
        handle = self._handles.get(ns)
        if handle is not None and self._mark(handle, status, error):
            _end_child(handle, status, error)

    @staticmethod
    def _mark(handle: Any, status: SubgraphStatus, error: str | None) -> bool:
        if handle._seen_terminal:
            return False
        handle.status = status
        if error is not None and handle.error is None:
            handle.error = error
        handle._seen_terminal = True
        return True

    def _handle_of(self, event: ProtocolEvent) -> Any:
        if not self._handles:
            return None
        ns = event["params"]["namespace"]
        if len(ns) <= self._depth:
            return None
        handle = self._handles.get(tuple(ns[: self._depth + 1]))
        if handle is None or handle._mux._events._closed:
            return None
        return handle

    def process(self, event: ProtocolEvent) -> bool:
        keep = super().process(event)
        handle = self._handle_of(event)
        if handle is not None:
            handle._observe(event)
            handle._mux.push(event)
        return keep

    async def aprocess(self, event: ProtocolEvent) -> bool:
        keep = True
        if event["method"] == "tasks":
            ns = tuple(event["params"]["namespace"])
            data = event["params"]["data"]
            if "result" in data:
                for child, status, error in self._ended_by(ns, data):
                    handle = self._handles.get(child)
                    if handle is not None and self._mark(handle, status, error):
                        await _aend_child(handle, status, error)
            else:
                self._note_task(ns, data)
                self._start(ns, data)
            keep = False
        handle = self._handle_of(event)
        if handle is not None:
            handle._observe(event)
            await handle._mux.apush(event)
        return keep

    def _unfinished(self) -> list[Any]:
        self._open.clear()
        return [h for h in self._handles.values() if self._mark(h, "completed", None)]

    def finalize(self) -> None:
        first: BaseException | None = None
        for handle in self._unfinished():
            try:
                _end_child(handle, "completed", None)
            except BaseException as error:
                first = first or error
        if first is not None:
            raise first

    async def afinalize(self) -> None:
        first: BaseException | None = None
        for handle in self._unfinished():
            try:
                await _aend_child(handle, "completed", None)
            except BaseException as error:
                first = first or error
        if first is not None:
            raise first

    def fail(self, err: BaseException) -> None:
        status, error = _terminal_of_error(err)
        self._open.clear()
        for handle in self._handles.values():
            self._mark(handle, status, error)
            if not handle._mux._events._closed:
                try:
                    handle._mux.fail(err)
                except Exception:
                    _logger.warning("failing the pipeline of %s failed", handle, exc_info=True)

    async def afail(self, err: BaseException) -> None:
        status, error = _terminal_of_error(err)
        self._open.clear()
        for handle in self._handles.values():
            self._mark(handle, status, error)
            if not handle._mux._events._closed:
                try:
                    await handle._mux.afail(err)
                except Exception:
                    _logger.warning("failing the pipeline of %s failed", handle, exc_info=True)


def _end_child(handle: Any, status: SubgraphStatus, error: str | None) -> None:
    mux = handle._mux
    if mux._events._closed:
        return
    if status == "failed":
        mux.fail(RuntimeError(error or "Subgraph failed"))
    else:
        mux.close()


async def _aend_child(handle: Any, status: SubgraphStatus, error: str | None) -> None:
    mux = handle._mux
    if mux._events._closed:
        return
    if status == "failed":
        await mux.afail(RuntimeError(error or "Subgraph failed"))
    else:
        await mux.aclose()
