"""Checkers (English draughts): move generation against published perft, and each rule."""

import dataclasses

import pytest

import engine
from engine import EngineError
from engine.core import Rng
from engine.games.checkers import START

CHECKERS = engine.get("checkers")
START_FEN = "B:W21,22,23,24,25,26,27,28,29,30,31,32:B1,2,3,4,5,6,7,8,9,10,11,12"


def codes(fn):
    with pytest.raises(EngineError) as info:
        fn()
    return info.value.code


def at(fen: str):
    return CHECKERS.state_from_text(fen)


# Perft from the initial position as published by Aart Bik, "perft for 8x8 checkers",
# TalkChess, 8 May 2009 (https://talkchess.com/forum3/viewtopic.php?t=27814), and
# confirmed with Martin Fierz's Cake (http://checker-board.blogspot.com/2009/02/).
PUBLISHED_PERFT = [7, 49, 302, 1469, 7361, 36768, 179740]


@pytest.mark.parametrize("depth, expected", list(enumerate(PUBLISHED_PERFT, start=1)))
def test_perft_from_the_start_matches_the_published_counts(depth, expected):
    assert engine.perft(CHECKERS, CHECKERS.initial_state(2), depth) == expected


def test_the_public_move_strings_replay_the_same_tree_as_the_fast_perft():
    rules = CHECKERS.rules

    def count(position, depth):
        if depth == 0:
            return 1
        return sum(
            count(rules.play(position, move, Rng(0)), depth - 1)
            for move in rules.legal_moves(position)
        )

    assert count(START, 5) == PUBLISHED_PERFT[4]


def test_black_opens_with_seven_steps():
    state = CHECKERS.initial_state(2)
    assert CHECKERS.to_move(state) == (0,)
    assert CHECKERS.legal_moves(state) == [
        "9-13", "9-14", "10-14", "10-15", "11-15", "11-16", "12-16"
    ]  # fmt: skip
    assert CHECKERS.to_move(CHECKERS.apply(state, "11-15")) == (1,)


def test_capture_is_mandatory():
    state = at("B:W18:B1,14")
    assert CHECKERS.legal_moves(state) == ["14x23"]
    assert codes(lambda: CHECKERS.apply(state, "1-5")) == "illegal_move"
    after = CHECKERS.apply(state, "14x23")
    assert CHECKERS.to_text(after) == "W:W:B1,23"


def test_a_multi_jump_is_one_move_and_must_be_finished():
    state = at("B:W10,19,30:B6")
    assert CHECKERS.legal_moves(state) == ["6x15x24"]
    assert codes(lambda: CHECKERS.apply(state, "6x15")) == "illegal_move"
    after = CHECKERS.apply(state, "6x15x24")
    assert CHECKERS.to_text(after) == "W:W30:B24"


def test_every_branch_of_a_multi_jump_is_a_separate_move():
    # From 6, black jumps 10 to 15, then may take 19 (to 24) or 18 (to 22).
    state = at("B:W10,18,19,30:B6")
    assert sorted(CHECKERS.legal_moves(state)) == ["6x15x22", "6x15x24"]


def test_crowning_mid_jump_ends_the_move():
    # The man lands on 31 and is crowned; as a king it could go on over 27, but may not.
    state = at("B:W26,27:B22")
    assert CHECKERS.legal_moves(state) == ["22x31"]
    after = CHECKERS.apply(state, "22x31")
    assert CHECKERS.to_text(after) == "W:W27:BK31"
    # A king making the same jump is not crowned and so carries on.
    assert CHECKERS.legal_moves(at("B:W26,27:BK22")) == ["22x31x24"]


def test_reaching_the_far_row_with_a_step_crowns_a_man():
    after = CHECKERS.apply(at("B:W5:B25"), "25-29")
    assert CHECKERS.to_text(after) == "W:W5:BK29"


def test_kings_move_backwards_and_men_do_not():
    assert sorted(CHECKERS.legal_moves(at("B:W32:BK14"))) == ["14-10", "14-17", "14-18", "14-9"]
    assert sorted(CHECKERS.legal_moves(at("B:W32:B14"))) == ["14-17", "14-18"]
    assert sorted(CHECKERS.legal_moves(at("W:WK14:B1"))) == ["14-10", "14-17", "14-18", "14-9"]
    assert sorted(CHECKERS.legal_moves(at("W:W14:B1"))) == ["14-10", "14-9"]


def test_kings_capture_backwards():
    assert CHECKERS.legal_moves(at("B:W10,32:BK14")) == ["14x7"]


