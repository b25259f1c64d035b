"""Webhooks: internal addresses refused by default (422 when the run is created), the
allowed hosts configurable as LangGraph's ``webhooks`` settings, calls retried with backoff
until delivered, and what is sent shaped by the settings (headers, fields)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from tests.server.conftest import start_server

pytestmark = pytest.mark.timeout(60)


class Receiver:
    """A loopback HTTP server answering ``statuses`` in turn (then 204), recording what
    it was sent."""

    def __init__(self, statuses: list[int]) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        received, answers = self.received, list(statuses)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                received.append((dict(self.headers), body))
                self.send_response(answers.pop(0) if answers else 204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 15
        while len(self.received) < count:
            assert time.monotonic() < deadline, self.received
            time.sleep(0.02)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("http://127.0.0.1:9/hook", "Loopback webhooks"),
        ("http://localhost/hook", "Loopback webhooks"),
        ("http://[::1]/hook", "Loopback webhooks"),
        ("http://169.254.169.254/latest/meta-data", "blocked IP range"),
        ("http://metadata.google.internal/", "cloud metadata endpoint"),
        ("http://0.0.0.0/", "blocked IP range"),
        ("/relative", "Relative webhook URLs"),
        ("ftp://example.com/x", "must be http or https"),
    ],
)
def test_internal_addresses_are_refused_by_default(server: Any, url: str, detail: str) -> None:
    response = httpx.post(
        server.url + "/runs", json={"assistant_id": "joke", "input": {}, "webhook": url}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body.webhook: ")
    assert detail in response.json()["detail"]


def test_allowed_hosts_and_link_local_even_with_loopback_allowed() -> None:
    server = start_server(
        webhooks={"url": {"disable_loopback": False, "allowed_domains": ["127.0.0.1", "*.ok.dev"]}}
    )
    try:
        with httpx.Client(base_url=server.url) as client:

            def create(url: str) -> httpx.Response:
                body = {"assistant_id": "joke", "input": {"topic": "x"}, "webhook": url}
                return client.post("/runs", json=body)

            assert create("http://127.0.0.1:9/hook").status_code == 200
            assert "domain not allowed" in create("http://example.com/").json()["detail"]
            assert create("http://169.254.169.254/").status_code == 422
    finally:
        server.stop()


def test_a_failing_receiver_gets_the_run_again_until_it_takes_it() -> None:
    hook = Receiver([500, 503])
    server = start_server(
        webhooks={
            "url": {"disable_loopback": False},
            "headers": {"x-token": "secret"},
            "allowed_fields": ["run_id", "status", "values"],
        }
    )
    server.api.webhook_delays = (0.05, 0.1, 0.2)
    try:
        response = httpx.post(
            server.url + "/runs/wait",
            json={"assistant_id": "joke", "input": {"topic": "h"}, "webhook": hook.url},
        )
        run_id = response.headers["content-location"].rsplit("/", 1)[1]
        hook.wait_for(3)
        time.sleep(0.3)
    finally:
        hook.stop()
        server.stop()
    assert len(hook.received) == 3  # two failures, then delivered (and not again)
    headers, body = hook.received[-1]
    assert headers["x-token"] == "secret"
    assert set(body) == {"run_id", "status", "values"}
    assert body["run_id"] == run_id and body["status"] == "success"
    assert body["values"]["joke"].endswith("h and cats")
