"""The lobby socket end to end (whole ASGI app, sessions, channel layer): quick match,
many players at once, tables, the directory, bots and rematches."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from game_server import actions
from game_server.models import Game, Seat
from lobby.models import Ticket
from tests.lobby.helpers import drain, expect, lobby, play_randomly
from tests.server.helpers import connect as game_socket

pytestmark = pytest.mark.django_db(transaction=True)
SKIP = ("online", "directory_update", "rematch")


@database_sync_to_async
def seat_user(game_id, index):
    return Seat.objects.get(game_id=game_id, index=index).user_id


@database_sync_to_async
def waiting_tickets():
    return Ticket.objects.filter(status=Ticket.Status.WAITING).count()


async def test_two_players_get_one_game_with_their_seats_and_tokens():
    a, b = await lobby(), await lobby()
    await a.send({"type": "queue", "kind": "tictactoe"})
    assert (await expect(a, "queued"))["kind"] == "tictactoe"
    await b.send({"type": "queue", "kind": "tictactoe"})
    await expect(b, "queued")
    match_a, match_b = await expect(a, "match"), await expect(b, "match")
    assert match_a["game"] == match_b["game"] and match_a["source"] == "queue"
    assert {match_a["seat"], match_b["seat"]} == {0, 1}
    assert await seat_user(match_a["game"], match_a["seat"]) == a.user.pk
    # the token opens the game socket as that seat
    game = await game_socket(match_a["game"], token=match_a["token"])
    assert game.first["seat"] == match_a["seat"]
    for client in (a, b, game):
        await client.close()


async def test_leaving_and_disconnecting_remove_the_ticket():
    a, b = await lobby(), await lobby()
    await a.send({"type": "queue", "kind": "connect4"})
    await expect(a, "queued")
    await a.send({"type": "leave_queue"})
    assert (await expect(a, "left_queue"))["cancelled"] == 1
    await b.send({"type": "queue", "kind": "connect4"})
    await expect(b, "queued")
    await b.close()
    assert await waiting_tickets() == 0
    await a.close()


async def test_errors_are_answered():
    a = await lobby()
    await a.send({"type": "queue", "kind": "nosuch"})
    error = await expect(a, "error")
    assert error["code"] == "unknown_game" and error["for"] == "queue"
    await a.send({"type": "queue", "kind": 3})
    assert (await expect(a, "error"))["code"] == "malformed"
    await a.send({"type": "dance"})
    assert (await expect(a, "error"))["code"] == "unknown_type"
    anonymous = await lobby(anonymous=True)
    await anonymous.send({"type": "queue", "kind": "tictactoe"})
    assert (await expect(anonymous, "error"))["code"] == "login_required"
    await anonymous.send({"type": "directory"})
    await expect(anonymous, "directory")
    await a.close()
    await anonymous.close()


async def test_many_players_queueing_at_once_are_each_matched_once():
    clients = await asyncio.gather(*(lobby() for _ in range(10)))
    await asyncio.gather(*(c.send({"type": "queue", "kind": "tictactoe"}) for c in clients))
    matches = await asyncio.gather(*(expect(c, "match", wait=10) for c in clients))
    games = {}
    for client, match in zip(clients, matches, strict=True):
        games.setdefault(match["game"], []).append((client.user.pk, match["seat"]))
    assert len(games) == 5
    for game_id, seated in games.items():
        assert sorted(seat for _, seat in seated) == [0, 1]
        for user_id, seat in seated:
            assert await seat_user(game_id, seat) == user_id
    for client in clients:
        assert "match" not in [m["type"] for m in await drain(client, 0.1)]  # no second one
        await client.close()


async def test_n_player_quick_match():
    clients = [await lobby() for _ in range(3)]
    for client in clients:
        await client.send({"type": "queue", "kind": "liars_dice", "players": 3})
    matches = [await expect(c, "match") for c in clients]
    assert len({m["game"] for m in matches}) == 1 and matches[0]["players"] == 3
    assert sorted(m["seat"] for m in matches) == [0, 1, 2]
    for client in clients:
        await client.close()


async def test_private_table_by_code_and_cancel():
    host, guest, late = await lobby(), await lobby(), await lobby()
    await host.send({"type": "create_table", "kind": "tictactoe"})
    table = (await host.expect("table", skip=("online", "directory_update")))["table"]
    assert table["status"] == "open" and not table["public"] and table["code"] in table["link"]
    await guest.send({"type": "join_table", "code": table["code"].lower()})
    match_host, match_guest = await expect(host, "match"), await expect(guest, "match")
    assert match_host["game"] == match_guest["game"] and match_host["source"] == "table"
    assert (match_host["seat"], match_guest["seat"]) == (0, 1)
    await late.send({"type": "join_table", "code": table["code"]})
    assert (await expect(late, "error"))["code"] == "table_not_open"
    # a second table, cancelled by its creator
    await host.send({"type": "create_table", "kind": "connect4"})
    code = (await host.expect("table", skip=("online", "directory_update")))["table"]
    while code["kind"] != "connect4":
        code = (await host.expect("table", skip=("online", "directory_update")))["table"]
    await host.send({"type": "cancel_table", "code": code["code"]})
    cancelled = await host.expect("table", skip=("online", "directory_update"))
    while cancelled["table"]["code"] != code["code"] or cancelled["table"]["status"] == "open":
        cancelled = await host.expect("table", skip=("online", "directory_update"))
    assert cancelled["table"]["status"] == "cancelled"
    for client in (host, guest, late):
        await client.close()


async def test_open_tables_are_listed_live():
    host, watcher, joiner = await lobby(), await lobby(), await lobby()
    await host.send({"type": "create_table", "kind": "connect4", "public": True})
    listed = await watcher.expect("table", skip=("online", "directory_update"))
    assert listed["table"]["public"] and listed["table"]["status"] == "open"
    await watcher.send({"type": "tables"})
    tables = (await expect(watcher, "tables"))["tables"]
    assert [t["code"] for t in tables] == [listed["table"]["code"]]
    await joiner.send({"type": "join_table", "code": listed["table"]["code"]})
    started = await watcher.expect("table", skip=("online", "directory_update"))
    assert started["table"]["status"] == "started" and started["table"]["game"]
    for client in (host, watcher, joiner):
        await client.close()


async def test_directory_follows_games_starting_and_ending():
    a, b, watcher = await lobby(), await lobby(), await lobby()
    for client in (a, b):
        await client.send({"type": "queue", "kind": "tictactoe"})
    match = await expect(a, "match")
    started = await watcher.expect("directory_update", skip=("online",))
    assert started["event"] == "started" and started["game"]["game"] == match["game"]
    assert {p["seat"] for p in started["game"]["players"]} == {0, 1}
    # a spectator arrives
    spectator = await game_socket(match["game"])
    update = await watcher.expect("directory_update", skip=("online",))
    assert update["event"] == "spectators" and update["game"]["spectators"] == 1
    await watcher.send({"type": "directory"})
    snapshot = await watcher.expect("directory", skip=("online", "directory_update"))
    assert [g["game"] for g in snapshot["live"]] == [match["game"]]
    assert snapshot["online"]["lobby"] == 3
    # the game ends
    await database_sync_to_async(actions.submit_action)(
        match["game"], 0, {"action": "resign"}, None, None
    )
    ended = await watcher.expect("directory_update", skip=("online",))
    while ended["event"] != "ended":
        ended = await watcher.expect("directory_update", skip=("online",))
    assert ended["game"]["status"] == "finished"
    await watcher.send({"type": "directory"})
    snapshot = await watcher.expect("directory", skip=("online", "directory_update"))
    assert snapshot["live"] == [] and snapshot["recent"][0]["game"] == match["game"]
    for client in (a, b, watcher, spectator):
        await client.close()


async def test_playing_the_computer_to_the_end(settings):
    settings.LOBBY_BOTS_AUTOPLAY = True
    human = await lobby()
    await human.send({"type": "play_bot", "kind": "tictactoe", "level": "mcts", "seat": 1})
    match = await expect(human, "match")
    assert match["source"] == "bot" and match["seat"] == 1
    game = await game_socket(match["game"], token=match["token"])
    view = game.first
    while True:  # the bot (seat 0) answers every move through the game socket
        if view.get("status") == "finished" or (view.get("view") or {}).get("outcome"):
            break
        if 1 in view["view"]["to_move"]:
            move = view["view"]["legal_moves"][0]
            await game.send(
                {
                    "type": "move",
                    "move": move,
                    "version": view["version"],
                    "request_id": "r" + str(view["version"]),
                }
            )
        view = await game.expect("update", skip=("ack",), wait=10)
    finished = await database_sync_to_async(Game.objects.get)(pk=match["game"])
    assert finished.status == Game.Status.FINISHED
    await game.close()
    await human.close()


async def test_quick_match_falls_back_to_a_bot():
    human = await lobby()
    await human.send({"type": "queue", "kind": "connect4", "bot_after": 0.1, "bot_level": "random"})
    await expect(human, "queued")
    match = await expect(human, "match")
    assert match["source"] == "bot"
    await human.close()


async def test_rematch_rotates_the_seats():
    a, b = await lobby(), await lobby()
    for client in (a, b):
        await client.send({"type": "queue", "kind": "tictactoe"})
    first = {c.user.pk: await expect(c, "match") for c in (a, b)}
    game_id = first[a.user.pk]["game"]
    await database_sync_to_async(play_randomly)(game_id)
    await a.send({"type": "rematch", "game": game_id})
    offered = await expect(b, "rematch")
    assert offered["offers"] == [a.user.pk] and offered["new_game"] is None
    await b.send({"type": "rematch", "game": game_id})
    second = {c.user.pk: await c.expect("match", skip=SKIP) for c in (a, b)}
    assert second[a.user.pk]["source"] == "rematch"
    assert second[a.user.pk]["game"] == second[b.user.pk]["game"] != game_id
    for user_id in first:
        assert second[user_id]["seat"] == (first[user_id]["seat"] + 1) % 2
    await a.send({"type": "rematch", "game": game_id})  # late: the same rematch
    assert (await expect(a, "rematch"))["new_game"] == second[a.user.pk]["game"]
    await a.close()
    await b.close()
