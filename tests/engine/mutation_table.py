"""Seeded bugs against the conformance kit: which property catches which bug, how soon.

Not collected by pytest (no ``test_`` prefix) and not run in CI: it takes minutes. Run::

    .venv/bin/python -m tests.engine.mutation_table [--examples 100] [--only ID,...]

Each mutant is a registered game with one bug seeded by replacing functions of its
``Rules`` (``dataclasses.replace``; nothing is edited on disk), or, for the bot, by
patching ``engine.bots``. Each kit property then runs with ``--examples`` derandomized
Hypothesis examples (no shrinking), and the other checks once; the table says, per
mutant, which checks failed and after how many examples (``#n``: the n-th example).
The old kit is the first seven properties; the rest are new.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import random
import sys
import time
from pathlib import Path

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import engine
from engine import Game, Outcome, bots
from engine.games import chess, connect4, liars_dice, tictactoe
from engine.rng import Rng
from engine.testing import (
    PROPERTIES,
    check_endings,
    check_hash_seed_independence,
    check_playthrough,
)

PLAYTHROUGHS = Path(__file__).resolve().parent / "playthroughs"
OLD_PROPERTIES = list(PROPERTIES)[:7]
MODULE = "tests.engine.mutation_table"  # how the hash-seed check's child imports it


# -- the seeded bugs ---------------------------------------------------------------------
def _rules(name):
    return engine.get(name).rules


def swapped_winners(name):
    original = _rules(name).outcome

    def outcome(position):
        result = original(position)
        if result is None or not result.winners:
            return result
        losers = tuple(s for s in range(2) if s not in result.winners)
        return Outcome(losers, result.reason, result.scores)

    return {"outcome": outcome}


def set_ordered_moves(name):
    original = _rules(name).legal_moves
    return {"legal_moves": lambda position: list(set(original(position)))}


def drops_a_move(name):
    original = _rules(name).legal_moves

    def legal_moves(position):
        moves = original(position)
        return moves[:-1] if len(moves) > 3 else moves

    return {"legal_moves": legal_moves}


def perft_off_by_one(name):
    original = _rules(name).perft
    return {"perft": lambda position, depth: original(position, depth) + (depth >= 2)}


def ttt_full_board_not_a_draw(name):
    def outcome(board):
        result = tictactoe.outcome(board)
        return None if result is not None and result.draw else result

    return {"outcome": outcome}


def ttt_parse_move_crashes(name):
    def parse_move(data):
        data.bit_length()  # AttributeError on anything but an int
        return tictactoe.parse_move(data)

    return {"parse_move": parse_move}


def c4_no_vertical_fours(name):
    def has_four(bitboard):
        for shift in connect4.LINE_SHIFTS[1:]:
            pairs = bitboard & (bitboard >> shift)
            if pairs & (pairs >> (2 * shift)):
                return True
        return False

    def outcome(position):
        plies = len(position.history)
        if plies >= 7 and has_four(position.discs[(plies - 1) % 2]):
            return engine.core.win((plies - 1) % 2, "four_in_a_row")
        return engine.core.draw("board_full") if plies == 42 else None

    def legal_moves(position):
        return [] if outcome(position) else connect4._open_columns(position)

    def to_move(position):
        return () if outcome(position) else (len(position.history) % 2,)

    return {"outcome": outcome, "legal_moves": legal_moves, "to_move": to_move}


def c4_perft_ignores_wins(name):
    def perft(position, depth):
        if depth == 0:
            return 1
        moves = connect4._open_columns(position)
        if depth == 1:
            return len(moves)
        return sum(perft(connect4.play(position, column), depth - 1) for column in moves)

    return {"perft": perft}


def chess_no_fifty_move_rule(name):
    import engine.games._chess_board as cb

    def outcome(position):
        result = chess.outcome(position)
        return None if result is not None and result.reason == chess.FIFTY_MOVES else result

    def to_move(position):
        return () if outcome(position) else (position.board[cb.I_TURN],)

    def legal_moves(position):
        if outcome(position):
            return []
        return [cb.MOVE_NAMES[move] for move in cb.generate(position.board)]

    return {"outcome": outcome, "to_move": to_move, "legal_moves": legal_moves}


def ld_deck_from_a_set(name):
    def setup(num_players, options, rng):
        hands = [None] * num_players
        for label in {f"seat{seat}" for seat in range(num_players)}:
            hands[int(label[4:])] = liars_dice._roll_hand(options["dice"], rng)
        return liars_dice.Table(dice=tuple(hands), turn=0)

    return {"setup": setup}


def ld_loser_reversed(name):
    def play(table, move, rng):
        if move != liars_dice.CHALLENGE:
            return liars_dice.play(table, move, rng)
        bidder, quantity, face = table.bids[-1]
        flipped = table.bids[:-1] + ((table.turn, quantity, face),)
        after = liars_dice._challenge(dataclasses.replace(table, bids=flipped, turn=bidder), rng)
        reveal = dataclasses.replace(after.last_reveal, bidder=bidder, challenger=table.turn)
        return dataclasses.replace(after, last_reveal=reveal)

    return {"play": play}


def ld_outside_randomness(name):
    chance = random.Random(0)

    class Outside:
        def roll(self, sides=6):
            return chance.randint(1, sides)

    return {"play": lambda table, move, rng: liars_dice.play(table, move, Outside())}


def ld_perturb_changes_nothing(name):
    return {"perturb_private": lambda table, seat, rng: table}


def ld_view_leaks_the_next_seat(name):
    def view(table, seat):
        data = liars_dice.view(table, seat)
        if seat is not None:
            data["neighbour"] = list(table.dice[(seat + 1) % len(table.dice)])
        return data

    return {"view": view}


def ld_public_move_tells_the_bidders_dice(name):
    def public_move(table, move, seat):
        return [liars_dice.public_move(table, move, seat), list(table.dice[seat])]

    return {"public_move": public_move}


def ld_public_move_tells_another_seats_dice(name):
    def public_move(table, move, seat):
        other = (seat + 1) % len(table.dice)
        return [liars_dice.public_move(table, move, seat), len(set(table.dice[other]))]

    return {"public_move": public_move}


def ld_determinize_ignores_own_dice(name):
    def determinize(view, seat, rng):
        table = liars_dice.determinize(view, seat, rng)
        hand = liars_dice._roll_hand(len(view["dice"]), rng)
        return dataclasses.replace(table, dice=table.dice[:seat] + (hand,) + table.dice[seat + 1 :])

    return {"determinize": determinize}


def ld_bids_beyond_the_table(name):
    def legal_moves(table):
        moves = liars_dice.legal_moves(table)
        if moves and not table.bids:
            moves.append((liars_dice.BID, table.total_dice + 1, 1))
        return moves

    return {"legal_moves": legal_moves}


def _peeking_determinize(game, state, seat, rnd):
    """The old bot: perturb the other seats' data in the *true* position."""
    position = state.position
    for other in range(state.num_players):
        if other != seat:
            position = game.rules.perturb_private(position, other, Rng(rnd.getrandbits(64)))
    return position, Rng(rnd.getrandbits(64))


