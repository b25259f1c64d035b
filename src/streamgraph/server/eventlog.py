"""Event logs: every event of a run, numbered, on disk, for any number of readers.

``EventLog`` is one run's log and ``EventLogs`` the server's set of them: the interfaces the
rest of the server uses. The implementation here is the embedded one: one append-only
file per run in a folder (``SpoolLog``). A log shared by many processes (issue 16: Redis
Streams, ``XADD`` with the sequence number, readers on ``XREAD BLOCK``) implements the same
methods.

A run appends each event once, already framed as SSE bytes (``event:``, ``data:`` and
``id:`` lines; the id is the event's sequence number in its run, from 1). Appends are
written at the end of the event loop's current turn (or at once past 256 KB), so the
producer never waits for a reader and the process holds no more than a turn's events;
readers are woken when they are written. A log starts in memory and goes to its file once
it passes 64 KB or its run has lasted 250 ms: a short run costs no file (opening one
costs 0.1-0.4 ms here), and a finished one stays in memory (at most 64 MB of such logs; a
crash loses them, and a reconnect after it is told the run's outcome with 410).

A reader follows a log from any position: it reads the file in pieces of at most ``CHUNK``
bytes, cut at event boundaries, and writes each to its client before reading the next, so a
slow client holds one piece (and its socket's buffer), however far behind it is. A reader
that reconnects with ``Last-Event-ID: n`` follows from ``n``: every later event exactly
once. Every ``STRIDE``-th event's offset is kept in memory to find a position (8 bytes per
64 events).

Logs outlive the process (the files stay; after a restart a run's log is found again, and
a run that was queued goes on appending to its log) and their run for ``keep_seconds``;
then, or when finished logs take more than ``max_bytes`` on disk (oldest first), they are
deleted, and a client asking for them is told so (``410``) by the routes.

Everything here runs on the server's event loop: no locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import tempfile
import time
from array import array
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streamgraph.sdk.schema import Run

__all__ = ("CHUNK", "STRIDE", "EventLog", "EventLogs", "SpoolLog", "frame")

logger = logging.getLogger(__name__)

HEARTBEAT = b": heartbeat\r\n\r\n"
END = b"\r\n\r\n"  # ends every frame, and nothing inside one (data is one-line JSON)
CHUNK = 64 * 1024  # the most a reader reads at once (more only for one event that is larger)
STRIDE = 64  # every STRIDE-th event's offset is kept
FLUSH_BYTES = 256 * 1024  # appended bytes that are written at once, without waiting a turn
SPILL_BYTES = 64 * 1024  # a log in memory goes to its file past this size,
SPILL_SECONDS = 0.25  # or once its run has lasted this long
SUFFIX = ".sse"
_LAST_ID = re.compile(rb"id: (\d+)\r\n\r\n\Z")
_UNSAFE = re.compile(r"[\r\n]")


def frame(event: str, data: bytes, seq: int) -> bytes:
    """One SSE event, as LangGraph's server writes it (CRLF lines, one-line JSON data). An
    event name carries node names (``updates|parent|child``): a line break in one would end
    the ``event:`` line and break the stream's framing, so it is written as a space."""
    if "\n" in event or "\r" in event:
        event = _UNSAFE.sub(" ", event)
    return b"event: %s\r\ndata: %s\r\nid: %d\r\n\r\n" % (event.encode(), data, seq)


def _name(one: bytes) -> str:
    """The event name of one frame."""
    return one[7 : one.index(b"\r\n")].decode()


class EventLog:
    """One run's log: the interface (see the module docstring)."""

    run: Run | None
    """The run's row, for late joins of runs no table keeps (stateless ones)."""
    closed: bool
    last_seq: int

    @property
    def server_stopping(self) -> bool:
        """Readers end early because the server stops (their clients should reconnect)."""
        raise NotImplementedError

    def append(self, event: str, data: bytes) -> int:
        """Add an event; its sequence number."""
        raise NotImplementedError

    def close(self) -> None:
        """The run is over: readers end after its last event."""
        raise NotImplementedError

    def follow(
        self, after: int = 0, *, keep: Callable[[str], bool] | None = None, heartbeat: float = 5.0
    ) -> AsyncIterator[bytes]:
        """The frames after sequence number ``after`` (those whose event name ``keep``
        accepts), several at a time, then the new ones as they come, until the log closes
        (or the server stops). While nothing comes, a heartbeat comment every
        ``heartbeat`` seconds keeps proxies and clients from timing the stream out."""
        raise NotImplementedError


