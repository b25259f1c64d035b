"""Postgres cut off (through a loopback proxy) while a run executes: requests get a prompt 503
naming the backend, the run pauses instead of executing steps it cannot save, and when the
database is back the run goes on and completes, each step executed once."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx
import pytest

from tests.server.conftest import start_server
from tests.server.graphs import STEPS_DONE

pytestmark = pytest.mark.timeout(120)


class Proxy:
    """A TCP proxy on a free loopback port to ``target``; ``cut()`` closes every connection
    and refuses new ones (each is accepted and closed at once) until ``restore()``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_off = False
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.cut_off = True
        with self.lock:
            for sock in self.open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.open.clear()

    def restore(self) -> None:
        self.cut_off = False

    def close(self) -> None:
        self.cut()
        self.listener.close()


def _through(pg_url: str, port: int) -> str:
    rest = pg_url.split("@", 1)[1]
    host_port, database = rest.split("/", 1)
    return pg_url.replace(f"@{host_port}/", f"@127.0.0.1:{port}/")


def test_postgres_cut_gives_503_and_pauses_runs_until_it_is_back(pg_url: str) -> None:
    host_port = pg_url.split("@", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    proxy = Proxy((host, int(port or 5432)))
    server = start_server(storage=_through(pg_url, proxy.port))
    STEPS_DONE.clear()
    try:
        with httpx.Client(base_url=server.url, timeout=15) as client:
            thread_id = client.post("/threads", json={}).json()["thread_id"]
            run = client.post(
                f"/threads/{thread_id}/runs",
                json={
                    "assistant_id": "steps",
                    "input": {"n": 20},
                    "config": {"recursion_limit": 100},
                },
            ).json()
            deadline = time.monotonic() + 20
            while len(STEPS_DONE) < 4:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            proxy.cut()
            for _ in range(3):  # at once, or within the pool's timeout (not 30 s, not 500)
                response = client.get(f"/threads/{thread_id}")
                assert response.status_code == 503, response.text
                assert response.json()["detail"] == "Storage unavailable: Postgres does not answer"
            time.sleep(0.5)
            paused_at = len(STEPS_DONE)
            time.sleep(1.5)
            assert len(STEPS_DONE) == paused_at  # no step executed while nothing is saved
            assert client.post("/threads", json={}).status_code == 503
            proxy.restore()
            deadline = time.monotonic() + 30
            while True:
                got = client.get(f"/threads/{thread_id}/runs/{run['run_id']}")
                if got.status_code == 200 and got.json()["status"] not in ("pending", "running"):
                    break
                assert time.monotonic() < deadline, got.text
                time.sleep(0.1)
            assert got.json()["status"] == "success"
            assert STEPS_DONE == list(range(1, 21))  # each step once, none skipped
            state: Any = client.get(f"/threads/{thread_id}/state").json()
            assert state["values"]["count"] == 20
    finally:
        server.stop()
        proxy.close()


def test_join_stream_resumes_through_a_proxy_that_cuts_connections() -> None:
    """The SDK's join_stream, through a proxy that cuts every connection every 0.3 s,
    gets every event of a run exactly once (join responses carry ``Location``)."""
    from streamgraph.sdk import get_sync_client

    server = start_server()
    proxy = Proxy(("127.0.0.1", server.port))
    stop = threading.Event()

    def cutter() -> None:
        while not stop.wait(0.3):
            proxy.cut()
            proxy.restore()

    try:
        with get_sync_client(url=server.url) as direct:
            thread_id = direct.threads.create()["thread_id"]
            run = direct.runs.create(thread_id, "slow", input={"topic": "25"}, stream_mode="custom")
        threading.Thread(target=cutter, daemon=True).start()
        with get_sync_client(url=f"http://127.0.0.1:{proxy.port}") as client:
            parts = list(client.runs.join_stream(thread_id, run["run_id"]))
    finally:
        stop.set()
        proxy.close()
        server.stop()
    ticks = [p.data["tick"] for p in parts if p.event == "custom"]
    assert ticks == list(range(25))
