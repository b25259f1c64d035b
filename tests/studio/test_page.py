"""The Studio page's files as the server serves them (no browser here: see
``test_browser.py``): where they are, compressed, cached, open without an API key, and light
enough for the first-load budget."""

from __future__ import annotations

import gzip
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from streamgraph.server import create_app
from streamgraph.server.studio import PAGE, studio_routes
from tests.server.graphs import GRAPHS

# First load (page, script, styles), compressed as served.
FIRST_LOAD_BUDGET = 300 * 1024


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(graphs={"joke": GRAPHS["joke"]}, storage="memory", studio=True))


def test_the_page_is_built_and_shipped_in_the_package() -> None:
    assert (PAGE / "index.html").is_file() and (PAGE / "app.js").is_file()
    html = (PAGE / "index.html").read_text()
    # No CDN: everything the page loads comes from its own folder.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "http://" not in (PAGE / "app.js").read_text().replace("http://www.w3.org", "")


def sources_digest(folder: Path) -> str:
    """The digest ``studio/build.mjs`` writes into the page: its sources, lock file and
    build script, by relative path."""
    import hashlib

    files = [folder / "package-lock.json", folder / "build.mjs"]
    files += [path for path in (folder / "src").rglob("*") if path.is_file()]
    digest = hashlib.sha256()
    for name in sorted(path.relative_to(folder).as_posix() for path in files):
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def test_the_committed_page_is_built_from_the_current_sources() -> None:
    sources = Path(__file__).parents[2] / "studio"
    if not sources.is_dir():
        pytest.skip("the page's sources are not here (an installed package)")
    built = re.search(r"<!-- sources (\w+) -->", (PAGE / "index.html").read_text())
    assert built is not None
    assert built.group(1) == sources_digest(sources), (
        "studio/ changed since the page was built: run `make studio` and commit the page"
    )


def test_studio_redirects_to_its_folder_keeping_the_query(client: TestClient) -> None:
    response = client.get("/studio?api=http://other:2024", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/studio/?api=http://other:2024"


def test_files_are_served_gzipped_with_an_etag(client: TestClient) -> None:
    page = client.get("/studio/", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "streamgraph studio" in page.text
    script = re.search(r'src="(app\.js[^"]*)"', page.text)
    assert script is not None
    raw = client.get(f"/studio/{script.group(1)}", headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert "javascript" in raw.headers["content-type"]
    again = client.get(
        "/studio/app.js", headers={"if-none-match": raw.headers["etag"], "accept-encoding": "gzip"}
    )
    assert again.status_code == 304
    plain = client.get("/studio/app.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == raw.content


def test_first_load_fits_the_budget() -> None:
    names = ["index.html", "app.js", "app.css"]
    total = sum(len(gzip.compress((PAGE / n).read_bytes(), 9)) for n in names)
    assert total < FIRST_LOAD_BUDGET, f"first load is {total} bytes compressed"


def test_only_the_built_files_can_be_read(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/studio/missing.js").status_code == 404
    assert client.get("/studio/%2e%2e/__init__.py").status_code == 404
    assert client.get("/studio/..%2f__init__.py").status_code == 404


def test_an_unbuilt_page_says_how_to_build_it(tmp_path: Path) -> None:
    app = Starlette(routes=studio_routes(tmp_path / "nothing"))
    response = TestClient(app).get("/studio/")
    assert response.status_code == 503 and "make studio" in response.text


def test_the_page_is_open_when_the_api_needs_a_key() -> None:
    app = create_app(graphs={"joke": GRAPHS["joke"]}, storage="memory", studio=True, api_keys=["k"])
    with TestClient(app) as client:
        assert client.get("/studio/").status_code == 200
        assert client.get("/studio/app.js").status_code == 200
        assert client.get("/info").status_code == 401
        assert client.get("/info", headers={"x-api-key": "k"}).status_code == 200
        # A path that merely starts like the page's is not let through.
        assert client.get("/studiox").status_code == 401


def test_the_page_is_only_served_when_asked() -> None:
    with TestClient(create_app(graphs={"joke": GRAPHS["joke"]}, storage="memory")) as client:
        assert client.get("/studio/").status_code == 404


@pytest.mark.timeout(60)
def test_dev_serves_the_studio_and_prints_its_url(tmp_path: Path) -> None:
    (tmp_path / "langgraph.json").write_text(
        '{"graphs": {"joke": "streamgraph.server.demo_graphs:joke"}}'
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamgraph.cli", "dev", "--port", str(port), "--db", ":memory:"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path.cwd() / "src")},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline(), process.stdout.readline()]
        url = f"http://127.0.0.1:{port}/studio/"
        assert lines[1].strip() == f"streamgraph: studio at {url}", lines
        deadline = time.monotonic() + 20
        while True:
            try:
                page = httpx.get(url)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert page.status_code == 200 and "streamgraph studio" in page.text
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
