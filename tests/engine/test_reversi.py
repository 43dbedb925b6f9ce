"""Reversi: published perft counts, forced passes, the end of the game and its scores."""

import pytest

import engine
from engine import EngineError

REVERSI = engine.get("reversi")
START_TEXT = "---------------------------OX------XO--------------------------- X"

# Aart Bik, "Perft for Reversi" (aartbik.blogspot.com/2009/02/perft-for-reversi.html and
# aartbik.com/MISC/reversi.html), leaf counts from the standard start. Passes count as
# moves. Passes first occur at depth 9 and finished games at depth 11 of his table, so
# these depths do not depend on how a finished game is counted.
START_PERFT = [(1, 4), (2, 12), (3, 56), (4, 244), (5, 1396), (6, 8200), (7, 55092)]

# A nine-ply game that wipes out white (found by search; Bik's table above shows 228
# such games as the "higher" leaf nodes of depth 11).
WIPEOUT_GAME = ["d3", "c3", "b3", "d2", "e1", "d6", "d7", "e3", "f4"]


def codes(fn):
    with pytest.raises(EngineError) as info:
        fn()
    return info.value.code


def play_notation(state, moves):
    """Apply moves written as describe_move gives them ("d3", "pass")."""
    for notation in moves:
        by_name = {REVERSI.describe_move(state, m): m for m in REVERSI.legal_moves(state)}
        state = REVERSI.apply(state, by_name[notation])
    return state


def generic_perft(position, depth):
    """Leaf count through the public rule functions, to check the fast perft against."""
    rules = REVERSI.rules
    if depth == 0:
        return 1
    if rules.outcome(position) is not None:
        return 0
    return sum(
        generic_perft(rules.play(position, move, None), depth - 1)
        for move in rules.legal_moves(position)
    )


@pytest.mark.parametrize("depth, leaves", START_PERFT)
def test_perft_from_the_start(depth, leaves):
    assert engine.perft(REVERSI, REVERSI.initial_state(2), depth) == leaves


def test_fast_perft_agrees_with_the_rule_functions():
    state = REVERSI.initial_state(2)
    assert generic_perft(state.position, 5) == 1396
    # A random playout's 56th ply: passes and finished games occur within a few plies.
    # (Our own counts, pinned as a regression check and re-derived by the generic walk.)
    endgame = REVERSI.state_from_text(
        "XXXXXXO-OXXXXOOOOXXXOXOOOOOOXXOOOOXXXXOO-OXOXX--XXOXOOOOXXXXXXXX X"
    )
    assert [engine.perft(REVERSI, endgame, depth) for depth in range(1, 7)] == [4, 4, 8, 8, 8, 0]
    for depth in range(1, 7):
        assert engine.perft(REVERSI, endgame, depth) == generic_perft(endgame.position, depth)


def test_start_position_and_notation():
    state = REVERSI.initial_state(2)
    assert REVERSI.to_text(state) == START_TEXT
    assert REVERSI.to_move(state) == (0,)
    moves = REVERSI.legal_moves(state)
    assert moves == [19, 26, 37, 44]
    assert [REVERSI.describe_move(state, m) for m in moves] == ["d3", "c4", "f5", "e6"]


def test_a_placement_turns_over_the_outflanked_disc():
    state = REVERSI.apply(REVERSI.initial_state(2), 19)  # d3 turns over d4
    assert REVERSI.to_text(state) == ("-" * 19 + "X" + "-" * 7 + "XX------XO" + "-" * 27 + " O")
    assert REVERSI.to_move(state) == (1,)


def test_forced_pass_is_the_only_move():
    # X (to move) cannot outflank anything; O can take c1 by outflanking b1.
    state = REVERSI.state_from_text("OX" + "-" * 62 + " X")
    assert REVERSI.outcome(state) is None
    assert REVERSI.to_move(state) == (0,)
    assert REVERSI.legal_moves(state) == ["pass"]
    assert REVERSI.describe_move(state, "pass") == "pass"
    assert codes(lambda: REVERSI.apply(state, 2)) == "illegal_move"
    passed = REVERSI.apply(state, "pass")
    assert REVERSI.to_move(passed) == (1,)
    assert REVERSI.legal_moves(passed) == [2]
    assert engine.perft(REVERSI, state, 1) == 1
    assert engine.perft(REVERSI, state, 2) == 1


def test_pass_is_illegal_while_a_placement_exists():
    assert codes(lambda: REVERSI.apply(REVERSI.initial_state(2), "pass")) == "illegal_move"


def test_wipeout_ends_the_game_with_no_children():
    state = play_notation(REVERSI.initial_state(2), WIPEOUT_GAME)
    outcome = REVERSI.outcome(state)
    assert outcome.winners == (0,) and outcome.reason == "most_discs"
    assert outcome.scores == (13, 0)
    assert REVERSI.legal_moves(state) == [] and REVERSI.to_move(state) == ()
    assert engine.perft(REVERSI, state, 1) == 0 and engine.perft(REVERSI, state, 3) == 0
    assert codes(lambda: REVERSI.apply(state, "pass")) == "game_over"


@pytest.mark.parametrize(
    "text, winners, reason, scores",
    [
        ("X" * 32 + "O" * 32 + " X", (), "equal_discs", (32, 32)),
        ("X" * 20 + "O" * 44 + " O", (1,), "most_discs", (20, 44)),
        # Not full, but neither side can outflank: empty corner next to one colour only.
        ("-" + "X" * 63 + " O", (0,), "most_discs", (63, 0)),
    ],
)
def test_game_end_scores(text, winners, reason, scores):
    outcome = REVERSI.outcome(REVERSI.state_from_text(text))
    assert outcome.winners == winners and outcome.reason == reason and outcome.scores == scores
    assert outcome.to_data()["scores"] == list(scores)


@pytest.mark.parametrize(
    "text", [START_TEXT, "OX" + "-" * 62 + " X", "X" * 20 + "O" * 44 + " O", "-" * 64 + " O"]
)
def test_text_round_trips(text):
    state = REVERSI.state_from_text(text)
    assert REVERSI.to_text(state) == text
    assert REVERSI.state_from_data(REVERSI.state_to_data(state)) == state


@pytest.mark.parametrize(
    "text", ["", START_TEXT[:-2], START_TEXT[:-1] + "B", START_TEXT.replace("O", "W"), "-" * 66]
)
def test_bad_position_text(text):
    assert codes(lambda: REVERSI.state_from_text(text)) == "invalid_position"


@pytest.mark.parametrize(
    "move, code",
    [(27, "illegal_move"), (0, "illegal_move"), (64, "illegal_move"), (-1, "illegal_move")]
    + [("d3", "malformed_move"), (True, "malformed_move"), (1.0, "malformed_move")],
)
def test_bad_moves(move, code):
    assert codes(lambda: REVERSI.apply(REVERSI.initial_state(2), move)) == code
