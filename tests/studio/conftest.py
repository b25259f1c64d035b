"""Browser tests: a real server on a free port serving the studio, and headless Chromium
driven by Playwright (Debian's ``chromium``; Playwright's own browser download is never
used). Without Chromium or Playwright the browser tests skip, saying why; under ``CI=1``
they fail instead, since CI installs Chromium (``.ci/run``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServerThread, start_server
from tests.studio.graphs import GRAPHS

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    """``STUDIO_CHROMIUM``, else Debian's chromium on the PATH."""
    for candidate in (
        os.environ.get("STUDIO_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI installs it: see .ci/run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def studio_server() -> Iterator[ServerThread]:
    running = start_server(graphs=GRAPHS, studio=True)
    yield running
    running.stop()


# Module scope: while Playwright's sync API is open, its event loop counts as running in
# this thread, and a later test's asyncio.run() would refuse to start.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = find_chromium()
    if executable is None:
        _unavailable("no Chromium found: apt-get install chromium, or set STUDIO_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (it is in the test dependency group)")
    with sync_playwright() as driver:
        # launch() gives the browser a fresh temporary profile each time.
        launched = driver.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests save their screenshots."""
    return tmp_path_factory.mktemp("studio-screenshots")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 880})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"the page raised: {errors}"
