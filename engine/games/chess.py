"""Chess under the FIDE Laws, for two players: seat 0 is White, seat 1 is Black.

Moves are UCI strings: ``"e2e4"``, ``"e1g1"`` (castling is the king's two-square move),
``"e7e8q"`` (promotion to q, r, b or n). Positions travel as FEN (``from_text`` /
``to_text``); ``describe_move`` gives SAN, and :func:`san` / :func:`pgn` are helpers for
the server (replays, exports).

Draw rules. A game server has no arbiter to claim to, so the game ends *automatically*
at the thresholds FIDE makes claimable (Art. 9.2, 9.3), where FIDE itself only ends the
game without a claim at fivefold repetition or 75 moves (Art. 9.6):

* ``threefold_repetition``: the same position (pieces, side to move, castling rights and
  en passant capture *if one is legal*) occurs for the third time;
* ``fifty_moves``: fifty moves by each side (halfmove clock 100) without a capture or a
  pawn move, unless the last move mated (checkmate takes precedence, as in Art. 9.6);
* ``insufficient_material``: K v K, K+B v K, K+N v K, or kings and bishops only, all on
  squares of one colour (K+B v K+B same colour and the like), as python-chess decides;
* ``stalemate`` and ``checkmate`` as usual.

Draw agreement, resignation and time-outs are engine actions (see :mod:`engine.core`).

Position: a :class:`ChessPosition` holding the board (see :mod:`._chess_board`), the
repetition keys of the earlier positions since the last capture or pawn move (so
``play`` stays pure and repetition needs no outside history), and the last move.

Stored form (``encode``): ``{"fen", "history": [first four FEN fields, ...], "last_move"}``.

View (the same for every seat, chess being a perfect-information game)::

    {"fen": "<FEN>", "last_move": "e2e4" | None, "check": bool}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..core import REASON_TIMEOUT, Outcome, Rules, draw, win
from ..errors import ILLEGAL_MOVE, INVALID_STATE, MALFORMED_MOVE, EngineError
from ..registry import register
from . import _chess_board as cb

CHECKMATE = "checkmate"
STALEMATE = "stalemate"
THREEFOLD_REPETITION = "threefold_repetition"
FIFTY_MOVES = "fifty_moves"
INSUFFICIENT_MATERIAL = "insufficient_material"

START_FEN = cb.START_FEN


@dataclass(frozen=True)
class ChessPosition:
    board: tuple
    history: tuple = ()  # repetition keys of the previous positions in the reversible run
    last_move: str | None = None


def position_from_fen(fen: str) -> ChessPosition:
    return ChessPosition(cb.parse_fen(fen))


def setup(num_players, options, rng) -> ChessPosition:
    return position_from_fen(START_FEN)


def outcome(position: ChessPosition) -> Outcome | None:
    board = position.board
    if not cb.count_moves(board):
        if cb.in_check(board):
            return win(1 - board[cb.I_TURN], CHECKMATE)
        return draw(STALEMATE)
    if cb.insufficient_material(board):
        return draw(INSUFFICIENT_MATERIAL)
    if board[cb.I_HALFMOVE] >= 100:
        return draw(FIFTY_MOVES)
    if len(position.history) >= 8 and repetitions(position) >= 3:
        return draw(THREEFOLD_REPETITION)
    return None


def repetitions(position: ChessPosition) -> int:
    """How many times the current position has occurred, this time included."""
    return position.history.count(cb.repetition_key(position.board)) + 1


def to_move(position: ChessPosition) -> tuple:
    return () if outcome(position) else (position.board[cb.I_TURN],)


def legal_moves(position: ChessPosition) -> list[str]:
    if outcome(position):
        return []
    names = cb.MOVE_NAMES
    return [names[move] for move in cb.generate(position.board)]


def play(position: ChessPosition, move: str, rng=None) -> ChessPosition:
    board = position.board
    after = cb.make(board, cb.MOVE_CODES[move])
    if after[cb.I_HALFMOVE] == 0:
        history = ()
    else:
        history = position.history + (cb.repetition_key(board),)
    return ChessPosition(after, history, move)


def parse_move(data) -> str:
    if not isinstance(data, str) or data not in cb.MOVE_CODES:
        raise EngineError(MALFORMED_MOVE, f"a chess move is a UCI string like e2e4, not {data!r}")
    return data


def from_text(text: str, num_players: int = 2) -> ChessPosition:
    return position_from_fen(text)


def to_text(position: ChessPosition) -> str:
    return cb.to_fen(position.board)


def view(position: ChessPosition, seat: int | None) -> dict:
    return {
        "fen": cb.to_fen(position.board),
        "last_move": position.last_move,
        "check": cb.in_check(position.board),
    }


def encode(position: ChessPosition) -> dict:
    return {
        "fen": cb.to_fen(position.board),
        "history": [cb.key_to_text(key) for key in position.history],
        "last_move": position.last_move,
    }


def decode(data: Mapping) -> ChessPosition:
    try:
        board = cb.parse_fen(data["fen"])
        history = tuple(cb.key_from_text(text) for text in data["history"])
        last_move = data["last_move"]
    except (KeyError, TypeError) as exc:
        raise EngineError(INVALID_STATE, f"cannot read a chess position: {exc}") from exc
    return ChessPosition(board, history, last_move)


def san(position: ChessPosition | str, move: str) -> str:
    """SAN for a legal UCI ``move`` in ``position`` (a :class:`ChessPosition` or a FEN)."""
    board = position.board if isinstance(position, ChessPosition) else cb.parse_fen(position)
    legal = cb.generate(board)
    code = cb.MOVE_CODES.get(move) if isinstance(move, str) else None
    if code not in legal:
        raise EngineError(MALFORMED_MOVE, f"{move!r} is not a legal move here")
    return cb.san(board, code, legal)


def describe_move(position: ChessPosition, move: str) -> str:
    return san(position, move)


PIECE_NAMES = {"k": "king", "q": "queen", "r": "rook", "b": "bishop", "n": "knight", "p": "pawn"}


def explain_illegal(position: ChessPosition, move: str) -> str:
    """Why the UCI ``move`` is not legal here, in words (the ``illegal_move`` message)."""
    placement, turn = to_text(position).split()[:2]
    pieces = {}
    for rank_index, rank_text in enumerate(placement.split("/")):
        file = 0
        for char in rank_text:
            if char.isdigit():
                file += int(char)
            else:
                pieces["abcdefgh"[file] + str(8 - rank_index)] = char
                file += 1
    origin, target = move[:2], move[2:4]
    piece = pieces.get(origin)
    if piece is None:
        return f"There is no piece on {origin}."
    name = PIECE_NAMES[piece.lower()]
    if piece.isupper() != (turn == "w"):
        return f"The {name} on {origin} is not yours."
    legal = legal_moves(position)
    check = " Your king is in check." if view(position, None)["check"] else ""
    mine = [m for m in legal if m[:2] == origin]
    if not mine:
        return f"The {name} on {origin} has no legal move.{check}"
    if any(m[:4] == move[:4] for m in mine):
        return "Choose the piece to promote to: queen, rook, bishop or knight."
    return f"The {name} on {origin} cannot move to {target}.{check}"


RESULT_WHITE, RESULT_BLACK, RESULT_DRAW, RESULT_UNFINISHED = "1-0", "0-1", "1/2-1/2", "*"


def result_text(result: Outcome | None) -> str:
    if result is None:
        return RESULT_UNFINISHED
    if result.draw:
        return RESULT_DRAW
    return RESULT_WHITE if result.winners == (0,) else RESULT_BLACK


def pgn(
    moves: Iterable[str],
    *,
    start: str | ChessPosition | None = None,
    headers: Mapping[str, str] | None = None,
    result: Outcome | None = None,
) -> str:
    """Export a game as PGN: the Seven Tag Roster (plus SetUp/FEN off the standard start,
    and Termination once over), then SAN movetext wrapped at 80 columns, then the result.

    ``moves`` are the game's UCI moves from ``start`` (default: the initial position), or
    a stored move log of ``(seat, data)`` pairs, whose engine actions (dicts) are skipped.
    ``result`` overrides the outcome read from the final position; pass the engine's
    outcome for games ended by resignation, agreement or time-out (``Game.outcome(state)``).
    Raises ``illegal_move`` for a move that is not legal where it is played.
    """
    if start is None:
        position = setup(2, {}, None)
    elif isinstance(start, ChessPosition):
        position = start
    else:
        position = position_from_fen(start)
    start_fen = to_text(position)
    tokens = []
    for move in moves:
        if isinstance(move, (tuple, list)) and len(move) == 2:
            move = move[1]  # a (seat, data) pair from a move log
        if isinstance(move, Mapping):
            continue  # resign / draw offers / time-out: the result says how it ended
        board = position.board
        legal = cb.generate(board)
        code = cb.MOVE_CODES.get(move) if isinstance(move, str) else None
        if code not in legal or outcome(position) is not None:
            raise EngineError(ILLEGAL_MOVE, f"{move!r} is not a legal move in {to_text(position)}")
        if board[cb.I_TURN] == cb.WHITE:
            tokens.append(f"{board[cb.I_FULLMOVE]}.")
        elif not tokens:
            tokens.append(f"{board[cb.I_FULLMOVE]}...")
        tokens.append(cb.san(board, code, legal))
        position = play(position, move)
    if result is None:
        result = outcome(position)
    result_string = result_text(result)
    tags = {
        "Event": "?",
        "Site": "?",
        "Date": "????.??.??",
        "Round": "?",
        "White": "?",
        "Black": "?",
    }
    tags.update(headers or {})
    tags["Result"] = result_string
    if start_fen != START_FEN:
        tags["SetUp"] = "1"
        tags["FEN"] = start_fen
    if result is not None and "Termination" not in tags:
        # The PGN standard's values; the precise reason stays in the engine's outcome.
        tags["Termination"] = "time forfeit" if result.reason == REASON_TIMEOUT else "normal"
    header_lines = [f'[{name} "{_escape(str(value))}"]' for name, value in tags.items()]
    tokens.append(result_string)
    lines, current = [], ""
    for token in tokens:
        if current and len(current) + 1 + len(token) > 80:
            lines.append(current)
            current = token
        else:
            current = f"{current} {token}" if current else token
    lines.append(current)
    return "\n".join(header_lines) + "\n\n" + "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def perft(position: ChessPosition, depth: int) -> int:
    """Leaf count ``depth`` plies down, with the same semantics as ``engine.core.perft``:
    positions where the game is over (draw rules included) have no children."""
    if depth == 0:
        return 1
    if outcome(position) is not None:
        return 0
    board = position.board
    if depth == 1:
        return cb.count_moves(board)
    return _perft(board, depth, [], position.history)


def _perft(board: tuple, depth: int, path: list, history: tuple) -> int:
    generate, make, count_moves = cb.generate, cb.make, cb.count_moves
    total = 0
    path.append(board)
    for move in generate(board):
        child = make(board, move)
        halfmove = child[cb.I_HALFMOVE]
        if halfmove >= 8 and (
            halfmove >= 100 or _repeated_three_times(child, path, history, halfmove)
        ):
            continue  # drawn: no children (a mate on move 100 has none either)
        if not (child[cb.PAWN] | child[cb.ROOK] | child[cb.QUEEN]) and cb.insufficient_material(
            child
        ):
            continue
        if depth == 2:
            total += count_moves(child)
        else:
            total += _perft(child, depth - 1, path, history)
    path.pop()
    return total


def _repeated_three_times(board: tuple, path: list, history: tuple, halfmove: int) -> bool:
    """Slow path, only reached after 8+ reversible plies: compare full repetition keys."""
    key = cb.repetition_key(board)
    earlier = [cb.repetition_key(b) for b in path[-halfmove:]]
    reach = halfmove - len(earlier)
    if reach > 0:
        earlier = list(history[-reach:]) + earlier
    return earlier.count(key) >= 2


# Formats (engine.schema; docs/games.md is generated from these).
MOVE_SCHEMA = {
    "str": "[a-h][1-8][a-h][1-8][qrbn]?",
    "doc": 'UCI: "e2e4", castling as the king\'s move "e1g1", promotion "e7e8q" (q, r, b, n)',
}
POSITION_SCHEMA = {
    "map": {
        "fen": {"str": r"[1-8pnbrqkPNBRQK/]+ [wb] (-|[KQkq]+) (-|[a-h][36]) \d+ \d+", "doc": "FEN"},
        "last_move": {"nullable": MOVE_SCHEMA, "doc": "the last move in UCI, null at the start"},
        "check": {"one_of": ["bool"], "doc": "whether the side to move is in check"},
    }
}

GAME = register(
    Rules(
        name="chess",
        title="Chess",
        min_players=2,
        max_players=2,
        setup=setup,
        to_move=to_move,
        legal_moves=legal_moves,
        play=play,
        outcome=outcome,
        view=view,
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
        description="FIDE chess; draws by repetition, fifty moves and dead material are automatic.",
    )
)
