"""Personal API tokens: created and revoked in the browser, used on the JSON API, the
lobby socket and the game socket as the account; refused when revoked, expired, unknown,
sent by a browser, or without any token; rate limits and the games cap of bot accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.models import ApiToken
from boardroom.asgi import application
from game_server import seating
from game_server.models import Game, Seat
from lobby import ratings
from tests.lobby.helpers import play_randomly
from tests.server.helpers import ORIGIN, Client

from .helpers import browser, created_token, csrf, log_in, make_account, new_token

pytestmark = pytest.mark.django_db(transaction=True)


def bearer(token: str) -> tuple[bytes, bytes]:
    return (b"authorization", f"Bearer {token}".encode())


def api(method: str, path: str, token: str, body=None, **headers):
    client = HttpClient()
    call = getattr(client, method.lower())
    kwargs = {"content_type": "application/json"} if body is not None else {}
    return call(path, body, headers={"Authorization": f"Bearer {token}", **headers}, **kwargs)


async def open_socket(path: str, headers) -> tuple[bool, object, Client]:
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return connected, code, Client(communicator)


async def closed_with(client: Client) -> int:
    while True:
        message = await client.recv()
        if message["type"] == "closed":
            return message["code"]


def create_in_browser(username: str) -> tuple[HttpClient, str, ApiToken]:
    make_account(username, bot=True)
    client = browser()
    log_in(client, username)
    response = client.post(
        "/accounts/",
        {"action": "create_token", "name": "my-bot", "csrfmiddlewaretoken": csrf(client)},
    )
    assert response.status_code == 200
    token = created_token(response)
    row = ApiToken.objects.get(user__username=username)
    assert row.token_hash != token and token not in row.token_hash and len(row.token_hash) == 64
    assert row.name == "my-bot" and row.last_used_at is None
    assert token not in client.get("/accounts/").content.decode()  # shown once only
    return client, token, row


async def test_a_token_created_in_the_browser_works_everywhere_until_revoked():
    client, token, row = await database_sync_to_async(create_in_browser)("robot")
    # The JSON API as the account: create a game and take a seat.
    body = {"kind": "tictactoe", "rated": True}
    response = await database_sync_to_async(api)("POST", "/api/games", token, body)
    assert response.status_code == 201, response.content
    game_id = response.json()["game"]["id"]
    response = await database_sync_to_async(api)("POST", f"/api/games/{game_id}/seats", token, {})
    assert response.status_code == 201
    seat = await database_sync_to_async(Seat.objects.get)(game_id=game_id, index=0)
    assert seat.user_id == row.user_id
    me = (await database_sync_to_async(api)("GET", "/api/me", token)).json()["user"]
    assert me["username"] == "robot" and me["guest"] is False
    # The lobby socket without an Origin, as the account.
    connected, _, lobby = await open_socket("/ws/lobby/", [bearer(token)])
    assert connected
    welcome = await lobby.expect("welcome", skip=("online", "directory_update"))
    assert welcome["user"]["name"] == "robot"
    await lobby.ws.disconnect()
    # The game socket: the account's own seat, found by user.
    connected, _, player = await open_socket(f"/ws/games/{game_id}/", [bearer(token)])
    assert connected
    assert (await player.expect("snapshot"))["seat"] == 0
    await player.ws.disconnect()
    await database_sync_to_async(row.refresh_from_db)()
    assert row.last_used_at is not None
    # Revoked in the browser: refused everywhere, nothing changed.
    response = await database_sync_to_async(client.post)(
        "/accounts/", {"action": "revoke", "token": row.pk, "csrfmiddlewaretoken": csrf(client)}
    )
    assert response.status_code == 302
    games = await database_sync_to_async(Game.objects.count)()
    response = await database_sync_to_async(api)("POST", "/api/games", token, {"kind": "tictactoe"})
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "invalid_token",
        "message": "this token was revoked",
    }
    assert await database_sync_to_async(Game.objects.count)() == games
    for path in ("/ws/lobby/", f"/ws/games/{game_id}/"):
        connected, _, socket = await open_socket(path, [bearer(token)])
        assert connected and await closed_with(socket) == 4401


def expired_token() -> str:
    user = make_account("old_bot")
    token = new_token(user)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    return token


async def test_expired_unknown_and_missing_tokens_are_refused():
    expired = await database_sync_to_async(expired_token)()
    unknown = "bdr_" + "A" * 43
    for token, message in ((expired, "this token expired"), (unknown, "unknown token")):
        response = await database_sync_to_async(api)("GET", "/api/me", token)
        assert response.status_code == 401 and response.json()["error"]["message"] == message
        connected, _, socket = await open_socket("/ws/lobby/", [bearer(token)])
        assert connected and await closed_with(socket) == 4401
    # No token and no Origin: the lobby socket refuses the handshake.
    connected, _, _ = await open_socket("/ws/lobby/", [])
    assert not connected  # HTTP 403 at the handshake


async def test_a_bot_token_from_a_browser_is_refused():
    user = await database_sync_to_async(make_account)("web_bot", bot=True)
    token = await database_sync_to_async(new_token)(user)
    connected, _, socket = await open_socket("/ws/lobby/", [ORIGIN, bearer(token)])
    assert connected and await closed_with(socket) == 4400
    for header in ({"Origin": "http://testserver"}, {"Sec-Fetch-Mode": "cors"}):
        response = await database_sync_to_async(api)(
            "POST", "/api/games", token, {"kind": "tictactoe"}, **header
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "token_from_browser"
    assert await database_sync_to_async(Game.objects.count)() == 0


def two_accounts_and_a_game():
    mine, theirs = make_account("mine"), make_account("theirs")
    game = seating.create_game("tictactoe", 2)
    seating.take_seat(game, theirs)
    return mine, new_token(mine), theirs, new_token(theirs), game


async def test_a_token_of_another_account_gets_nothing_of_this_one():
    mine, my_token, theirs, their_token, game = await database_sync_to_async(
        two_accounts_and_a_game
    )()
    their_row = await database_sync_to_async(ApiToken.objects.get)(user=theirs)
    # My token does not give me their seat: I am a spectator of their game.
    connected, _, socket = await open_socket(f"/ws/games/{game.pk}/", [bearer(my_token)])
    assert connected and (await socket.expect("snapshot"))["seat"] is None
    await socket.ws.disconnect()
    # I cannot revoke their token from my account page.
    client = await database_sync_to_async(browser)()
    await database_sync_to_async(log_in)(client, "mine")
    await database_sync_to_async(client.post)(
        "/accounts/",
        {"action": "revoke", "token": their_row.pk, "csrfmiddlewaretoken": csrf(client)},
    )
    await database_sync_to_async(their_row.refresh_from_db)()
    assert their_row.revoked_at is None
    assert (await database_sync_to_async(api)("GET", "/api/me", their_token)).status_code == 200


def bot_accounts(count: int) -> list[str]:
    return [new_token(make_account(f"bot{i}", bot=True)) for i in range(count)]


async def lobby_as(token: str) -> Client:
    connected, _, lobby = await open_socket("/ws/lobby/", [bearer(token)])
    assert connected
    await lobby.expect("welcome", skip=("online", "directory_update"))
    return lobby


async def next_of(client: Client, kind: str) -> dict:
    return await client.expect(
        kind, skip=("online", "directory_update", "table", "queued", "tables", "rematch"), wait=5
    )


async def test_two_bots_play_a_rated_quick_match_with_a_clock_and_are_rated():
    tokens = await database_sync_to_async(bot_accounts)(2)
    lobbies = [await lobby_as(token) for token in tokens]
    request = {"type": "queue", "kind": "tictactoe", "rated": True}
    request["options"] = {"time_control": {"kind": "fischer", "initial": 60, "increment": 1}}
    for lobby in lobbies:
        await lobby.send(request)
    matches = [await next_of(lobby, "match") for lobby in lobbies]
    assert matches[0]["game"] == matches[1]["game"] and matches[0]["rated"] is True
    game = await database_sync_to_async(play_randomly)(matches[0]["game"])
    assert game.rated and game.time_control["kind"] == "fischer"
    changes = await database_sync_to_async(ratings.apply_game)(game.pk)
    assert len(changes) == 2
    # A rematch, asked by both bots through the lobby.
    for lobby in lobbies:
        await lobby.send({"type": "rematch", "game": game.pk})
    rematches = [await next_of(lobby, "match") for lobby in lobbies]
    assert rematches[0]["game"] == rematches[1]["game"] != game.pk
    for lobby in lobbies:
        await lobby.ws.disconnect()


async def test_bots_have_a_cap_of_games_and_per_account_lobby_limits(settings):
    settings.MAX_GAMES_PER_BOT = 1
    settings.ACCOUNT_RATE_LIMITS = {"lobby": (3, 0.01)}
    [token] = await database_sync_to_async(bot_accounts)(1)
    first = await lobby_as(token)
    await first.send({"type": "play_bot", "kind": "tictactoe", "level": "random"})
    await next_of(first, "match")
    await first.send({"type": "play_bot", "kind": "tictactoe", "level": "random"})
    refused = await next_of(first, "error")
    assert refused["code"] == "too_many_games"
    # A second socket of the same account shares the account's lobby bucket (3 tokens,
    # two spent above): one more message, then rate_limited.
    second = await lobby_as(token)
    await second.send({"type": "tables"})
    await next_of(second, "tables")
    await second.send({"type": "tables"})
    assert (await next_of(second, "error"))["code"] == "rate_limited"
    for lobby in (first, second):
        await lobby.ws.disconnect()


def test_the_admin_shows_accounts_bot_flags_and_token_hashes_only():
    user = make_account("admin_bot", bot=True)
    token = new_token(user, "listed")
    row = ApiToken.objects.get(user=user)
    staff = make_account("staff")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = HttpClient()
    client.force_login(staff)
    users = client.get("/admin/auth/user/").content.decode()
    assert "admin_bot" in users and "bot" in users
    for path in ("/admin/accounts/apitoken/", f"/admin/auth/user/{user.pk}/change/"):
        page = client.get(path).content.decode()
        assert row.token_hash in page and token not in page, path


def test_the_games_cap_of_a_bot_holds_on_the_http_api_too(settings):
    settings.MAX_GAMES_PER_BOT = 1
    [token] = bot_accounts(1)
    games = [api("POST", "/api/games", token, {"kind": "tictactoe"}).json()["game"] for _ in "ab"]
    first = api("POST", f"/api/games/{games[0]['id']}/seats", token, {})
    assert first.status_code == 201
    again = api("POST", f"/api/games/{games[0]['id']}/seats", token, {})
    assert again.status_code == 201  # its own seat again: no new game
    refused = api("POST", f"/api/games/{games[1]['id']}/seats", token, {})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "too_many_games"
    assert not Seat.objects.filter(game_id=games[1]["id"]).exists()
