"""``run.messages``: one ``ChatModelStream`` (langchain-core's per-message stream) per message
of this run's own graph.

``messages`` events of a v3 run carry ``(event, metadata)``: ``event`` is a content-block
protocol event (``message-start``, ``content-block-start``/``-delta``/``-finish``,
``message-finish``) from a chat model or from ``streamgraph.messages.get_message_writer()``,
routed to its message's stream by ``metadata["run_id"]``; or a whole message a node
returned, replayed as the same events. Tool messages are not chat tokens: they are left out
(tool results are on the ``tools`` channel and in the state).

langchain-core is imported when the first message arrives, not before.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

from streamgraph.stream._types import ProtocolEvent, StreamTransformer
from streamgraph.stream.stream_channel import StreamChannel

__all__ = ("MessagesTransformer",)


def _stream_classes() -> tuple[type, type]:
    try:
        from langchain_core.language_models.chat_model_stream import (
            AsyncChatModelStream,
            ChatModelStream,
        )
    except ImportError as error:  # pragma: no cover - depends on the installed version
        raise ImportError(
            "the v3 messages projection needs langchain-core's ChatModelStream "
            "(langchain-core 1.x with langchain_core.language_models.chat_model_stream)"
        ) from error
    return ChatModelStream, AsyncChatModelStream


class MessagesTransformer(StreamTransformer):
    """``run.messages``: a ``ChatModelStream`` (``AsyncChatModelStream`` in async runs) per
    message, yielded when the message starts; read ``.text``, ``.reasoning``,
    ``.tool_calls``, ``.output`` or iterate its raw events. Only a subscribed projection
    builds streams."""

    _native = True
    required_stream_modes = ("messages",)
    _methods = frozenset({"messages"})

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._log: StreamChannel[Any] = StreamChannel()
        self._by_run: dict[str, Any] = {}
        self._ignored_runs: set[str] = set()
        self._pump_fn: Callable[[], bool] | None = None
        self._apump_fn: Callable[[], Awaitable[bool]] | None = None
        self._is_async: bool | None = None
        self._scope_list = list(scope)

    def init(self) -> dict[str, Any]:
        return {"messages": self._log}

    def _on_register(self, mux: Any) -> None:
        self._is_async = mux.is_async

    def _bind_pump(self, pump: Callable[[], bool]) -> None:
        self._pump_fn = pump

    def _bind_apump(self, apump: Callable[[], Awaitable[bool]]) -> None:
        self._apump_fn = apump

    def _new_stream(self, node: str | None, message_id: str | None) -> Any:
        sync_class, async_class = _stream_classes()
        is_async = self._is_async
        if is_async is None:  # not in a pipeline: whichever pump was bound
            is_async = self._apump_fn is not None or self._pump_fn is None
        if is_async:
            stream = async_class(namespace=[], node=node, message_id=message_id)
            if self._apump_fn is not None:
                stream.set_arequest_more(self._apump_fn)
        else:
            stream = sync_class(namespace=[], node=node, message_id=message_id)
            if self._pump_fn is not None:
                stream.set_request_more(self._pump_fn)
        return stream

    def process(self, event: ProtocolEvent) -> bool:
        params = event["params"]
        if event["method"] == "messages" and params["namespace"] == self._scope_list:
            self._message(params["data"])
        return True

    def _take(self, namespace: tuple[str, ...], data: Any) -> None:
        """``process`` for an event that was not built (``StreamMux.fast_route``)."""
        if namespace == self.scope:
            self._message(data)

    def _message(self, data: Any) -> None:
        payload, metadata = data
        node = metadata.get("langgraph_node") if metadata else None
        if type(payload) is dict and "event" in payload:
            run_id = str(metadata.get("run_id", "")) if metadata else ""
            self._route(payload, run_id, node)
        elif _is_whole_chat_message(payload):
            self._whole(payload, node)

    def _route(self, event: dict[str, Any], run_id: str, node: str | None) -> None:
        kind = event.get("event")
        if kind == "message-start":
            if event.get("role") == "tool":
                self._ignored_runs.add(run_id)
                return
            if not self._log._subscribed:  # nobody can ever read this stream
                return
            message_id = event.get("message_id")
            stream = self._new_stream(node, None if message_id is None else str(message_id))
            self._by_run[run_id] = stream
            self._log.push(stream)
            stream.dispatch(event)
        elif run_id in self._ignored_runs:
            if kind == "message-finish":
                self._ignored_runs.discard(run_id)
        else:
            stream = self._by_run.get(run_id)
            if stream is not None:
                stream.dispatch(event)
                if kind == "message-finish":
                    del self._by_run[run_id]

    def _whole(self, message: Any, node: str | None) -> None:
        if not self._log._subscribed:
            return
        from langchain_core.language_models._compat_bridge import message_to_events

        stream = self._new_stream(node, message.id)
        for event in message_to_events(message, message_id=message.id):
            stream.dispatch(event)
        self._log.push(stream)

    def finalize(self) -> None:
        self._by_run.clear()
        self._ignored_runs.clear()

    def fail(self, err: BaseException) -> None:
        for stream in list(self._by_run.values()):
            stream.fail(err)
        self._by_run.clear()
        self._ignored_runs.clear()


def _is_whole_chat_message(payload: Any) -> bool:
    """A finished message that is not a chunk and not a tool result."""
    messages = sys.modules.get("langchain_core.messages")
    if messages is None:
        return False
    return (
        isinstance(payload, messages.BaseMessage)
        and not isinstance(payload, messages.AIMessageChunk)
        and not isinstance(payload, messages.ToolMessage)
    )
