"""Abuse limits (docs/protocol.md, "Limits"): per-connection buckets for moves, chat and
lobby messages, chat repetition, frame limits on the lobby socket, and the caps on
concurrent sockets per seat and per user, counted in the database across processes."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from boardroom.asgi import application
from game_server import presence
from game_server.models import Connection
from tests.lobby.helpers import lobby, make_user, session_cookie
from tests.server.helpers import ORIGIN, Client, amove_count, anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)

SLOW = 0.0001  # tokens per second: nothing refills during a test


async def closed_with(client: Client, wait: float = 3) -> int:
    while True:
        message = await client.recv(wait)
        if message["type"] == "closed":
            return message["code"]


async def test_move_bucket_drops_moves_then_closes_a_flood(settings):
    settings.RATE_LIMITS = {"move": (3, SLOW)}
    game, tokens = await anew_game()
    player = await connect(game.pk, tokens[0])
    for i in range(3):  # stale versions: rejected by the game, not by the bucket
        await player.send({"type": "move", "move": 4, "version": 7, "request_id": f"r{i}"})
        assert (await player.expect("reject"))["code"] == "stale_version"
    await player.send({"type": "move", "move": 4, "version": 0, "request_id": "valid"})
    error = await player.expect("error")
    assert error["code"] == "rate_limited" and "move" in error["message"]
    assert await amove_count(game.pk) == 0  # a valid move, dropped: nothing stored
    await player.send({"type": "resign", "request_id": "x"})  # engine actions share it
    assert (await player.expect("error"))["code"] == "rate_limited"
    await player.send({"type": "ping"})  # other messages are not in this bucket
    await player.expect("pong")
    for i in range(60):
        await player.send({"type": "move", "move": 4, "version": 0, "request_id": f"f{i}"})
    assert await closed_with(player) == 4008
    assert await amove_count(game.pk) == 0


async def test_chat_bucket_and_repetition(settings):
    settings.RATE_LIMITS = {"chat": (4, SLOW)}
    game, tokens = await anew_game()
    player = await connect(game.pk, tokens[0])
    other = await connect(game.pk, tokens[1])
    await player.send({"type": "chat", "text": "good luck"})
    assert (await player.expect("chat"))["text"] == "good luck"
    await player.send({"type": "chat", "text": "Good   LUCK "})
    assert (await player.expect("chat"))["text"] == "Good   LUCK"
    await player.send({"type": "chat", "text": "good luck"})  # the third time in 30 s
    reject = await player.expect("reject", skip=("chat",))
    assert reject["code"] == "repeated_chat"
    await player.send({"type": "chat", "text": "have fun"})  # another text is fine
    assert (await player.expect("chat"))["text"] == "have fun"
    await player.send({"type": "chat", "text": "one more"})  # the bucket (4) is empty
    error = await player.expect("error")
    assert error["code"] == "rate_limited" and "chat" in error["message"]
    texts = [m["text"] for m in other.seen if m["type"] == "chat"]
    await other.quiet(0.1)
    texts = [m["text"] for m in other.seen if m["type"] == "chat"]
    assert texts == ["good luck", "Good   LUCK", "have fun"]
    # Moves have their own bucket: chatting did not use it up.
    await player.send({"type": "move", "move": 4, "version": 0, "request_id": "m"})
    assert (await player.expect("ack", skip=("update",)))["version"] == 1


async def test_chat_repetition_window_forgets(settings):
    settings.CHAT_REPEAT_WINDOW = 0.2
    settings.CHAT_REPEAT_MAX = 1
    game, tokens = await anew_game()
    player = await connect(game.pk, tokens[0])
    await player.send({"type": "chat", "text": "gg"})
    await player.expect("chat")
    await player.send({"type": "chat", "text": "gg"})
    assert (await player.expect("reject"))["code"] == "repeated_chat"
    await player.quiet(0.3)
    await player.send({"type": "chat", "text": "gg"})
    await player.expect("chat")


async def test_lobby_bucket(settings):
    settings.RATE_LIMITS = {"lobby": (2, SLOW)}
    client = await lobby()
    await client.send({"type": "tables"})
    await client.expect("tables", skip=("online",))
    await client.send({"type": "leave_queue"})
    await client.expect("left_queue", skip=("online",))
    await client.send({"type": "queue", "kind": "tictactoe"})
    error = await client.expect("error", skip=("online",))
    assert error["code"] == "rate_limited" and error["for"] == "queue"
    await client.send({"type": "ping"})  # ping costs no lobby token
    await client.expect("pong", skip=("online",))
    for _ in range(60):
        await client.send({"type": "directory"})
    assert await closed_with(client) == 4008


@pytest.mark.parametrize("frame", ["text", "big"])
async def test_lobby_frame_limits(frame):
    client = await lobby()
    if frame == "text":
        await client.send_raw(text="{}")
        assert await closed_with(client) == 4003
    else:
        await client.send_raw(b"\x80" + b"x" * 16384)
        assert await closed_with(client) == 4009


async def test_sockets_per_seat_are_capped(settings):
    settings.MAX_SOCKETS_PER_SEAT = 2
    game, tokens = await anew_game()
    first = await connect(game.pk, tokens[0])
    second = await connect(game.pk, tokens[0])
    third = await connect(game.pk, tokens[0], first=None)
    assert await closed_with(third) == 4429
    # Without an Origin (a token client) and with the token in a header: the same seat.
    header = (b"authorization", f"Bearer {tokens[0]}".encode())
    fourth = await connect(game.pk, origin=False, headers=[header], first=None)
    assert await closed_with(fourth) == 4429
    rows = await database_sync_to_async(Connection.objects.filter(game=game, seat=0).count)()
    assert rows == 2  # refused sockets leave no presence row
    # Other seats and spectators are not affected; a place frees when a socket closes.
    await connect(game.pk, tokens[1])
    await connect(game.pk)
    # Becoming seat 0 with `auth` counts too.
    spectator = await connect(game.pk)
    await spectator.send({"type": "auth", "token": tokens[0]})
    assert await closed_with(spectator) == 4429
    await first.close()
    again = await connect(game.pk, origin=False, headers=[header])
    assert again.first["seat"] == 0
    await second.close()


def _insert_remote_socket(user, game):
    """A socket of ``user`` held by another server process (its row only)."""
    Connection.objects.create(
        channel_name="remote!1", game=game, seat=None, user=user, server="other-host:8001"
    )


async def test_sockets_per_user_are_capped_across_processes(settings):
    settings.MAX_SOCKETS_PER_USER = 3
    user = await database_sync_to_async(make_user)()
    cookie = await database_sync_to_async(session_cookie)(user)
    game, _ = await anew_game()
    headers = [(b"cookie", cookie)]
    spectating = await connect(game.pk, headers=headers)  # 1: a game socket
    await database_sync_to_async(_insert_remote_socket)(user, game)  # 2: on another process

    async def lobby_socket():
        communicator = WebsocketCommunicator(application, "/ws/lobby/", headers=[ORIGIN, *headers])
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        return Client(communicator)

    in_lobby = await lobby_socket()  # 3
    assert (await in_lobby.expect("welcome", skip=("online",)))["user"]["id"] == user.pk
    refused = await lobby_socket()
    assert await closed_with(refused) == 4429
    refused_game = await connect(game.pk, headers=headers, first=None)
    assert await closed_with(refused_game) == 4429
    count = database_sync_to_async(presence.sockets_of_user)
    assert await count(user.pk) == 3
    # Another user, and anonymous spectators, are not affected.
    await connect(game.pk)
    await lobby()
    await spectating.close()
    await connect(game.pk, headers=headers)
    lobby_rows = Connection.objects.filter(user=user, game__isnull=True)
    rows = await database_sync_to_async(lobby_rows.count)()
    assert rows == 1
