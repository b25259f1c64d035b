"""Stream LLM tokens into ``messages`` mode from any client, without LangChain.

Inside a node, ``get_message_writer()`` gives a writer for one message; each call streams a
chunk of it, with the same metadata LangChain chat models' tokens get (``langgraph_node``,
``langgraph_step``, ...). No callback framework is in the path: a chunk costs about a
microsecond, and with nobody asking for ``messages`` the writer does nothing.

Example, with the ``openai`` package::

    from streamgraph.messages import get_message_writer

    async def call_model(state):
        write = get_message_writer(tags=["joke"])
        stream = await client.chat.completions.create(model=..., messages=..., stream=True)
        async for chunk in stream:
            if chunk.choices[0].delta.content:
                write(chunk.choices[0].delta.content)
        return {"joke": write.text}

    for chunk, metadata in graph.stream(inputs, stream_mode="messages"):
        print(chunk.content, end="|")

``stream_message()`` / ``astream_message()`` wrap a token iterator instead: they pass each
token through and stream it on the way.

In a v3 run (``stream_events(version="v3")``) the same writer streams the message as
content-block events (``message-start``, a text block's deltas, ``message-finish``), so it
appears in ``run.messages`` as a ``ChatModelStream``. The message ends with
``write.finish()``, or when the node returns (if the node fails, its message fails).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from operator import itemgetter
from typing import Any

from streamgraph._context import current_scope

__all__ = (
    "MessageChunk",
    "MessageWriter",
    "astream_message",
    "get_message_writer",
    "stream_message",
)


class MessageChunk(tuple):  # type: ignore[type-arg]
    """A piece of an AI message, as streamed by ``MessageWriter`` (shaped like LangChain's
    ``AIMessageChunk``: ``content``, ``id``, ``type``; chunks add up with ``+``).

    Made with ``MessageChunk((content, id))``. A tuple underneath: building one costs a
    fraction of a class with an ``__init__``, which matters at a million chunks a second.
    """

    __slots__ = ()
    type = "AIMessageChunk"
    content: str = property(itemgetter(0))  # type: ignore[assignment]
    id: str | None = property(itemgetter(1))  # type: ignore[assignment]

    def __add__(self, other: Any) -> MessageChunk:
        return MessageChunk((self.content + other.content, self.id or other.id))

    def __repr__(self) -> str:
        return f"MessageChunk(content={self.content!r}, id={self.id!r})"

    def model_dump(self) -> dict[str, Any]:
        """The chunk as a dict, in the shape of a LangChain message dump."""
        return {
            "content": self.content,
            "additional_kwargs": {},
            "response_metadata": {},
            "type": self.type,
            "name": None,
            "id": self.id,
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": None,
            "tool_call_chunks": [],
        }


_MESSAGE_EVENTS = "message_events"  # v3 runs' mode (streamgraph.pregel._stream)


class MessageWriter:
    """Streams the chunks of one message (see the module docstring)."""

    __slots__ = (
        "_events",
        "_metadata",
        "_ns",
        "_open",
        "_put",
        "_targets",
        "event_metadata",
        "id",
        "parts",
    )

    def __init__(
        self,
        targets: list[tuple[Any, Any]],
        metadata: dict[str, Any],
        id: str,
        events: list[tuple[Any, Any]] | None = None,
    ) -> None:
        self._targets = targets  # (put, namespace) of each listening stream
        # One listener (the usual case): its put is called directly, one call per chunk.
        self._put: Any = targets[0][0] if len(targets) == 1 else None
        self._ns: Any = targets[0][1] if len(targets) == 1 else None
        self._metadata = metadata
        self.id = id
        self.parts: list[str] = []
        self._events = events or []  # v3 listeners: protocol events instead of chunks
        self.event_metadata = {**metadata, "run_id": id} if events else metadata
        self._open: bool | None = None  # v3: None before the first chunk, False once over

    def __call__(self, chunk: Any) -> None:
        """Stream ``chunk``: text (it becomes a ``MessageChunk`` of this message), or a
        message object of your own (a LangChain chunk, say), streamed as it is."""
        if type(chunk) is str:
            self.parts.append(chunk)
            put = self._put
            if put is not None:
                put((self._ns, "messages", (MessageChunk((chunk, self.id)), self._metadata)))
            elif self._targets:
                self._send(MessageChunk((chunk, self.id)))
            if self._events:
                self._text_delta(chunk)
            return
        content = getattr(chunk, "content", None)
        if isinstance(content, str):
            self.parts.append(content)
            if self._events:
                self._text_delta(content)
        self._send(chunk)

    def _send(self, message: Any) -> None:
        payload = (message, self._metadata)
        for put, ns in self._targets:
            put((ns, "messages", payload))

    def _send_event(self, event: dict[str, Any]) -> None:
        payload = (event, self.event_metadata)
        for put, ns in self._events:
            put((ns, _MESSAGE_EVENTS, payload))

    def _text_delta(self, text: str) -> None:
        if self._open is not True:
            if self._open is False:
                raise RuntimeError(
                    f"message {self.id!r} is finished; get_message_writer() gives a writer "
                    "for the next message"
                )
            self._open = True
            self._send_event({"event": "message-start", "role": "ai", "id": self.id})
            block = {"type": "text", "text": ""}
            self._send_event({"event": "content-block-start", "index": 0, "content": block})
        delta = {"type": "text-delta", "text": text}
        self._send_event({"event": "content-block-delta", "index": 0, "delta": delta})

    def finish(self, usage: dict[str, Any] | None = None) -> None:
        """End the message (v3 runs: ``content-block-finish`` and ``message-finish``, with
        ``usage`` such as ``{"input_tokens": 3, "output_tokens": 5}`` if given;
        ``total_tokens`` is their sum unless given). The node returning ends it too. Further
        chunks raise ``RuntimeError``."""
        for event in self.closing_events(usage=usage):
            self._send_event(event)
        self._open = False

    def closing_events(
        self, error: str | None = None, *, usage: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """The events that end this message in v3 (none if it never started); the message
        counts as finished afterwards."""
        started, self._open = self._open is True, False
        if not started or not self._events:
            return []
        if error is not None:
            return [{"event": "error", "message": error}]
        finish: dict[str, Any] = {"event": "message-finish"}
        if usage is not None:
            if "total_tokens" not in usage:
                total = usage.get("input_tokens", 0) + usage.get("output_tokens", 0)
                usage = {**usage, "total_tokens": total}
            finish["usage"] = usage
        block = {"type": "text", "text": self.text}
        return [{"event": "content-block-finish", "index": 0, "content": block}, finish]

    @property
    def text(self) -> str:
        """Everything streamed so far, joined."""
        return "".join(self.parts)


def get_message_writer(*, id: str | None = None, tags: list[str] | None = None) -> MessageWriter:
    """A writer for one message streamed by the running node (``messages`` mode).

    ``id`` names the message (a new one by default): a message the node then returns with
    the same id is not streamed again. ``tags`` land in the chunks' metadata, for filtering.
    Raises ``RuntimeError`` outside of a running node.
    """
    task = current_scope()
    messages = task.loop.messages
    message_id = id or f"run-{uuid.uuid4()}"
    if messages is None:
        return MessageWriter([], {}, message_id)
    from streamgraph.pregel._messages import with_integration

    metadata = with_integration(task.config["metadata"], "streamgraph")
    metadata["checkpoint_ns"] = task.ns
    if tags:
        metadata["tags"] = list(tags)
    events = messages.event_targets()
    writer = MessageWriter(messages.targets(message_id), metadata, message_id, events)
    if events:
        messages.seen.add(message_id)
        messages.track_writer(task, writer)
    return writer


def stream_message(
    tokens: Iterable[str], *, id: str | None = None, tags: list[str] | None = None
) -> Iterator[str]:
    """Pass ``tokens`` through, streaming each into ``messages`` mode as one message."""
    write = get_message_writer(id=id, tags=tags)
    for token in tokens:
        write(token)
        yield token
    write.finish()


async def astream_message(
    tokens: AsyncIterable[str], *, id: str | None = None, tags: list[str] | None = None
) -> AsyncIterator[str]:
    """The async twin of ``stream_message()``."""
    write = get_message_writer(id=id, tags=tags)
    async for token in tokens:
        write(token)
        yield token
    write.finish()