def ld_one_die_perturbation_and_a_peeking_bot(name):
    def perturb_private(table, seat, rng):  # re-rolls one die only: the others stay known
        hand = table.dice[seat]
        if not hand:
            return table
        index = rng.below(len(hand))
        new = tuple(sorted((*hand[:index], rng.roll(6), *hand[index + 1 :])))
        return dataclasses.replace(table, dice=table.dice[:seat] + (new,) + table.dice[seat + 1 :])

    return {"perturb_private": perturb_private}


@contextlib.contextmanager
def peeking_bot():
    saved = bots._determinize
    bots._determinize = _peeking_determinize
    try:
        yield
    finally:
        bots._determinize = saved


# id: (game, description, bug, context manager or None)
MUTANTS = {
    "ttt-winner": ("tictactoe", "the loser is declared the winner", swapped_winners, None),
    "ttt-no-draw": ("tictactoe", "a full board is not a draw", ttt_full_board_not_a_draw, None),
    "ttt-parse": ("tictactoe", "parse_move lets AttributeError escape",
                  ttt_parse_move_crashes, None),
    "c4-vertical": ("connect4", "vertical fours do not win", c4_no_vertical_fours, None),
    "c4-perft": ("connect4", "perft hook counts past a win", c4_perft_ignores_wins, None),
    "c4-drop": ("connect4", "the last legal column is missing", drops_a_move, None),
    "rev-winner": ("reversi", "fewer discs wins", swapped_winners, None),
    "rev-perft": ("reversi", "perft hook off by one at depth >= 2", perft_off_by_one, None),
    "chk-drop": ("checkers", "one legal move is missing", drops_a_move, None),
    "chk-set": ("checkers", "legal moves ordered by a set of strings", set_ordered_moves, None),
    "chess-set": ("chess", "legal moves ordered by a set of strings", set_ordered_moves, None),
    "chess-fifty": ("chess", "no fifty-move rule", chess_no_fifty_move_rule, None),
    "chess-perft": ("chess", "perft hook off by one at depth >= 2", perft_off_by_one, None),
    "ld-deck-set": ("liars_dice", "hands dealt in the order of a set of strings",
                    ld_deck_from_a_set, None),
    "ld-loser": ("liars_dice", "a challenge costs the wrong seat its die",
                 ld_loser_reversed, None),
    "ld-random": ("liars_dice", "dice rolled with the random module", ld_outside_randomness,
                  None),
    "ld-bid-max": ("liars_dice", "an opening bid may exceed the dice on the table",
                   ld_bids_beyond_the_table, None),
    "ld-leak-view": ("liars_dice", "a view shows the next seat's dice",
                     ld_view_leaks_the_next_seat, None),
    "ld-perturb-noop": ("liars_dice", "perturb_private changes nothing",
                        ld_perturb_changes_nothing, None),
    "ld-public-own": ("liars_dice", "a bid's public description shows the bidder's dice",
                      ld_public_move_tells_the_bidders_dice, None),
    "ld-public-other": ("liars_dice", "a public description tells of another seat's dice",
                        ld_public_move_tells_another_seats_dice, None),
    "ld-determinize": ("liars_dice", "determinize rerolls the bot's own dice",
                       ld_determinize_ignores_own_dice, None),
    "ld-peek": ("liars_dice", "perturb_private rerolls one die; the bot perturbs the true"
                " position", ld_one_die_perturbation_and_a_peeking_bot, peeking_bot),
}  # fmt: skip


