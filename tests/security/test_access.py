"""Who may act where: seat tokens (stolen, forged, expired), Origins of WebSockets and
CSRF on every state-changing HTTP endpoint."""

from __future__ import annotations

import json
import secrets
from urllib.parse import quote

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client as HttpClient

from boardroom.asgi import application
from game_server import seating
from game_server.models import Game
from tests.lobby.helpers import make_user, session_cookie
from tests.server.helpers import Client, amove_count, anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(path: str, headers=()) -> tuple[bool, Client]:
    communicator = WebsocketCommunicator(application, path, headers=list(headers))
    connected, _ = await communicator.connect(timeout=5)
    return connected, Client(communicator)


async def closed_code(client: Client) -> int:
    while True:
        message = await client.recv()
        if message["type"] == "closed":
            return message["code"]


def forged_tokens(real: str) -> list[str]:
    return [
        secrets.token_urlsafe(32),  # random, right length
        "x",
        real[:-1],  # truncated
        real + "A",  # too long by one
        real.upper() if real.upper() != real else real.lower(),
        "é" * 43,  # non-ASCII
        "\u202e" + real[1:],
        "a" * 5000,
        " " + real,
        real[:20] + "\x00" + real[21:],
    ]


async def test_stolen_tokens_of_another_game_open_nothing():
    game, tokens = await anew_game()
    other, other_tokens = await anew_game()
    for token in other_tokens:
        # With an Origin: accepted, then closed with 4403; no seat, no snapshot.
        client = await connect(game.pk, token, first=None)
        assert await closed_code(client) == 4403
        # Without one: refused at the handshake (query string or header alike).
        ok, _ = await handshake(f"/ws/games/{game.pk}/?token={token}")
        assert not ok
        ok, _ = await handshake(
            f"/ws/games/{game.pk}/", [(b"authorization", f"Bearer {token}".encode())]
        )
        assert not ok
        # `auth` from a spectator socket: closed with 4403.
        spectator = await connect(game.pk)
        await spectator.send({"type": "auth", "token": token})
        assert await closed_code(spectator) == 4403
    assert await amove_count(game.pk) == 0


async def test_forged_tokens_open_nothing():
    game, tokens = await anew_game()
    for forged in forged_tokens(tokens[0]):
        ok, _ = await handshake(f"/ws/games/{game.pk}/?token={quote(forged)}")
        assert not ok, forged
        client = await connect(game.pk, quote(forged), first=None)
        assert await closed_code(client) == 4403, forged
        spectator = await connect(game.pk)
        await spectator.send({"type": "auth", "token": forged})
        assert await closed_code(spectator) == 4403, forged
    # An empty token is a wrong token too, not a spectator's missing one.
    client = await connect(game.pk, "", first=None)
    assert await closed_code(client) == 4403
    ok, _ = await handshake(f"/ws/games/{game.pk}/?token=")
    assert not ok
    # A header with a non-ASCII value is not a seat either.
    ok, _ = await handshake(f"/ws/games/{game.pk}/", [(b"authorization", "Bearer é".encode())])
    assert not ok


async def test_a_reissued_token_expires_the_old_one():
    user = await database_sync_to_async(make_user)()
    game = await database_sync_to_async(seating.create_game)("tictactoe", 2)
    _, old = await database_sync_to_async(seating.take_seat)(game, user)
    _, new = await database_sync_to_async(seating.take_seat)(game, user)
    assert old != new
    client = await connect(game.pk, old, first=None)
    assert await closed_code(client) == 4403
    ok, _ = await handshake(f"/ws/games/{game.pk}/?token={old}")
    assert not ok
    assert (await connect(game.pk, new)).first["seat"] == 0


async def test_a_seat_cannot_act_for_another_seat():
    game, tokens = await anew_game()
    player1 = await connect(game.pk, tokens[1])
    # Seat 1 sends seat 0's move, naming seat 0: the `seat` field is ignored.
    await player1.send(
        {"type": "move", "move": 4, "version": 0, "request_id": "r", "seat": 0, "token": tokens[0]}
    )
    assert (await player1.expect("reject"))["code"] == "not_your_turn"
    await player1.send({"type": "resign", "request_id": "s", "seat": 0})
    assert (await player1.expect("ack", skip=("update",)))["version"] == 1
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.outcome["winners"] == [0]  # seat 1 resigned itself, not seat 0


