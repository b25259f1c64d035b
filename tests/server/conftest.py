"""A real server on a free loopback port (uvicorn in a thread), for the server tests.

httpx's ASGI transport buffers whole bodies, so it cannot test streams that never end;
these tests talk HTTP to uvicorn like any client would."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from streamgraph.server import create_app
from streamgraph.server.http import http_protocol
from tests.server.graphs import GRAPHS


class ServerThread:
    """A uvicorn server running ``app`` in a thread; ``url`` once it listens."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sock = socket.socket()
        # Accepted connections inherit it: without it, Nagle holds each response's body
        # until the client's delayed ACK, 40 ms per request.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", http=http_protocol())
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    @property
    def api(self) -> Any:
        return self.app.state.api


def start_server(**options: Any) -> ServerThread:
    options.setdefault("graphs", GRAPHS)
    options.setdefault("storage", "memory")
    return ServerThread(create_app(**options)).start()


@pytest.fixture(scope="session")
def server() -> Iterator[ServerThread]:
    running = start_server()
    yield running
    running.stop()
