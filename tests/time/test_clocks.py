"""Clock arithmetic (game_server.clocks): pure functions, an explicit ``now``."""

from __future__ import annotations

import pytest

from game_server import clocks


def test_parse_each_kind_and_reject_bad_ones():
    assert clocks.parse(None) is None
    assert clocks.parse({"kind": "none"}) is None
    assert clocks.parse({"kind": "move", "seconds": 30}) == {"kind": "move", "seconds": 30}
    assert clocks.parse({"kind": "fischer", "initial": 300, "increment": 2}) == {
        "kind": "fischer",
        "initial": 300,
        "increment": 2,
    }
    assert clocks.parse({"kind": "correspondence", "days": 3})["days"] == 3
    for bad in (
        {"kind": "blitz"},
        {"kind": "move"},
        {"kind": "move", "seconds": 0},
        {"kind": "move", "seconds": True},
        {"kind": "move", "seconds": 10, "extra": 1},
        {"kind": "fischer", "initial": -1, "increment": 0},
        {"kind": "correspondence", "days": 1000},
        "fast",
    ):
        with pytest.raises(clocks.InvalidTimeControl):
            clocks.parse(bad)
    assert clocks.parse_delay(None) == 0 and clocks.parse_delay(2.5) == 2.5
    with pytest.raises(clocks.InvalidTimeControl):
        clocks.parse_delay(-1)


def test_fischer_increment_arithmetic():
    tc = clocks.parse({"kind": "fischer", "initial": 60, "increment": 5})
    clock, deadline = clocks.start(tc, 2, [0], now=1000.0)
    assert clock == {"remaining": [60.0, 60.0], "running": [0], "since": 1000.0}
    assert deadline.timestamp() == pytest.approx(1060.0)
    # Seat 0 thinks 10 s and moves: 60 - 10 + 5 = 55; seat 1's clock starts.
    clock, deadline = clocks.advance(tc, clock, 0, True, [1], now=1010.0)
    assert clock["remaining"] == [55.0, 60.0] and clock["running"] == [1]
    assert deadline.timestamp() == pytest.approx(1070.0)
    # Seat 0 offers a draw while seat 1 thinks: no increment, seat 1's clock keeps running.
    clock, deadline = clocks.advance(tc, clock, 0, False, [1], now=1015.0)
    assert clock["remaining"] == [55.0, 55.0] and deadline.timestamp() == pytest.approx(1070.0)
    # Seat 1 moves after 20 s in all: 60 - 20 + 5 = 45.
    clock, deadline = clocks.advance(tc, clock, 1, True, [0], now=1030.0)
    assert clock["remaining"] == [55.0, 45.0]
    assert clocks.remaining_at(clock, 1040.0) == [45.0, 45.0]
    assert clocks.expired_seats(clock, 1084.9) == [] and clocks.expired_seats(clock, 1085) == [0]
    # The game ends: no clock runs, no deadline.
    clock, deadline = clocks.advance(tc, clock, 0, True, [], now=1031.0)
    assert deadline is None and clock["running"] == [] and clock["remaining"][0] == 59.0


def test_move_limit_restarts_each_turn_but_not_for_engine_actions():
    tc = clocks.parse({"kind": "move", "seconds": 30})
    clock, deadline = clocks.start(tc, 2, [0], now=0.0)
    clock, deadline = clocks.advance(tc, clock, 0, True, [1], now=29.0)
    assert deadline.timestamp() == pytest.approx(59.0) and clock["remaining"] == [30.0, 30.0]
    clock, deadline = clocks.advance(tc, clock, 0, False, [1], now=40.0)  # a draw offer
    assert deadline.timestamp() == pytest.approx(59.0)
    assert clocks.data(tc, clock, deadline, 50.0)["remaining"] == [30.0, 9.0]


