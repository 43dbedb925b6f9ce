"""Control characters at every edge: refused as ``malformed`` (or 404 for ids in paths),
never a 500 or a 1011 close, never stored (PostgreSQL refuses NUL in text outright, so
on it they used to become 500s; the same one validation at the edge covers SQLite).

Every text field a client can send is tried with NUL and other C0/C1 controls: the
display name, a seat name, game ids and table codes in paths, lobby table codes, chat
and request ids on the game socket.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from channels.db import database_sync_to_async
from django.test import Client as HttpClient

from game_server.models import Game, Profile, Seat
from tests.lobby.helpers import expect, lobby
from tests.server.helpers import amove_count, anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)

CONTROLS = ["\x00", "a\x00b", "\x07bell", "x\x1bESC", "\x7f", "\x9f", "ok\x00"]
# The sockets' rate limits (20 frames, 10 lobby messages in a burst) allow a few per test.
SOCKET_CONTROLS = ["a\x00b", "\x07bell", "\x9f", "ok\x00"]
LOBBY_CONTROLS = ["a\x00b", "\x1b"]


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("bad", CONTROLS)
def test_http_text_fields_and_path_ids(bad):
    client = HttpClient()
    me = client.get("/api/me").json()["user"]
    answer = post(client, "/api/me", {"display_name": bad})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "malformed"
    assert Profile.objects.get(user_id=me["id"]).display_name == me["name"]

    token_client = HttpClient()  # no cookie: a token client
    game = post(token_client, "/api/games", {"kind": "tictactoe"}).json()["game"]
    answer = post(token_client, f"/api/games/{game['id']}/seats", {"name": bad})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "malformed"
    assert not Seat.objects.filter(game_id=game["id"]).exists()

    path_id = quote(bad)
    for path in (
        f"/api/games/{path_id}",
        f"/api/games/{path_id}/record",
        f"/api/lobby/tables/{path_id}",
    ):
        answer = token_client.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["error"]["code"] == "not_found", path
    answer = post(token_client, f"/api/games/{path_id}/seats", {})
    assert answer.status_code == 404
    assert token_client.get(f"/games/{path_id}/replay.json").status_code == 404


async def test_game_socket_fields():
    game, tokens = await anew_game()
    player = await connect(game.pk, tokens[0])
    for number, bad in enumerate(SOCKET_CONTROLS):
        await player.send({"type": "move", "move": 4, "version": 0, "request_id": bad})
        reject = await player.expect("reject")
        assert reject["code"] == "malformed"
        await player.send({"type": "move", "move": bad, "version": 0, "request_id": f"m{number}"})
        reject = await player.expect("reject")
        assert reject["code"] == "malformed_move"
        await player.send({"type": "resign", "request_id": bad})
        assert (await player.expect("reject"))["code"] == "malformed"
        await player.send({"type": "chat", "text": f"hello {bad}"})
        error = await player.expect("error")
        assert error["code"] == "malformed"
    await player.send({"type": "ping"})
    assert (await player.expect("pong"))["type"] == "pong"  # still open, still serving
    assert await amove_count(game.pk) == 0
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.version == 0 and stored.status == "active"
    await player.close()


async def test_lobby_socket_fields():
    client = await lobby()
    for bad in LOBBY_CONTROLS:
        for kind in ("join_table", "leave_table", "cancel_table"):
            await client.send({"type": kind, "code": bad})
            error = await expect(client, "error")
            assert error["code"] == "malformed" and error["for"] == kind
        await client.send({"type": "rematch", "game": bad})
        assert (await expect(client, "error"))["code"] == "malformed"
    await client.send({"type": "ping"})
    assert (await expect(client, "pong"))["type"] == "pong"
    await client.close()
