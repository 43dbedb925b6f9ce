"""The live-game WebSocket through the whole ASGI application (docs/protocol.md)."""

from __future__ import annotations

import asyncio

import msgpack
import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.backends.db import SessionStore

from game_server import actions, frames, protocol, seating
from game_server.models import Game
from tests.server.helpers import amove_count, anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)

# x wins on the top row: x0 o3 x1 o4 x2
TICTACTOE_WIN = [0, 3, 1, 4, 2]
# seat 0 fills column 0 while seat 1 plays column 1: four in a row on ply 7
CONNECT4_WIN = [0, 1, 0, 1, 0, 1, 0]


def move(square, version, request_id=None):
    return {
        "type": "move",
        "move": square,
        "version": version,
        "request_id": request_id or f"r{version}",
    }


async def play_game(kind, moves, spectators=2):
    game, tokens = await anew_game(kind)
    players = [await connect(game.pk, token) for token in tokens]
    watchers = [await connect(game.pk) for _ in range(spectators)]
    everyone = players + watchers
    for version, square in enumerate(moves):
        seat = version % 2
        await players[seat].send(move(square, version))
        ack = await players[seat].expect("ack")
        assert ack == {
            "type": "ack",
            "request_id": f"r{version}",
            "version": version + 1,
            "duplicate": False,
        }
        for client in everyone:
            update = await client.expect("update")
            assert update["version"] == version + 1 and update["seat"] == seat
            assert update["move"] == square and update["action"] == "move"
            assert update["view"]["ply"] == version + 1
    return game, players, watchers, everyone


@pytest.mark.parametrize(
    ("kind", "moves"), [("tictactoe", TICTACTOE_WIN), ("connect4", CONNECT4_WIN)]
)
async def test_full_game_with_two_players_and_spectators(kind, moves):
    game, players, watchers, everyone = await play_game(kind, moves)
    assert players[0].first["seat"] == 0 and players[1].first["seat"] == 1
    assert watchers[0].first["seat"] is None and "legal_moves" not in watchers[0].first["view"]
    assert "legal_moves" in players[0].first["view"]
    last = [m for m in everyone[2].seen if m["type"] == "update"][-1]
    assert last["status"] == "finished"
    assert last["outcome"]["winners"] == [0]
    # Later actions: game_over, nothing stored.
    await players[1].send(move(8, len(moves)))
    reject = await players[1].expect("reject")
    assert reject["code"] == "game_over"
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.status == "finished" and stored.version == len(moves)
    assert stored.outcome["winners"] == [0]
    assert await amove_count(game.pk) == len(moves)
    for client in everyone:
        await client.close()


async def test_the_seat_to_move_gets_its_own_encoding_others_share_one():
    game, tokens = await anew_game()
    result = await database_sync_to_async(actions.submit_action)(game.pk, 0, 4, 0, "a", False)
    encoded = await database_sync_to_async(frames.update_frames)(game, result)
    assert encoded["seats"][0] is None  # seat 0 waits: it shares the spectator bytes
    assert "legal_moves" in msgpack.unpackb(encoded["seats"][1])["view"]
    assert "legal_moves" not in msgpack.unpackb(encoded["spectator"])["view"]


async def test_every_rejection_code():
    game, tokens = await anew_game()
    a = await connect(game.pk, tokens[0])
    b = await connect(game.pk, tokens[1])
    spectator = await connect(game.pk)

    async def rejected(client, message):
        await client.send(message)
        return (await client.expect("reject", skip=("update",)))["code"]

    assert await rejected(b, move(0, 0, "b1")) == "not_your_turn"
    assert await rejected(a, move(9, 0, "a1")) == "illegal_move"
    assert await rejected(a, move("x", 0, "a2")) == "malformed_move"
    assert await rejected(a, move(0, 5, "a3")) == "stale_version"
    assert await rejected(spectator, move(0, 0, "s1")) == "not_a_player"
    assert await rejected(a, {"type": "move", "move": 0, "version": 0}) == "malformed"
    assert await rejected(a, {"type": "move", "move": 0, "request_id": "a4"}) == "malformed"
    assert await rejected(a, {"type": "move", "version": 0, "request_id": "a5"}) == "malformed"
    assert await rejected(a, {"type": "accept_draw", "request_id": "a6"}) == "no_draw_offer"
    await a.send({"type": "offer_draw", "request_id": "a7", "version": 0})
    assert (await a.expect("ack"))["version"] == 1
    assert await rejected(a, {"type": "offer_draw", "request_id": "a8"}) == "draw_already_offered"
    await b.send({"type": "accept_draw", "request_id": "b2", "version": 1})
    await b.expect("ack", skip=("update",))
    update = await a.expect("update")
    while update["version"] < 2:
        update = await a.expect("update")
    assert update["outcome"]["reason"] == "draw_agreed" and update["status"] == "finished"
    assert await rejected(a, {"type": "resign", "request_id": "a9"}) == "game_over"
    assert await amove_count(game.pk) == 2

    waiting = await database_sync_to_async(seating.create_game)("tictactoe", 2)
    token = (await database_sync_to_async(seating.take_seat)(waiting, None))[1]
    early = await connect(waiting.pk, token)
    assert await rejected(early, move(0, 0)) == "not_started"
    for client in (a, b, spectator, early):
        await client.close()


