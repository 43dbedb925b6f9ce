"""The engine contract shared by every game: validation codes, engine actions, purity."""

import pytest

import engine
from engine import EngineError

TTT = engine.get("tictactoe")


def codes(fn):
    with pytest.raises(EngineError) as info:
        fn()
    return info.value.code


def test_registry_lists_games_and_rejects_unknown_names():
    assert "tictactoe" in engine.names()
    assert codes(lambda: engine.get("go")) == "unknown_game"


def test_apply_returns_a_new_state_and_never_mutates():
    start = TTT.initial_state(2, seed=1)
    after = TTT.apply(start, 4)
    assert start.position == "---------" and start.ply == 0
    assert after.position == "----x----" and after.ply == 1


@pytest.mark.parametrize(
    "move, seat, code",
    [
        (4, 1, "not_your_turn"),
        (9, 0, "illegal_move"),
        ("4", 0, "malformed_move"),
        (None, 0, "malformed_move"),
        (4, 2, "invalid_seat"),
        ({"action": "dance"}, 0, "malformed_move"),
        ({"action": "accept_draw"}, 1, "no_draw_offer"),
    ],
)
def test_bad_input_raises_one_exception_type_with_a_code(move, seat, code):
    start = TTT.initial_state(2, seed=1)
    assert codes(lambda: TTT.apply(start, move, seat)) == code
    assert start == TTT.initial_state(2, seed=1)


def test_resignation_ends_the_game_for_the_opponent():
    state = TTT.apply(TTT.initial_state(2), {"action": "resign"}, 1)
    outcome = TTT.outcome(state)
    assert outcome.winners == (0,) and outcome.reason == "resignation"
    assert TTT.legal_moves(state) == [] and TTT.to_move(state) == ()
    assert codes(lambda: TTT.apply(state, 0, 0)) == "game_over"


def test_draw_needs_an_offer_and_an_acceptance():
    state = TTT.apply(TTT.initial_state(2), {"action": "offer_draw"}, 0)
    assert codes(lambda: TTT.apply(state, {"action": "offer_draw"}, 0)) == "draw_already_offered"
    assert codes(lambda: TTT.apply(state, {"action": "accept_draw"}, 0)) == "draw_already_offered"
    agreed = TTT.apply(state, {"action": "accept_draw"}, 1)
    assert TTT.outcome(agreed).draw and TTT.outcome(agreed).reason == "draw_agreed"


def test_a_move_by_the_other_seat_declines_a_pending_draw_offer():
    state = TTT.apply(TTT.initial_state(2), 0)  # x plays
    state = TTT.apply(state, {"action": "offer_draw"}, 0)  # x offers
    state = TTT.apply(state, 4)  # o answers with a move instead
    assert state.draw_offers == frozenset()
    assert codes(lambda: TTT.apply(state, {"action": "accept_draw"}, 0)) == "no_draw_offer"


def test_offering_then_moving_keeps_the_offer_open():
    state = TTT.apply(TTT.initial_state(2), {"action": "offer_draw"}, 0)
    state = TTT.apply(state, 0)  # x offers, then moves
    assert state.draw_offers == frozenset({0})


def test_timeout_ends_the_game_with_its_own_reason():
    state = TTT.apply(TTT.initial_state(2), {"action": "timeout"}, 0)
    assert TTT.outcome(state).winners == (1,) and TTT.outcome(state).reason == "timeout"


def test_options_are_validated():
    assert codes(lambda: TTT.initial_state(2, options={"size": 4})) == "invalid_options"
    assert codes(lambda: TTT.initial_state(3)) == "invalid_players"


def test_state_round_trips_through_plain_data():
    state = TTT.replay(TTT.initial_state(2, seed=5), [(0, 4), (1, {"action": "offer_draw"})])
    assert TTT.state_from_data(TTT.state_to_data(state)) == state


def test_views_carry_legal_moves_only_for_the_seat_to_move():
    state = TTT.initial_state(2)
    assert TTT.view(state, 0)["legal_moves"] == list(range(9))
    assert "legal_moves" not in TTT.view(state, 1)
    assert "legal_moves" not in TTT.view(state, None)
