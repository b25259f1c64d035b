"""How a run stream survives dropped connections, as a state machine with no I/O.

The clients' drivers (``_async.py``, ``_sync.py``) open what ``StreamFlow.request()`` says,
feed it the response's bytes, and report how the connection ended; the flow decodes events,
remembers the last event id and the run's ``Location``, and decides whether to reconnect and
after how long. Two drivers of the same shape carry it out.

Rules (``langgraph_sdk`` 0.4's, with a quicker first retry):

* The first response's ``Location`` (same origin only) is where a reconnect goes, with
  ``GET`` and ``Last-Event-ID``. Without a ``Location`` a drop is an error.
* A drop (transport error, or a reconnect answered 429/5xx/not SSE) is retried after a
  backoff; ``Backoff.attempts`` failures in a row without an event in between give up.
* An event of a run that comes again is dropped: a server that replays from before the
  ``Last-Event-ID`` would repeat it. Integer ids (a streamgraph server's) are repeats when
  not above the newest id received; Redis stream ids ``<ms>-<seq>`` (LangGraph's) when below
  it (``langgraph dev`` gives every event of one millisecond the same id); other ids are not
  compared. Divergence: ``langgraph_sdk`` yields such repeats, which ``langgraph dev`` sends
  when a reconnect races a live run.
* A clean end of stream ends the run's stream if an ``end`` or ``error`` event was seen.
  Otherwise a proxy may have closed it early (the LangGraph server sends no terminal event),
  so for thread runs the run itself is asked (``GET /threads/{tid}/runs/{rid}``): still
  ``pending``/``running`` counts as a drop.
"""

from __future__ import annotations

import random
import re
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from streamgraph.sdk._call import Open, StreamCall, encode_json, same_origin, to_v2
from streamgraph.sdk._sse import SSEDecoder
from streamgraph.sdk.errors import APIConnectionError, error_for_transport
from streamgraph.sdk.schema import StreamPart

