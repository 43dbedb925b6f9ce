"""Shared fixtures. Tests that need Redis or PostgreSQL ask for ``redis_url`` / ``postgres_url``:
where the service is down they skip on a developer's machine and *fail* under ``CI=true``,
so a missing service can never hide behind a green run."""

from __future__ import annotations

import contextlib
import os
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, url: str) -> str:
    if _reachable(url):
        return url
    message = f"{name} is not reachable at {url}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: tests needing it fail instead of skipping)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def redis_url() -> str:
    return require_service("Redis", REDIS_URL)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return require_service("PostgreSQL", POSTGRES_URL)


@pytest.fixture(autouse=True)
def fresh_address_budgets():
    """Every test's clients come from 127.0.0.1: each test starts with full per-address
    budgets (game_server.limits) instead of what earlier tests spent."""
    yield
    import sys

    limits = sys.modules.get("game_server.limits")
    if limits is not None:
        limits.GUESTS.clear()
        limits.ANONYMOUS_SOCKETS.open.clear()


DATABASE_THREAD_GRACE = 60.0  # seconds a test's leftover work may keep that thread busy


@pytest.fixture(autouse=True)
def database_thread_free_after_the_test():
    """After every test (and its event loop's close), Channels' single database thread
    must be free again. A test whose leftover work waits there forever (say, for its
    stopped event loop: game_server.from_threads) fails here, naming itself and showing
    that thread's stack, instead of every later consumer test failing or hanging."""
    yield
    import sys
    import traceback
    from concurrent.futures import TimeoutError as FutureTimeout

    from asgiref.sync import SyncToAsync

    executor = SyncToAsync.single_thread_executor
    try:
        executor.submit(lambda: None).result(timeout=DATABASE_THREAD_GRACE)
    except FutureTimeout:
        frames = sys._current_frames()
        stacks = [
            "".join(traceback.format_stack(frames[thread.ident]))
            for thread in list(executor._threads)
            if thread.ident in frames
        ]
        pytest.fail(
            f"Channels' database thread is still busy {DATABASE_THREAD_GRACE:.0f} s after"
            " this test:\n" + "\n".join(stacks)
        )


def pytest_sessionfinish(session, exitstatus):
    """Django deletes the SQLite test database but not its write-ahead log files."""
    from django.conf import settings

    if not settings.configured:
        return
    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.remove(f"{name}{suffix}")
