"""A bot whose turn it was when the server stopped plays as soon as a server starts again,
with nobody connected, and the game then goes on to its end through a real daphne process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from game_server.client import GameClient, api
from tests.servers import ROOT, Server, sqlite_env

pytestmark = pytest.mark.slow

# Runs inside the server's database before any server is up: a tictactoe game in which
# the random bot holds seat 0 (it moves first) and a human holds seat 1. Autoplay is off
# in this process, so the bot's first turn is left for the server to pick up.
CREATE_BOT_GAME = """
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from lobby import bots, matchmaking
settings.LOBBY_BOTS_AUTOPLAY = False
user = get_user_model().objects.create(username="human")
game = bots.start_bot_game(user, matchmaking.parse_request("tictactoe"), "random", seat=1)
from game_server import seating
_, token = seating.take_seat(game, user, 1)
print(json.dumps({"game": game.pk, "token": token, "version": game.version}))
"""


@pytest.fixture
def environment(tmp_path) -> dict:
    return sqlite_env(tmp_path / "db.sqlite3")


@pytest.fixture
def bot_game(environment) -> dict:
    created = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CREATE_BOT_GAME],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(created.stdout.strip().splitlines()[-1])


async def test_a_pending_bot_turn_is_played_after_a_restart(environment, bot_game, tmp_path):
    game = bot_game
    assert game["version"] == 0  # nobody has moved: the bot's turn is pending

    server = Server(environment, tmp_path / "server.log").start()
    try:
        async with GameClient(server.url, game["game"], token=game["token"]) as human:
            await human.wait_for_version(1)  # the bot moved with nobody else connected
            assert human.seat == 1
            while human.outcome is None:
                if human.my_turn:
                    ack = await human.move(human.view["legal_moves"][0])
                    await human.wait_for_version(ack["version"])
                else:
                    await human.next_update()  # the bot's answer
            assert human.status == "finished"
        record = await api(server.url, "GET", f"/api/games/{game['game']}/record")
        plies = [move["ply"] for move in record["moves"]]
        assert plies == list(range(1, len(plies) + 1))  # nothing lost, nothing twice
        assert record["moves"][0]["seat"] == 0  # the bot's first move
    finally:
        server.stop()
