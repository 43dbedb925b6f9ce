"""Ratings: a rated game is rated exactly once, history and the leaderboard endpoint."""

from __future__ import annotations

import pytest

from game_server import actions
from lobby import ratings
from lobby.models import Rating, RatingChange
from lobby.seating import Player, start_game
from tests.lobby.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def finished_game(users, rated=True, winner=0):
    game, seats = start_game("tictactoe", {}, [Player(user=u) for u in users], rated=rated)
    loser = 1 - winner
    actions.submit_action(game.pk, loser, {"action": "resign"}, None, None)
    return game


def test_a_rated_game_is_rated_once():
    a, b = make_user(), make_user()
    game = finished_game([a, b])  # the signal already rated it on commit
    assert RatingChange.objects.filter(game=game).count() == 2
    again = ratings.apply_game(game.pk)
    assert len(again) == 2 and RatingChange.objects.count() == 2
    winner, loser = Rating.objects.get(user=a), Rating.objects.get(user=b)
    assert winner.games == loser.games == 1
    assert winner.mu > 1500 > loser.mu
    assert winner.sigma < 500


def test_casual_games_are_not_rated():
    game = finished_game([make_user(), make_user()], rated=False)
    assert ratings.apply_game(game.pk) == [] and not Rating.objects.exists()


def test_leaderboard_and_history(client):
    a, b, c = make_user("ann"), make_user("bob"), make_user("cy")
    finished_game([a, b])
    finished_game([a, c])
    finished_game([c, b], winner=0)
    board = client.get("/api/lobby/leaderboard?kind=tictactoe").json()
    assert [row["name"] for row in board["ratings"]] == ["ann", "cy", "bob"]
    assert [row["rank"] for row in board["ratings"]] == [1, 2, 3]
    assert board["ratings"][0]["games"] == 2
    history = client.get(f"/api/lobby/ratings/{a.pk}?kind=tictactoe").json()["history"]
    assert len(history) == 2 and history[0]["before"] == history[1]["after"]
    bad = client.get("/api/lobby/leaderboard?kind=nosuch")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "unknown_game"