async def test_rate_limited_then_closed_for_flooding():
    game, tokens = await anew_game()
    client = await connect(game.pk, tokens[0])
    codes = []
    for _ in range(protocol.BUCKET_SIZE + protocol.MAX_DROPPED + 5):
        await client.send({"type": "ping"})
    while True:
        message = await client.recv()
        codes.append(message.get("code"))
        if message["type"] == "closed":
            break
    assert "rate_limited" in codes
    assert codes[-1] == protocol.CloseCode.POLICY_VIOLATION == 4008


async def test_duplicate_request_id_is_acked_again_and_applied_once():
    game, tokens = await anew_game()
    a = await connect(game.pk, tokens[0])
    b = await connect(game.pk, tokens[1])
    await a.send(move(4, 0, "same"))
    first = await a.expect("ack")
    await a.expect("update")
    await a.send(move(0, 1, "same"))  # a retry; even other data is not applied
    again = await a.expect("ack")
    assert first["version"] == again["version"] == 1
    assert again["duplicate"] is True and first["duplicate"] is False
    assert await amove_count(game.pk) == 1
    assert (await b.expect("update"))["version"] == 1
    assert await b.quiet()
    await a.close()
    await b.close()


async def test_a_retry_of_a_stored_move_whose_broadcast_was_lost_broadcasts_it():
    # The move was stored but nobody heard of it: the database's reply to COMMIT was
    # lost (a connection cut: Django saw an error and ran no on_commit hook, so no
    # broadcast) or the process died between commit and broadcast. The mover's retry is
    # acknowledged as a duplicate; without a broadcast the opponent never learned that
    # it was its turn and the game stalled (found by bench/chaos.py, PostgreSQL cut).
    game, tokens = await anew_game()
    a = await connect(game.pk, tokens[0])
    b = await connect(game.pk, tokens[1])
    watcher = await connect(game.pk)
    submit = database_sync_to_async(actions.submit_action)
    await submit(game.pk, 0, 4, 0, "lost", broadcast=False)
    await a.send(move(4, 0, "lost"))
    ack = await a.expect("ack", skip=("update",))
    assert ack["version"] == 1 and ack["duplicate"] is True
    for client in (a, b, watcher):
        update = await client.expect("update")
        assert update["version"] == 1 and update["move"] == 4
    await b.send(move(0, 1))
    assert (await b.expect("ack", skip=("update",)))["version"] == 2
    for client in (a, b, watcher):
        await client.close()


async def test_concurrent_submissions_for_one_version_one_wins():
    game, tokens = await anew_game()
    # Two connections of seat 0 (two tabs) and seat 1 offering a draw, all at version 0.
    tabs = [await connect(game.pk, tokens[0]) for _ in range(2)]
    other = await connect(game.pk, tokens[1])
    await asyncio.gather(
        tabs[0].send(move(4, 0, "t1")),
        tabs[1].send(move(0, 0, "t2")),
        other.send({"type": "offer_draw", "version": 0, "request_id": "o1"}),
    )
    answers = [await client.expect("ack", "reject") for client in (*tabs, other)]
    acks = [answer for answer in answers if answer["type"] == "ack"]
    rejects = [answer for answer in answers if answer["type"] == "reject"]
    assert len(acks) == 1 and acks[0]["version"] == 1
    assert [r["code"] for r in rejects] == ["stale_version", "stale_version"]
    assert await amove_count(game.pk) == 1
    for client in (*tabs, other):
        await client.close()


