"""Connect Four on the standard 7-column, 6-row board: drop discs, four in a row wins.

Seat 0 moves first. A move is a column index 0-6; the disc falls to the lowest empty
cell. The game ends with ``four_in_a_row`` (a win) or ``board_full`` (a draw).

Position: a :class:`Connect4` tuple of the columns played so far as 1-based digits
(``"4453"``; also the text and msgpack form) plus one bitboard per seat. Bitboard
layout (John Tromp's): bit ``column * 7 + row``, row 0 at the bottom; the seventh bit
of each column stays empty so that shifted lines never wrap into the next column.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from ..core import Outcome, Rules, draw, win
from ..errors import INVALID_POSITION, MALFORMED_MOVE, EngineError
from ..registry import register

COLUMNS = 7
ROWS = 6
COLUMN_BITS = ROWS + 1
COLUMN_LETTERS = "abcdefg"

BOTTOM = tuple(1 << (column * COLUMN_BITS) for column in range(COLUMNS))
TOP = tuple(1 << (column * COLUMN_BITS + ROWS - 1) for column in range(COLUMNS))
COLUMN_MASK = tuple(((1 << ROWS) - 1) << (column * COLUMN_BITS) for column in range(COLUMNS))
# Shifts between neighbouring cells: vertical, horizontal, and the two diagonals.
LINE_SHIFTS = (1, COLUMN_BITS, COLUMN_BITS + 1, COLUMN_BITS - 1)


class Connect4(NamedTuple):
    history: str  # the columns played, as 1-based digits
    discs: tuple[int, int]  # one bitboard per seat


START = Connect4("", (0, 0))


def has_four(bitboard: int) -> bool:
    for shift in LINE_SHIFTS:
        pairs = bitboard & (bitboard >> shift)
        if pairs & (pairs >> (2 * shift)):
            return True
    return False


def setup(num_players, options, rng) -> Connect4:
    return START


@functools.lru_cache(maxsize=4096)  # asked several times per move (seats to move, legal moves)
def outcome(position: Connect4) -> Outcome | None:
    plies = len(position.history)
    if plies < 7:  # the first player's fourth disc is the earliest possible win
        return None
    last_mover = (plies - 1) % 2
    if has_four(position.discs[last_mover]):
        return win(last_mover, "four_in_a_row")
    if plies == COLUMNS * ROWS:
        return draw("board_full")
    return None


def to_move(position: Connect4) -> tuple:
    return () if outcome(position) else (len(position.history) % 2,)


def _open_columns(position: Connect4) -> list[int]:
    occupied = position.discs[0] | position.discs[1]
    return [column for column in range(COLUMNS) if not occupied & TOP[column]]


def legal_moves(position: Connect4) -> list:
    if outcome(position):
        return []
    return _open_columns(position)


def play(position: Connect4, column: int, rng=None) -> Connect4:
    seat = len(position.history) % 2
    occupied = position.discs[0] | position.discs[1]
    # Adding the column's bottom bit carries up through its filled cells to the first empty one.
    disc = (occupied + BOTTOM[column]) & COLUMN_MASK[column]
    if seat == 0:
        discs = (position.discs[0] | disc, position.discs[1])
    else:
        discs = (position.discs[0], position.discs[1] | disc)
    return Connect4(position.history + str(column + 1), discs)


def parse_move(data) -> int:
    if not isinstance(data, int) or isinstance(data, bool):
        raise EngineError(MALFORMED_MOVE, "a connect4 move is a column number 0-6")
    return data


def from_text(text: str, num_players: int = 2) -> Connect4:
    if not isinstance(text, str):
        raise EngineError(INVALID_POSITION, "connect4 positions are strings of column digits")
    position = START
    for digit in text:
        if digit not in "1234567":
            raise EngineError(INVALID_POSITION, f"{digit!r} is not a column digit 1-7")
        if outcome(position) is not None:
            raise EngineError(INVALID_POSITION, "moves continue after the game ended")
        column = int(digit) - 1
        if column not in _open_columns(position):
            raise EngineError(INVALID_POSITION, f"column {digit} is already full")
        position = play(position, column)
    return position


def to_text(position: Connect4) -> str:
    return position.history


def explain_illegal(position: Connect4, column: int) -> str:
    """Why ``column`` is not legal here, in words (the ``illegal_move`` message)."""
    if 0 <= column < COLUMNS:
        return f"Column {'abcdefg'[column]} is full."
    return "Columns are numbered 0-6."


def describe_move(position: Connect4, column: int) -> str:
    return COLUMN_LETTERS[column]


def perft(position: Connect4, depth: int) -> int:
    if depth == 0:
        return 1
    if outcome(position) is not None:
        return 0
    moves = _open_columns(position)
    if depth == 1:
        return len(moves)
    return sum(perft(play(position, column), depth - 1) for column in moves)


# Formats (engine.schema; docs/games.md is generated from these).
MOVE_SCHEMA = {"int": [0, 6], "doc": "the column, 0 (a, left) to 6 (g, right)"}
POSITION_SCHEMA = {
    "str": "[1-7]{0,42}",
    "doc": "the columns played so far, 1-based, in order (seat 0 played the 1st, 3rd...)",
}

GAME = register(
    Rules(
        name="connect4",
        title="Connect Four",
        min_players=2,
        max_players=2,
        setup=setup,
        to_move=to_move,
        legal_moves=legal_moves,
        play=play,
        outcome=outcome,
        encode=to_text,
        decode=from_text,
        parse_move=parse_move,
        from_text=from_text,
        to_text=to_text,
        describe_move=describe_move,
        explain_illegal=explain_illegal,
        perft=perft,
        move_schema=MOVE_SCHEMA,
        position_schema=POSITION_SCHEMA,
        description="Drop discs into a 7x6 grid; four in a row wins.",
    )
)
