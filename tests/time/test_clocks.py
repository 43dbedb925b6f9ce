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
