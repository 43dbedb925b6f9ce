"""Actions only the server applies (timeout, abandon, abort) are refused from clients.

A player losing a rated game once escaped its rating by sending ``{"action": "abort"}``
as the move data of a ``move`` message. Every way move data enters is checked here: the
game socket's ``move`` message and the one service path that stores actions (bots and
the lobby use it directly). Nothing is stored, the game goes on, and the rating it
finally gets is the one its real ending deserves.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from game_server import actions, models, protocol
from game_server.models import Game
from lobby.models import Rating, RatingChange
from lobby.seating import Player, start_game
from tests.lobby.helpers import make_user, session_cookie
from tests.server.helpers import amove_count, connect

pytestmark = pytest.mark.django_db(transaction=True)

SERVER_ONLY = ["abort", "timeout", "abandon"]


def rated_game():
    users = [make_user(), make_user()]
    game, seats = start_game("tictactoe", {}, [Player(user=u) for u in users], rated=True)
    assert game.rated and game.status == "active"
    return game, users


@pytest.mark.parametrize("action", SERVER_ONLY)
async def test_a_move_message_carrying_a_server_action_is_refused(action):
    game, users = await database_sync_to_async(rated_game)()
    cookies = [await database_sync_to_async(session_cookie)(user) for user in users]
    players = [await connect(game.pk, headers=[(b"cookie", cookie)]) for cookie in cookies]
    assert [p.first["seat"] for p in players] == [0, 1]
    await players[0].send({"type": "move", "move": 4, "version": 0, "request_id": "m1"})
    await players[0].expect("ack")
    for seat in (1, 0):  # the seat to move, then the other
        message = {"type": "move", "move": {"action": action}, "version": 1}
        await players[seat].send(message | {"request_id": f"x{seat}"})
        reject = await players[seat].expect("reject", skip=("update",))
        assert reject["code"] == "server_only" and reject["request_id"] == f"x{seat}"
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.status == "active" and stored.version == 1 and stored.outcome is None
    assert await amove_count(game.pk) == 1
    # The game goes on and is rated once, for how it really ended.
    await players[1].send({"type": "resign", "request_id": "gg"})
    assert (await players[1].expect("ack"))["version"] == 2
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.status == "finished" and stored.outcome["winners"] == [0]
    changes = await database_sync_to_async(RatingChange.objects.filter(game=game).count)()
    assert changes == 2
    winner = await database_sync_to_async(Rating.objects.get)(user=users[0])
    loser = await database_sync_to_async(Rating.objects.get)(user=users[1])
    assert winner.mu > loser.mu
    for player in players:
        await player.close()


@pytest.mark.parametrize("action", SERVER_ONLY)
def test_the_service_path_refuses_server_actions_unless_the_server_sends_them(action):
    game, _ = rated_game()
    for seat in (0, 1):
        with pytest.raises(protocol.Rejected) as refused:
            actions.submit_action(game.pk, seat, {"action": action}, 0, f"r{seat}")
        assert refused.value.code == "server_only"
    game.refresh_from_db()
    assert game.version == 0 and game.status == "active"
    assert not models.Move.objects.filter(game=game).exists()
    assert not RatingChange.objects.exists()