async def test_reconnect_with_an_old_version_gets_the_missed_moves():
    game, tokens = await anew_game()
    a = await connect(game.pk, tokens[0])
    b = await connect(game.pk, tokens[1])
    await b.close()
    for version, square in enumerate([0, 3, 1]):
        client = a if version % 2 == 0 else None
        if client is None:  # seat 1 is away: play its move through the service
            await database_sync_to_async(actions.submit_action)(game.pk, 1, square, version, None)
        else:
            await a.send(move(square, version))
            await a.expect("ack", skip=("update",))
    b = await connect(game.pk, tokens[1], version=1, first="moves")
    moves = b.first
    assert moves["from_version"] == 1 and moves["version"] == 3 and moves["seat"] == 1
    assert [(m["version"], m["seat"], m["move"]) for m in moves["moves"]] == [(2, 1, 3), (3, 0, 1)]
    assert moves["view"]["position"] == "xx-o-----" and "legal_moves" in moves["view"]
    # resync on the open socket; from too far (or impossible) versions: a snapshot.
    await b.send({"type": "resync", "version": 2})
    assert [m["version"] for m in (await b.expect("moves"))["moves"]] == [3]
    await b.send({"type": "resync", "version": 7})
    assert (await b.expect("snapshot"))["version"] == 3
    await b.send({"type": "resync", "version": "x"})
    assert (await b.expect("error"))["code"] == "malformed"
    await a.close()
    await b.close()


async def test_bad_frames_get_errors_or_closes_and_change_nothing():
    game, tokens = await anew_game()
    a = await connect(game.pk, tokens[0])
    b = await connect(game.pk, tokens[1])
    for raw in (
        b"\xc1",
        b"\x92\x01",
        b"\x93\x01\x02",
        msgpack.packb({"no": "type"}),
        msgpack.packb({"type": 3}),
    ):
        await a.send_raw(raw)
        assert (await a.expect("error"))["code"] == "malformed"
    await a.send({"type": "teleport"})
    assert (await a.expect("error"))["code"] == "unknown_type"
    await a.send({"type": "move", "move": 4, "version": True, "request_id": "v"})
    assert (await a.expect("reject"))["code"] == "malformed"
    await a.send({"type": "move", "move": 4.5, "version": 0, "request_id": "f"})
    assert (await a.expect("reject"))["code"] == "malformed_move"
    await a.send(
        {"type": "move", "move": {"action": "resign", "x": 1}, "version": 0, "request_id": "d"}
    )
    assert (await a.expect("reject"))["code"] == "malformed_move"
    await a.send({"type": "chat", "text": "x" * 501})
    assert (await a.expect("error"))["code"] == "malformed"
    await a.send_raw(text="{}")
    assert (await a.expect("closed"))["code"] == 4003
    c = await connect(game.pk, tokens[0])
    await c.send_raw(b"\x80" * (protocol.MAX_FRAME_BYTES + 1))
    assert (await c.expect("closed"))["code"] == 4009
    assert await amove_count(game.pk) == 0
    # The other player is unaffected and the game goes on.
    d = await connect(game.pk, tokens[0])
    await d.send(move(4, 0))
    assert (await d.expect("ack"))["version"] == 1
    assert (await b.expect("update"))["version"] == 1
    await b.close()
    await d.close()


async def test_connection_checks_and_close_codes():
    game, tokens = await anew_game()
    client = await connect("nosuchgame", first=None)
    assert await client.recv() == {"type": "closed", "code": 4404}
    client = await connect(game.pk, "not-a-token", first=None)
    assert await client.recv() == {"type": "closed", "code": 4403}
    # No Origin: only with a valid seat token for this very game.
    player = await connect(game.pk, tokens[1], origin=False)
    assert player.first["seat"] == 1
    await player.close()
    from channels.testing import WebsocketCommunicator

    from boardroom.asgi import application

    for path, headers in [
        (f"/ws/games/{game.pk}/", []),
        (f"/ws/games/{game.pk}/?token=wrong", []),
        (f"/ws/games/{game.pk}/", [(b"origin", b"http://evil.example")]),
    ]:
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await communicator.connect()
        assert not connected, (path, headers)
    # A browser may authenticate with a token after connecting.
    spectator = await connect(game.pk)
    assert spectator.first["seat"] is None
    await spectator.send({"type": "auth", "token": tokens[0]})
    assert (await spectator.expect("snapshot"))["seat"] == 0
    await spectator.send({"type": "auth", "token": "nope"})
    assert (await spectator.expect("closed"))["code"] == 4403


def session_cookie_for(user) -> tuple:
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.save()
    return (b"cookie", f"sessionid={session.session_key}".encode())


