"""Bounded memory: a run of 100,000 events of 1 KB (100 MB of log) followed by 8 readers that
do not read until it has ended. The server keeps the log on disk and each reader holds one
piece of it at a time, so its memory does not grow with the log nor with the readers (it
used to grow by 2 GB: the whole log in memory, and a copy pinned by each slow reader)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.server.procs import ServerProcess

pytestmark = pytest.mark.timeout(240)

EVENTS = 100_000
SIZE = 1000
READERS = 8
BUDGET = 96 * 2**20  # the server's peak may exceed its resting memory by this much


def _open_reader(server: ServerProcess, path: str) -> socket.socket:
    """A client that asks for the run's events and then does not read (a slow reader)."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode())
    return sock


def _drain(sock: socket.socket) -> int:
    """Read the whole response (chunked); the number of events in it."""
    data = bytearray()
    while not data.endswith(b"\r\n\r\n\r\n0\r\n\r\n"):  # (an event's end, the last chunk)
        piece = sock.recv(1 << 20)
        if not piece:
            break
        data += piece
    return data.count(b"\r\nid: ")


def test_slow_readers_of_a_big_run_stay_within_a_memory_budget(tmp_path: Path) -> None:
    with (
        ServerProcess(tmp_path, ":memory:") as server,
        httpx.Client(base_url=server.url, timeout=120) as client,
    ):
        client.post("/runs/wait", json={"assistant_id": "burst", "input": {"n": 10, "size": 10}})
        resting = server.rss()
        thread_id = client.post("/threads", json={}).json()["thread_id"]
        run = client.post(
            f"/threads/{thread_id}/runs",
            json={
                "assistant_id": "burst",
                "input": {"n": EVENTS, "size": SIZE},
                "stream_mode": "custom",
            },
        ).json()
        path = f"/threads/{thread_id}/runs/{run['run_id']}/stream"
        readers = [_open_reader(server, path) for _ in range(READERS)]
        client.get(f"/threads/{thread_id}/runs/{run['run_id']}/join")  # the run has ended
        time.sleep(0.5)  # readers still not reading: the server holds what they asked for
        counts = [_drain(reader) for reader in readers]
        for reader in readers:
            reader.close()
        grown = server.peak_rss() - resting
    assert counts == [EVENTS + 1] * READERS, counts  # metadata, then every custom event
    assert grown < BUDGET, f"the server grew by {grown / 2**20:.0f} MB"
