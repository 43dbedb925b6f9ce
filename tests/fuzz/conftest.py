"""The fuzz profile. ``FUZZ_EXAMPLES`` sets the number of Hypothesis examples each fuzz
test runs (default 150: cheap enough for every CI run); the dedicated run is
``FUZZ_EXAMPLES=10000 pytest tests/fuzz``. Each test keeps one game (or lobby) and its
connections across all examples and reconnects only what the server closed."""

from __future__ import annotations

import asyncio
import os

import pytest
from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example database: the runs stay independent of earlier ones
    suppress_health_check=list(HealthCheck),
)


class PermissiveBucket:
    """Stands in for the socket's message bucket: the fuzzer sends much faster than any
    client may (the limits have their own tests in tests/security)."""

    def __init__(self, *args, **kwargs):
        pass

    def take(self) -> bool:
        return True


@pytest.fixture
def runner():
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture
def no_rate_limits(settings, monkeypatch):
    from game_server import protocol

    monkeypatch.setattr(protocol, "TokenBucket", PermissiveBucket)
    many = (10**9, 10.0**9)
    settings.RATE_LIMITS = {"move": many, "chat": many, "lobby": many}
    settings.CHAT_REPEAT_MAX = 10**9
    return settings
