"""A ``stream(version="v2")`` part as a protocol event (for run streams built by hand over a
v2 stream: ``GraphRunStream(graph.stream(..., version="v2", subgraphs=True), mux)``)."""

from __future__ import annotations

import time
from typing import Any

from streamgraph.stream._types import ProtocolEvent

__all__ = ("convert_to_protocol_event",)


def convert_to_protocol_event(part: dict[str, Any]) -> ProtocolEvent:
    """``{"type", "ns", "data", ["interrupts"]}`` -> ``{"type": "event", "method", "params"}``."""
    event: ProtocolEvent = {
        "type": "event",
        "method": part["type"],
        "params": {
            "namespace": list(part["ns"]),
            "timestamp": int(time.time() * 1000),
            "data": part["data"],
        },
    }
    if "interrupts" in part:
        event["params"]["interrupts"] = part["interrupts"]
    return event
