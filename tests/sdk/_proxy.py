"""A loopback TCP proxy that cuts event streams at random points.

Bytes are copied both ways unchanged. When a ``text/event-stream`` response starts on a
connection, the connection is cut after a random number of further bytes from the server
(anywhere: inside an event, a chunk-size line, between events), by closing or resetting both
sides, unless the response ends first. Other responses (JSON) are never cut. It runs on its
own thread and event loop, so sync and async tests can use it alike.
"""

from __future__ import annotations

import asyncio
import random
import threading
from urllib.parse import urlsplit

__all__ = ("CuttingProxy",)

_MARKER = b"text/event-stream"
_LAST_CHUNK = b"\r\n0\r\n\r\n"  # the end of a chunked body


class CuttingProxy:
    """``with CuttingProxy(upstream_url) as proxy:`` then talk to ``proxy.url``."""

    def __init__(
        self,
        upstream: str,
        *,
        cut_after: tuple[int, int] = (600, 2500),
        max_cuts: int = 40,
        seed: int = 0,
    ) -> None:
        parts = urlsplit(upstream)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.cut_after = cut_after
        self.max_cuts = max_cuts
        self.cuts = 0
        self.connections = 0
        self._random = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self.url = ""

    def __enter__(self) -> CuttingProxy:
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(5)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            client_writer.close()
            return
        writers = (client_writer, upstream_writer)
        up = asyncio.create_task(self._copy(client_reader, upstream_writer))
        down = asyncio.create_task(self._copy_and_cut(upstream_reader, client_writer, writers))
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass  # the proxy is stopping
        finally:
            for task in (up, down):
                task.cancel()
            for writer in writers:
                writer.close()

    @staticmethod
    async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

    async def _copy_and_cut(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        both: tuple[asyncio.StreamWriter, ...],
    ) -> None:
        budget: int | None = None  # bytes left before the cut, once armed
        tail = b""
        while data := await reader.read(65536):
            if budget is None and self.cuts < self.max_cuts:
                window = (tail + data).lower()
                if _MARKER in window:
                    budget = self._random.randint(*self.cut_after)
                tail = window[-len(_MARKER) :]
            if budget is not None and len(data) < budget and _LAST_CHUNK in data:
                budget = None  # the stream ended before its cut: leave what follows alone
            if budget is not None and len(data) >= budget:
                writer.write(data[:budget])
                await writer.drain()
                self.cuts += 1
                reset = self._random.random() < 0.5
                for side in both:
                    if reset:
                        side.transport.abort()  # RST
                    else:
                        side.close()  # FIN
                return
            if budget is not None:
                budget -= len(data)
            writer.write(data)
            await writer.drain()
