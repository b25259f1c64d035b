"""A server-sent events decoder: bytes in, events out, no I/O.

It follows the WHATWG event-stream interpretation
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
lines end with CRLF, LF or CR (a CR ending one chunk and the LF starting the next are one line
end); one leading UTF-8 BOM is dropped; ``:`` lines are comments (heartbeats); ``data:`` lines
join with ``\\n``; an ``id:`` containing NUL is ignored; ``retry:`` takes ASCII digits only; an
event still incomplete when the stream ends is discarded.

The last event id only moves when an event is dispatched (at its blank line), as the spec says:
a connection cut between an ``id:`` line and the blank line must resume from the id before.

Divergence: the spec dispatches nothing for a block without ``data:``; this decoder also
dispatches a block that names an event (``event: end`` alone), with empty data, because
LangGraph servers may send such events and ``langgraph_sdk`` yields them.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ("SSEDecoder", "ServerSentEvent")

_BOM = b"\xef\xbb\xbf"


class ServerSentEvent(NamedTuple):
    event: str
    """The ``event:`` field; ``"message"`` when the event had none."""
    data: str
    """The ``data:`` lines joined with ``\\n``."""
    id: str | None
    """The last event id when this event was dispatched (``None`` until one was received)."""
    has_id: bool = False
    """Whether the event carried an ``id:`` field itself (else ``id`` is an earlier one's)."""


class SSEDecoder:
    """Incremental decoder: ``feed(chunk)`` returns the events the chunk completed.

    ``last_event_id`` is what a reconnect sends as ``Last-Event-ID``; ``retry`` the last
    ``retry:`` value (milliseconds), if any.
    """

    __slots__ = (
        "_cr",
        "_data",
        "_event",
        "_has_id",
        "_id",
        "_pending",
        "_started",
        "last_event_id",
        "retry",
    )

    def __init__(self, last_event_id: str | None = None) -> None:
        self.last_event_id = last_event_id
        self.retry: int | None = None
        self._id = last_event_id  # the spec's "last event ID buffer"
        self._pending = b""  # an unterminated line
        self._cr = False  # the previous chunk ended with CR: a leading LF belongs to it
        self._started = False  # the first line (where a BOM may be) has been seen
        self._event = b""
        self._data: list[bytes] = []
        self._has_id = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if not chunk:
            return []
        if self._cr:
            self._cr = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
                if not chunk:
                    return []
        text = self._pending + chunk if self._pending else chunk
        lines = text.splitlines(keepends=True)  # bytes: splits on \r\n, \n, \r only
        last = lines[-1]
        if last[-1] in b"\r\n":
            self._pending = b""
            self._cr = last[-1] == 0x0D
        else:
            self._pending = lines.pop()
        events: list[ServerSentEvent] = []
        for line in lines:
            line = line[:-2] if line[-2:] == b"\r\n" else line[:-1]
            if not self._started:
                self._started = True
                line = line.removeprefix(_BOM)
            if line:
                self._field(line)
            else:
                event = self._dispatch()
                if event is not None:
                    events.append(event)
        return events

    def _field(self, line: bytes) -> None:
        if line[0] == 0x3A:  # ":" comment
            return
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id":
            if b"\0" not in value:
                self._id = value.decode("utf-8", "replace")
                self._has_id = True
        elif name == b"retry":
            if value.isdigit():  # bytes.isdigit: ASCII digits only, as the spec requires
                self.retry = int(value)

    def _dispatch(self) -> ServerSentEvent | None:
        self.last_event_id = self._id
        data, event, has_id = self._data, self._event, self._has_id
        self._has_id = False
        if not data and not event:
            return None
        self._data = []
        self._event = b""
        return ServerSentEvent(
            event.decode("utf-8", "replace") if event else "message",
            b"\n".join(data).decode("utf-8", "replace"),
            self._id,
            has_id,
        )
