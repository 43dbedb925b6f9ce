"""Lobby test settings: fast polling, small bot budgets, bots played by the tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def lobby_settings(settings):
    settings.LOBBY_POLL_SECONDS = 0.05
    settings.LOBBY_BOT_BUDGETS = {"random": {}, "mcts": {"iterations": 30}}
    settings.LOBBY_BOTS_AUTOPLAY = False  # tests that want the runner turn it on
    return settings
