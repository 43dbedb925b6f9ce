"""The service layer: the one move path, its guarantees and the per-process state cache."""

from __future__ import annotations

import pytest

import engine
from game_server import actions, frames, presence, protocol, seating, state
from game_server.models import Game, Move, Seat
from game_server.state import cache, load_state
from tests.server.helpers import new_game


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    state.live.clear()
    yield
    cache.clear()
    state.live.clear()


def submit(game, seat, data, version, request_id=None):
    return actions.submit_action(game.pk, seat, data, version, request_id, broadcast=False)


@pytest.mark.django_db
def test_create_and_take_seats():
    game = seating.create_game("connect4", 2)
    assert game.status == "waiting" and game.options == {} and isinstance(game.seed, int)
    seat, token = seating.take_seat(game, None, name="bot")
    assert seat.index == 0 and seat.token_hash != token and len(token) > 30
    assert seating.seat_for_token(game.pk, token) == 0
    assert seating.seat_for_token(game.pk, token + "x") is None
    with pytest.raises(protocol.Rejected) as taken:
        seating.take_seat(game, None, index=0)
    assert taken.value.code == "seat_taken"
    seating.take_seat(game, None, index=1)
    game.refresh_from_db()
    assert game.status == "active" and game.started_at is not None
    with pytest.raises(protocol.Rejected) as full:
        seating.take_seat(game, None)
    assert full.value.code == "game_full"
    for kind, players, options, code in [
        ("nope", 2, None, "unknown_game"),
        ("tictactoe", 3, None, "invalid_players"),
        ("tictactoe", 2, {"size": 4}, "invalid_options"),
    ]:
        with pytest.raises(protocol.Rejected) as bad:
            seating.create_game(kind, players, options)
        assert bad.value.code == code


@pytest.mark.django_db
def test_a_user_retaking_a_seat_gets_a_new_token():
    user = seating.create_guest()
    game = seating.create_game("tictactoe", 2)
    seat, old = seating.take_seat(game, user)
    again, new = seating.take_seat(game, user)
    assert seat.pk == again.pk and old != new
    assert seating.seat_for_token(game.pk, old) is None
    assert seating.seat_for_token(game.pk, new) == 0
    assert seating.seat_for_user(game.pk, user) == 0


@pytest.mark.django_db
def test_submit_action_stores_moves_and_finishes_the_game():
    game, _ = new_game()
    for version, square in enumerate([0, 3, 1, 4, 2]):
        result = submit(game, version % 2, square, version, f"r{version}")
        assert result.version == version + 1 and not result.duplicate
    game.refresh_from_db()
    assert game.status == "finished" and game.version == 5
    assert game.outcome == {
        "winners": [0],
        "draw": False,
        "reason": "three_in_a_row",
        "scores": None,
    }
    assert list(Move.objects.filter(game=game).values_list("ply", "description")) == [
        (1, "a3"), (2, "a2"), (3, "b3"), (4, "b2"), (5, "c3")
    ]  # fmt: skip
    duplicate = submit(game, 0, 0, 0, "r0")
    assert duplicate.duplicate and duplicate.version == 1
    with pytest.raises(protocol.Rejected) as over:
        submit(game, 1, 8, 5, "late")
    assert over.value.code == "game_over"


@pytest.mark.django_db
def test_rejections_store_nothing():
    game, _ = new_game()
    cases = [
        ((0, 0, 1, "a"), "stale_version"),
        ((1, 0, 0, "b"), "not_your_turn"),
        ((0, 9, 0, "c"), "illegal_move"),
        ((0, 1.5, 0, "d"), "malformed_move"),
        ((0, b"x", 0, "e"), "malformed_move"),
        ((2, 0, 0, "f"), "not_a_player"),
        ((0, 0, 0, "x" * 65), "malformed"),
        ((0, 0, "0", "g"), "malformed"),
        ((0, {"action": "accept_draw"}, 0, "h"), "no_draw_offer"),
    ]
    for (seat, data, version, request_id), code in cases:
        with pytest.raises(protocol.Rejected) as rejected:
            submit(game, seat, data, version, request_id)
        assert rejected.value.code == code, (data, rejected.value)
    with pytest.raises(protocol.Rejected) as missing:
        actions.submit_action("nosuchgame", 0, 0, 0, "z")
    assert missing.value.code == "not_found"
    assert Move.objects.count() == 0


