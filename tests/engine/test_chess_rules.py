"""Chess rules through the engine's ``Game`` API: castling, en passant, promotion, game
ends and draw rules, FEN, SAN and PGN; plus a cross-check against python-chess on random
playouts (python-chess is a test/bench dependency only, never used by ``engine``)."""

import io
import random

import chess
import chess.pgn
import pytest

import engine
from engine import EngineError, Outcome
from engine.games import chess as chess_rules

CHESS = engine.get("chess")
CASTLING_FEN = "r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 0 1"


def state_at(fen):
    return CHESS.state_from_text(fen)


def legal(fen):
    return set(CHESS.legal_moves(state_at(fen)))


def play(state, *moves):
    for move in moves:
        state = CHESS.apply(state, move)
    return state


def error_code(fn):
    with pytest.raises(EngineError) as info:
        fn()
    return info.value.code


# -- castling -----------------------------------------------------------------------------


def test_castling_both_ways_when_every_condition_holds():
    assert {"e1g1", "e1c1"} <= legal(CASTLING_FEN)
    assert {"e8g8", "e8c8"} <= legal(CASTLING_FEN.replace(" w ", " b "))


def test_castling_moves_the_rook_and_spends_both_rights():
    state = play(state_at(CASTLING_FEN), "e1g1")
    assert CHESS.to_text(state) == "r3k2r/8/8/8/8/8/8/R4RK1 b kq - 1 1"
    state = play(state, "e8c8")
    assert CHESS.to_text(state) == "2kr3r/8/8/8/8/8/8/R4RK1 w - - 2 2"


def test_castling_needs_the_right():
    moves = legal("r3k2r/8/8/8/8/8/8/R3K2R w Kkq - 0 1")
    assert "e1g1" in moves and "e1c1" not in moves


@pytest.mark.parametrize(
    "move, lost",
    [("e1e2", "KQ"), ("h1h2", "K"), ("a1a2", "Q")],
)
def test_moving_the_king_or_a_rook_loses_the_rights(move, lost):
    state = play(state_at(CASTLING_FEN), move)
    rights = CHESS.to_text(state).split()[2]
    assert not set(lost) & set(rights) and set("KQ") - set(lost) <= set(rights)


def test_a_captured_rook_takes_its_right_with_it():
    state = play(state_at(CASTLING_FEN), "a1a8")
    assert CHESS.to_text(state).split()[2] == "Kk"


def test_castling_needs_the_squares_between_king_and_rook_empty():
    # A knight on b1 blocks the long castle even though the king never crosses b1.
    moves = legal("r3k2r/8/8/8/8/8/8/RN2K1NR w KQkq - 0 1")
    assert "e1g1" not in moves and "e1c1" not in moves


def test_no_castling_out_of_check():
    moves = legal("4k3/4r3/8/8/8/8/8/R3K2R w KQ - 0 1")
    assert "e1g1" not in moves and "e1c1" not in moves


def test_no_castling_through_an_attacked_square():
    moves = legal("4kr2/8/8/8/8/8/8/R3K2R w KQ - 0 1")  # f1 attacked
    assert "e1g1" not in moves and "e1c1" in moves
    moves = legal("3qk3/8/8/8/8/8/8/R3K2R w KQ - 0 1")  # d1 attacked
    assert "e1c1" not in moves and "e1g1" in moves


def test_no_castling_into_check_but_b1_may_be_attacked():
    moves = legal("4k1r1/8/8/8/8/8/8/R3K2R w KQ - 0 1")  # g1 attacked
    assert "e1g1" not in moves and "e1c1" in moves
    moves = legal("2r1k3/8/8/8/8/8/8/R3K2R w KQ - 0 1")  # c1 attacked
    assert "e1c1" not in moves
    moves = legal("1r2k3/8/8/8/8/8/8/R3K2R w KQ - 0 1")  # only b1 attacked: fine
    assert {"e1c1", "e1g1"} <= moves


# -- en passant ---------------------------------------------------------------------------


def test_en_passant_right_after_the_double_step_removes_the_pawn():
    state = play(state_at("4k3/3p4/8/4P3/8/8/8/4K3 b - - 0 1"), "d7d5")
    assert "e5d6" in CHESS.legal_moves(state)
    assert CHESS.to_text(state) == "4k3/8/8/3pP3/8/8/8/4K3 w - d6 0 2"
    after = play(state, "e5d6")
    assert CHESS.to_text(after) == "4k3/8/3P4/8/8/8/8/4K3 b - - 0 2"


def test_en_passant_expires_after_one_move():
    state = play(state_at("4k3/3p4/8/4P3/8/8/8/4K3 b - - 0 1"), "d7d5", "e1e2", "e8e7")
    assert "e5d6" not in CHESS.legal_moves(state)


