"""Liar's Dice: bid ordering, challenges, elimination, forfeits, determinism and secrecy."""

import dataclasses

import pytest

import engine
from engine import EngineError
from engine.games.liars_dice import Table
from engine.rng import Rng

DICE = engine.get("liars_dice")


def codes(fn):
    with pytest.raises(EngineError) as info:
        fn()
    return info.value.code


def with_dice(dice, turn=0, num_players=None, seed=0):
    """A fresh game whose current hands are ``dice`` (a tuple per seat)."""
    state = DICE.initial_state(num_players or len(dice), seed=seed)
    return dataclasses.replace(state, position=Table(dice=tuple(map(tuple, dice)), turn=turn))


def bid(quantity, face):
    return ["bid", quantity, face]


def test_setup_rolls_five_dice_each_and_seat_zero_opens():
    state = DICE.initial_state(4, seed=3)
    assert state.position.dice_counts == (5, 5, 5, 5)
    assert all(1 <= die <= 6 for hand in state.position.dice for die in hand)
    assert DICE.to_move(state) == (0,)
    assert "challenge" not in DICE.legal_moves(state)  # nothing to challenge yet
    assert DICE.initial_state(2, options={"dice": 3}).position.dice_counts == (3, 3)
    assert codes(lambda: DICE.initial_state(2, options={"dice": 0})) == "invalid_options"
    assert codes(lambda: DICE.initial_state(7)) == "invalid_players"


def test_bids_must_rise_by_quantity_or_by_face_at_the_same_quantity():
    state = DICE.apply(with_dice([(1, 2, 3), (4, 5, 6)]), bid(2, 4))
    assert codes(lambda: DICE.apply(state, bid(2, 4))) == "illegal_move"  # equal
    assert codes(lambda: DICE.apply(state, bid(2, 3))) == "illegal_move"  # lower face
    assert codes(lambda: DICE.apply(state, bid(1, 6))) == "illegal_move"  # lower quantity
    assert DICE.apply(state, bid(2, 5)).position.bids[-1] == (1, 2, 5)
    assert DICE.apply(state, bid(3, 1)).position.bids[-1] == (1, 3, 1)
    assert codes(lambda: DICE.apply(state, bid(7, 1))) == "illegal_move"  # only 6 dice out
    assert DICE.legal_moves(state)[-1] == "challenge"


@pytest.mark.parametrize(
    "move", ["bid", ["bid", 2], ["bid", 0, 3], ["bid", 2, 7], ["bid", True, 2], ["raise", 2, 3], 5]
)
def test_malformed_moves(move):
    assert codes(lambda: DICE.apply(with_dice([(1,), (2,)]), move)) == "malformed_move"


def test_a_true_bid_costs_the_challenger_a_die():
    state = with_dice([(3, 3, 5), (1, 3, 6)])
    state = DICE.apply(state, bid(3, 3), 0)  # exactly three 3s: true
    state = DICE.apply(state, "challenge", 1)
    table = state.position
    assert table.dice_counts == (3, 2)
    reveal = table.last_reveal
    assert reveal.dice == ((3, 3, 5), (1, 3, 6))
    assert (reveal.bidder, reveal.quantity, reveal.face) == (0, 3, 3)
    assert (reveal.challenger, reveal.loser, reveal.count) == (1, 1, 3)
    assert table.turn == 1 and table.bids == () and table.round_number == 2


def test_a_false_bid_costs_the_bidder_a_die_and_ones_are_not_wild():
    state = with_dice([(1, 1, 5), (1, 3, 6)])
    state = DICE.apply(state, bid(1, 5), 0)
    state = DICE.apply(state, bid(2, 5), 1)  # only one 5; the 1s do not count
    state = DICE.apply(state, "challenge", 0)
    assert state.position.dice_counts == (3, 2)
    assert state.position.last_reveal.loser == 1 and state.position.last_reveal.count == 1
    assert DICE.to_move(state) == (1,)  # the loser opens


def test_losing_the_last_die_eliminates_and_the_next_seat_opens():
    state = with_dice([(2,), (4, 4), (6, 6)])
    state = DICE.apply(state, bid(1, 6), 0)
    state = DICE.apply(state, bid(5, 1), 1)  # impossible
    state = DICE.apply(state, bid(5, 2), 2)
    state = DICE.apply(state, "challenge", 0)  # seat 2 bid a lie
    assert state.position.dice_counts == (1, 2, 1)
    state = dataclasses.replace(
        state, position=dataclasses.replace(state.position, dice=((3,), (5, 5), (1,)))
    )
    state = DICE.apply(state, bid(1, 4), 2)  # the loser, seat 2, opens
    state = DICE.apply(state, "challenge", 0)  # no 4s: seat 2 loses its last die
    assert state.position.dice_counts == (1, 2, 0)
    assert DICE.active_seats(state) == (0, 1)
    assert DICE.to_move(state) == (0,)  # seat 2 is out, so the next seat opens
    assert DICE.outcome(state) is None
    # Seats that are out are skipped when the turn goes round.
    state = DICE.apply(state, bid(1, 1), 0)
    assert DICE.to_move(state) == (1,)
    state = DICE.apply(state, bid(1, 2), 1)
    assert DICE.to_move(state) == (0,)


