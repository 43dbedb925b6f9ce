"""Reversi (Othello) on an 8x8 board: outflank the opponent's discs to turn them over.

Black (seat 0, ``X``) moves first from the standard four-disc start. A move is a square
index 0-63 (``rank * 8 + file``: a1=0, h1=7, a2=8, ... h8=63) that turns over at least
one line of opponent discs. A side with no such placement while the opponent has one
must play ``"pass"``. The game ends when neither side can move; the side with more discs
wins (``most_discs``; ``equal_discs`` is a draw) and the outcome carries both counts.

Position: a :class:`Reversi` tuple of one bitboard per seat (bit ``i`` = square ``i``)
and the seat to move. Text form (also used for msgpack): 64 characters of ``X``, ``O``,
``-`` from a1 to h1, a2 to h2, ... then a space and the side to move, ``X`` or ``O``.
"""

from __future__ import annotations

from typing import NamedTuple

from ..core import Outcome, Rules
from ..errors import INVALID_POSITION, MALFORMED_MOVE, EngineError
from ..registry import register

PASS = "pass"
SQUARES = 64
FULL = (1 << SQUARES) - 1
FILE_A = 0x0101010101010101
FILE_H = FILE_A << 7
NOT_FILE_A = FULL ^ FILE_A
NOT_FILE_H = FULL ^ FILE_H
SYMBOLS = "XO"
FILES = "abcdefgh"

# (index step, mask applied after the step). A step of +-1 crosses files, so the mask
# removes discs that wrapped around from one edge of the board to the other.
DIRECTIONS = (
    (1, NOT_FILE_A),  # east
    (-1, NOT_FILE_H),  # west
    (8, FULL),  # north
    (-8, FULL),  # south
    (9, NOT_FILE_A),  # north-east
    (7, NOT_FILE_H),  # north-west
    (-7, NOT_FILE_A),  # south-east
    (-9, NOT_FILE_H),  # south-west
)


class Reversi(NamedTuple):
    discs: tuple[int, int]  # bitboards of seat 0 (X, black) and seat 1 (O, white)
    seat: int  # the seat to move (it may have to pass)


START_TEXT = "-" * 27 + "OX" + "-" * 6 + "XO" + "-" * 27 + " X"


def placements(mine: int, theirs: int) -> int:
    """Bitboard of the empty squares where ``mine`` would turn over at least one disc.

    Per direction, grow runs of ``theirs`` next to ``mine`` (at most six long), then one
    more step lands on the candidate square. Written out per direction for speed.
    """
    empty = FULL & ~(mine | theirs)
    inner = theirs & NOT_FILE_A & NOT_FILE_H  # a horizontal/diagonal run can't touch an edge

    # east (+1), north-east (+9), north-west (+7): shifts towards higher squares
    run = (mine << 1) & inner
    for _ in range(5):
        run |= (run << 1) & inner
    moves = (run << 1) & empty
    run = (mine << 9) & inner
    for _ in range(5):
        run |= (run << 9) & inner
    moves |= (run << 9) & empty
    run = (mine << 7) & inner
    for _ in range(5):
        run |= (run << 7) & inner
    moves |= (run << 7) & empty
    # west (-1), south-west (-9), south-east (-7)
    run = (mine >> 1) & inner
    for _ in range(5):
        run |= (run >> 1) & inner
    moves |= (run >> 1) & empty
    run = (mine >> 9) & inner
    for _ in range(5):
        run |= (run >> 9) & inner
    moves |= (run >> 9) & empty
    run = (mine >> 7) & inner
    for _ in range(5):
        run |= (run >> 7) & inner
    moves |= (run >> 7) & empty
    # north (+8) and south (-8) never wrap, so runs may lie on the edge files
    run = (mine << 8) & theirs
    for _ in range(5):
        run |= (run << 8) & theirs
    moves |= (run << 8) & empty
    run = (mine >> 8) & theirs
    for _ in range(5):
        run |= (run >> 8) & theirs
    moves |= (run >> 8) & empty
    return moves


def flips(mine: int, theirs: int, square_bit: int) -> int:
    """The opponent discs turned over by placing on ``square_bit``."""
    turned = 0
    for step, mask in DIRECTIONS:
        line = 0
        cursor = (square_bit << step if step > 0 else square_bit >> -step) & mask
        while cursor & theirs:
            line |= cursor
            cursor = (cursor << step if step > 0 else cursor >> -step) & mask
        if cursor & mine:
            turned |= line
    return turned


def _squares(bitboard: int) -> list[int]:
    squares = []
    while bitboard:
        lowest = bitboard & -bitboard
        squares.append(lowest.bit_length() - 1)
        bitboard ^= lowest
    return squares


