"""Browser tests: a real daphne server (``python -m boardroom.serve``) on a free port
with its own SQLite file, and Debian's Chromium driven by Playwright.

pytest-django's live_server is not enough here (no WebSockets), so the server is a
subprocess. Screenshots go to ``tests/artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.servers import Server, sqlite_env

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "web_client"
DIST = CLIENT / "static" / "dist"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _ensure_client_built() -> None:
    bundles = [DIST / f"{name}.js" for name in ("lobby", "game", "replay")]
    sources = list((CLIENT / "src").glob("*.js"))
    newest_source = max((p.stat().st_mtime for p in sources), default=0)
    if all(b.exists() and b.stat().st_mtime >= newest_source for b in bundles):
        return
    npm = shutil.which("npm")
    if npm is None or not (CLIENT / "node_modules").exists():
        pytest.fail("the web client is not built: run `make setup` (npm ci && npm run build)")
    subprocess.run([npm, "run", "build"], cwd=CLIENT, check=True, capture_output=True)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    _ensure_client_built()
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (`make browser` installs it)")
    directory = tmp_path_factory.mktemp("browser-db")
    server = Server(sqlite_env(directory / "db.sqlite3"), directory / "server.log").start()
    yield server.url
    server.stop()


# Module scope, not session: while Playwright's sync API is open its event loop counts as
# running on this thread, which would break every asyncio test collected after these.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Console errors a page may log without anything being wrong: a socket the test itself
# cut (the server or the page closing it), and the browser's own report of an HTTP error
# answer the page expected and handled (409 when a seat is taken again).
EXPECTED_CONSOLE = ("WebSocket connection to", "status of 409")


def watch_page(page, errors: list) -> None:
    """Record page errors, console errors and failed requests of ``page`` in ``errors``."""
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

    def console(message):
        if message.type == "error" and not any(e in message.text for e in EXPECTED_CONSOLE):
            errors.append(f"console error: {message.text}")

    def failed(request):
        failure = request.failure or ""
        # A navigation away cancels what the old page was still loading.
        if "ERR_ABORTED" not in failure:
            errors.append(f"request failed: {request.url} {failure}")

    page.on("console", console)
    page.on("requestfailed", failed)


@pytest.fixture
def new_page(browser, server_url):
    """``new_page(width=1200, height=860)``: a page in a fresh context (its own cookies,
    so its own guest user). Page errors, console errors and failed requests fail the
    test."""
    contexts, errors = [], []

    def make(width: int = 1200, height: int = 860, base_url: str = server_url, **options):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=base_url, **options
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        watch_page(page, errors)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"errors in the pages: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
