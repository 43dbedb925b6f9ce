"""Liar's Dice driven by Hypothesis through random sequences of bids, challenges and resignations.

Invariants checked after every step: the number of dice on the table never grows, the
seat to move is still playing, and no view (other seats', spectators') changes when a
seat's hidden dice are re-rolled, so no view can reveal them.
"""

import dataclasses

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import engine
from engine import EngineError
from engine.rng import Rng

DICE = engine.get("liars_dice")


def playing(machine) -> bool:
    return not DICE.is_over(machine.state)


def bidding_started(machine) -> bool:
    return playing(machine) and bool(machine.state.position.bids)


class LiarsDiceTable(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.state = None
        self.lowest_total = None

    @initialize(
        num_players=st.integers(2, 6),
        seed=st.integers(0, 2**40),
        dice=st.integers(1, 5),
    )
    def first_deal(self, num_players, seed, dice):
        self.deal(num_players, seed, dice)

    def deal(self, num_players, seed, dice):
        self.state = DICE.initial_state(num_players, seed=seed, options={"dice": dice})
        self.lowest_total = self.state.position.total_dice
        assert self.lowest_total == num_players * dice

    def apply(self, move_data, seat=None):
        self.state = DICE.apply(self.state, move_data, seat)

    @precondition(playing)
    @rule(pick=st.integers(0, 11))
    def bid(self, pick):
        bids = [move for move in DICE.legal_moves(self.state) if move != "challenge"]
        if not bids:  # the highest possible bid stands: only a challenge is left
            return
        before = self.state.position
        move = bids[min(pick, len(bids) - 1)]  # low bids, so rounds last a while
        self.apply(DICE.move_to_data(move))
        after = self.state.position
        assert after.bids == before.bids + ((before.turn, move[1], move[2]),)
        assert after.dice == before.dice and after.turn != before.turn

    @precondition(bidding_started)
    @rule()
    def challenge(self):
        before = self.state.position
        bidder, quantity, face = before.bids[-1]
        self.apply("challenge")
        after = self.state.position
        assert after.total_dice == before.total_dice - 1  # exactly one die lost
        reveal = after.last_reveal
        assert reveal.dice == before.dice and reveal.bidder == bidder
        assert reveal.count == sum(hand.count(face) for hand in before.dice)
        assert reveal.loser == (before.turn if reveal.count >= quantity else bidder)
        lost = [b - a for b, a in zip(before.dice_counts, after.dice_counts, strict=True)]
        assert lost == [1 if seat == reveal.loser else 0 for seat in range(len(lost))]
        assert after.bids == () and after.round_number == before.round_number + 1

    @precondition(bidding_started)
    @rule(kind=st.sampled_from(["same", "lower_face", "lower_quantity", "too_many"]))
    def illegal_bid(self, kind):
        before = self.state
        _, quantity, face = before.position.bids[-1]
        attempt = {
            "same": (quantity, face),
            "lower_face": (quantity, face - 1),
            "lower_quantity": (quantity - 1, face),
            "too_many": (before.position.total_dice + 1, 1),
        }[kind]
        if attempt[0] < 1 or attempt[1] < 1:
            return
        try:
            self.apply(["bid", *attempt])
        except EngineError as error:
            assert error.code == "illegal_move"
        else:
            raise AssertionError(f"bid {attempt} after {quantity}x{face} was accepted")
        assert self.state is before

    @precondition(playing)
    @rule(data=st.data())
    def resign(self, data):
        active = DICE.active_seats(self.state)
        seat = data.draw(st.sampled_from(active))
        before = self.state.position
        self.apply({"action": "resign"}, seat)
        if len(active) == 2:
            outcome = DICE.outcome(self.state)
            assert outcome.winners == tuple(s for s in active if s != seat)
            assert outcome.reason == "resignation"
        else:
            assert DICE.outcome(self.state) is None
            assert DICE.active_seats(self.state) == tuple(s for s in active if s != seat)
            after = self.state.position
            assert after.total_dice == before.total_dice - before.dice_counts[seat]

    @precondition(lambda machine: not playing(machine))
    @rule(
        num_players=st.integers(2, 6),
        seed=st.integers(0, 2**40),
        dice=st.integers(1, 5),
    )
    def a_finished_game_refuses_everything_then_a_new_one_starts(self, num_players, seed, dice):
        winner = DICE.outcome(self.state).winners[0]
        for move in ("challenge", ["bid", 1, 1], {"action": "resign"}):
            try:
                self.apply(move, winner)
            except EngineError as error:
                assert error.code == "game_over"
            else:
                raise AssertionError(f"{move!r} was accepted after the game ended")
        self.deal(num_players, seed, dice)

    @invariant()
    def dice_never_increase(self):
        total = self.state.position.total_dice
        assert total <= self.lowest_total
        self.lowest_total = total

    @invariant()
    def the_seat_to_move_is_playing(self):
        to_move = DICE.to_move(self.state)
        if DICE.is_over(self.state):
            assert to_move == ()
        else:
            assert len(to_move) == 1 and to_move[0] in DICE.active_seats(self.state)
            assert self.state.position.dice[to_move[0]]

    @invariant()
    def views_never_show_other_seats_dice(self):
        state = self.state
        viewers = [None, *range(state.num_players)]
        for seat in DICE.active_seats(state):
            rerolled = DICE.rules.perturb_private(state.position, seat, Rng(state.ply))
            perturbed = dataclasses.replace(state, position=rerolled)
            for viewer in viewers:
                if viewer != seat:
                    assert DICE.view(perturbed, viewer) == DICE.view(state, viewer)
            assert DICE.view(state, seat)["position"]["dice"] == list(state.position.dice[seat])


TestLiarsDiceTable = LiarsDiceTable.TestCase
TestLiarsDiceTable.settings = settings(
    max_examples=100, stateful_step_count=50, deadline=None, database=None
)