def setup(num_players, options, rng) -> Reversi:
    return from_text(START_TEXT)


def _sides(position: Reversi) -> tuple[int, int]:
    """(mover's discs, opponent's discs)."""
    seat = position.seat
    return position.discs[seat], position.discs[1 - seat]


def outcome(position: Reversi) -> Outcome | None:
    mine, theirs = _sides(position)
    if placements(mine, theirs) or placements(theirs, mine):
        return None
    scores = (position.discs[0].bit_count(), position.discs[1].bit_count())
    if scores[0] == scores[1]:
        return Outcome((), "equal_discs", scores)
    return Outcome((0,) if scores[0] > scores[1] else (1,), "most_discs", scores)


def to_move(position: Reversi) -> tuple:
    return () if outcome(position) else (position.seat,)


def legal_moves(position: Reversi) -> list:
    mine, theirs = _sides(position)
    moves = placements(mine, theirs)
    if moves:
        return _squares(moves)
    return [PASS] if placements(theirs, mine) else []


def play(position: Reversi, move, rng=None) -> Reversi:
    seat = position.seat
    if move == PASS:
        return Reversi(position.discs, 1 - seat)
    mine, theirs = _sides(position)
    square_bit = 1 << move
    turned = flips(mine, theirs, square_bit)
    mine |= square_bit | turned
    theirs ^= turned
    discs = (mine, theirs) if seat == 0 else (theirs, mine)
    return Reversi(discs, 1 - seat)


def parse_move(data):
    if data == PASS:
        return PASS
    if not isinstance(data, int) or isinstance(data, bool):
        raise EngineError(MALFORMED_MOVE, 'a reversi move is a square number 0-63 or "pass"')
    return data


def explain_illegal(position: Reversi, move) -> str:
    """Why ``move`` is not legal here, in words (the ``illegal_move`` message)."""
    if move == PASS:
        return "You cannot pass while you have a move."
    if not 0 <= move < SQUARES:
        return "Squares are numbered 0-63."
    name = FILES[move % 8] + str(move // 8 + 1)
    if (position.discs[0] | position.discs[1]) >> move & 1:
        return f"{name} is already taken."
    return f"A disc on {name} would not turn over any of your opponent's discs."


def from_text(text: str, num_players: int = 2) -> Reversi:
    if (
        not isinstance(text, str)
        or len(text) != SQUARES + 2
        or text[SQUARES] != " "
        or set(text[:SQUARES]) - set("XO-")
        or text[-1] not in SYMBOLS
    ):
        raise EngineError(
            INVALID_POSITION, "64 characters of X, O and - from a1 to h8, a space, then X or O"
        )
    discs = [0, 0]
    for square, symbol in enumerate(text[:SQUARES]):
        if symbol != "-":
            discs[SYMBOLS.index(symbol)] |= 1 << square
    return Reversi((discs[0], discs[1]), SYMBOLS.index(text[-1]))


def to_text(position: Reversi) -> str:
    black, white = position.discs
    board = "".join(
        "X" if black >> square & 1 else "O" if white >> square & 1 else "-"
        for square in range(SQUARES)
    )
    return f"{board} {SYMBOLS[position.seat]}"


def describe_move(position: Reversi, move) -> str:
    if move == PASS:
        return PASS
    return FILES[move % 8] + str(move // 8 + 1)


def _perft(mine: int, theirs: int, depth: int) -> int:
    moves = placements(mine, theirs)
    if not moves:
        if not placements(theirs, mine):
            return 0  # the game is over: no children (see engine.core.perft)
        return 1 if depth == 1 else _perft(theirs, mine, depth - 1)
    if depth == 1:
        return moves.bit_count()
    total = 0
    while moves:
        square_bit = moves & -moves
        moves ^= square_bit
        turned = flips(mine, theirs, square_bit)
        total += _perft(theirs ^ turned, mine | square_bit | turned, depth - 1)
    return total


def perft(position: Reversi, depth: int) -> int:
    if depth == 0:
        return 1
    mine, theirs = _sides(position)
    return _perft(mine, theirs, depth)


# Formats (engine.schema; docs/games.md is generated from these).
MOVE_SCHEMA = {
    "one_of": [{"int": [0, 63]}, {"const": PASS}],
    "doc": 'a square rank * 8 + file (a1=0, h1=7, h8=63), or "pass" when no placement exists',
}
POSITION_SCHEMA = {
    "str": "[XO-]{64} [XO]",
    "doc": "64 squares a1..h1, a2..h2, ... h8 (X seat 0 black, O seat 1 white, - empty),"
    " a space, the side to move",
}

GAME = register(
    Rules(
        name="reversi",
        title="Reversi",
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
        description="Othello on an 8x8 board: outflank and turn over your opponent's discs.",
    )
)
