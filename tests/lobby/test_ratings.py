"""Ratings: a rated game is rated exactly once, history and the leaderboard endpoint."""

from __future__ import annotations

import pytest

from game_server import actions
from game_server.models import Game
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


def test_a_rated_game_with_a_bot_is_not_rated():
    human = make_user()
    game, _ = start_game("tictactoe", {}, [Player(user=human), Player(bot="random")])
    Game.objects.filter(pk=game.pk).update(rated=True)  # the lobby never makes one: say it did
    actions.submit_action(game.pk, 1, {"action": "resign"}, None, None)
    game.refresh_from_db()
    assert game.status == "finished" and game.rated and game.has_bots
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


def test_players_carry_their_rating_and_username_and_games_their_rating_changes(client):
    from game_server import presence, seating

    ann, guest = make_user("ann"), seating.create_guest()
    game = finished_game([ann, guest])  # ann (seat 0) wins
    changes = client.get(f"/api/lobby/games/{game.pk}/ratings").json()
    assert changes["rated"] is True and changes["status"] == "finished"
    assert [c["seat"] for c in changes["changes"]] == [0, 1]
    won, lost = changes["changes"]
    assert won["user"] == ann.pk and won["before"] == 1500 and won["change"] > 0
    assert won["after"] == won["before"] + won["change"] and lost["change"] < 0
    # The next game shows the ratings after it beside the names, and who has a profile.
    again, _ = start_game("tictactoe", {}, [Player(user=ann), Player(user=guest)], rated=True)
    players = presence.players(again.pk)
    assert [p["rating"] for p in players] == [won["after"], lost["after"]]
    assert [p["username"] for p in players] == ["ann", None]  # guests have no profile
    # Casual games show ratings too but change none; unknown games are 404.
    casual = finished_game([ann, make_user("bea")], rated=False)
    answer = client.get(f"/api/lobby/games/{casual.pk}/ratings").json()
    assert answer == {"game": casual.pk, "rated": False, "status": "finished", "changes": []}
    assert [p["rating"] for p in presence.players(casual.pk)] == [won["after"], 1500]
    missing = client.get("/api/lobby/games/nosuch/ratings")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_a_rated_game_not_rated_yet_is_rated_by_the_changes_request(client):
    from unittest import mock

    with mock.patch.object(ratings, "apply_game", wraps=ratings.apply_game) as spy:
        spy.side_effect = lambda game_id: []  # the commit hook "missed" it
        game = finished_game([make_user(), make_user()])
    assert not RatingChange.objects.filter(game=game).exists()
    answer = client.get(f"/api/lobby/games/{game.pk}/ratings").json()
    assert len(answer["changes"]) == 2
    assert RatingChange.objects.filter(game=game).count() == 2
    client.get(f"/api/lobby/games/{game.pk}/ratings")
    assert RatingChange.objects.filter(game=game).count() == 2  # once