def test_a_side_without_moves_loses():
    captured_last_piece = CHECKERS.apply(at("B:W18:B14"), "14x23")
    outcome = CHECKERS.outcome(captured_last_piece)
    assert outcome.winners == (0,) and outcome.reason == "no_moves"
    assert CHECKERS.to_move(captured_last_piece) == ()
    assert CHECKERS.legal_moves(captured_last_piece) == []
    assert codes(lambda: CHECKERS.apply(captured_last_piece, "23-27")) == "game_over"

    blocked = at("W:W5:B1")  # white's man on 5 can only go to 1, which is taken
    assert CHECKERS.outcome(blocked).winners == (0,)
    assert CHECKERS.outcome(blocked).reason == "no_moves"


def _shuffle_kings(state, plies):
    black_moves = ["1-6", "6-1"]
    white_moves = ["32-27", "27-32"]
    for _ in range(plies):
        moves = black_moves if state.ply % 2 == 0 else white_moves
        state = CHECKERS.apply(state, moves[(state.ply // 2) % 2])
    return state


def test_forty_moves_each_without_capture_or_man_move_is_a_draw():
    state = _shuffle_kings(at("B:WK32:BK1"), 79)
    assert CHECKERS.outcome(state) is None and state.position.quiet_plies == 79
    state = _shuffle_kings(state, 1)  # the 80th ply: ply 79 is white's
    assert CHECKERS.outcome(state).draw
    assert CHECKERS.outcome(state).reason == "forty_move_rule"
    assert CHECKERS.legal_moves(state) == [] and CHECKERS.to_move(state) == ()


def test_a_man_move_or_a_capture_resets_the_draw_count():
    state = _shuffle_kings(at("B:WK32:BK1,9"), 10)
    assert state.position.quiet_plies == 10
    assert CHECKERS.apply(state, "9-13").position.quiet_plies == 0
    captures = at("B:WK18:BK14,1")
    captures = dataclasses.replace(captures, position=captures.position._replace(quiet_plies=50))
    assert CHECKERS.apply(captures, "14x23").position.quiet_plies == 0


def test_fen_round_trips():
    assert CHECKERS.to_text(CHECKERS.initial_state(2)) == START_FEN
    assert at(START_FEN).position == START
    assert at("B:W21-32:B1-12.").position == START  # PDN ranges and a trailing full stop
    assert at("W:BK3,10:WK30,22").position == at("W:W22,K30:B10,K3").position
    # Every position of a long deterministic playout survives text and plain data.
    state = CHECKERS.initial_state(2)
    rng = Rng(12345)
    while not CHECKERS.is_over(state) and state.ply < 200:
        text = CHECKERS.to_text(state)
        assert CHECKERS.to_text(at(text)) == text
        assert CHECKERS.state_from_data(CHECKERS.state_to_data(state)) == state
        moves = CHECKERS.legal_moves(state)
        state = CHECKERS.apply(state, moves[rng.below(len(moves))])


@pytest.mark.parametrize(
    "fen",
    ["", "B:W21", "X:W21:B1", "B:W21:W22", "B:W21,33:B1", "B:W21:B21", "B:W1:B2", "B:W3:B29"],
)
def test_bad_fen_is_an_invalid_position(fen):
    assert codes(lambda: at(fen)) == "invalid_position"


@pytest.mark.parametrize(
    "move",
    ["11/15", "", "11-", "x15", "0-4", "11-33", "11-15-19", "11-15x19", "1x", 1115, None, [11]],
)
def test_malformed_moves_are_rejected_with_their_code(move):
    assert codes(lambda: CHECKERS.apply(CHECKERS.initial_state(2), move)) == "malformed_move"


@pytest.mark.parametrize("move", ["11-14", "21-17", "11x18", "12-8", "13-17", "11x20"])
def test_well_formed_but_illegal_moves_are_rejected(move):
    assert codes(lambda: CHECKERS.apply(CHECKERS.initial_state(2), move)) == "illegal_move"


def test_moves_are_read_in_canonical_form_and_described_as_written():
    state = CHECKERS.apply(CHECKERS.initial_state(2), " 09-13 ")
    assert CHECKERS.to_text(state).endswith(":B1,2,3,4,5,6,7,8,10,11,12,13")
    assert CHECKERS.describe_move(at("B:W18:B14"), "14X23") == "14x23"
    assert codes(lambda: CHECKERS.apply(state, "22-18", 0)) == "not_your_turn"