def test_en_passant_that_would_expose_the_king_along_the_rank_is_illegal():
    # Both pawns leave the fifth rank, opening it for the rook on h5 against the king on a5.
    state = state_at("8/8/8/KPp4r/8/8/8/4k3 w - c6 0 2")
    assert "b5c6" not in CHESS.legal_moves(state)
    # With no legal capture the square is not part of the position (nor of the FEN).
    assert CHESS.to_text(state) == "8/8/8/KPp4r/8/8/8/4k3 w - - 0 2"


def test_a_diagonally_pinned_pawn_may_capture_en_passant_along_the_pin():
    moves = legal("4k3/6b1/8/4Pp2/8/8/8/K7 w - f6 0 2")
    assert "e5f6" in moves and "e5e6" not in moves


def test_en_passant_captures_a_checking_pawn():
    moves = legal("8/8/8/2k5/3Pp3/8/8/4K3 b - d3 0 1")
    assert "e4d3" in moves and "e4e3" not in moves


# -- promotion ----------------------------------------------------------------------------


@pytest.mark.parametrize("piece", ["q", "r", "b", "n"])
def test_promotion_to_each_piece(piece):
    state = state_at("8/4P3/8/8/8/8/k7/4K3 w - - 0 1")
    moves = set(CHESS.legal_moves(state))
    assert {"e7e8q", "e7e8r", "e7e8b", "e7e8n"} <= moves and "e7e8" not in moves
    after = play(state, "e7e8" + piece)
    assert CHESS.to_text(after).startswith(f"4{piece.upper()}3/8/")


def test_a_move_without_its_promotion_piece_is_illegal():
    state = state_at("8/4P3/8/8/8/8/k7/4K3 w - - 0 1")
    assert error_code(lambda: CHESS.apply(state, "e7e8")) == "illegal_move"


# -- moves as data ------------------------------------------------------------------------


@pytest.mark.parametrize("data", [42, None, ["e2e4"], "e2e9", "e2-e4", "E2E4", "e7e8k", ""])
def test_malformed_moves_are_rejected(data):
    state = CHESS.initial_state(2)
    assert error_code(lambda: CHESS.apply(state, data)) == "malformed_move"


def test_well_formed_but_illegal_moves_are_rejected():
    state = CHESS.initial_state(2)
    assert error_code(lambda: CHESS.apply(state, "e2e5")) == "illegal_move"
    assert error_code(lambda: CHESS.apply(state, "e7e5", 1)) == "not_your_turn"


# -- how games end ------------------------------------------------------------------------


FOOLS_MATE = ["f2f3", "e7e5", "g2g4", "d8h4"]


def test_checkmate_wins_for_the_side_that_mated():
    state = play(CHESS.initial_state(2), *FOOLS_MATE)
    assert CHESS.outcome(state) == Outcome((1,), "checkmate")
    assert CHESS.legal_moves(state) == [] and CHESS.to_move(state) == ()
    assert error_code(lambda: CHESS.apply(state, "e1f2")) == "game_over"


def test_stalemate_is_a_draw():
    state = state_at("7k/5Q2/6K1/8/8/8/8/8 b - - 0 1")
    assert CHESS.outcome(state) == Outcome((), "stalemate")


def test_fifty_moves_without_capture_or_pawn_move_draw_automatically():
    state = state_at("7k/8/8/8/8/8/8/R6K w - - 99 80")
    assert CHESS.outcome(state) is None
    assert CHESS.outcome(play(state, "a1a2")) == Outcome((), "fifty_moves")


def test_mate_on_the_hundredth_halfmove_takes_precedence_over_fifty_moves():
    state = play(state_at("7k/8/6K1/8/8/8/8/R7 w - - 99 80"), "a1a8")
    assert CHESS.outcome(state) == Outcome((0,), "checkmate")


def test_a_capture_resets_the_fifty_move_count():
    state = play(state_at("7k/8/8/8/8/8/r7/R6K w - - 99 80"), "a1a2")
    assert CHESS.to_text(state).endswith(" 0 80") and CHESS.outcome(state) is None


KNIGHT_DANCE = ["g1f3", "g8f6", "f3g1", "f6g8"]


def test_threefold_repetition_draws_automatically():
    state = play(CHESS.initial_state(2), *KNIGHT_DANCE)
    assert CHESS.outcome(state) is None  # the start position, second time
    state = play(state, *KNIGHT_DANCE)
    assert CHESS.outcome(state) == Outcome((), "threefold_repetition")
    assert CHESS.legal_moves(state) == []