async def test_session_user_gets_their_seat_and_can_chat():
    def setup():
        user = seating.create_guest()
        seating.set_display_name(user, "Ada")
        game = seating.create_game("tictactoe", 2)
        seating.take_seat(game, user)
        token = seating.take_seat(game, None, name="bot")[1]
        return game, token, session_cookie_for(user)

    game, token, cookie = await database_sync_to_async(setup)()
    ada = await connect(game.pk, headers=[cookie])
    assert ada.first["seat"] == 0
    assert [p["name"] for p in ada.first["players"]] == ["Ada", "bot"]
    bot = await connect(game.pk, token)
    presence = await ada.expect("presence")
    while not all(p["connected"] for p in presence["players"]):
        presence = await ada.expect("presence")
    watcher = await connect(game.pk)
    presence = await ada.expect("presence")
    while presence["spectators"] != 1:
        presence = await ada.expect("presence")
    await ada.send({"type": "chat", "text": " hello "})
    for client in (ada, bot, watcher):
        chat = await client.expect("chat")
        assert (chat["seat"], chat["name"], chat["text"]) == (0, "Ada", "hello")
    await watcher.send({"type": "chat", "text": "hi"})
    assert (await watcher.expect("reject"))["code"] == "not_a_player"
    await watcher.close()
    presence = await ada.expect("presence")
    while presence["spectators"] != 0:
        presence = await ada.expect("presence")
    await bot.close()
    presence = await ada.expect("presence")
    assert [p["connected"] for p in presence["players"]] == [True, False]
    await ada.send({"type": "ping"})
    assert (await ada.recv())["type"] in ("pong", "presence")
    await ada.close()


async def test_snapshot_fields():
    game, tokens = await anew_game()
    client = await connect(game.pk, tokens[0])
    snapshot = client.first
    assert set(snapshot) == {
        "type", "game", "version", "seat", "players", "spectators", "view", "status", "outcome",
        "clock", "server_time", "chat",
    }  # fmt: skip
    assert snapshot["clock"] is None  # no time control
    assert snapshot["game"]["id"] == game.pk and snapshot["game"]["kind"] == "tictactoe"
    assert snapshot["status"] == "active" and snapshot["version"] == 0
    assert snapshot["view"]["legal_moves"] == list(range(9))
    await client.close()


async def test_a_user_is_not_a_player_of_another_game():
    game, tokens = await anew_game()
    other, other_tokens = await anew_game()
    client = await connect(other.pk, tokens[0], first=None)
    assert await client.recv() == {"type": "closed", "code": 4403}


async def test_a_version_stored_but_never_broadcast_reaches_every_socket(monkeypatch):
    """The process that stored a move died between its commit and its broadcast (kill -9):
    here the broadcast is dropped. The mover was acknowledged; the others wait for an
    update that never comes, until a socket that reads the game from the database (the
    mover reconnecting, as a client of a dead process does) shows that this process is
    behind: every socket of the game then catches up, without reconnecting."""
    game, tokens = await anew_game("connect4")
    players = [await connect(game.pk, token) for token in tokens]
    watcher = await connect(game.pk)
    await players[0].send(move(3, 0))
    await players[0].expect("ack")
    for client in (*players, watcher):
        assert (await client.expect("update"))["version"] == 1
    dropped = []
    monkeypatch.setattr(frames.fanout, "publish", dropped.extend)
    await players[1].send(move(3, 1))
    assert (await players[1].expect("ack"))["version"] == 2
    assert len(dropped) == 1  # stored, acknowledged, never broadcast
    assert await watcher.quiet(0.3)
    monkeypatch.undo()
    again = await connect(game.pk, tokens[1], version=2, first="moves")
    for client in (players[0], watcher):
        caught_up = await client.expect("moves", wait=5)
        assert caught_up["version"] == 2 and caught_up["moves"][-1]["move"] == 3
    # Play goes on, broadcast as usual.
    await players[0].send(move(4, 2))
    await players[0].expect("ack")
    for client in (players[0], watcher, again):
        assert (await client.expect("update"))["version"] == 3
    for client in (*players, watcher, again):
        await client.close()


async def test_a_spectator_of_a_game_this_process_holds_connects_without_the_database(
    monkeypatch,
):
    """Once this process has a game's spectators' snapshot at the version its fan-out last
    delivered, more anonymous spectators get it without a database round trip; after a
    move (a version the snapshot does not have) the next one reads the database again,
    and nobody misses an update either way."""
    from game_server import spectators

    game, tokens = await anew_game("connect4")
    player = await connect(game.pk, tokens[0])
    first = await connect(game.pk)  # reads the database, and leaves the shared snapshot
    reads = []
    for module, name in ((spectators, "game_for_connect"), (frames, "snapshot")):
        original = getattr(module, name)
        monkeypatch.setattr(
            module, name, lambda *args, _o=original, _n=name: reads.append(_n) or _o(*args)
        )
    held = [await connect(game.pk) for _ in range(3)]
    assert reads == []
    assert all(client.first["version"] == 0 for client in held)
    assert held[0].first["view"] == first.first["view"]
    await player.send(move(3, 0))
    await player.expect("ack")
    for client in (first, *held):
        assert (await client.expect("update"))["version"] == 1
    after = await connect(game.pk)
    assert after.first["version"] == 1 and reads == ["game_for_connect", "snapshot"]
    for client in (player, first, *held, after):
        await client.close()