def test_correspondence_counts_days_per_move():
    tc = clocks.parse({"kind": "correspondence", "days": 2})
    clock, deadline = clocks.start(tc, 2, [1], now=0.0)
    assert deadline.timestamp() == pytest.approx(2 * 86400)
    clock, deadline = clocks.advance(tc, clock, 1, True, [0], now=86400.0)
    assert deadline.timestamp() == pytest.approx(3 * 86400)
    assert clocks.is_correspondence(tc) and not clocks.is_correspondence(None)


def test_fischer_banks_start_after_each_sides_first_move():
    tc = clocks.parse({"kind": "fischer", "initial": 60, "increment": 5})
    clock, deadline = clocks.start(tc, 2, [0], now=1000.0, first_move=30)
    # No bank runs: seat 0 has 30 s for its first move, else the game is aborted.
    assert clock["running"] == [] and deadline.timestamp() == pytest.approx(1030.0)
    assert clock["first_move"]["seats"] == [0, 1] and clock["first_move"]["waiting"] == [0]
    assert clocks.expired_seats(clock, 1029.9) == [] and clocks.expired_seats(clock, 1030) == [0]
    assert clocks.aborts_on_expiry(clock, 0, 2)
    # A draw offer does not restart the first-move deadline.
    clock, deadline = clocks.advance(tc, clock, 0, False, [0], now=1010.0)
    assert deadline.timestamp() == pytest.approx(1030.0) and clock["remaining"] == [60.0, 60.0]
    # Seat 0 moves: its bank is intact, seat 1 gets its own 30 s, still no bank runs.
    clock, deadline = clocks.advance(tc, clock, 0, True, [1], now=1020.0)
    assert clock["running"] == [] and clock["remaining"] == [60.0, 60.0]
    assert deadline.timestamp() == pytest.approx(1050.0)
    assert clocks.expired_seats(clock, 1050) == [1] and clocks.aborts_on_expiry(clock, 1, 2)
    data = clocks.data(tc, clock, deadline, 1025.0)
    assert data["first_move"] == {"seats": [1], "deadline": 1050.0}
    assert data["remaining"] == [60.0, 60.0] and data["running"] == []
    # Seat 1 moves: from now on the banks run as usual (the first move earns no increment).
    clock, deadline = clocks.advance(tc, clock, 1, True, [0], now=1040.0)
    assert "first_move" not in clock and clock["running"] == [0]
    assert deadline.timestamp() == pytest.approx(1100.0)
    assert clocks.data(tc, clock, deadline, 1041.0)["first_move"] is None
    clock, deadline = clocks.advance(tc, clock, 0, True, [1], now=1050.0)
    assert clock["remaining"] == [55.0, 60.0] and clock["running"] == [1]


def test_first_moves_apply_to_fischer_clocks_only():
    for tc in ({"kind": "move", "seconds": 10}, {"kind": "correspondence", "days": 1}):
        clock, _ = clocks.start(clocks.parse(tc), 2, [0], now=0.0, first_move=30)
        assert clock["running"] == [0] and "first_move" not in clock
    fischer = clocks.parse({"kind": "fischer", "initial": 60, "increment": 0})
    clock, _ = clocks.start(fischer, 2, [0], now=0.0, first_move=0)  # turned off
    assert clock["running"] == [0] and "first_move" not in clock


def test_many_player_first_moves_abort_only_before_two_seats_moved():
    tc = clocks.parse({"kind": "fischer", "initial": 60, "increment": 0})
    clock, _ = clocks.start(tc, 3, [0], now=0.0, first_move=30)
    clock, _ = clocks.advance(tc, clock, 0, True, [1], now=1.0)
    assert clocks.aborts_on_expiry(clock, 1, 3)
    clock, _ = clocks.advance(tc, clock, 1, True, [2], now=2.0)
    assert clock["running"] == [] and clocks.expired_seats(clock, 32.0) == [2]
    assert not clocks.aborts_on_expiry(clock, 2, 3)  # two seats moved: a timeout
