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


class MessageWriter:
    """Streams the chunks of one message (see the module docstring)."""

    __slots__ = ("_metadata", "_ns", "_put", "_targets", "id", "parts")

    def __init__(self, targets: list[tuple[Any, Any]], metadata: dict[str, Any], id: str) -> None:
        self._targets = targets  # (put, namespace) of each listening stream
        # One listener (the usual case): its put is called directly, one call per chunk.
        self._put: Any = targets[0][0] if len(targets) == 1 else None
        self._ns: Any = targets[0][1] if len(targets) == 1 else None
        self._metadata = metadata
        self.id = id
        self.parts: list[str] = []

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
            return
        if isinstance(getattr(chunk, "content", None), str):
            self.parts.append(chunk.content)
        self._send(chunk)

    def _send(self, message: Any) -> None:
        payload = (message, self._metadata)
        for put, ns in self._targets:
            put((ns, "messages", payload))

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
    return MessageWriter(messages.targets(message_id), metadata, message_id)


def stream_message(
    tokens: Iterable[str], *, id: str | None = None, tags: list[str] | None = None
) -> Iterator[str]:
    """Pass ``tokens`` through, streaming each into ``messages`` mode as one message."""
    write = get_message_writer(id=id, tags=tags)
    for token in tokens:
        write(token)
        yield token


async def astream_message(
    tokens: AsyncIterable[str], *, id: str | None = None, tags: list[str] | None = None
) -> AsyncIterator[str]:
    """The async twin of ``stream_message()``."""
    write = get_message_writer(id=id, tags=tags)
    async for token in tokens:
        write(token)
        yield token
