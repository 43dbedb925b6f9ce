"""Server-side bots play every registered game to the end through the one move path."""

from __future__ import annotations

import time

import pytest

import engine
from game_server.models import Game, Move
from lobby import bots, matchmaking
from lobby.seating import Player, start_game
from tests.lobby.helpers import make_user, play_randomly

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("name", engine.names())
def test_random_bots_play_every_game_to_the_end(name):
    game_engine = engine.get(name)
    for num_players in sorted({game_engine.min_players, min(game_engine.max_players, 3)}):
        game, _ = start_game(name, {}, [Player(bot="random")] * num_players)
        while bots.play_turn(game.pk):
            pass
        game.refresh_from_db()
        assert game.status == Game.Status.FINISHED, (name, num_players)
        assert Move.objects.filter(game=game).count() == game.version


@pytest.mark.parametrize("name", ["tictactoe", "liars_dice"])
def test_a_human_against_mcts_bots(name):
    user = make_user()
    request = matchmaking.parse_request(name, 3 if name == "liars_dice" else 2)
    game = bots.start_bot_game(user, request, "mcts", seat=0)
    assert not game.rated
    finished = play_randomly(game.pk)
    assert finished.status == Game.Status.FINISHED


def test_the_runner_plays_without_an_event_loop(settings):
    """Outside a server (no loop attached) the runner's thread pool plays the turns."""
    settings.LOBBY_BOTS_AUTOPLAY = True
    bots._loop = None
    game, _ = start_game("tictactoe", {}, [Player(bot="random"), Player(bot="mcts")])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        game.refresh_from_db()
        if game.over:
            break
        time.sleep(0.05)
    assert game.status == Game.Status.FINISHED


def test_a_bot_declines_a_draw_offer_at_once_even_off_its_turn():
    """Issue #15: a draw offer to a bot never stays pending (the offer made on the
    human's own turn is answered before the human moves)."""
    user = make_user()
    game = bots.start_bot_game(user, matchmaking.parse_request("chess", 2), "random", seat=0)
    from game_server import actions

    actions.submit_action(game.pk, 0, {"action": "offer_draw"}, 0, "offer")
    assert bots.play_turn(game.pk)  # the bot answers: White (the human) is still to move
    last = Move.objects.get(game=game, ply=2)
    assert last.seat == 1 and last.data == {"action": "decline_draw"}
    game.refresh_from_db()
    assert game.status == Game.Status.ACTIVE and game.version == 2
    assert not bots.play_turn(game.pk)  # nothing more: it is the human's move


def test_whether_a_game_has_bots_is_on_its_row_and_a_move_queries_no_seats(monkeypatch):
    """The bot runner is poked after a move of a game with bots, from the row alone
    (``Game.has_bots``, settled when the bot seats are taken): no query of the seats on
    the move path (one per game had cost 17% of moves/s with 500 games starting)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from game_server import actions

    poked = []
    monkeypatch.setattr(bots, "poke", poked.append)
    people, _ = start_game("connect4", {}, [Player(user=make_user()), Player(user=make_user())])
    user = make_user()
    with_bot = bots.start_bot_game(user, matchmaking.parse_request("connect4", 2), "random", 0)
    assert Game.objects.get(pk=people.pk).has_bots is False
    assert Game.objects.get(pk=with_bot.pk).has_bots is True
    poked.clear()
    with CaptureQueriesContext(connection) as queries:
        actions.submit_action(people.pk, 0, 3, 0, "first")
    assert not [q for q in queries if "game_server_seat" in q["sql"]], queries.captured_queries
    actions.submit_action(with_bot.pk, 0, 3, 0, "first")
    assert poked == [with_bot.pk]