__all__ = (
    "RECONNECT",
    "Backoff",
    "StreamFlow",
    "id_order",
    "rejoin_delays",
    "retryable",
    "run_status",
)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between reconnect attempts: ``first * factor**n``, capped, plus jitter."""

    first: float = 0.1
    factor: float = 2.0
    cap: float = 5.0
    attempts: int = 8
    """Failures in a row (no event received in between) before giving up."""
    jitter: float = 0.25
    """Up to this fraction of the delay is added at random, so clients do not all
    reconnect at the same instant after a server restart."""

    def delay(self, failure: int) -> float:
        """Seconds to wait after the ``failure``-th failure in a row (1-based)."""
        base = min(self.cap, self.first * self.factor ** (failure - 1))
        return base + random.uniform(0, base * self.jitter)


RECONNECT = Backoff()
"""The policy every stream, ``wait`` and ``join`` uses (tests shorten it)."""


def retryable(error: BaseException) -> bool:
    """Errors a reconnect may outlive: the connection, 429 and 5xx (restarts, deploys)."""
    if isinstance(error, httpx.TransportError):
        return True
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        return status == 429 or status >= 500
    return False


def rejoin_delays() -> list[float]:
    """Delays before each ``GET Location`` of a ``wait``/``join`` whose body was cut off."""
    return [RECONNECT.delay(n) for n in range(1, RECONNECT.attempts + 1)]


def run_status(body: bytes) -> str | None:
    """The ``status`` of a run from ``GET /threads/{tid}/runs/{rid}``, if it says."""
    try:
        run = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    status = run.get("status") if isinstance(run, dict) else None
    return status if isinstance(status, str) else None


_THREAD_RUN_STREAM = re.compile(r"(.*/threads/[^/]+/runs/[^/]+)/stream")
_STREAM_ID = re.compile(r"(\d+)(?:-(\d+))?")


def id_order(event_id: str | None) -> tuple[int, int, bool] | None:
    """Where an event id sorts, and whether it is unique (an integer: ``"12"``); a Redis
    stream id ``"1795299239697-0"`` sorts too; other ids do not."""
    match = _STREAM_ID.fullmatch(event_id) if event_id else None
    if match is None:
        return None
    return int(match[1]), int(match[2] or 0), match[2] is None


def _parse(data: str) -> Any:
    if not data or data.isspace():
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return data  # not JSON: hand it over as sent


class StreamFlow:
    """One logical run stream, across however many connections it takes."""

    def __init__(
        self, call: StreamCall, base_url: httpx.URL, backoff: Backoff | None = None
    ) -> None:
        self.call = call
        self.base_url = base_url
        self.backoff = backoff or RECONNECT
        self.headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if call.has_body:
            self.headers["Content-Type"] = "application/json"
        self.headers.update(call.headers)
        self.last_event_id: str | None = next(
            (v for k, v in call.headers.items() if k.lower() == "last-event-id"), None
        )
        self.location: str | None = None
        self.failures = 0
        self.ended = False  # an `end` or `error` event was received
        self.finished = False
        self.delay = 0.0  # to wait before the next request()
        self.opened_once = False
        self.newest = id_order(self.last_event_id) if call.one_run else None
        self._decoder = SSEDecoder(self.last_event_id)

    # -- what to send ----------------------------------------------------------------------

    def request(self) -> Open:
        """The next request: the call itself, then reconnects to its ``Location``."""
        self.delay = 0.0
        call = self.call
        if self.location is None:
            content = encode_json(call.json) if call.has_body else None
            return Open(call.method, call.path, call.params, content, dict(self.headers))
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("content-type", "content-length", "last-event-id")
        }
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        else:
            warnings.warn(
                "Reconnecting to a run stream without a Last-Event-ID: events sent while "
                "disconnected are lost. Runs created with stream_resumable=True (or served "
                "by a streamgraph server) carry the ids a reconnect resumes from.",
                stacklevel=3,
            )
        # A join's query (stream_mode, cancel_on_disconnect) still applies; a created run's
        # modes were fixed at its creation. Divergence: langgraph_sdk drops the join's query.
        params = call.params if call.method == "GET" else None
        return Open("GET", self.location, params, None, headers)

    def run_check(self) -> Open | None:
        """After a clean end of stream: the run to ask about, or ``None`` when the stream is
        over (then ``finished`` is set)."""
        match = None
        if not self.ended and self.location is not None:
            parts = urlsplit(self.location)
            match = _THREAD_RUN_STREAM.fullmatch(parts.path)
        if match is None:
            self.finished = True
            return None
        url = urlunsplit((parts.scheme, parts.netloc, match[1], "", ""))
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("accept", "last-event-id", "content-type")
        }
        headers["Accept"] = "application/json"
        return Open("GET", url, None, None, headers)

    # -- what happened ---------------------------------------------------------------------

    def opened(self, headers: httpx.Headers) -> None:
        """A 2xx response arrived (error statuses are raised by the driver)."""
        content_type = headers.get("content-type", "")
        if "text/event-stream" not in content_type.partition(";")[0]:
            raise APIConnectionError(
                f"Expected a text/event-stream response from {self.call.path}, got {content_type!r}"
            )
        location = headers.get("location")
        if location and self.location is None:
            if not same_origin(self.base_url, location):
                raise APIConnectionError(
                    f"Refusing to reconnect to {location!r}: not on {self.base_url}"
                )
            self.location = location
        if not self.opened_once:
            self.opened_once = True
            if self.call.on_headers is not None:
                self.call.on_headers(headers)
        self._decoder = SSEDecoder(self.last_event_id)

    def feed(self, chunk: bytes) -> list[Any]:
        """What to yield for these bytes: ``StreamPart``s (v1) or dicts (v2)."""
        events = self._decoder.feed(chunk)
        if not events:
            return []
        self.last_event_id = self._decoder.last_event_id
        v2 = self.call.version == "v2"
        out: list[Any] = []
        for event in events:
            if self.call.one_run and event.has_id:
                order = id_order(event.id)
                if order is not None:
                    newest = self.newest
                    if newest is not None and (
                        order[:2] < newest[:2] or (order[2] and order[:2] == newest[:2])
                    ):
                        continue  # a repeat: it came with or before one we have
                    self.newest = order
            self.failures = 0  # progress: a fresh set of attempts
            name = event.event
            if name in ("end", "error"):
                self.ended = True
            part = StreamPart(name, _parse(event.data), event.id or None)
            if v2:
                item = to_v2(part)
                if item is not None:
                    out.append(item)
            else:
                out.append(part)
        return out

    def checked(self, status: str | None) -> None:
        """The run's status after a clean end of stream (``None``: could not tell)."""
        if status in ("pending", "running"):
            self.dropped(
                APIConnectionError(
                    f"The stream of {self.location} closed while the run was still {status}"
                )
            )
        else:
            self.finished = True

    def dropped(self, error: Exception) -> None:
        """The connection failed or could not be opened: schedule a reconnect or raise."""
        if self.ended:  # after the run's last word, a cut loses nothing
            self.finished = True
            return
        if self.location is None or not retryable(error):
            if isinstance(error, httpx.TransportError):
                raise error_for_transport(error, self.base_url) from error
            raise error
        self.failures += 1
        if self.failures > self.backoff.attempts:
            raise APIConnectionError(
                f"Gave up on the stream at {self.base_url}{self.location} after "
                f"{self.backoff.attempts} failed reconnects: {error}"
            ) from error
        self.delay = self.backoff.delay(self.failures)
