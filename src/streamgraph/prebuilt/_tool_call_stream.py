"""ToolCallStream: one tool call of a v3 run, as ``run.tool_calls`` yields it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from streamgraph.stream.stream_channel import StreamChannel

__all__ = ("ToolCallStream",)


class ToolCallStream:
    """A tool call as it runs: ``tool_call_id``, ``tool_name`` and ``input`` from its start;
    ``output_deltas`` (iterate it, or the stream itself) for what the tool streams with
    ``ToolRuntime.emit_output_delta``; then ``output`` (or ``error``) and ``completed``."""

    def __init__(self, tool_call_id: str, tool_name: str, input: Any = None) -> None:
        self.tool_call_id = tool_call_id
        self.tool_name = tool_name
        self.input = input
        self._output_deltas: StreamChannel[Any] = StreamChannel()
        self.output: Any = None
        self.error: str | None = None
        self.completed = False

    @property
    def output_deltas(self) -> StreamChannel[Any]:
        """The streamed pieces of output, in order; closed when the call ends."""
        return self._output_deltas

    def _bind(self, *, is_async: bool) -> None:
        self._output_deltas._bind(is_async=is_async)

    def _push_delta(self, delta: Any) -> None:
        self._output_deltas.push(delta)

    def _finish(self, output: Any) -> None:
        self.output = output
        self.completed = True
        self._output_deltas.close()

    def _fail(self, message: str) -> None:
        self.error = message
        self.completed = True
        self._output_deltas.close()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._output_deltas)

    def __aiter__(self) -> AsyncIterator[Any]:
        return aiter(self._output_deltas)

    def __repr__(self) -> str:
        status = "running" if not self.completed else "failed" if self.error else "completed"
        return (
            f"ToolCallStream(tool_call_id={self.tool_call_id!r}, "
            f"tool_name={self.tool_name!r}, status={status})"
        )
