"""Stream events, who listens to them, and the shapes they are handed out in.

Every streamed thing is one event ``(ns, mode, payload)``: ``ns`` is the namespace tuple
(``()`` for the root graph). A run level (a graph, or a subgraph running inside a task) sends
each event to its own consumer and to any enclosing stream that wants it; ``Listener`` is such
an enclosing stream. At the edge, ``shaper()`` turns events into v1 tuples or v2 dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from streamgraph.constants import INTERRUPT, START
from streamgraph.pregel._inbox import AsyncInbox, Inbox
from streamgraph.types import STREAM_MODES

__all__ = (
    "MESSAGE_EVENTS",
    "Event",
    "Listener",
    "Routes",
    "check_events_version",
    "coerce_checkpoint",
    "parse_modes",
    "shaper",
    "split_values",
)

Event = tuple[tuple[str, ...], str, Any]

VALID_MODES = frozenset((*STREAM_MODES, "tools"))

NESTED_WITHOUT_SUBGRAPHS = frozenset({"custom", "events"})
"""Modes a stream receives from nested graphs even without ``subgraphs=True``.

Divergence: LangGraph drops ``custom`` events written inside subgraphs unless the caller set
``subgraphs=True``; we deliver them (see COMPAT.md). ``events`` is ``astream_events``'
internal mode: its tree spans every level.
"""

MESSAGE_EVENTS = "message_events"
"""Internal mode of v3 runs (``streamgraph.stream``): ``messages`` as content-block protocol
events ``(event, metadata)`` instead of ``(chunk, metadata)``. Not accepted by ``stream()``."""

REALTIME_MODES = frozenset({"custom", "messages", "tools", "events", MESSAGE_EVENTS})
"""Modes whose events are produced while a node runs (so the node cannot run inline)."""


class Listener(NamedTuple):
    """A consumer of events produced at a deeper level (a subgraph's, seen from its parent)."""

    put: Callable[[Event], None]
    """Thread-safe: hands an event to the consumer's inbox."""
    modes: frozenset[str]
    """Modes the consumer asked for."""
    subgraphs: bool
    """Whether the consumer asked for events of nested graphs."""
    depth: int
    """Length of the consumer's own namespace; events are delivered relative to it."""

    def wants(self, depth: int) -> frozenset[str]:
        """The modes this consumer wants from a level ``depth`` namespace elements deep."""
        if depth == self.depth or self.subgraphs:
            return self.modes
        return self.modes & NESTED_WITHOUT_SUBGRAPHS


_NO_NS: tuple[str, ...] = ()


def _no_op_writer(_: Any) -> None:
    return None


class Routes:
    """Who gets a run level's events: its own consumer (``own_modes``, ``out`` between
    tasks, ``own_put`` while they run) and the enclosing streams listening to it
    (``forward``). The base of ``Loop``."""

    ns: tuple[str, ...]
    out: list[Event]
    own_put: Callable[[Event], None] | None

    def _route_events(
        self, own: frozenset[str], own_subgraphs: bool, listeners: tuple[Listener, ...]
    ) -> None:
        depth = len(self.ns)
        self.own_modes = own
        self.own_subgraphs = own_subgraphs
        self.listeners = listeners
        forward: dict[str, list[tuple[Callable[[Event], None], tuple[str, ...]]]] = {}
        for listener in listeners:
            rel_ns = self.ns[listener.depth :]
            for mode in listener.wants(depth):
                forward.setdefault(mode, []).append((listener.put, rel_ns))
        self.forward = forward
        modes = own | frozenset(forward)
        self.modes = modes
        self.want_values = "values" in modes
        self.want_updates = "updates" in modes
        self.want_tasks = "tasks" in modes or "debug" in modes
        self.want_checkpoints = "checkpoints" in modes or "debug" in modes
        # A single task may run on the consumer's thread when nothing needs delivering
        # while it runs: no custom/messages events and no nested graphs' events for our
        # own consumer. Events for enclosing streams are put straight into their inboxes.
        self.inline_ok = not (own & REALTIME_MODES) and not own_subgraphs
        self._writer: Callable[[Any], None] | None = None

    def emit(self, mode: str, payload: Any) -> None:
        if mode in self.own_modes:
            self.out.append((_NO_NS, mode, payload))
        targets = self.forward.get(mode)
        if targets:
            for put, rel_ns in targets:
                put((rel_ns, mode, payload))

    def put_live(self, mode: str, payload: Any) -> bool:
        """Deliver an event written while a task runs (any thread); whether anybody
        listens."""
        delivered = False
        if mode in self.own_modes and self.own_put is not None:
            self.own_put((_NO_NS, mode, payload))
            delivered = True
        for put, ns in self.forward.get(mode, ()):
            put((ns, mode, payload))
            delivered = True
        return delivered

    def set_own_put(self, put: Callable[[Event], None]) -> None:
        """Where events for this level's own consumer go during the next step (the driver
        picks the cheapest route for how that step runs)."""
        if put is not self.own_put:
            self.own_put = put
            self._writer = None

    @property
    def writer(self) -> Callable[[Any], None]:
        """The ``custom`` writer of this level's tasks (one per level and route: events carry
        the level's namespace, not the task's)."""
        writer = self._writer
        if writer is None:
            writer = self._writer = self._make_writer()
        return writer

    def _make_writer(self) -> Callable[[Any], None]:
        targets = list(self.forward.get("custom", ()))
        if "custom" in self.own_modes:
            if self.own_put is None:
                raise RuntimeError("the driver must call set_own_put() before tasks run")
            targets.insert(0, (self.own_put, _NO_NS))
        if not targets:
            return _no_op_writer
        if len(targets) == 1:
            put, ns = targets[0]
            inbox: Any = getattr(put, "__self__", None)
            if isinstance(inbox, Inbox | AsyncInbox) and put == inbox.put:
                writer: Callable[[Any], None] = inbox.event_writer(ns, "custom")
                return writer

            def write_one(chunk: Any) -> None:
                put((ns, "custom", chunk))

            return write_one

        def write_all(chunk: Any) -> None:
            for put, ns in targets:
                put((ns, "custom", chunk))

        return write_all


def parse_modes(stream_mode: str | Sequence[str]) -> tuple[frozenset[str], bool]:
    """Validate ``stream_mode``; return the mode set and whether chunks carry the mode name."""
    if isinstance(stream_mode, str):
        modes: Sequence[Any] = (stream_mode,)
        tagged = False
    elif isinstance(stream_mode, list | tuple):
        modes = stream_mode
        # LangGraph tags chunks with their mode only when given a list, not a tuple.
        tagged = isinstance(stream_mode, list)
    else:
        raise ValueError(
            f"stream_mode must be a string or a list of strings, got "
            f"{type(stream_mode).__name__}: {stream_mode!r}"
        )
    for mode in modes:
        if mode not in VALID_MODES:
            raise ValueError(
                f"Unknown stream_mode {mode!r}; valid modes are: {', '.join(STREAM_MODES)}"
            )
    return frozenset(modes), tagged


def split_values(payload: Any, output_schema: Any) -> tuple[Any, tuple[Any, ...]]:
    """A ``values`` payload as v2 and v3 show it: the state in the output schema's type,
    and its interrupts apart."""
    interrupts: tuple[Any, ...] = ()
    if isinstance(payload, dict) and INTERRUPT in payload:
        payload = dict(payload)
        interrupts = payload.pop(INTERRUPT)
    if output_schema is not None and isinstance(payload, dict):
        payload = output_schema.to_output(payload)
    return payload, interrupts


def coerce_checkpoint(payload: Any, state_schema: Any) -> Any:
    """A ``checkpoints`` payload (or a ``debug`` checkpoint) as v2 and v3 show it: its
    ``values`` in the state schema's type, except the input checkpoint's (not every key is
    set yet). A copy: the payload may be shared with other streams."""
    if state_schema is None or state_schema.kind == "dict" or type(payload) is not dict:
        return payload
    inner = payload.get("payload") if payload.get("type") == "checkpoint" else payload
    if type(inner) is not dict or type(inner.get("values")) is not dict:
        return payload
    if START in inner.get("next", ()):
        return payload
    coerced = {**inner, "values": state_schema.to_output(inner["values"])}
    return {**payload, "payload": coerced} if inner is not payload else coerced


def _v2_part(output_schema: Any, state_schema: Any) -> Callable[[Event], dict[str, Any]]:
    def part(event: Event) -> dict[str, Any]:
        ns, mode, payload = event
        if mode != "values":
            if mode == "checkpoints" or mode == "debug":
                payload = coerce_checkpoint(payload, state_schema)
            return {"type": mode, "ns": ns, "data": payload}
        data, interrupts = split_values(payload, output_schema)
        return {"type": mode, "ns": ns, "data": data, "interrupts": interrupts}

    return part


def shaper(
    *,
    tagged: bool,
    subgraphs: bool,
    version: str,
    output_schema: Any = None,
    state_schema: Any = None,
) -> Callable[[Event], Any]:
    """The function that turns an event into what ``stream()`` yields (v2: ``values`` in
    the output schema's type, checkpoints' values in the state schema's)."""
    if version == "v2":
        return _v2_part(output_schema, state_schema)
    if version != "v1":
        raise ValueError(f"Unknown stream version {version!r}; valid versions are: v1, v2")
    if subgraphs:
        return (lambda e: e) if tagged else itemgetter(0, 2)
    return itemgetter(1, 2) if tagged else itemgetter(2)


def check_events_version(version: str, *, sync: bool) -> None:
    """``stream_events``/``astream_events`` versions: v1/v2 are LangChain's event streams
    (async only), v3 run streams."""
    if version not in ("v1", "v2", "v3"):
        raise ValueError(f"Unknown version {version!r}; valid versions are: v1, v2, v3")
    if sync and version != "v3":
        raise NotImplementedError(
            f"stream_events(version={version!r}) is not supported: use astream_events() for "
            "v1/v2 events, or stream_events(version='v3')"
        )
