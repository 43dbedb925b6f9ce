"""Connect Four: move counts, the text format, every kind of win, the full-board draw."""

import pytest

import engine
from engine import EngineError

C4 = engine.get("connect4")

# Sources for the perft numbers: arithmetic, checked against an independent grid-based
# counter while writing this module. Every column holds 6 discs and the first player's
# fourth disc (ply 7) is the earliest possible win, so each of the first 6 plies offers
# all 7 columns: perft(n) = 7**n. At ply 7 the only missing moves are the 7 lines where
# one column was filled by all six earlier plies: perft(7) = 7**7 - 7 = 823536.
# (OEIS A212693 counts distinct *positions* per ply, 1, 7, 49, 238, ..., not paths.)
START_PERFT = [(depth, 7**depth) for depth in range(1, 7)]


def codes(fn):
    with pytest.raises(EngineError) as info:
        fn()
    return info.value.code


def grid_of(history: str) -> list[list[int | None]]:
    """An independent column-major grid built from the move digits, for cross-checks."""
    grid = [[] for _ in range(7)]
    for ply, digit in enumerate(history):
        grid[int(digit) - 1].append(ply % 2)
    return [column + [None] * (6 - len(column)) for column in grid]


def grid_has_four(grid) -> bool:
    for col in range(7):
        for row in range(6):
            seat = grid[col][row]
            if seat is None:
                continue
            for dc, dr in ((1, 0), (0, 1), (1, 1), (1, -1)):
                cells = [(col + k * dc, row + k * dr) for k in range(4)]
                if all(0 <= c < 7 and 0 <= r < 6 and grid[c][r] == seat for c, r in cells):
                    return True
    return False


@pytest.mark.parametrize("depth, leaves", START_PERFT)
def test_perft_from_the_start(depth, leaves):
    assert engine.perft(C4, C4.initial_state(2), depth) == leaves


def test_perft_7_misses_only_the_seven_single_column_fills():
    assert engine.perft(C4, C4.initial_state(2), 7) == 7**7 - 7


def test_moves_are_column_indexes_and_seat_zero_starts():
    state = C4.initial_state(2)
    assert C4.legal_moves(state) == list(range(7))
    assert C4.to_move(state) == (0,)
    state = C4.apply(state, 3)
    assert C4.to_move(state) == (1,)
    assert C4.to_text(state) == "4"
    assert C4.describe_move(state, 0) == "a"


@pytest.mark.parametrize("text", ["", "4", "4453", "444444", "1234567123"])
def test_text_round_trips(text):
    state = C4.state_from_text(text)
    assert C4.to_text(state) == text
    assert C4.state_from_data(C4.state_to_data(state)) == state


def test_text_equals_the_applied_moves():
    state = C4.replay(C4.initial_state(2), [(None, 3), (None, 3), (None, 4), (None, 2)])
    assert state.position == C4.state_from_text("4453").position


@pytest.mark.parametrize(
    "text, winner",
    [
        ("1122334", 0),  # horizontal along the bottom row
        ("1212121", 0),  # vertical in column 1
        ("12233434474", 0),  # rising diagonal a1-b2-c3-d4
        ("76655454414", 0),  # falling diagonal g1-f2-e3-d4
        ("71122334", 1),  # the second player can win too
    ],
)
def test_four_in_a_row_wins(text, winner):
    state = C4.state_from_text(text)
    assert grid_has_four(grid_of(text))
    outcome = C4.outcome(state)
    assert outcome.winners == (winner,) and outcome.reason == "four_in_a_row"
    assert C4.legal_moves(state) == [] and C4.to_move(state) == ()
    assert engine.perft(C4, state, 1) == 0


def test_three_in_a_row_is_not_a_win():
    state = C4.state_from_text("112233")
    assert C4.outcome(state) is None
    assert C4.outcome(C4.apply(state, 3)).winners == (0,)


def test_full_board_without_four_is_a_draw():
    # Found by a depth-first search for a 42-ply game with no four in a row; re-checked here
    # by the independent grid test.
    text = "111111222222333333544444455555666666777777"
    assert not grid_has_four(grid_of(text))
    state = C4.state_from_text(text)
    outcome = C4.outcome(state)
    assert outcome.draw and outcome.reason == "board_full"
    assert C4.legal_moves(state) == []


def test_bad_moves():
    full_column = C4.state_from_text("444444")
    assert 3 not in C4.legal_moves(full_column)
    assert codes(lambda: C4.apply(full_column, 3)) == "illegal_move"
    assert codes(lambda: C4.apply(full_column, 7)) == "illegal_move"
    assert codes(lambda: C4.apply(full_column, -1)) == "illegal_move"
    assert codes(lambda: C4.apply(full_column, "3")) == "malformed_move"
    assert codes(lambda: C4.apply(full_column, True)) == "malformed_move"
    won = C4.state_from_text("1212121")
    assert codes(lambda: C4.apply(won, 2)) == "game_over"


@pytest.mark.parametrize("text", ["8", "40", "4444444", "12121212", "abc"])
def test_bad_position_text(text):
    assert codes(lambda: C4.state_from_text(text)) == "invalid_position"