def remember_version_zero(game):
    """Make this process's memory of ``game`` what it was before its first move, as in a
    process that did not store that move (another process did)."""
    stale = Game.objects.get(pk=game.pk)
    stale.version, stale.clock, stale.deadline = 0, None, None
    state.live.forget(game.pk)
    state.live.put(stale)
    cache.clear()


@pytest.mark.django_db
def test_a_writer_that_remembered_an_old_version_loses_on_the_ply_constraint():
    """Two writers that both believe the game is at version 0 (as two processes could):
    the unique (game, ply) constraint stores one move; the other, checked again on the
    database's row, is answered ``stale_version``."""
    game, _ = new_game()
    submit(game, 0, 4, 0, "first")
    remember_version_zero(game)
    with pytest.raises(protocol.Rejected) as rejected:
        submit(game, 0, 0, 0, "second")
    assert rejected.value.code == "stale_version"
    assert list(Move.objects.values_list("request_id", flat=True)) == ["first"]


@pytest.mark.django_db
def test_a_remembered_row_behind_the_database_never_refuses_a_right_move():
    """The client knows version 1 from another process's broadcast; this process still
    remembers version 0. The refusal it would decide is checked on the database's row
    first, and the move is stored at ply 2 (and a move with no version after ply 1)."""
    game, _ = new_game()
    submit(game, 0, 4, 0, "first")
    remember_version_zero(game)
    assert submit(game, 1, 0, 1, "second").version == 2
    remember_version_zero(game)
    assert submit(game, 0, 8, None, "third").version == 3
    assert list(Move.objects.order_by("ply").values_list("ply", "request_id")) == [
        (1, "first"),
        (2, "second"),
        (3, "third"),
    ]
    assert Game.objects.get(pk=game.pk).version == 3


@pytest.mark.django_db(transaction=True)
def test_cache_is_checked_against_the_database(monkeypatch):
    game, _ = new_game("connect4")
    submit(game, 0, 3, 0)
    submit(game, 1, 3, 1)
    assert cache.get(game.pk).ply == 2
    # Another process stores two moves: this process replays only those two.
    game_engine = engine.get("connect4")
    state = cache.get(game.pk)
    for seat, column in [(0, 4), (1, 4)]:
        state = game_engine.apply(state, column, seat)
        Move.objects.create(game=game, ply=state.ply, seat=seat, data=column)
    Game.objects.filter(pk=game.pk).update(version=4)
    applied = []
    original = engine.Game.apply
    monkeypatch.setattr(
        engine.Game, "apply", lambda self, *args: applied.append(args[1]) or original(self, *args)
    )
    game.refresh_from_db()
    assert load_state(game).position == state.position
    assert applied == [4, 4]
    # A cached state ahead of the database (a rolled-back write) is not trusted.
    cache.put(game.pk, game_engine.apply(state, 0, 0))
    assert load_state(game).ply == 4


@pytest.mark.django_db
def test_seat_of_a_token_client_and_players():
    game, _ = new_game()
    assert [p["name"] for p in presence.players(game.pk)] == ["p0", "p1"]
    assert Seat.objects.filter(game=game).count() == 2
    presence.admit_game_socket(game.pk, "chan-1", 0, None)
    presence.admit_game_socket(game.pk, "chan-2", None, None)
    assert presence.presence(game.pk)["spectators"] == 1
    assert [p["connected"] for p in presence.players(game.pk)] == [True, False]
    assert presence.clear_connections() == 2


@pytest.mark.django_db
def test_a_broadcast_from_another_process_advances_the_remembered_game():
    """A process that remembers the game at the version before another process's move
    applies that move from its broadcast; its next move then reads nothing: one INSERT
    of the move and one conditional UPDATE of the game row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    game, _ = new_game()
    submit(game, 0, 4, 0, "first")
    remembered = state.live.get(game.pk)
    # Another process stores seat 1's move: here only its broadcast arrives.
    state.live.forget(game.pk)
    state_before = cache.get(game.pk)
    cache.clear()
    result = submit(game, 1, 0, 1, "second")
    message = frames.update_message(Game.objects.get(pk=game.pk), result)
    state.live.put(remembered)
    cache.put(game.pk, state_before)
    state.advance(message)
    assert state.live.get(game.pk).version == 2 and cache.get(game.pk).ply == 2
    with CaptureQueriesContext(connection) as queries:
        assert submit(game, 0, 8, 2, "third").version == 3
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert [s for s in statements if s in ("SELECT", "INSERT", "UPDATE")] == ["INSERT", "UPDATE"]
    # A broadcast that does not follow what this process remembers changes nothing.
    state.advance({**message, "version": 7})
    assert state.live.get(game.pk).version == 3
