"""``astream_events()``: the run as LangChain's v2 event stream.

Every run is one event tree: the graph is the root run, each task is a run under the graph
(or under the task that runs its subgraph), and whatever LangChain code a node calls (chat
models, tools, retrievers, runnables) makes runs under that task. Events are dicts with
``event`` (``on_<type>_start``/``_stream``/``_end``), ``name``, ``run_id``, ``parent_ids``
(root first), ``tags``, ``metadata`` and ``data``, as ``Runnable.astream_events`` yields them.

Graph and task events are made by the run itself; the rest come from a LangChain callback
handler placed in each task's config. All of them travel as one internal stream mode,
``events``, so they reach the consumer in the order they happened, and nested graphs' events
reach it with or without ``subgraphs=True``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from streamgraph.pregel._messages import with_integration

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop
    from streamgraph.pregel._scope import Task

__all__ = ("EventFilter", "Events", "run_events", "tool_events_handler")

_SEQ_TAG = "seq:step:1"  # what LangGraph's node runs give their children (kept for filters)

# Key orders as LangChain and LangGraph write them (equal dicts either way; printed, they
# read the same).
_START = ("event", "data", "name", "tags", "run_id", "metadata", "parent_ids")
_END = ("event", "data", "run_id", "name", "tags", "metadata", "parent_ids")
_TAPPED = ("event", "run_id", "name", "tags", "metadata", "data", "parent_ids")


def _ordered(order: tuple[str, ...], fields: dict[str, Any]) -> dict[str, Any]:
    return {key: fields[key] for key in order}


class Events:
    """One run level's events: its graph run (a nested one's: here; the root's: in
    ``run_events``), its tasks' runs, and the handler for what runs inside them."""

    __slots__ = ("_handler", "_input", "enclosing", "loop", "parents", "run_id", "task_runs")

    def __init__(self, loop: Loop, enclosing: Task | None) -> None:
        self.loop = loop
        self.enclosing = enclosing  # the task running this graph, for a nested level
        given = loop.config.get("run_id") if enclosing is None else None
        self.run_id = str(given) if given is not None else str(uuid.uuid4())
        self.task_runs: dict[str, str] = {}  # task id -> its run's id
        above: tuple[str, ...] = ()
        if enclosing is not None:
            outer = enclosing.loop.events
            assert outer is not None
            above = (*outer.parents, outer.run_of(enclosing))
        self.parents: tuple[str, ...] = (*above, self.run_id)  # this level's tasks' parents
        self._handler: Any = None

    def run_of(self, task: Task) -> str:
        """The run id of a task's run (its own: a task id is not a run id)."""
        run = self.task_runs.get(task.id)
        if run is None:
            run = self.task_runs[task.id] = str(uuid.uuid4())
        return run

    @property
    def handler(self) -> Any:
        if self._handler is None:
            from streamgraph.pregel._event_handlers import EventsHandler

            self._handler = EventsHandler(self)
        return self._handler

    def put(self, event: dict[str, Any]) -> None:
        """Deliver an event from inside a running task (any thread)."""
        self.loop.put_live("events", event)

    # -- a nested graph's own run -------------------------------------------------------------

    def _nested_fields(self) -> dict[str, Any]:
        task = self.enclosing
        assert task is not None
        metadata = with_integration(task.config["metadata"], "langgraph")
        for key, value in task.config["configurable"].items():  # as LangChain's child runs
            if not key.startswith("__") and isinstance(value, str | int | float | bool):
                metadata.setdefault(key, value)
        return {
            "name": self.loop.graph.name,
            "tags": [_SEQ_TAG, *self.loop.config.get("tags", ())],
            "run_id": self.run_id,
            "metadata": metadata,
            "parent_ids": list(self.parents[:-1]),
        }

    def run_started(self, input: Any) -> None:
        if self.enclosing is not None:
            self.put(
                _ordered(
                    _START,
                    {"event": "on_chain_start", "data": {"input": input}, **self._nested_fields()},
                )
            )
            self._input = input

    def run_finished(self, output: Any) -> None:
        if self.enclosing is not None:
            self.put(
                _ordered(
                    _END,
                    {
                        "event": "on_chain_end",
                        "data": {"output": output, "input": self._input},
                        **self._nested_fields(),
                    },
                )
            )

    # -- task runs (on the loop's thread, in step order) ---------------------------------------

    def _task_fields(self, task: Task) -> dict[str, Any]:
        metadata = with_integration(task.config["metadata"], "langgraph")
        return {
            "name": task.name,
            "tags": [f"graph:step:{task.step}", *self.loop.config.get("tags", ())],
            "run_id": self.run_of(task),
            "metadata": metadata,
            "parent_ids": list(self.parents),
        }

    def task_started(self, task: Task) -> None:
        fields = self._task_fields(task)
        self.loop.emit(
            "events",
            _ordered(_START, {"event": "on_chain_start", "data": {"input": task.input}, **fields}),
        )

    def task_finished(self, task: Task, output: Any) -> None:
        fields = self._task_fields(task)
        emit = self.loop.emit
        emit(
            "events",
            _ordered(_TAPPED, {"event": "on_chain_stream", "data": {"chunk": output}, **fields}),
        )
        emit(
            "events",
            _ordered(
                _END,
                {
                    "event": "on_chain_end",
                    "data": {"output": output, "input": task.input},
                    **fields,
                },
            ),
        )
        run = self.task_runs.pop(task.id)
        if self._handler is not None:
            self._handler.lineage.pop(run, None)

    def callbacks_for(self, task: Task, config: dict[str, Any]) -> Any:
        """A callback manager for runs inside ``task``: this level's handler first (it taps
        streamed output), then ``messages`` mode's and the user's own handlers."""
        from langchain_core.callbacks import CallbackManager

        handlers: list[Any] = [self.handler]
        if self.loop.messages is not None:
            handlers.append(self.loop.messages.handler())
        if "tools" in self.loop.modes:
            handlers.append(tool_events_handler(self.loop))
        existing = config.get("callbacks")
        if isinstance(existing, list):
            handlers.extend(existing)
        elif existing is not None:
            handlers.extend(existing.inheritable_handlers)
        run = self.run_of(task)
        self.handler.lineage[run] = list(self.parents)
        metadata = with_integration(config["metadata"], "langgraph")
        return CallbackManager(
            handlers=handlers,
            inheritable_handlers=handlers,
            parent_run_id=uuid.UUID(run),
            tags=[_SEQ_TAG],
            inheritable_tags=list(config.get("tags", ())),
            metadata=metadata,
            inheritable_metadata=metadata,
        )