class SpoolLog(EventLog):
    """A log in one append-only file (see the module docstring)."""

    __slots__ = (
        "_fd",
        "_index",
        "_loop",
        "_memory",
        "_pending",
        "_pending_bytes",
        "_scheduled",
        "_spill_timer",
        "_waiters",
        "broken",
        "closed",
        "closed_at",
        "last_seq",
        "owner",
        "path",
        "run",
        "written",
    )

    def __init__(
        self, owner: EventLogs, path: Path, *, reopen: bool = False, create: bool = True
    ) -> None:
        self.owner = owner
        self.path = path
        self.run = None
        self.closed = False
        self.closed_at = 0.0
        self.last_seq = 0
        self.written = 0  # bytes in the file
        self.broken: OSError | None = None
        self._index = array("q")  # _index[k]: offset of event k * STRIDE + 1
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._scheduled = False
        self._waiters: list[asyncio.Future[None]] = []
        self._loop = asyncio.get_running_loop()
        self._fd: int | None = None
        # A new log starts in memory; it goes to its file past SPILL_BYTES or SPILL_SECONDS
        # (a run of a few milliseconds never touches the disk).
        self._memory: bytearray | None = None
        self._spill_timer: asyncio.TimerHandle | None = None
        if reopen:
            self._open(create=create)
            self._scan()
        else:
            self._memory = bytearray()
            self._spill_timer = self._loop.call_later(SPILL_SECONDS, self.spill)

    def _open(self, *, create: bool) -> None:
        flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_CLOEXEC", 0) | (os.O_CREAT * create)
        self._fd = os.open(self.path, flags, 0o600)

    def spill(self) -> None:
        """From memory to the log's file (which later events are appended to)."""
        if self._spill_timer is not None:
            self._spill_timer.cancel()
            self._spill_timer = None
        memory = self._memory
        if memory is None:
            return
        try:
            self._open(create=True)
            assert self._fd is not None
            _write_all(self._fd, memory)
        except OSError as error:  # a full disk: the run fails on its next event
            logger.error("event log %s: writing failed: %s", self.path.name, error)
            self.broken = error
            return
        self._memory = None
        if self.closed:
            self._close_file()

    @classmethod
    def finished(cls, owner: EventLogs, path: Path) -> SpoolLog:
        """The closed log of an earlier process, found on disk."""
        log = cls(owner, path, reopen=True, create=False)
        log.closed = True
        log.closed_at = time.monotonic() - max(0.0, time.time() - path.stat().st_mtime)
        log._close_file()
        return log

    @property
    def server_stopping(self) -> bool:
        return self.owner.stopping

    # -- writing ---------------------------------------------------------------------------

    def append(self, event: str, data: bytes) -> int:
        if self.broken is not None:
            raise self.broken
        seq = self.last_seq = self.last_seq + 1
        encoded = frame(event, data, seq)
        if (seq - 1) % STRIDE == 0:
            self._index.append(self.written + self._pending_bytes)
        self._pending.append(encoded)
        self._pending_bytes += len(encoded)
        if self._pending_bytes >= FLUSH_BYTES:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._flush)
        return seq

    def _flush(self) -> None:
        self._scheduled = False
        if not self._pending:
            return
        data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
        self._pending.clear()
        self._pending_bytes = 0
        memory = self._memory
        if memory is not None:
            memory += data
            self.written += len(data)
            if len(memory) > SPILL_BYTES:
                self.spill()
            self._wake()
            return
        if self._fd is None:
            return
        try:
            _write_all(self._fd, data)
        except OSError as error:  # a full disk: the run fails on its next event
            logger.error("event log %s: writing failed: %s", self.path.name, error)
            self.broken = error
            return
        self.written += len(data)
        self._wake()

    def close(self) -> None:
        if not self.closed:
            self._flush()
            self.closed = True
            self.closed_at = time.monotonic()
            if self._spill_timer is not None:  # (a short run's log stays in memory)
                self._spill_timer.cancel()
                self._spill_timer = None
            self._close_file()
            self._wake()

    @property
    def in_memory(self) -> bool:
        return self._memory is not None

    def _close_file(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _scan(self) -> None:
        """Rebuild the offsets, the size and the last sequence number from the file."""
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        offset = seq = 0
        carry = b""
        while offset < size:
            piece = carry + os.pread(self._fd, min(4 * CHUNK, size - offset), offset)
            offset += len(piece) - len(carry)
            start = 0
            while (end := piece.find(END, start)) != -1:
                if seq % STRIDE == 0:
                    self._index.append(offset - len(piece) + start)
                seq += 1
                start = end + len(END)
            carry = piece[start:]
        self.written = size - len(carry)  # (a torn last event is not part of the log)
        tail = os.pread(self._fd, 64, max(0, self.written - 64)) if self.written else b""
        found = _LAST_ID.search(tail)
        self.last_seq = int(found[1]) if found else seq
        if carry:
            os.ftruncate(self._fd, self.written)

    # -- reading ---------------------------------------------------------------------------

    def _offset_of(self, seq: int, reader: _Reader) -> int:
        """The file offset where event ``seq`` starts (the end if it is not written yet)."""
        self._flush()
        if seq > self.last_seq:
            return self.written
        k = (seq - 1) // STRIDE
        offset = self._index[k]
        skip = seq - 1 - k * STRIDE
        while skip:
            piece = reader.pread(CHUNK, offset)
            start = 0
            while skip and (end := piece.find(END, start)) != -1:
                start = end + len(END)
                skip -= 1
            # (no end in the piece: go on, keeping 3 bytes in case it straddles the cut)
            offset += start if start else max(1, len(piece) - len(END) + 1)
        return offset

    async def follow(
        self, after: int = 0, *, keep: Callable[[str], bool] | None = None, heartbeat: float = 5.0
    ) -> AsyncIterator[bytes]:
        with _Reader(self) as reader:
            offset = self._offset_of(max(after, 0) + 1, reader)
            while not self.owner.stopping:
                if offset < self.written:
                    piece = reader.piece(offset)
                    offset += len(piece)
                    if keep is not None:
                        piece = b"".join(f for f in _frames(piece) if keep(_name(f)))
                    if piece:
                        yield piece
                    continue
                if self.closed:
                    return
                waiter = self._loop.create_future()
                self._waiters.append(waiter)
                try:
                    await asyncio.wait_for(waiter, heartbeat)
                except TimeoutError:
                    yield HEARTBEAT


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _frames(piece: bytes) -> list[bytes]:
    return [f + END for f in piece.split(END)[:-1]]


class _Reader:
    """One reader's access to a log's file: the writer's descriptor while the log is open,
    its own once the log is closed (the file may be deleted meanwhile: an open descriptor
    still reads it)."""

    __slots__ = ("fd", "log")

    def __init__(self, log: SpoolLog) -> None:
        self.log = log
        self.fd: int | None = None

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def pread(self, size: int, offset: int) -> bytes:
        memory = self.log._memory  # (looked up at each read: the log may spill meanwhile)
        if memory is not None:
            return bytes(memory[offset : offset + size])
        fd = self.log._fd  # (the writer's, while the log is open)
        if fd is None:
            if self.fd is None:
                self.fd = os.open(self.log.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            fd = self.fd
        return os.pread(fd, size, offset)

    def piece(self, offset: int) -> bytes:
        """Whole events from ``offset``: up to ``CHUNK`` bytes, or one larger event."""
        limit = self.log.written - offset  # (the written part always ends with an event)
        piece = self.pread(min(CHUNK, limit), offset)
        if len(piece) == limit:
            return piece
        cut = piece.rfind(END)
        if cut != -1:
            return piece[: cut + len(END)]
        while True:  # one event larger than CHUNK: read on to its end
            more = self.pread(min(4 * CHUNK, limit - len(piece)), offset + len(piece))
            searched = max(0, len(piece) - len(END) + 1)
            piece += more
            end = piece.find(END, searched)
            if end != -1:
                return piece[: end + len(END)]
            if not more:
                return piece


class EventLogs:
    """The logs of a server's runs, by run id, in ``directory`` (a temporary one, deleted
    when the server stops, if ``None``), with retention (see the module docstring)."""

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        keep_seconds: float = 300.0,
        max_bytes: int = 1024 * 2**20,
        max_memory_bytes: int = 64 * 2**20,
    ) -> None:
        self.keep_seconds = keep_seconds
        self.max_bytes = max_bytes
        self.max_memory_bytes = max_memory_bytes
        self.temporary = directory is None
        self.directory = Path(
            tempfile.mkdtemp(prefix="streamgraph-events-") if directory is None else directory
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.stopping = False
        self._logs: dict[str, SpoolLog] = {}
        self._finished: deque[tuple[str, SpoolLog]] = deque()  # in the order they closed
        self._finished_bytes = 0
        self._memory_bytes = 0  # (of finished logs that stayed in memory)

    def _path(self, run_id: str) -> Path:
        return self.directory / (run_id + SUFFIX)

    def create(self, run_id: str) -> SpoolLog:
        """The log of a new run, or of a queued run of an earlier process (kept, continued)."""
        self._evict()
        log = self._logs.get(run_id)
        if log is not None and not log.closed:
            return log
        path = self._path(run_id)
        log = self._logs[run_id] = SpoolLog(self, path, reopen=path.exists())
        return log

    def get(self, run_id: str) -> SpoolLog | None:
        """A run's log, live or kept; ``None`` once it is gone (or for an unknown run)."""
        self._evict()
        log = self._logs.get(run_id)
        if log is not None or not _is_run_id(run_id):
            return log
        path = self._path(run_id)
        try:
            log = SpoolLog.finished(self, path)
        except FileNotFoundError:
            return None
        self._logs[run_id] = log
        self._remember(run_id, log)
        self._evict()
        return self._logs.get(run_id)

    def close(self, run_id: str) -> None:
        """The run is over: close its log and start its retention time."""
        log = self._logs.get(run_id)
        if log is not None and not log.closed:
            log.close()
            self._remember(run_id, log)

    def _remember(self, run_id: str, log: SpoolLog) -> None:
        self._finished.append((run_id, log))
        self._finished_bytes += log.written
        if log.in_memory:
            self._memory_bytes += log.written
        if len(self._finished) > 1 and log.closed_at < self._finished[-2][1].closed_at:
            self._finished = deque(sorted(self._finished, key=lambda item: item[1].closed_at))

    def _evict(self) -> None:
        """Delete finished logs past their time, then the oldest finished ones while over
        the byte budget (running runs' logs are never deleted)."""
        now = time.monotonic()
        finished = self._finished
        while finished and (
            now - finished[0][1].closed_at > self.keep_seconds
            or self._finished_bytes > self.max_bytes
            or self._memory_bytes > self.max_memory_bytes
        ):
            run_id, log = finished.popleft()
            self._finished_bytes -= log.written
            if log.in_memory:
                self._memory_bytes -= log.written
            if self._logs.get(run_id) is log:
                del self._logs[run_id]
                if not log.in_memory:
                    with contextlib.suppress(FileNotFoundError):
                        log.path.unlink()

    def forget_stale_files(self) -> None:
        """At startup: delete the files of logs older than their retention."""
        cutoff = time.time() - self.keep_seconds
        for path in self.directory.glob("*" + SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()

    def shutdown(self) -> None:
        """The server stops: every reader ends now (clients reconnect with their last id)."""
        self.stopping = True
        for log in list(self._logs.values()):
            log._flush()
            log._wake()

    def close_all(self) -> None:
        """After the runs have stopped: close the files (and delete a temporary folder).
        Logs of runs not ended (queued, kept for the next start) are written out first."""
        for log in self._logs.values():
            log._flush()
            if not log.closed:
                log.spill()
            log._close_file()
        if self.temporary:
            shutil.rmtree(self.directory, ignore_errors=True)


def _is_run_id(run_id: str) -> bool:
    return len(run_id) == 36 and all(c in "0123456789abcdef-" for c in run_id.lower())
