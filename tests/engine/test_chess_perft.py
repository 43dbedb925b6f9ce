"""Perft (leaf counts of the legal move tree) for chess against published numbers.

Positions and counts: Chess Programming Wiki, "Perft Results",
https://www.chessprogramming.org/Perft_Results (initial position, Kiwipete and
positions 3 to 6). The FENs are copied from that page.
"""

import pytest

import engine
from engine.games import chess as chess_rules

CHESS = engine.get("chess")

KIWIPETE = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq -"
POSITION_3 = "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - -"
POSITION_4 = "r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1"
# Position 4 mirrored (colours swapped), also on the page: same counts.
POSITION_4_MIRRORED = "r2q1rk1/pP1p2pp/Q4n2/bbp1p3/Np6/1B3NBn/pPPP1PPP/R3K2R b KQ - 0 1"
POSITION_5 = "rnbq1k1r/pp1Pbppp/2p5/8/2B5/8/PPP1NnPP/RNBQK2R w KQ - 1 8"
POSITION_6 = "r4rk1/1pp1qppp/p1np1n2/2b1p1B1/2B1P1b1/P1NP1N2/1PP1QPPP/R4RK1 w - - 0 10"

CASES = [
    (chess_rules.START_FEN, [20, 400, 8902, 197281, 4865609]),
    (KIWIPETE, [48, 2039, 97862, 4085603]),
    (POSITION_3, [14, 191, 2812, 43238, 674624]),
    (POSITION_4, [6, 264, 9467, 422333]),
    (POSITION_4_MIRRORED, [6, 264, 9467]),
    (POSITION_5, [44, 1486, 62379, 2103487]),
    (POSITION_6, [46, 2079, 89890, 3894594]),
]


@pytest.mark.parametrize(
    "fen, depth, nodes",
    [(fen, depth, nodes) for fen, counts in CASES for depth, nodes in enumerate(counts, 1)],
)
def test_perft_matches_the_published_counts(fen, depth, nodes):
    state = CHESS.state_from_text(fen)
    assert engine.perft(CHESS, state, depth) == nodes


@pytest.mark.parametrize("fen", [chess_rules.START_FEN, KIWIPETE, POSITION_3, POSITION_5])
def test_the_perft_hook_agrees_with_the_generic_count_through_play(fen):
    """The fast hook (internal make, leaf counting) against legal_moves + play + outcome."""
    position = CHESS.rules.from_text(fen, 2)
    assert CHESS.rules.perft(position, 2) == generic(position, 2)


def generic(position, depth):
    """engine.core.perft's recursion on the public rules: legal_moves, play, outcome."""
    rules = CHESS.rules
    if depth == 0:
        return 1
    if rules.outcome(position) is not None:
        return 0
    return sum(
        generic(rules.play(position, m, None), depth - 1) for m in rules.legal_moves(position)
    )


def test_the_perft_hook_stops_at_threefold_repetition_like_the_generic_count():
    # Two knight round trips in: going back to the start within 2 plies repeats it thrice.
    moves = ["g1f3", "g8f6", "f3g1", "f6g8", "g1f3", "g8f6"]
    state = CHESS.replay(CHESS.initial_state(2), [(None, m) for m in moves])
    assert CHESS.rules.perft(state.position, 3) == generic(state.position, 3) == 11522


def test_perft_stops_at_positions_drawn_by_rule():
    # Halfmove clock 99: every quiet move reaches the fifty-move draw, which has no children.
    position = chess_rules.position_from_fen("7k/8/8/8/8/8/8/R6K w - - 99 80")
    rules = CHESS.rules
    quiet_moves = len(rules.legal_moves(position))
    assert rules.perft(position, 1) == quiet_moves
    assert rules.perft(position, 2) == 0
    # K+N v K is dead from the start: no moves at all.
    dead = chess_rules.position_from_fen("7k/8/8/8/8/8/8/N6K w - - 0 1")
    assert rules.perft(dead, 1) == 0