@pytest.mark.parametrize(
    "origin",
    [
        b"http://evil.example",
        b"null",
        b"http://testserver.evil.example",
        b"http://evil.example:80",
        b"file://",
        b"",
    ],
)
async def test_cross_origin_sockets_are_refused(origin):
    game, tokens = await anew_game()
    user = await database_sync_to_async(make_user)()
    cookie = await database_sync_to_async(session_cookie)(user)
    headers = [(b"origin", origin), (b"cookie", cookie)]
    for path in (
        f"/ws/games/{game.pk}/",
        f"/ws/games/{game.pk}/?token={tokens[0]}",  # a valid token does not help
        "/ws/lobby/",
    ):
        ok, _ = await handshake(path, headers)
        assert not ok, (origin, path)
    # The lobby socket never opens without an Origin either.
    ok, _ = await handshake("/ws/lobby/", [(b"cookie", cookie)])
    assert not ok


def post(client, path, body=None, **extra):
    return client.post(path, json.dumps(body or {}), content_type="application/json", **extra)


@pytest.mark.django_db
def test_state_changing_http_endpoints_need_csrf_with_a_session():
    game = seating.create_game("tictactoe", 2)
    browser = HttpClient(enforce_csrf_checks=True)
    browser.get("/api/me")
    csrf = browser.cookies["csrftoken"].value
    posts = [
        ("/api/me", {"display_name": "Mallory"}),
        ("/api/games", {"kind": "tictactoe"}),
        (f"/api/games/{game.pk}/seats", {}),
    ]
    games_before = Game.objects.count()
    for path, body in posts:
        refused = post(browser, path, body)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "csrf_failed"
        wrong = post(browser, path, body, HTTP_X_CSRFTOKEN="x" * 32)
        assert wrong.status_code == 403, path
    assert Game.objects.count() == games_before
    assert not game.seats.exists()
    for path, body in posts:  # with the header: accepted
        assert post(browser, path, body, HTTP_X_CSRFTOKEN=csrf).status_code in (200, 201)
    # Every other route refuses POST (read-only) whatever the CSRF state.
    for path in [
        "/api/games/kinds",
        f"/api/games/{game.pk}",
        f"/api/games/{game.pk}/record",
        "/api/lobby/leaderboard?kind=tictactoe",
        "/api/lobby/directory",
        "/api/lobby/tables",
    ]:
        answer = post(browser, path, {}, HTTP_X_CSRFTOKEN=csrf)
        assert answer.status_code in (403, 405), path
    # A cookieless (token) client is anonymous: what it creates belongs to no user.
    bot = HttpClient(enforce_csrf_checks=True)
    created = post(bot, "/api/games", {"kind": "tictactoe"})
    assert created.status_code == 201
    assert Game.objects.get(pk=created.json()["game"]["id"]).created_by is None
    assert "sessionid" not in bot.cookies


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        (b"http://localhost:8000", b"localhost:8000", True),
        (b"https://LOCALHOST:8000", b"localhost:8000", True),
        (b"http://localhost:9999", b"localhost:8000", False),  # another port: another site
        (b"http://localhost", b"localhost:8000", False),
        (b"http://evil.example:8000", b"evil.example:8000", False),  # not an allowed host
        (b"null", b"localhost:8000", False),
        (b"file://", b"localhost:8000", False),
        (b"ws://localhost:8000", b"localhost:8000", False),
    ],
)
async def test_a_browser_socket_must_come_from_this_very_site(origin, host, allowed):
    game, _ = await anew_game()
    ok, client = await handshake(f"/ws/games/{game.pk}/", [(b"origin", origin), (b"host", host)])
    assert ok == allowed, (origin, host)
    if ok:
        await client.close()