def test_positions_with_different_castling_rights_are_not_repetitions():
    rook_dance = ["h1g1", "h8g8", "g1h1", "g8h8"]
    state = play(state_at(CASTLING_FEN), *rook_dance, *rook_dance)
    # The start placement a third time, but the first time came with the short castling
    # rights, so this is only the second occurrence of the position.
    assert CHESS.outcome(state) is None
    # The rooks-on-g position (no short castling either time) occurs at plies 2, 6 and 10.
    state = play(state, *rook_dance[:2])
    assert CHESS.outcome(state) == Outcome((), "threefold_repetition")


def test_repetition_history_survives_serialization():
    state = play(CHESS.initial_state(2), *KNIGHT_DANCE, *KNIGHT_DANCE[:3])
    restored = CHESS.state_from_data(CHESS.state_to_data(state))
    assert restored == state
    assert CHESS.outcome(play(restored, KNIGHT_DANCE[3])).reason == "threefold_repetition"


@pytest.mark.parametrize(
    "fen",
    [
        "8/8/8/4k3/8/8/8/4K3 w - - 0 1",  # K v K
        "8/8/8/4k3/8/8/8/2B1K3 w - - 0 1",  # K+B v K
        "8/8/8/4k3/8/8/8/1N2K3 b - - 0 1",  # K+N v K
        "5b2/8/8/4k3/8/8/8/2B1K3 w - - 0 1",  # K+B v K+B, both bishops on dark squares
    ],
)
def test_insufficient_material_is_a_draw(fen):
    assert CHESS.outcome(state_at(fen)) == Outcome((), "insufficient_material")


@pytest.mark.parametrize(
    "fen",
    [
        "2b5/8/8/4k3/8/8/8/2B1K3 w - - 0 1",  # bishops on opposite colours: mate exists
        "1n6/8/8/4k3/8/8/8/1N2K3 w - - 0 1",  # K+N v K+N
        "8/8/8/4k3/8/8/8/1NN1K3 w - - 0 1",  # K+N+N v K
        "8/8/8/4k3/8/8/4P3/4K3 w - - 0 1",  # a pawn
    ],
)
def test_mating_material_is_not_a_draw(fen):
    assert CHESS.outcome(state_at(fen)) is None


def test_capturing_the_last_pawn_can_leave_insufficient_material():
    state = play(state_at("8/8/8/4k3/8/8/3p4/4K3 w - - 0 1"), "e1d2")
    assert CHESS.outcome(state) == Outcome((), "insufficient_material")


# -- FEN ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fen",
    [
        chess_rules.START_FEN,
        "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
        "rnbqkbnr/ppp1p1pp/8/3pPp2/8/8/PPPP1PPP/RNBQKBNR w KQkq f6 0 3",
        "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 b - - 17 42",
        CASTLING_FEN,
    ],
)
def test_fen_round_trips(fen):
    assert CHESS.to_text(state_at(fen)) == fen
    assert chess.Board(fen).fen() == fen


def test_fen_normalizes_impossible_rights_and_fills_in_missing_clocks():
    assert (
        CHESS.to_text(state_at("4k3/8/8/8/8/8/8/4K3 w KQkq -")) == "4k3/8/8/8/8/8/8/4K3 w - - 0 1"
    )


@pytest.mark.parametrize(
    "fen",
    [
        "8/8/8/8/8/8/8/4K3 w - - 0 1",  # no black king
        "4k3/8/8/8/8/8/8/4K2X w - - 0 1",  # unknown piece
        "4k2P/8/8/8/8/8/8/4K3 w - - 0 1",  # pawn on the last rank
        "4k3/8/8/8/8/8/8/4K3 x - - 0 1",  # side to move
        "4k3/8/8/8/8/8/8/4K2 w - - 0 1",  # short rank
        "4k3/4R3/8/8/8/8/8/4K3 w - - 0 1",  # the side not to move is in check
        "4k3/8/8/8/8/8/8/4K3 w - - x 1",  # clock
        "not a fen",
    ],
)
def test_invalid_fen_is_rejected(fen):
    assert error_code(lambda: state_at(fen)) == "invalid_position"


