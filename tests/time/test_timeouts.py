"""Time controls, timeouts, abandonment, correspondence and spectator delay, through the
service layer and the live-game WebSocket (docs/protocol.md, "Time")."""

from __future__ import annotations

import asyncio
import datetime
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.utils import timezone

import engine
from game_server import actions, protocol, seating, timeouts
from game_server.models import Game, Move
from game_server.state import load_state
from lobby import directory, ratings
from tests.server.helpers import anew_game, connect, new_game
from tests.server.test_consumer import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

FISCHER = {"kind": "fischer", "initial": 30, "increment": 2}
MOVE_10 = {"kind": "move", "seconds": 10}


def later(seconds: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def move(square, version):
    return {"type": "move", "move": square, "version": version, "request_id": f"r{version}"}


async def test_fischer_clock_is_in_snapshots_and_updates(settings):
    settings.FIRST_MOVE_SECONDS = 0  # banks running from the start (first moves: below)
    game, tokens = await anew_game(time_control=FISCHER)
    players = [await connect(game.pk, token) for token in tokens]
    snapshot = players[0].first
    assert snapshot["game"]["time_control"] == FISCHER
    clock = snapshot["clock"]
    assert clock["running"] == [0] and clock["time_control"] == FISCHER
    assert 29 < clock["remaining"][0] <= 30 and clock["remaining"][1] == 30
    assert clock["deadline"] == pytest.approx(snapshot["server_time"] + clock["remaining"][0], 0.1)
    await players[0].send(move(4, 0))
    await players[0].expect("ack")
    for player in players:
        update = await player.expect("update")
        assert update["clock"]["running"] == [1]
        assert 31 < update["clock"]["remaining"][0] <= 32  # 30 - thinking + 2
        assert update["server_time"] > snapshot["server_time"]
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.clock["running"] == [1] and stored.deadline > timezone.now()
    for player in players:
        await player.close()


def test_each_time_control_kind_sets_a_deadline():
    for control, seconds in (
        (None, None),
        (MOVE_10, 10),
        (FISCHER, 30),
        ({"kind": "correspondence", "days": 3}, 3 * 86400),
    ):
        game, _ = new_game(time_control=control)
        if seconds is None:
            assert game.deadline is None and game.clock is None
        else:
            left = (game.deadline - timezone.now()).total_seconds()
            assert seconds - 2 < left <= seconds
    with pytest.raises(protocol.Rejected) as info:
        seating.create_game("tictactoe", 2, time_control={"kind": "hourglass"})
    assert info.value.code == "invalid_time_control"


def test_the_sweeper_times_out_a_game_nobody_is_connected_to():
    game, _ = new_game(time_control=MOVE_10)
    actions.submit_action(game.pk, 0, 4, 0, "a")
    assert timeouts.sweep(later(5)) == 0
    assert timeouts.sweep(later(11)) == 1
    game.refresh_from_db()
    assert game.status == "finished" and game.deadline is None
    assert game.outcome["reason"] == "timeout" and game.outcome["winners"] == [0]
    last = Move.objects.get(game=game, ply=2)
    assert last.seat == 1 and last.data == {"action": "timeout"}
    assert last.request_id == "timeout:1"
    assert timeouts.sweep(later(20)) == 0  # nothing left to do


def test_two_sweepers_at_once_store_the_timeout_exactly_once(monkeypatch):
    game, _ = new_game(time_control=MOVE_10)
    barrier = threading.Barrier(2)
    real_submit = actions.submit_action
    calls = []

    def submit_together(*args, **kwargs):
        calls.append(args)
        barrier.wait(10)  # both sweepers have read the game before either writes
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(actions, "submit_action", submit_together)
    errors = []

    def sweeper():
        try:
            timeouts.sweep(later(11))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and len(calls) == 2
    assert list(Move.objects.filter(game=game).values_list("ply", "data")) == [
        (1, {"action": "timeout"})
    ]
    game.refresh_from_db()
    assert game.version == 1 and game.outcome["reason"] == "timeout"


async def test_a_late_move_is_refused_after_the_timeout_is_stored():
    game, tokens = await anew_game(time_control={"kind": "move", "seconds": 0.3})
    players = [await connect(game.pk, token) for token in tokens]
    watcher = await connect(game.pk)
    await asyncio.sleep(0.4)
    await players[0].send(move(4, 0))
    reject = await players[0].expect("reject", skip=("update",))
    assert reject["code"] == "out_of_time" and reject["request_id"] == "r0"
    for client in (*players, watcher):
        update = await client.expect("update")
        assert update["action"] == "timeout" and update["seat"] == 0
        assert update["status"] == "finished" and update["outcome"]["winners"] == [1]
        assert update["clock"]["running"] == [] and update["clock"]["deadline"] is None
    assert await database_sync_to_async(Move.objects.filter(game=game).count)() == 1
    await players[1].send(move(0, 1))
    assert (await players[1].expect("reject"))["code"] == "game_over"
    for client in (*players, watcher):
        await client.close()


def test_many_player_timeout_removes_only_that_seat():
    game, _ = new_game("liars_dice", 3, time_control={"kind": "move", "seconds": 5})
    state = load_state(game)
    game_engine = engine.get("liars_dice")
    [late] = game_engine.to_move(state)
    timeouts.sweep(later(6))
    game.refresh_from_db()
    assert game.status == "active" and game.version == 1
    state = load_state(game)
    assert late not in game_engine.active_seats(state)
    assert len(game_engine.active_seats(state)) == 2
    assert game.deadline is not None and game.clock["running"] == list(game_engine.to_move(state))
    assert Move.objects.get(game=game).seat == late


async def test_abandonment_grace_then_claim_win(settings):
    # Long enough that the first claim lands inside the grace on a loaded machine.
    settings.ABANDON_GRACE = 2.0
    game, tokens = await anew_game()
    players = [await connect(game.pk, token) for token in tokens]
    for version, square in enumerate((4, 0)):
        await players[version % 2].send(move(square, version))
        await players[version % 2].expect("ack")
        for player in players:
            await player.expect("update")
    await players[1].close()
    presence = await players[0].expect("presence")
    away = presence["players"][1]
    assert not away["connected"] and away["grace_until"] - away["disconnected_since"] == 2.0
    assert presence["players"][0]["grace_until"] is None
    claim = {"type": "claim_win", "request_id": "c1"}
    await players[0].send(claim)
    reject = await players[0].expect("reject")
    assert reject["code"] == "grace_period" and reject["request_id"] == "c1"
    await asyncio.sleep(2.1)
    await players[0].send({**claim, "request_id": "c2"})
    ack = await players[0].expect("ack", skip=("update",))
    assert ack["request_id"] == "c2" and ack["version"] == 3
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.status == "finished"
    assert stored.outcome["reason"] == "abandonment" and stored.outcome["winners"] == [0]
    await players[0].close()


async def test_nobody_away_or_spectators_cannot_claim():
    game, tokens = await anew_game()
    players = [await connect(game.pk, token) for token in tokens]
    await players[0].send({"type": "claim_win", "request_id": "c"})
    assert (await players[0].expect("reject"))["code"] == "not_abandoned"
    watcher = await connect(game.pk)
    await watcher.send({"type": "claim_win", "request_id": "c"})
    assert (await watcher.expect("reject"))["code"] == "not_a_player"
    await players[0].send({"type": "abort", "request_id": "x"})
    assert (await players[0].expect("error"))["code"] == "unknown_type"
    for client in (*players, watcher):
        await client.close()


def test_a_game_with_fewer_than_two_moves_is_aborted_and_unrated(settings):
    settings.ABANDON_GRACE = 0
    users = [seating.create_guest() for _ in range(2)]
    game = seating.create_game("tictactoe", 2, rated=True)
    for user in users:
        seating.take_seat(game, user)
    actions.submit_action(game.pk, 0, 4, 0, "a")
    result = timeouts.claim_win(game.pk, 0, "claim")  # seat 1 never connected
    game.refresh_from_db()
    assert result.version == 2 and result.data == {"action": "abort"}
    assert result.seat == 1  # stored for the seat that left, not the claimant
    assert game.status == "aborted" and game.outcome["reason"] == "aborted"
    assert game.outcome["winners"] == [] and game.outcome["draw"] is False
    assert ratings.apply_game(game.pk) == []
    with pytest.raises(protocol.Rejected) as info:
        actions.submit_action(game.pk, 1, 0, 2, "late")
    assert info.value.code == "game_over"


def test_abandonment_wins_are_rated_like_any_other_win(settings):
    settings.ABANDON_GRACE = 0
    users = [seating.create_guest() for _ in range(2)]
    game = seating.create_game("tictactoe", 2, rated=True)
    for user in users:
        seating.take_seat(game, user)
    actions.submit_action(game.pk, 0, 4, 0, "a")
    actions.submit_action(game.pk, 1, 0, 1, "b")
    timeouts.claim_win(game.pk, 0)
    game.refresh_from_db()
    assert game.outcome["reason"] == "abandonment" and game.status == "finished"
    changes = ratings.apply_game(game.pk)
    assert len(changes) == 2  # walking out does not save the rating


async def test_correspondence_game_resumes_from_another_session_of_the_same_user(settings):
    settings.ABANDON_GRACE = 0

    def setup():
        user = seating.create_guest()
        game = seating.create_game(
            "tictactoe", 2, time_control={"kind": "correspondence", "days": 3}
        )
        seating.take_seat(game, user)
        _, token = seating.take_seat(game, name="friend")
        return game, token, session_cookie_for(user), session_cookie_for(user)

    game, friend_token, phone, laptop = await database_sync_to_async(setup)()
    first = await connect(game.pk, headers=[phone])
    assert first.first["seat"] == 0 and first.first["clock"]["running"] == [0]
    await first.send(move(4, 0))
    await first.expect("ack")
    await first.close()
    # Days later nobody is connected; the friend moves and cannot claim a win.
    friend = await connect(game.pk, friend_token)
    await friend.send({"type": "claim_win", "request_id": "c"})
    assert (await friend.expect("reject"))["code"] == "not_abandoned"
    await friend.send(move(0, 1))
    await friend.expect("ack")
    await friend.close()
    second = await connect(game.pk, headers=[laptop])  # another device, another session
    assert second.first["seat"] == 0 and second.first["version"] == 2
    assert second.first["clock"]["running"] == [0]
    assert all(p["grace_until"] is None for p in second.first["players"])
    await second.send(move(8, 2))
    assert (await second.expect("ack"))["version"] == 3
    await second.close()


async def test_spectator_delay_holds_back_spectators_but_not_players():
    # Long enough that the late watcher connects within it on a loaded machine.
    game, tokens = await anew_game(spectator_delay=2.0)
    players = [await connect(game.pk, token) for token in tokens]
    watcher = await connect(game.pk)
    await players[0].send(move(4, 0))
    await players[0].expect("ack")
    for player in players:
        assert (await player.expect("update"))["version"] == 1  # at once
    assert await watcher.quiet(0.3)  # held back
    late_watcher = await connect(game.pk)  # the state as of 2 s ago
    assert late_watcher.first["version"] == 0 and late_watcher.first["view"]["ply"] == 0
    for spectator in (watcher, late_watcher):
        update = await spectator.expect("update", wait=4)
        assert update["version"] == 1 and update["move"] == 4
    await players[1].send(move(0, 1))
    await players[1].expect("ack")
    assert (await players[0].expect("update"))["version"] == 2
    assert await watcher.quiet(0.3)
    assert (await watcher.expect("update", wait=4))["version"] == 2
    for client in (*players, watcher, late_watcher):
        await client.close()


def test_spectator_delay_also_holds_back_the_record_and_the_replay(client):
    game, _ = new_game(spectator_delay=600)
    actions.submit_action(game.pk, 0, 4, 0, "first")
    record = client.get(f"/api/games/{game.pk}/record").json()
    replay = client.get(f"/games/{game.pk}/replay.json").json()
    assert record["moves"] == [] and [ply["ply"] for ply in replay["plies"]] == [0]
    assert record["game"]["version"] == 0  # not even the move count shows early
    assert client.get(f"/api/games/{game.pk}").json()["version"] == 0
    assert directory.game_entry(game.pk)["version"] == 0
    Move.objects.filter(game=game).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    record = client.get(f"/api/games/{game.pk}/record").json()
    replay = client.get(f"/games/{game.pk}/replay.json").json()
    assert [move["ply"] for move in record["moves"]] == [1] and record["game"]["version"] == 1
    assert directory.game_entry(game.pk)["version"] == 1
    assert [ply["ply"] for ply in replay["plies"]] == [0, 1]


async def test_the_process_sweeper_task_applies_timeouts_on_its_own():
    game, _ = await anew_game(time_control={"kind": "move", "seconds": 0.2})
    task = timeouts.start_sweeper(0.05)
    try:
        for _ in range(60):
            stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
            if stored.over:
                break
            await asyncio.sleep(0.05)
        assert stored.status == "finished" and stored.outcome["reason"] == "timeout"
    finally:
        task.cancel()


def test_lobby_requests_carry_the_time_control_into_the_game():
    from lobby import matchmaking
    from lobby.seating import Player, start_game

    request = matchmaking.parse_request(
        "tictactoe", options={"time_control": FISCHER, "spectator_delay": 5}
    )
    casual = matchmaking.parse_request("tictactoe")
    assert request.bucket != casual.bucket  # only the same clock is matched together
    users = [seating.create_guest() for _ in range(2)]
    game, _ = start_game(request.kind, request.options, [Player(user=u) for u in users])
    assert game.time_control == FISCHER and game.spectator_delay == 5
    assert game.options == {} and game.deadline is not None
    with pytest.raises(protocol.Rejected) as info:
        matchmaking.parse_request("tictactoe", options={"time_control": {"kind": "x"}})
    assert info.value.code == "invalid_time_control"


# -- first moves (Fischer clocks start after each side's first move) --------------------------
def test_fischer_banks_wait_for_the_first_moves_and_a_missed_one_aborts():
    users = [seating.create_guest() for _ in range(2)]
    game = seating.create_game("tictactoe", 2, rated=True, time_control=FISCHER)
    for user in users:
        seating.take_seat(game, user)
    game.refresh_from_db()
    assert game.clock["running"] == [] and game.clock["first_move"]["waiting"] == [0]
    left = (game.deadline - timezone.now()).total_seconds()
    assert 28 < left <= 30  # FIRST_MOVE_SECONDS, not the 30 s bank
    actions.submit_action(game.pk, 0, 4, 0, "a")
    game.refresh_from_db()
    assert game.clock["running"] == [] and game.clock["remaining"] == [30.0, 30.0]
    assert timeouts.sweep(later(20)) == 0
    assert timeouts.sweep(later(31)) == 1  # seat 1 never made its first move
    game.refresh_from_db()
    assert game.status == "aborted" and game.outcome["reason"] == "aborted"
    last = Move.objects.get(game=game, ply=2)
    assert last.seat == 1 and last.data == {"action": "abort"} and last.request_id == "abort:1"
    assert ratings.apply_game(game.pk) == []  # never rated
    assert timeouts.sweep(later(60)) == 0


def test_after_both_first_moves_the_banks_run_and_time_out_as_before():
    game, _ = new_game(time_control=FISCHER)
    actions.submit_action(game.pk, 0, 4, 0, "a")
    actions.submit_action(game.pk, 1, 0, 1, "b")
    game.refresh_from_db()
    assert game.clock["running"] == [0] and "first_move" not in game.clock
    assert timeouts.sweep(later(29)) == 0
    assert timeouts.sweep(later(31)) == 1
    game.refresh_from_db()
    assert game.status == "finished" and game.outcome["reason"] == "timeout"
    assert game.outcome["winners"] == [1]


async def test_a_first_move_after_its_deadline_is_refused_and_the_game_aborted(settings):
    settings.FIRST_MOVE_SECONDS = 0.3
    game, tokens = await anew_game(time_control=FISCHER)
    players = [await connect(game.pk, token) for token in tokens]
    clock = players[0].first["clock"]
    assert clock["running"] == [] and clock["first_move"]["seats"] == [0, 1]
    assert clock["first_move"]["deadline"] == pytest.approx(clock["deadline"])
    await asyncio.sleep(0.4)
    await players[0].send(move(4, 0))
    reject = await players[0].expect("reject", skip=("update",))
    assert reject["code"] == "out_of_time"
    for player in players:
        update = await player.expect("update")
        assert update["action"] == "abort" and update["status"] == "aborted"
        assert update["clock"]["first_move"] is None and update["clock"]["deadline"] is None
    for player in players:
        await player.close()


def test_two_sweepers_store_a_first_move_abort_exactly_once(monkeypatch):
    game, _ = new_game(time_control=FISCHER)
    barrier = threading.Barrier(2)
    real_submit = actions.submit_action

    def submit_together(*args, **kwargs):
        barrier.wait(10)
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(actions, "submit_action", submit_together)

    def sweeper():
        try:
            timeouts.sweep(later(31))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert list(Move.objects.filter(game=game).values_list("ply", "data")) == [
        (1, {"action": "abort"})
    ]
