"""Input limits, each a 4xx naming the field (each used to be a 500, a stall or unbounded
work): JSON depth, integers past what the databases store, NUL characters where Postgres
cannot store them, ``/runs/batch`` size, header size; a graph API refusal is a 400."""

from __future__ import annotations

import socket
import threading
from typing import Any

import httpx
import pytest

from streamgraph.server.http import MAX_HEADER_BYTES
from tests.server.conftest import ServerThread, start_server

pytestmark = pytest.mark.timeout(120)


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.fixture(params=["sqlite", "postgres"])
def limited(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    storage = (
        str(tmp_path / "db.sqlite")
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    server = start_server(storage=storage)
    yield server
    server.stop()


CASES: list[tuple[str, str, Any, str]] = [
    (
        "POST",
        "/threads",
        {"metadata": {"k": _deep(100)}},
        # (a long place is shortened in the middle)
        ("body.metadata.k" + ".a" * 98)[:60]
        + "..."
        + (".a" * 20)
        + ": nested deeper than 100 levels",
    ),
    (
        "POST",
        "/runs",
        {"assistant_id": "joke", "after_seconds": 2**63},
        "body.after_seconds: 9223372036854775808 is more than 315360000",
    ),
    (
        "POST",
        "/assistants/search",
        {"offset": 2**40},
        "body.offset: 1099511627776 is more than 2147483647",
    ),
    (
        "POST",
        "/assistants/count",
        {"name": "a\x00b"},
        "body.name: 'a\\x00b' contains a NUL character (\\u0000)",
    ),
    (
        "POST",
        "/assistants",
        {"graph_id": "joke", "name": "\x00"},
        "body.name: '\\x00' contains a NUL character (\\u0000)",
    ),
    (
        "POST",
        "/runs/batch",
        [{"assistant_id": "joke"}] * 1001,
        "body: 1001 items, more than 1000",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "detail"), CASES)
def test_limits_name_the_field(
    limited: ServerThread, method: str, path: str, body: Any, detail: str
) -> None:
    with httpx.Client(base_url=limited.url) as client:
        response = client.request(method, path, json=body)
    assert (response.status_code, response.json()["detail"]) == (422, detail)


def test_what_is_within_the_limits_is_stored_as_given(limited: ServerThread) -> None:
    deep = _deep(95)
    with httpx.Client(base_url=limited.url) as client:
        made = client.post("/threads", json={"metadata": {"deep": deep, "big": 2**62}})
        assert made.status_code == 200
        thread = client.get(f"/threads/{made.json()['thread_id']}").json()
        assert thread["metadata"]["deep"] == deep and thread["metadata"]["big"] == 2**62
        nul = client.post("/threads", json={"metadata": {"text": "a\x00b"}}).json()
        assert client.get(f"/threads/{nul['thread_id']}").json()["metadata"]["text"] == "a\x00b"
        done = client.post(
            "/runs/wait", json={"assistant_id": "joke", "input": {"topic": "nul \x00 ok"}}
        )
        assert done.json()["topic"] == "nul \x00 ok and cats"


def test_a_graph_refusal_is_a_400(limited: ServerThread) -> None:
    with httpx.Client(base_url=limited.url) as client:
        thread_id = client.post("/threads", json={}).json()["thread_id"]
        empty = client.post("/threads", json={"graph_id": "joke", "supersteps": [{"updates": []}]})
        assert empty.status_code == 400
        assert "superstep needs at least one update" in empty.json()["detail"]
        unknown = client.post(
            f"/threads/{thread_id}/state", json={"values": {"topic": "x"}, "as_node": "nope"}
        )
        assert unknown.status_code in (400, 404, 409, 422), unknown.text


def test_headers_past_the_limit_get_431_and_do_not_stall_others() -> None:
    server = start_server()
    answered: list[bytes] = []

    def huge_header() -> None:
        sock = socket.create_connection(("127.0.0.1", server.port))
        try:
            sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ")
            for _ in range(64):  # 64 MB, if the server lets it
                sock.sendall(b"a" * 2**20)
        except OSError:  # the server closed the connection: the rest is not read
            pass
        try:
            answered.append(sock.recv(200))
        except OSError:
            answered.append(b"")
        sock.close()

    try:
        sender = threading.Thread(target=huge_header)
        sender.start()
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for _ in range(20):
                assert client.get("/ok").status_code == 200
            big_but_fine = {"x-fine": "a" * (MAX_HEADER_BYTES // 2)}
            assert client.get("/ok", headers=big_but_fine).status_code == 200
            body = {"metadata": {"pad": "p" * 300_000}}  # a body larger than the head limit
            assert client.post("/threads", json=body).status_code == 200
        sender.join(timeout=30)
        assert answered and answered[0].startswith(b"HTTP/1.1 431"), answered
    finally:
        server.stop()