def mutant_game(mutant_id: str) -> Game:
    name, _, bug, _ = MUTANTS[mutant_id]
    return Game(dataclasses.replace(_rules(name), **bug(name)))


# -- running the kit -----------------------------------------------------------------------
def run_counting(game: Game, prop: str, examples: int):
    """The number of the first failing example, or None if all ``examples`` passed."""
    check = PROPERTIES[prop]
    kwargs = {"options": None}
    count = {"n": 0, "failed": None}

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=list(__import__("hypothesis").HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        count["n"] += 1
        try:
            check(game, data, **kwargs)
        except Exception:
            if count["failed"] is None:
                count["failed"] = count["n"]
            raise

    try:
        run()
    except Exception:
        return count["failed"] or count["n"]
    return None


def run_once(fn, *args, **kwargs) -> bool:
    try:
        fn(*args, **kwargs)
    except Exception:
        return True
    return False


def table(examples: int, only: list[str] | None) -> str:
    rows = []
    caught_old = caught_new = 0
    ids = only or list(MUTANTS)
    for mutant_id in ids:
        name, description, _, context = MUTANTS[mutant_id]
        game = mutant_game(mutant_id)
        started = time.perf_counter()
        hits = []
        with context() if context else contextlib.nullcontext():
            for prop in PROPERTIES:
                first = run_counting(game, prop, examples)
                if first is not None:
                    hits.append(f"{prop} #{first}")
            loader = {"module": MODULE, "attribute": "mutant_game", "args": [mutant_id]}
            path = PLAYTHROUGHS / f"{name}.txt"
            for label, check, kwargs in (
                ("hash_seed_independence", check_hash_seed_independence, {"loader": loader}),
                ("endings", check_endings, {}),
                ("golden_playthrough", check_playthrough, {"path": path, "update": False}),
            ):
                if run_once(check, game, **kwargs):
                    hits.append(label)
        old = any(hit.split(" ")[0] in OLD_PROPERTIES for hit in hits)
        caught_old += old
        caught_new += bool(hits)
        rows.append(
            f"| {mutant_id} | {name} | {description} | {'yes' if old else 'no'} |"
            f" {', '.join(hits) or '**missed**'} |"
        )
        print(f"{mutant_id}: {hits} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    header = [
        f"Mutation table of {datetime.date.today().isoformat()}: {len(ids)} seeded bugs,"
        f" {examples} derandomized examples per property (`#n`: first failing example).",
        f"The old kit (first seven properties) caught {caught_old}; the kit now catches"
        f" {caught_new}.",
        "",
        "| id | game | seeded bug | old kit | caught by (new kit) |",
        "| --- | --- | --- | --- | --- |",
    ]
    return "\n".join(header + rows) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--only", help="comma-separated mutant ids")
    args = parser.parse_args(argv)
    only = args.only.split(",") if args.only else None
    print(table(args.examples, only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