# -- SAN ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fen, move, expected",
    [
        (chess_rules.START_FEN, "g1f3", "Nf3"),
        (chess_rules.START_FEN, "e2e4", "e4"),
        ("4k3/8/8/8/8/8/8/1N2KN2 w - - 0 1", "b1d2", "Nbd2"),  # file disambiguation
        ("4k3/8/8/R7/8/8/8/R3K3 w - - 0 1", "a1a3", "R1a3"),  # rank disambiguation
        ("1k6/8/8/8/4Q2Q/8/8/K6Q w - - 0 1", "h4e1", "Qh4e1"),  # both
        ("rnbqkbnr/ppp2ppp/3p4/4p3/4P3/8/PPPP1PPP/RNBQKBNR w KQkq - 0 3", "f1b5", "Bb5+"),
        ("rnbqkbnr/pppp1ppp/8/4p3/6P1/5P2/PPPPP2P/RNBQKBNR b KQkq - 0 2", "d8h4", "Qh4#"),
        (CASTLING_FEN, "e1g1", "O-O"),
        (CASTLING_FEN, "e1c1", "O-O-O"),
        ("7k/4P3/8/8/8/8/8/K7 w - - 0 1", "e7e8q", "e8=Q+"),
        ("7k/4P3/8/8/8/8/8/K7 w - - 0 1", "e7e8n", "e8=N"),
        ("3rk3/4P3/8/8/8/8/8/K7 w - - 0 1", "e7d8r", "exd8=R+"),
        ("4k3/8/8/3pP3/8/8/8/4K3 w - d6 0 2", "e5d6", "exd6"),
        ("7k/8/6K1/8/8/8/8/R7 w - - 0 1", "a1a8", "Ra8#"),
    ],
)
def test_san(fen, move, expected):
    assert CHESS.describe_move(state_at(fen), move) == expected
    assert chess_rules.san(fen, move) == expected
    assert chess.Board(fen).san(chess.Move.from_uci(move)) == expected


# -- PGN and view -------------------------------------------------------------------------


def test_pgn_export_of_fools_mate():
    text = chess_rules.pgn(FOOLS_MATE, headers={"White": "Ann", "Black": "Bo"})
    assert text == (
        '[Event "?"]\n[Site "?"]\n[Date "????.??.??"]\n[Round "?"]\n'
        '[White "Ann"]\n[Black "Bo"]\n[Result "0-1"]\n[Termination "normal"]\n'
        "\n1. f3 e5 2. g4 Qh4# 0-1\n"
    )
    game = chess.pgn.read_game(io.StringIO(text))
    assert [m.uci() for m in game.mainline_moves()] == FOOLS_MATE
    assert game.headers["Result"] == "0-1" and game.end().board().is_checkmate()


def test_pgn_from_a_move_log_with_a_resignation():
    log = [(0, "e2e4"), (1, "e7e5"), (1, {"action": "resign"})]
    state = CHESS.replay(CHESS.initial_state(2), log)
    text = chess_rules.pgn(log, result=CHESS.outcome(state))
    assert text.endswith("\n1. e4 e5 1-0\n") and '[Result "1-0"]' in text


def test_pgn_from_a_position_records_the_fen_and_the_drawn_result():
    start = "rn2k1nr/8/8/8/8/8/8/RN2K1NR w KQkq - 0 1"
    text = chess_rules.pgn(KNIGHT_DANCE * 2, start=start)
    assert '[SetUp "1"]' in text and f'[FEN "{start}"]' in text
    assert '[Result "1/2-1/2"]' in text and text.endswith(" 1/2-1/2\n")


def test_long_pgn_movetext_is_wrapped_and_reads_back_in_python_chess():
    rng, state, moves = random.Random(7), CHESS.initial_state(2), []
    while len(moves) < 80 and not CHESS.is_over(state):
        move = rng.choice(CHESS.legal_moves(state))
        moves.append(move)
        state = CHESS.apply(state, move)
    text = chess_rules.pgn(moves)
    assert all(len(line) <= 80 for line in text.splitlines())
    game = chess.pgn.read_game(io.StringIO(text))
    assert [m.uci() for m in game.mainline_moves()] == moves


def test_pgn_rejects_illegal_moves():
    assert error_code(lambda: chess_rules.pgn(["e2e5"])) == "illegal_move"


def test_view_has_fen_last_move_and_check():
    state = play(CHESS.initial_state(2), "e2e4", "f7f6", "d1h5")
    view = CHESS.view(state, 1)
    assert view["position"] == {
        "fen": "rnbqkbnr/ppppp1pp/5p2/7Q/4P3/8/PPPP1PPP/RNB1KBNR b KQkq - 1 2",
        "last_move": "d1h5",
        "check": True,
    }
    assert view["legal_moves"] == ["g7g6"]
    assert CHESS.view(CHESS.initial_state(2), None)["position"]["last_move"] is None


# -- cross-check against python-chess -------------------------------------------------------


def test_random_playouts_agree_with_python_chess():
    rng = random.Random(20261124)
    for _ in range(12):
        state, board = CHESS.initial_state(2), chess.Board()
        for _ in range(200):
            moves = CHESS.legal_moves(state)
            if board.outcome(claim_draw=False) or board.is_repetition(3):
                assert CHESS.outcome(state) is not None
                break
            if board.halfmove_clock >= 100:
                assert CHESS.outcome(state).reason == "fifty_moves"
                break
            assert set(moves) == {m.uci() for m in board.legal_moves}
            assert CHESS.to_text(state) == board.fen()
            move = rng.choice(moves)
            assert CHESS.describe_move(state, move) == board.san(chess.Move.from_uci(move))
            state = CHESS.apply(state, move)
            board.push_uci(move)
