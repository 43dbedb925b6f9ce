"""Tic-tac-toe on a 3x3 board: the smallest complete game, and the reference for new ones.

Position: the board as 9 characters ``x``, ``o``, ``-`` row by row (also the text format).
``x`` (seat 0) moves first; the side to move follows from the counts. A move is the
index 0-8 of an empty square.
"""

from __future__ import annotations

from ..core import Outcome, Rules, draw, win
from ..errors import INVALID_POSITION, MALFORMED_MOVE, EngineError
from ..registry import register

EMPTY_BOARD = "-" * 9
MARKS = "xo"
LINES = (
    (0, 1, 2), (3, 4, 5), (6, 7, 8),
    (0, 3, 6), (1, 4, 7), (2, 5, 8),
    (0, 4, 8), (2, 4, 6),
)  # fmt: skip


def setup(num_players, options, rng):
    return EMPTY_BOARD


def _seat_to_move(board: str) -> int:
    return 0 if board.count("x") == board.count("o") else 1


def outcome(board: str) -> Outcome | None:
    for a, b, c in LINES:
        if board[a] != "-" and board[a] == board[b] == board[c]:
            return win(MARKS.index(board[a]), "three_in_a_row")
    if "-" not in board:
        return draw("board_full")
    return None


def to_move(board: str) -> tuple:
    return () if outcome(board) else (_seat_to_move(board),)


def legal_moves(board: str) -> list:
    if outcome(board):
        return []
    return [i for i, square in enumerate(board) if square == "-"]


def play(board: str, square: int, rng) -> str:
    mark = MARKS[_seat_to_move(board)]
    return board[:square] + mark + board[square + 1 :]


def parse_move(data) -> int:
    if not isinstance(data, int) or isinstance(data, bool):
        raise EngineError(MALFORMED_MOVE, "a tictactoe move is a square number 0-8")
    return data


def from_text(text: str, num_players: int) -> str:
    if len(text) != 9 or set(text) - set("xo-"):
        raise EngineError(INVALID_POSITION, "9 characters of x, o and -, row by row")
    if text.count("x") - text.count("o") not in (0, 1):
        raise EngineError(INVALID_POSITION, "x moves first: it has as many marks as o, or one more")
    return text


def explain_illegal(board: str, square: int) -> str:
    """Why ``square`` is not legal here, in words (the ``illegal_move`` message)."""
    if 0 <= square < 9 and board[square] != "-":
        return "That square is already taken."
    return "Squares are numbered 0-8."


def describe_move(board: str, square: int) -> str:
    return "abc"[square % 3] + str(3 - square // 3)


# Formats (engine.schema; docs/games.md is generated from these).
MOVE_SCHEMA = {"int": [0, 8], "doc": "the square, 0-8 row by row from the top left"}
POSITION_SCHEMA = {
    "str": "[xo-]{9}",
    "doc": "the 9 squares row by row from the top left: x (seat 0), o (seat 1) or - (empty)",
}

GAME = register(
    Rules(
        name="tictactoe",
        title="Tic-tac-toe",
        min_players=2,
        max_players=2,
        setup=setup,
        to_move=to_move,
        legal_moves=legal_moves,
        play=play,
        outcome=outcome,
        parse_move=parse_move,
        from_text=from_text,
        to_text=str,
        describe_move=describe_move,
        explain_illegal=explain_illegal,
        move_schema=MOVE_SCHEMA,
        position_schema=POSITION_SCHEMA,
        description="Three in a row on a 3x3 grid.",
    )
)