_RUN_OPTIONS = (
    "context",
    "stream_mode",
    "subgraphs",
    "output_keys",
    "interrupt_before",
    "interrupt_after",
    "durability",
)


async def run_events(
    graph: Any, input: Any, config: Any, *, version: str, keep: EventFilter, options: dict[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    """Run ``graph`` and yield its events (the body of ``Pregel.astream_events``)."""
    if version != "v2":
        raise ValueError(
            f"astream_events supports version='v2' only, got {version!r} (v1 is "
            "LangChain's deprecated format)"
        )
    unknown = sorted(set(options) - set(_RUN_OPTIONS))
    if unknown:
        raise TypeError(f"astream_events() got unexpected keyword arguments: {unknown}")
    import langchain_core  # noqa: F401 - the events are LangChain's: say so early if missing

    from streamgraph.pregel._adrive import adrive
    from streamgraph.pregel._stream import parse_modes, shaper

    # LangChain's astream_events fills in LangChain's default limit (25), not LangGraph's.
    config = {"recursion_limit": 25, **(config or {})}
    stream_mode = options.pop("stream_mode", None) or graph.stream_mode
    subgraphs = bool(options.pop("subgraphs", False))
    modes, tagged = parse_modes(stream_mode)
    shape = shaper(tagged=tagged, subgraphs=subgraphs, version="v1")
    loop = graph._start_run(
        config,
        modes=modes | {"events"},
        subgraphs=subgraphs,
        **{
            k: options.get(k)
            for k in ("context", "output_keys", "interrupt_before", "interrupt_after", "durability")
        },
    )
    root = {
        "name": graph.name,
        "tags": list(loop.config.get("tags", ())),
        "run_id": loop.events.run_id,
        "parent_ids": [],
        "metadata": with_integration(loop.config.get("metadata", {}), "langgraph"),
    }
    start = _ordered(_START, {"event": "on_chain_start", "data": {"input": input}, **root})
    if keep(start):
        yield start
    async for event in adrive(loop, input, _same):
        ns, mode, payload = event
        if mode == "events":
            if keep(payload):
                yield payload
            continue
        chunk = _ordered(
            _TAPPED, {"event": "on_chain_stream", "data": {"chunk": shape(event)}, **root}
        )
        if keep(chunk):
            yield chunk
    output = graph._invoke_result(loop, "v1")
    end = _ordered(_END, {"event": "on_chain_end", "data": {"output": output}, **root})
    if keep(end):
        yield end


def _same(event: Any) -> Any:
    return event


class EventFilter:
    """``include_*``/``exclude_*`` of ``astream_events``: names, run types and tags."""

    def __init__(
        self,
        include_names: Sequence[str] | None,
        include_types: Sequence[str] | None,
        include_tags: Sequence[str] | None,
        exclude_names: Sequence[str] | None,
        exclude_types: Sequence[str] | None,
        exclude_tags: Sequence[str] | None,
    ) -> None:
        self.include = (set(include_names or ()), set(include_types or ()), set(include_tags or ()))
        self.exclude = (set(exclude_names or ()), set(exclude_types or ()), set(exclude_tags or ()))
        self.active = any(self.include) or any(self.exclude)

    @staticmethod
    def _matches(event: dict[str, Any], names: set[str], types: set[str], tags: set[str]) -> bool:
        run_type = event["event"].split("_", 1)[1].rsplit("_", 1)[0]
        return (
            event.get("name") in names
            or run_type in types
            or not tags.isdisjoint(event.get("tags", ()))
        )

    def __call__(self, event: dict[str, Any]) -> bool:
        if not self.active:
            return True
        if any(self.include) and not self._matches(event, *self.include):
            return False
        return not (any(self.exclude) and self._matches(event, *self.exclude))


def tool_events_handler(loop: Loop) -> Any:
    """A handler for ``tools`` mode (see ``_event_handlers.ToolEventsHandler``)."""
    from streamgraph.pregel._event_handlers import ToolEventsHandler

    return ToolEventsHandler(loop)
