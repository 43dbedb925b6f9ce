"""Stateful property test: random games through ``engine.get("chess")`` shadowed by
python-chess, comparing legal moves, FEN and outcome after every step, and checking that
illegal or malformed moves are refused without touching the state."""

import chess
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import engine
from engine import EngineError

CHESS = engine.get("chess")
SQUARES = [f + r for r in "12345678" for f in "abcdefgh"]
# Every well-formed UCI string, so the malformed strategy can avoid them.
WELL_FORMED = frozenset(
    a + b + p for a in SQUARES for b in SQUARES for p in ("", "q", "r", "b", "n")
)
uci_moves = st.builds(
    lambda a, b, promotion: a + b + promotion,
    st.sampled_from(SQUARES),
    st.sampled_from(SQUARES),
    st.sampled_from(["", "", "", "q", "r", "b", "n"]),
)
malformed = st.one_of(
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.sampled_from(SQUARES), max_size=2),
    st.text(max_size=6).filter(lambda text: text not in WELL_FORMED),
)


def expected_reason(board: chess.Board) -> str | None:
    """The outcome under Boardroom's automatic draw rules, read from python-chess."""
    if board.is_checkmate():
        return "checkmate"
    if board.is_stalemate():
        return "stalemate"
    if board.is_insufficient_material():
        return "insufficient_material"
    if board.halfmove_clock >= 100:
        return "fifty_moves"
    if board.is_repetition(3):
        return "threefold_repetition"
    return None


class ChessAgainstPythonChess(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.state = CHESS.initial_state(2)
        self.board = chess.Board()

    def over(self) -> bool:
        return CHESS.is_over(self.state)

    @precondition(lambda self: not self.over())
    @rule(data=st.data())
    def play_a_legal_move(self, data):
        move = data.draw(st.sampled_from(sorted(CHESS.legal_moves(self.state))))
        self.state = CHESS.apply(self.state, move)
        self.board.push_uci(move)

    @rule(move=uci_moves)
    def try_any_well_formed_move(self, move):
        before = self.state
        if not self.over() and move in CHESS.legal_moves(self.state):
            return
        try:
            CHESS.apply(self.state, move)
        except EngineError as error:
            assert error.code == ("game_over" if self.over() else "illegal_move")
        else:
            raise AssertionError(f"{move} was accepted")
        assert self.state == before

    @precondition(lambda self: not self.over())
    @rule(data=malformed)
    def try_malformed_data(self, data):
        before = self.state
        try:
            CHESS.apply(self.state, data)
        except EngineError as error:
            assert error.code == "malformed_move"
        else:
            raise AssertionError(f"{data!r} was accepted")
        assert self.state == before

    @invariant()
    def same_position_moves_and_outcome_as_python_chess(self):
        assert CHESS.to_text(self.state) == self.board.fen()
        reason = expected_reason(self.board)
        outcome = CHESS.outcome(self.state)
        assert (outcome and outcome.reason) == reason
        if reason is None:
            assert set(CHESS.legal_moves(self.state)) == {m.uci() for m in self.board.legal_moves}
        elif reason == "checkmate":
            winner = 0 if self.board.turn == chess.BLACK else 1
            assert outcome.winners == (winner,)
        else:
            assert outcome.draw and CHESS.legal_moves(self.state) == []

    @invariant()
    def state_survives_serialization(self):
        assert CHESS.state_from_data(CHESS.state_to_data(self.state)) == self.state


ChessAgainstPythonChess.TestCase.settings = settings(
    max_examples=30, stateful_step_count=150, deadline=None
)
TestChessAgainstPythonChess = ChessAgainstPythonChess.TestCase
