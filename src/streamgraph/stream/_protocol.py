"""Run records as protocol events: the pure part of v3, shared by run streams and servers.

A run streams records ``(namespace, mode, payload)``; a v3 run turns each into a
``ProtocolEvent`` as the driver hands it out (``event_shape``: no intermediate shape). The
mode is the event's method, except the internal ``message_events`` mode, which carries the
``messages`` channel's content-block events. ``values`` events are shaped as in v2 (state in
the output schema's type, interrupts apart).

``ProtocolEncoder`` adds what the main log of a run stream adds to the graph's events:
``lifecycle`` events inferred from ``tasks`` events (which then leave the log). A server can
drive it from any source of records without building run streams.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from streamgraph.pregel._stream import (
    MESSAGE_EVENTS,
    VALID_MODES,
    Event,
    coerce_checkpoint,
    split_values,
)
from streamgraph.stream._types import ProtocolEvent
from streamgraph.stream.transformers import LifecyclePayload, LifecycleTransformer

__all__ = ("ProtocolEncoder", "event_shape", "graph_modes", "protocol_event")

CHANNELS = (
    "values",
    "updates",
    "messages",
    "tools",
    "lifecycle",
    "checkpoints",
    "tasks",
    "custom",
    "debug",
)
"""The protocol channels a run can produce (``debug`` is LangGraph's own addition)."""


def graph_modes(required: Iterable[str], *, origin: str = "a transformer") -> frozenset[str]:
    """The stream modes a run is asked for, from the modes its transformers need (the
    ``messages`` channel is the internal ``message_events`` mode)."""
    modes: set[str] = set()
    for mode in required:
        if mode == "messages":
            modes.add(MESSAGE_EVENTS)
        elif mode in VALID_MODES:
            modes.add(mode)
        else:
            raise ValueError(
                f"{origin} requires stream mode {mode!r}, which graphs do not stream; valid "
                f"modes are: {', '.join(sorted(VALID_MODES))}"
            )
    return frozenset(modes)


def protocol_event(
    namespace: list[str], method: str, data: Any, interrupts: tuple[Any, ...] | None = None
) -> ProtocolEvent:
    """A protocol event (``interrupts`` for ``values`` events), stamped with the time now."""
    event: ProtocolEvent = {
        "type": "event",
        "method": method,
        "params": {"namespace": namespace, "timestamp": int(time.time() * 1000), "data": data},
    }
    if interrupts is not None:
        event["params"]["interrupts"] = interrupts
    return event


def event_shape(
    prefix: tuple[str, ...], output_schema: Any, state_schema: Any = None
) -> Callable[[Event], ProtocolEvent]:
    """The driver's shape function of a v3 run: record -> protocol event. ``prefix`` is the
    run's own namespace when it runs inside a node (records are relative to it; protocol
    events carry full namespaces). Payloads are shaped as ``stream(version="v2")`` shapes
    them."""
    now = time.time
    coerce = state_schema is not None and state_schema.kind != "dict"

    def shape(record: Event) -> ProtocolEvent:
        ns, mode, payload = record
        namespace = [*prefix, *ns] if prefix else list(ns)
        if mode == "values":
            data, interrupts = split_values(payload, output_schema)
            return {
                "type": "event",
                "method": "values",
                "params": {
                    "namespace": namespace,
                    "timestamp": int(now() * 1000),
                    "data": data,
                    "interrupts": interrupts,
                },
            }
        if coerce and (mode == "checkpoints" or mode == "debug"):
            payload = coerce_checkpoint(payload, state_schema)
        return {
            "type": "event",
            "method": "messages" if mode == MESSAGE_EVENTS else mode,
            "params": {"namespace": namespace, "timestamp": int(now() * 1000), "data": payload},
        }

    return shape


class _Lifecycle(LifecycleTransformer):
    """Lifecycle inference with its payloads collected in a list (no channel, no run)."""

    def __init__(self, scope: tuple[str, ...]) -> None:
        super().__init__(scope)
        self.payloads: list[LifecyclePayload] = []

    def _emit(self, payload: LifecyclePayload) -> None:
        self.payloads.append(payload)


class ProtocolEncoder:
    """Protocol events of a run's main log, from its records: ``encode`` each record (from a
    run asked for ``graph_modes(...)`` with ``subgraphs=True``), then ``close()`` or
    ``fail(error)`` at the end. ``channels`` picks what to keep (``lifecycle`` needs the
    ``tasks`` mode; ``tasks`` events are kept only when asked for). Events are not numbered:
    the caller gives them their ``seq``."""

    def __init__(
        self,
        channels: Iterable[str] = CHANNELS,
        *,
        scope: tuple[str, ...] = (),
        prefix: tuple[str, ...] = (),
        output_schema: Any = None,
        state_schema: Any = None,
    ) -> None:
        self.channels = frozenset(channels)
        self._shape = event_shape(prefix, output_schema, state_schema)
        self._lifecycle = _Lifecycle(scope) if "lifecycle" in self.channels else None

    def encode(self, record: Event) -> list[ProtocolEvent]:
        """The events one record makes (none, one, or lifecycle events first)."""
        event = self._shape(record)
        return self.encode_event(event)

    def encode_event(self, event: ProtocolEvent) -> list[ProtocolEvent]:
        """The same, for a record already shaped as a protocol event."""
        method = event["method"]
        if method != "tasks":
            return [event] if method in self.channels else []
        out = self._lifecycle_events(lambda t: t.process(event))
        if "tasks" in self.channels:
            out.append(event)
        return out

    def close(self) -> list[ProtocolEvent]:
        """Events of the run's normal end (subgraphs still open are completed)."""
        return self._lifecycle_events(lambda t: t.finalize())

    def fail(self, error: BaseException) -> list[ProtocolEvent]:
        """Events of the run's failure (subgraphs still open fail or are interrupted)."""
        return self._lifecycle_events(lambda t: t.fail(error))

    def _lifecycle_events(self, feed: Callable[[_Lifecycle], Any]) -> list[ProtocolEvent]:
        lifecycle = self._lifecycle
        if lifecycle is None:
            return []
        feed(lifecycle)
        payloads, lifecycle.payloads[:] = list(lifecycle.payloads), []
        return [protocol_event([], "lifecycle", payload) for payload in payloads]