def test_the_last_player_with_dice_wins():
    state = with_dice([(6,), (2, 2)], turn=1)
    state = DICE.apply(state, bid(1, 6), 1)
    state = DICE.apply(state, bid(2, 6), 0)
    state = DICE.apply(state, "challenge", 1)  # only one 6
    outcome = DICE.outcome(state)
    assert outcome.winners == (1,) and outcome.reason == "last_player_standing"
    assert DICE.to_move(state) == () and DICE.legal_moves(state) == []
    assert state.position.last_reveal.loser == 0


def test_a_resignation_in_a_three_player_game_lets_the_others_play_on():
    state = DICE.initial_state(3, seed=11)
    state = DICE.apply(state, bid(2, 3), 0)
    state = DICE.apply(state, {"action": "resign"}, 1)  # seat 1 is to move and resigns
    assert DICE.outcome(state) is None
    assert DICE.active_seats(state) == (0, 2)
    assert state.position.dice_counts == (5, 0, 5)
    assert state.position.bids == ()  # bidding starts over without seat 1's dice
    assert DICE.to_move(state) == (2,)
    assert codes(lambda: DICE.apply(state, {"action": "resign"}, 1)) == "invalid_seat"
    assert codes(lambda: DICE.apply(state, bid(1, 1), 1)) == "not_your_turn"
    state = DICE.apply(state, bid(1, 1), 2)
    assert DICE.to_move(state) == (0,)  # seat 1 is skipped
    state = DICE.apply(state, "challenge", 0)
    assert state.position.total_dice == 9
    # A timeout by one of the last two ends the game for the other.
    state = DICE.apply(state, {"action": "timeout"}, 0)
    assert DICE.outcome(state).winners == (2,) and DICE.outcome(state).reason == "timeout"


def test_a_resignation_by_a_seat_not_to_move_keeps_the_turn():
    state = DICE.initial_state(4, seed=2)
    state = DICE.apply(state, bid(1, 1), 0)
    state = DICE.apply(state, {"action": "resign"}, 3)
    assert DICE.to_move(state) == (1,) and DICE.active_seats(state) == (0, 1, 2)


def _random_game(num_players, seed, max_plies=400):
    """Random legal moves chosen by an Rng of its own; yields each state along the way."""
    chooser = Rng(seed * 7919 + 1)
    state = DICE.initial_state(num_players, seed=seed)
    yield state
    while not DICE.is_over(state) and state.ply < max_plies:
        moves = DICE.legal_moves(state)
        # Favour challenges so that games end and many rounds are seen.
        bids = [move for move in moves if move != "challenge"]
        if "challenge" in moves and (not bids or chooser.below(3) == 0):
            move = "challenge"
        else:
            move = bids[chooser.below(min(len(bids), 8))]
        state = DICE.apply(state, DICE.move_to_data(move))
        yield state


def test_the_same_seed_and_moves_give_the_same_game():
    first = [DICE.state_to_data(state) for state in _random_game(3, seed=5)]
    again = [DICE.state_to_data(state) for state in _random_game(3, seed=5)]
    assert first == again
    other = DICE.initial_state(3, seed=6).position.dice
    assert DICE.initial_state(3, seed=5).position.dice != other


def test_random_games_end_with_one_die_lost_per_challenge():
    for seed in range(4):
        previous = None
        for state in _random_game(4, seed):
            if previous is not None:
                lost = previous.position.total_dice - state.position.total_dice
                assert lost == (
                    1 if state.position.round_number > previous.position.round_number else 0
                )
            assert DICE.state_from_data(DICE.state_to_data(state)) == state
            previous = state
        assert DICE.outcome(previous).reason == "last_player_standing"


def assert_views_hide_other_seats_dice(state):
    """No seat's current dice can be read from any view but its own."""
    rules = DICE.rules
    seats = range(state.num_players)
    for seat in seats:
        if not state.position.dice[seat]:
            continue
        for reroll in range(3):
            perturbed = dataclasses.replace(
                state, position=rules.perturb_private(state.position, seat, Rng(reroll))
            )
            for viewer in [None, *seats]:
                if viewer != seat:
                    assert DICE.view(perturbed, viewer) == DICE.view(state, viewer)
    for viewer in seats:
        assert DICE.view(state, viewer)["position"]["dice"] == list(state.position.dice[viewer])
    spectator = DICE.view(state, None)["position"]
    assert spectator["dice"] is None and "text" not in DICE.view(state, None)


def test_no_view_shows_another_seats_dice_before_a_challenge():
    for num_players, seed in [(2, 1), (3, 2), (5, 3), (6, 4)]:
        for state in _random_game(num_players, seed, max_plies=60):
            assert_views_hide_other_seats_dice(state)


def test_a_challenge_reveals_the_dice_to_everybody():
    state = with_dice([(1, 2), (3, 4)])
    state = DICE.apply(state, bid(1, 4), 0)
    state = DICE.apply(state, "challenge", 1)
    for viewer in (None, 0, 1):
        reveal = DICE.view(state, viewer)["position"]["last_reveal"]
        assert reveal["dice"] == [[1, 2], [3, 4]] and reveal["loser"] == 1


def test_moves_are_described_in_words():
    state = DICE.apply(with_dice([(1,), (2,)]), bid(1, 2))
    assert DICE.describe_move(state, bid(2, 2)) == "bid 2x2"
    assert DICE.describe_move(state, "challenge") == "challenge 1x2"
