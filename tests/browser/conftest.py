"""Browser tests: a real daphne server (``python -m game_server.serve``) on a free port
with its own SQLite file, and Debian's Chromium driven by Playwright.

pytest-django's live_server is not enough here (no WebSockets), so the server is a
subprocess. Screenshots go to ``tests/artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "web_client"
DIST = CLIENT / "static" / "dist"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    db = tmp_path_factory.mktemp("browser-db") / "db.sqlite3"
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "BOARDROOM_SERVER_ID": f"browser-tests:{port}",
        "DJANGO_SETTINGS_MODULE": "game_server.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    log = open(db.parent / "server.log", "w+b")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        [sys.executable, "-m", "game_server.serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/api/games/kinds", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.seek(0)
                pytest.fail("the server did not start:\n" + log.read().decode(errors="replace"))
            time.sleep(0.2)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, server_url):
    """``new_page(width=1200, height=860)``: a page in a fresh context (its own cookies,
    so its own guest user). Page errors fail the test."""
    contexts, errors = [], []

    def make(width: int = 1200, height: int = 860, **options):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=server_url, **options
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
