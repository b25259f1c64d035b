"""ToolCallTransformer: ``run.tool_calls``, a ``ToolCallStream`` per tool call of a v3 run.

Opt-in (``compile(transformers=[ToolCallTransformer])`` or per call): it asks the graph for
the ``tools`` stream mode. The ``tools`` events stay in the main log as they are (clients
rebuild calls from them); the projection holds live objects and is not forwarded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from streamgraph.prebuilt._tool_call_stream import ToolCallStream
from streamgraph.stream._types import ProtocolEvent, StreamTransformer
from streamgraph.stream.stream_channel import StreamChannel

__all__ = ("ToolCallTransformer",)


def _output_of(output: Any) -> Any:
    """A tool call's output as its caller sees it: a ToolMessage's content (also in its
    serialized form), anything else as it is."""
    if type(output).__name__ == "ToolMessage":
        return output.content
    if (
        isinstance(output, dict)
        and output.get("type") == "constructor"
        and isinstance(output.get("id"), list)
        and output["id"][-1] == "ToolMessage"
        and isinstance(output.get("kwargs"), dict)
    ):
        return output["kwargs"].get("content")
    return output


class ToolCallTransformer(StreamTransformer):
    """``run.tool_calls``: a ``ToolCallStream`` per ``tool-started`` event of this scope,
    fed by the call's ``tool-output-delta`` events and ended by ``tool-finished`` or
    ``tool-error``."""

    _native = True
    required_stream_modes = ("tools",)
    _methods = frozenset({"tools"})

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._log: StreamChannel[ToolCallStream] = StreamChannel()
        self._active: dict[str, ToolCallStream] = {}
        self._is_async = False
        self._pump_fn: Callable[[], bool] | None = None
        self._apump_fn: Callable[[], Awaitable[bool]] | None = None
        self._scope_list = list(scope)

    def init(self) -> dict[str, Any]:
        return {"tool_calls": self._log}

    def _on_register(self, mux: Any) -> None:
        self._is_async = mux.is_async

    def _bind_pump(self, pump: Callable[[], bool]) -> None:
        self._pump_fn = pump
        self._is_async = False

    def _bind_apump(self, apump: Callable[[], Awaitable[bool]]) -> None:
        self._apump_fn = apump
        self._is_async = True

    def _new_stream(self, data: dict[str, Any]) -> ToolCallStream:
        stream = ToolCallStream(data["tool_call_id"], data.get("tool_name", ""), data.get("input"))
        stream._bind(is_async=self._is_async)
        stream._output_deltas._request_more = self._pump_fn
        stream._output_deltas._arequest_more = self._apump_fn
        return stream

    def process(self, event: ProtocolEvent) -> bool:
        params = event["params"]
        if event["method"] == "tools" and params["namespace"] == self._scope_list:
            self._tool_event(params["data"])
        return True

    def _take(self, namespace: tuple[str, ...], data: Any) -> None:
        """``process`` for an event that was not built (``StreamMux.fast_route``)."""
        if namespace == self.scope:
            self._tool_event(data)

    def _tool_event(self, data: dict[str, Any]) -> None:
        call_id = data.get("tool_call_id")
        if call_id is None:
            return
        kind = data.get("event")
        if kind == "tool-started":
            stream = self._new_stream(data)
            self._active[call_id] = stream
            self._log.push(stream)
        elif kind == "tool-output-delta":
            active = self._active.get(call_id)
            if active is not None:
                active._push_delta(data.get("delta"))
        elif kind == "tool-finished":
            ended = self._active.pop(call_id, None)
            if ended is not None:
                ended._finish(_output_of(data.get("output")))
        elif kind == "tool-error":
            ended = self._active.pop(call_id, None)
            if ended is not None:
                ended._fail(data.get("message", ""))
