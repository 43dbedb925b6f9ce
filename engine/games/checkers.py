"""English draughts (American checkers) on an 8x8 board, with PDN square numbers and FEN.

Squares are numbered 1-32 as in PDN: 1-4 on black's back row, 29-32 on white's.
Black (seat 0) starts on 1-12 and moves first, towards higher numbers; white (seat 1)
starts on 21-32. Men step and capture diagonally forward; kings step and capture one
square in all four diagonal directions. Capturing is mandatory, and a multi-jump is a
single move that must be followed to the end, except that a man reaching the far row is
crowned and its move ends there, even mid-jump. A side with no legal move loses
(``no_moves``).

Draw rule: after 80 plies in a row (40 moves by each side) with no capture and no man
moving, the game is drawn automatically (``forty_move_rule``). Draws by agreement are
the engine's business.

Moves are PDN-like strings: ``"11-15"`` for a step, ``"15x24"`` or ``"15x24x31"`` for a
jump, listing every landing square so that a multi-jump's path is unambiguous.
Positions are bitboards (one bit per square, bit ``n - 1`` for square ``n``); the text
format is PDN FEN, e.g. ``B:W21,22,...,32:B1,2,...,12`` with ``K`` before a king.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..core import Outcome, Rules, draw, win
from ..errors import INVALID_POSITION, MALFORMED_MOVE, EngineError
from ..registry import register

BLACK, WHITE = 0, 1
SIDE_LETTERS = "BW"
QUIET_PLIES_FOR_DRAW = 80
ALL_SQUARES = (1 << 32) - 1

# Directions as (row step, column step). Row 0 holds squares 1-4 (black's back row).
# Black men move towards higher rows, white men towards lower ones.
DIRECTIONS = ((1, -1), (1, 1), (-1, -1), (-1, 1))
MAN_DIRECTIONS = ((0, 1), (2, 3))  # indexed by side
KING_DIRECTIONS = (0, 1, 2, 3)
CROWN_ROW = (
    sum(1 << i for i in range(28, 32)),  # black crowns on 29-32
    sum(1 << i for i in range(0, 4)),  # white crowns on 1-4
)


def _coordinates(index: int) -> tuple[int, int]:
    """Row and column of the square with bit ``index``; dark squares only."""
    row = index // 4
    column = 2 * (index % 4) + (1 if row % 2 == 0 else 0)
    return row, column


def _index_at(row: int, column: int) -> int | None:
    if not (0 <= row < 8 and 0 <= column < 8) or (row + column) % 2 == 0:
        return None
    return row * 4 + column // 2


def _neighbour_tables():
    steps, jumps = [], []
    for index in range(32):
        row, column = _coordinates(index)
        step_row, jump_row = [], []
        for d_row, d_column in DIRECTIONS:
            step_row.append(_index_at(row + d_row, column + d_column))
            over = _index_at(row + d_row, column + d_column)
            land = _index_at(row + 2 * d_row, column + 2 * d_column)
            jump_row.append(None if over is None or land is None else (over, land))
        steps.append(tuple(step_row))
        jumps.append(tuple(jump_row))
    return tuple(steps), tuple(jumps)


# STEPS[index][direction] -> neighbouring index or None;
# JUMPS[index][direction] -> (jumped index, landing index) or None.
STEPS, JUMPS = _neighbour_tables()
# The index jumped over when going from one index to another two squares away.
JUMPED_OVER = {
    (index, jump[1]): jump[0] for index in range(32) for jump in JUMPS[index] if jump is not None
}


class Board(NamedTuple):
    """A checkers position. ``quiet_plies`` counts plies since the last capture or man move."""

    black: int
    white: int
    kings: int
    turn: int
    quiet_plies: int = 0


START = Board(
    black=(1 << 12) - 1,
    white=ALL_SQUARES ^ ((1 << 20) - 1),
    kings=0,
    turn=BLACK,
)


# -- move generation ---------------------------------------------------------------------
# Internally a move is (path, captured): the indexes visited, and a bitmask of the
# captured pieces. The public form is the PDN string built from the path.


def _jump_paths(index, directions, is_man, crown_row, opponents, empty, path, captured, out):
    """Append to ``out`` every complete jump sequence continuing ``path`` from ``index``.

    Captured pieces stay on the board until the move ends (they can be neither jumped
    again nor landed on), which is the English rule.
    """
    extended = False
    for direction in directions:
        jump = JUMPS[index][direction]
        if jump is None:
            continue
        over, land = jump
        over_bit, land_bit = 1 << over, 1 << land
        if not (opponents & over_bit) or captured & over_bit or not (empty & land_bit):
            continue
        extended = True
        new_path = path + (land,)
        new_captured = captured | over_bit
        if is_man and crown_row & land_bit:
            out.append((new_path, new_captured))  # crowning ends the move
        else:
            _jump_paths(
                land,
                directions,
                is_man,
                crown_row,
                opponents,
                empty,
                new_path,
                new_captured,
                out,
            )
    if not extended and captured:
        out.append((path, captured))


def _generate(board: Board) -> list[tuple[tuple[int, ...], int]]:
    side = board.turn
    own, opponents = (board.black, board.white) if side == BLACK else (board.white, board.black)
    crown_row = CROWN_ROW[side]
    man_directions = MAN_DIRECTIONS[side]
    jumps: list = []
    pieces = own
    while pieces:
        bit = pieces & -pieces
        pieces ^= bit
        index = bit.bit_length() - 1
        is_man = not (board.kings & bit)
        directions = man_directions if is_man else KING_DIRECTIONS
        # The moving piece leaves its square, so a king's jumps may land there again.
        empty = (~(board.black | board.white) & ALL_SQUARES) | bit
        _jump_paths(index, directions, is_man, crown_row, opponents, empty, (index,), 0, jumps)
    if jumps:
        return jumps
    steps = []
    empty = ~(board.black | board.white) & ALL_SQUARES
    pieces = own
    while pieces:
        bit = pieces & -pieces
        pieces ^= bit
        index = bit.bit_length() - 1
        directions = KING_DIRECTIONS if board.kings & bit else man_directions
        for direction in directions:
            target = STEPS[index][direction]
            if target is not None and empty & (1 << target):
                steps.append(((index, target), 0))
    return steps


def _after(board: Board, path: tuple[int, ...], captured: int) -> Board:
    start_bit, end_bit = 1 << path[0], 1 << path[-1]
    side = board.turn
    was_king = bool(board.kings & start_bit)
    if side == BLACK:
        own, opponents = board.black, board.white
    else:
        own, opponents = board.white, board.black
    own = own ^ start_bit | end_bit
    opponents &= ~captured
    kings = board.kings & ~captured & ~start_bit
    if was_king or CROWN_ROW[side] & end_bit:
        kings |= end_bit
    quiet = board.quiet_plies + 1 if was_king and not captured else 0
    black, white = (own, opponents) if side == BLACK else (opponents, own)
    return Board(black, white, kings, 1 - side, quiet)


def _move_text(path: tuple[int, ...], captured: int) -> str:
    separator = "x" if captured else "-"
    return separator.join(str(index + 1) for index in path)


# -- the rules ---------------------------------------------------------------------------


def setup(num_players, options, rng) -> Board:
    return START


def outcome(board: Board) -> Outcome | None:
    if not _generate(board):
        return win(1 - board.turn, "no_moves")
    if board.quiet_plies >= QUIET_PLIES_FOR_DRAW:
        return draw("forty_move_rule")
    return None


def to_move(board: Board) -> tuple:
    return () if outcome(board) else (board.turn,)


def legal_moves(board: Board) -> list[str]:
    if board.quiet_plies >= QUIET_PLIES_FOR_DRAW:
        return []
    return list(dict.fromkeys(_move_text(path, captured) for path, captured in _generate(board)))


def _path_of(move: str) -> tuple[tuple[int, ...], bool]:
    is_jump = "x" in move
    return tuple(int(square) - 1 for square in re.split("[-x]", move)), is_jump


def play(board: Board, move: str, rng) -> Board:
    path, is_jump = _path_of(move)
    captured = 0
    if is_jump:
        for start, land in zip(path, path[1:], strict=False):
            captured |= 1 << JUMPED_OVER[(start, land)]
    return _after(board, path, captured)


MOVE_PATTERN = re.compile(r"(\d{1,2})(?:-(\d{1,2})|((?:x\d{1,2})+))")


def parse_move(data) -> str:
    """A move string in canonical form (``"09-13"`` -> ``"9-13"``); malformed_move otherwise."""
    if not isinstance(data, str):
        raise EngineError(MALFORMED_MOVE, 'a checkers move is a string like "11-15" or "15x24"')
    text = data.strip().lower()
    match = MOVE_PATTERN.fullmatch(text)
    if match is None:
        raise EngineError(MALFORMED_MOVE, f'cannot read {data!r}: write "11-15" or "15x24x31"')
    squares = [int(square) for square in re.split("[-x]", text)]
    if not all(1 <= square <= 32 for square in squares):
        raise EngineError(MALFORMED_MOVE, f"squares are numbered 1-32: {data!r}")
    return ("x" if "x" in text else "-").join(str(square) for square in squares)


def explain_illegal(board: Board, move: str) -> str:
    """Why ``move`` is not legal here, in words (the ``illegal_move`` message)."""
    legal = legal_moves(board)
    start = move.split("x")[0].split("-")[0]
    from_here = [m for m in legal if re.split("[-x]", m)[0] == start]
    if legal and "x" in legal[0] and "x" not in move:
        example = from_here[0] if from_here else legal[0]
        return f"A capture is compulsory: you must jump (for example {example})."
    if not from_here:
        return f"The piece on {start} has no legal move."
    return f"The piece on {start} cannot go there: it can play {', '.join(from_here[:4])}."


def describe_move(board: Board, move: str) -> str:
    return move


def perft(board: Board, depth: int) -> int:
    """Leaf count with bulk counting at the last ply; the draw rule ends a line like a win."""
    if depth == 0:
        return 1
    if board.quiet_plies >= QUIET_PLIES_FOR_DRAW:
        return 0
    moves = _generate(board)
    if depth == 1:
        return len(moves)
    return sum(perft(_after(board, path, captured), depth - 1) for path, captured in moves)


# -- text and data -----------------------------------------------------------------------


def _squares_text(pieces: int, kings: int) -> str:
    return ",".join(
        ("K" if kings >> index & 1 else "") + str(index + 1)
        for index in range(32)
        if pieces >> index & 1
    )


def to_text(board: Board) -> str:
    return (
        f"{SIDE_LETTERS[board.turn]}"
        f":W{_squares_text(board.white, board.kings)}"
        f":B{_squares_text(board.black, board.kings)}"
    )


PIECE_PATTERN = re.compile(r"(K?)(\d{1,2})(?:-(\d{1,2}))?")


def from_text(text: str, num_players: int = 2) -> Board:
    """Parse PDN FEN: side to move, then ``W`` and ``B`` piece lists (``K`` marks kings).

    Ranges such as ``B1-12`` and a trailing ``.`` are accepted. Men may not stand on
    the row where they would have been crowned.
    """
    if not isinstance(text, str):
        raise EngineError(INVALID_POSITION, "a checkers position is a PDN FEN string")
    fields = text.strip().strip('"').rstrip(".").split(":")
    if len(fields) != 3 or fields[0].strip().upper() not in ("B", "W"):
        raise EngineError(INVALID_POSITION, f"expected 'B:W...:B...' PDN FEN, got {text!r}")
    turn = SIDE_LETTERS.index(fields[0].strip().upper())
    pieces = {"B": 0, "W": 0}
    kings = 0
    seen_colours = set()
    for field in fields[1:]:
        field = field.strip()
        colour = field[:1].upper()
        if colour not in pieces or colour in seen_colours:
            raise EngineError(INVALID_POSITION, f"each of W and B is listed once: {text!r}")
        seen_colours.add(colour)
        for item in filter(None, (part.strip() for part in field[1:].split(","))):
            match = PIECE_PATTERN.fullmatch(item)
            if match is None:
                raise EngineError(INVALID_POSITION, f"cannot read square {item!r}")
            first = int(match[2])
            last = int(match[3]) if match[3] else first
            if not 1 <= first <= last <= 32:
                raise EngineError(INVALID_POSITION, f"squares are numbered 1-32: {item!r}")
            for square in range(first, last + 1):
                bit = 1 << (square - 1)
                if (pieces["B"] | pieces["W"]) & bit:
                    raise EngineError(INVALID_POSITION, f"square {square} is listed twice")
                pieces[colour] |= bit
                if match[1]:
                    kings |= bit
    black, white = pieces["B"], pieces["W"]
    if (black & ~kings & CROWN_ROW[BLACK]) or (white & ~kings & CROWN_ROW[WHITE]):
        raise EngineError(INVALID_POSITION, "a man on its crowning row should be a king")
    return Board(black, white, kings, turn)


def encode(board: Board) -> dict:
    return {"fen": to_text(board), "quiet_plies": board.quiet_plies}


def decode(data) -> Board:
    return from_text(data["fen"])._replace(quiet_plies=int(data["quiet_plies"]))


# Formats (engine.schema; docs/games.md is generated from these).
MOVE_SCHEMA = {
    "str": r"([1-9]|[12][0-9]|3[0-2])(-([1-9]|[12][0-9]|3[0-2])|(x([1-9]|[12][0-9]|3[0-2]))+)",
    "doc": 'PDN squares 1-32: "11-15" a step, "15x24" or "15x24x31" a jump with every landing',
}
POSITION_SCHEMA = {
    "map": {
        "fen": {
            "str": r"[BW]:W[K0-9,]*:B[K0-9,]*",
            "doc": "PDN FEN: side to move, white's then black's squares, K before a king",
        },
        "quiet_plies": {
            "int": [0, QUIET_PLIES_FOR_DRAW],
            "doc": "plies since the last capture or man move (80: drawn)",
        },
    }
}

GAME = register(
    Rules(
        name="checkers",
        title="Checkers",
        min_players=2,
        max_players=2,
        setup=setup,
        to_move=to_move,
        legal_moves=legal_moves,
        play=play,
        outcome=outcome,
        encode=encode,
        decode=decode,
        parse_move=parse_move,
        from_text=from_text,
        to_text=to_text,
        describe_move=describe_move,
        explain_illegal=explain_illegal,
        perft=perft,
        move_schema=MOVE_SCHEMA,
        position_schema=POSITION_SCHEMA,
        description=(
            "English draughts: men move forward, captures are compulsory, multi-jumps must "
            "be finished; 40 moves each without a capture or a man's move is a draw."
        ),
    )
)
