"""The JSON HTTP API: kinds, identity, games, seats, snapshots, records, CSRF."""

from __future__ import annotations

import json

import pytest
from django.test import Client

import engine
from game_server import actions, models, presence, seating
from tests.server.helpers import new_game

pytestmark = pytest.mark.django_db


def post(client, path, body=None, **extra):
    return client.post(path, json.dumps(body or {}), content_type="application/json", **extra)


@pytest.fixture
def bot():
    """A token client: no cookies, so no session and no CSRF token."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def browser():
    client = Client(enforce_csrf_checks=True)
    me = client.get("/api/me").json()["user"]
    client.csrf = client.cookies["csrftoken"].value
    client.me = me
    return client


def test_kinds_lists_registered_games(bot):
    kinds = bot.get("/api/games/kinds").json()["kinds"]
    assert [kind["name"] for kind in kinds] == engine.names()
    assert {"title", "min_players", "max_players", "options", "hidden_information"} <= set(kinds[0])


def test_a_browser_becomes_a_guest_and_can_rename_itself(browser):
    assert browser.me["guest"] is True and browser.me["name"].startswith("Guest")
    assert browser.get("/api/me").json()["user"]["id"] == browser.me["id"]
    refused = post(browser, "/api/me", {"display_name": "Ada"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    renamed = post(browser, "/api/me", {"display_name": "Ada"}, HTTP_X_CSRFTOKEN=browser.csrf)
    assert renamed.json()["user"]["name"] == "Ada"
    bad = post(browser, "/api/me", {"display_name": ""}, HTTP_X_CSRFTOKEN=browser.csrf)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed"


def test_browser_posts_need_csrf_and_act_as_the_session_user(browser):
    assert post(browser, "/api/games", {"kind": "tictactoe"}).status_code == 403
    created = post(browser, "/api/games", {"kind": "tictactoe"}, HTTP_X_CSRFTOKEN=browser.csrf)
    assert created.status_code == 201
    game_id = created.json()["game"]["id"]
    seat = post(browser, f"/api/games/{game_id}/seats", {}, HTTP_X_CSRFTOKEN=browser.csrf).json()
    assert seat["seat"] == 0 and seat["ws_url"] == f"/ws/games/{game_id}/"
    assert seating.seat_for_user(game_id, models.Seat.objects.get(index=0).user) == 0
    assert presence.players(game_id)[0]["name"] == browser.me["name"]


def test_token_clients_create_games_and_take_seats_without_csrf(bot):
    created = post(bot, "/api/games", {"kind": "connect4", "num_players": 2})
    assert created.status_code == 201
    game = created.json()["game"]
    assert game["status"] == "waiting" and game["kind"] == "connect4"
    first = post(bot, f"/api/games/{game['id']}/seats", {"name": "alpha"})
    second = post(bot, f"/api/games/{game['id']}/seats", {"name": "beta", "index": 1})
    assert first.status_code == second.status_code == 201
    assert second.json()["game"]["status"] == "active"
    assert seating.seat_for_token(game["id"], second.json()["token"]) == 1
    assert "sessionid" not in bot.cookies
    full = post(bot, f"/api/games/{game['id']}/seats", {})
    assert full.status_code == 409 and full.json()["error"]["code"] == "game_full"
    detail = bot.get(f"/api/games/{game['id']}").json()
    assert detail["version"] == 0 and "legal_moves" not in detail["view"]
    assert [p["name"] for p in detail["players"]] == ["alpha", "beta"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "nope"}, 400, "unknown_game"),
        ({"kind": "tictactoe", "num_players": 5}, 400, "invalid_players"),
        ({"kind": "tictactoe", "options": {"x": 1}}, 400, "invalid_options"),
        ({"kind": "tictactoe", "options": [1]}, 400, "malformed"),
        ({}, 400, "malformed"),
    ],
)
def test_create_game_errors(bot, body, status, code):
    response = post(bot, "/api/games", body)
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_errors_for_unknown_games_and_bad_bodies(bot):
    assert bot.get("/api/games/nosuch").status_code == 404
    assert bot.get("/api/games/nosuch/record").json()["error"]["code"] == "not_found"
    assert post(bot, "/api/games/nosuch/seats").status_code == 404
    bad = bot.post("/api/games", "{not json", content_type="application/json")
    assert bad.status_code == 400
    assert bot.get("/api/games").status_code == 405


@pytest.mark.parametrize(
    "page", ["/", "/games/{id}/", "/games/{id}/replay/", "/games/{id}/replay.json"]
)
def test_pages_and_the_replay_data_only_answer_get_and_head(browser, page):
    game, _ = new_game("tictactoe")
    path = page.format(id=game.pk)
    assert browser.get(path).status_code == 200
    assert browser.head(path).status_code == 200
    token = browser.cookies["csrftoken"].value
    for method in (browser.post, browser.put, browser.delete):
        assert method(path, HTTP_X_CSRFTOKEN=token).status_code == 405


def test_record_of_a_finished_game_replays_to_its_outcome(bot):
    game, _ = new_game("tictactoe")
    early = bot.get(f"/api/games/{game.pk}/record").json()
    assert early["seed"] is None and early["moves"] == []
    for version, square in enumerate([4, 0, 8, 2, 1, 7, 6, 5, 3]):
        actions.submit_action(game.pk, version % 2, square, version, None, broadcast=False)
    record = bot.get(f"/api/games/{game.pk}/record").json()
    assert record["seed"] == game.seed and record["game"]["status"] == "finished"
    game_engine = engine.get(record["game"]["kind"])
    state = game_engine.initial_state(
        record["game"]["num_players"], record["seed"], record["options"]
    )
    state = game_engine.replay(state, [(move["seat"], move["data"]) for move in record["moves"]])
    assert game_engine.outcome(state).to_data() == record["outcome"]
    assert [move["ply"] for move in record["moves"]] == list(range(1, 10))


@pytest.mark.skipif("liars_dice" not in engine.names(), reason="liars_dice not registered")
def test_record_of_an_unfinished_hidden_game_leaks_nothing(bot):
    game, _ = new_game("liars_dice", 2)
    actions.submit_action(game.pk, 0, ["bid", 1, 2], 0, None, broadcast=False)
    record = bot.get(f"/api/games/{game.pk}/record").json()
    assert record["seed"] is None and record["moves"] is None
    detail = bot.get(f"/api/games/{game.pk}").json()
    assert detail["view"]["position"]["dice"] is None
    assert str(game.seed) not in json.dumps(detail) + json.dumps(record)


def test_taking_a_seat_is_safe_to_retry(client):
    """A retry after a lost answer (same request id) gets the same seat and a working
    token: no second seat, no ``game_full``, and the first token stops working."""
    game = client.post("/api/games", {"kind": "tictactoe"}, content_type="application/json")
    game_id = game.json()["game"]["id"]
    body = {"name": "bot", "request_id": "take-1"}
    first = client.post(f"/api/games/{game_id}/seats", body, content_type="application/json")
    again = client.post(f"/api/games/{game_id}/seats", body, content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert first.json()["seat"] == again.json()["seat"] == 0
    assert seating.seat_for_token(game_id, again.json()["token"]) == 0
    assert seating.seat_for_token(game_id, first.json()["token"]) is None
    assert models.Seat.objects.filter(game_id=game_id).count() == 1
    other = client.post(
        f"/api/games/{game_id}/seats", {"request_id": "take-2"}, content_type="application/json"
    )
    assert other.json()["seat"] == 1  # another request takes another seat
    bad = client.post(
        f"/api/games/{game_id}/seats", {"request_id": "x\x00"}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed"
