"""Every registered game passes the conformance kit (engine.testing), and the kit itself
works: it passes a small hidden-information game defined here, and fails broken variants
of it, each on the property it breaks."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import subprocess
import sys
from pathlib import Path

import msgpack
import pytest
from hypothesis import find, given
from hypothesis import strategies as st

import engine
from engine import EngineError, Game, Rules
from engine.core import draw, win
from engine.errors import MALFORMED_MOVE
from engine.rng import Rng, seed_state
from engine.testing import (
    EXPECT_FAILURE_SETTINGS,
    PROPERTIES,
    check_endings,
    check_game,
    check_hash_seed_independence,
    check_playthrough,
    check_views_never_leak,
    conformance_settings,
    playouts,
    run_property,
)

PLAYTHROUGHS = Path(__file__).resolve().parent / "playthroughs"


@pytest.mark.parametrize("prop", list(PROPERTIES))
@pytest.mark.parametrize("name", engine.names())
def test_registered_game_conforms(name, prop):
    run_property(engine.get(name), prop)


# The name is in every test id, so ``-k mygame`` runs these too.
@pytest.mark.parametrize("name", engine.names())
def test_registered_game_does_not_depend_on_the_hash_seed(name):
    check_hash_seed_independence(engine.get(name))


@pytest.mark.parametrize("name", engine.names())
def test_registered_game_random_playouts_end_by_the_rules(name):
    report = check_endings(engine.get(name))
    print(name, dict(report))


@pytest.mark.parametrize("name", engine.names())
def test_registered_game_plays_its_golden_playthrough(name):
    check_playthrough(engine.get(name), PLAYTHROUGHS / f"{name}.txt")


# -- "High card": a test-only hidden-information game, never registered -------------------
# Each seat holds a secret digit only it can see. In turn, seats "hold" or "reroll" their
# digit (randomness from the engine's rng); after two moves each, the highest digit wins.
# A resigning seat leaves (forfeit) while two or more remain, so the kit also meets
# many-player games. Position: (secrets, active seats, index into active, moves left).
MOVES = ("hold", "reroll")


def high_card_setup(num_players, options, rng):
    secrets = tuple(rng.below(10) for _ in range(num_players))
    return (secrets, tuple(range(num_players)), 0, 2 * num_players)


def high_card_outcome(position):
    secrets, active, _, moves_left = position
    if moves_left:
        return None
    best = max(secrets[seat] for seat in active)
    winners = [seat for seat in active if secrets[seat] == best]
    return win(winners[0], "high_card") if len(winners) == 1 else draw("tied_cards")


def high_card_to_move(position):
    _, active, turn, moves_left = position
    return (active[turn],) if moves_left else ()


def high_card_legal_moves(position):
    return list(MOVES) if position[3] else []


def high_card_play(position, move, rng):
    secrets, active, turn, moves_left = position
    if move == "reroll":
        seat = active[turn]
        secrets = secrets[:seat] + (rng.below(10),) + secrets[seat + 1 :]
    return (secrets, active, (turn + 1) % len(active), moves_left - 1)


def high_card_parse_move(data):
    if data not in MOVES:
        raise EngineError(MALFORMED_MOVE, "hold or reroll")
    return data


def high_card_view(position, seat):
    secrets, active, turn, moves_left = position
    over = not moves_left
    return {
        "secrets": [s if over or i == seat else None for i, s in enumerate(secrets)],
        "active": list(active),
        "turn": turn,
        "moves_left": moves_left,
    }


def high_card_perturb_private(position, seat, rng):
    secrets = list(position[0])
    secrets[seat] = (secrets[seat] + 1 + rng.below(9)) % 10
    return (tuple(secrets), *position[1:])


def high_card_determinize(view, seat, rng):
    """A position behind ``view``: the seat's own secret as seen, the others' drawn afresh."""
    secrets = tuple(
        secret if index == seat or secret is not None else rng.below(10)
        for index, secret in enumerate(view["secrets"])
    )
    return (secrets, tuple(view["active"]), view["turn"], view["moves_left"])


def high_card_forfeit(position, seat):
    secrets, active, turn, moves_left = position
    if len(active) <= 2:
        return None
    mover = active[turn]
    remaining = tuple(s for s in active if s != seat)
    next_turn = remaining.index(mover) if mover != seat else turn % len(remaining)
    return (secrets, remaining, next_turn, moves_left)


def high_card_encode(position):
    secrets, active, turn, moves_left = position
    return {"secrets": list(secrets), "active": list(active), "turn": turn, "left": moves_left}


def high_card_decode(data):
    return (tuple(data["secrets"]), tuple(data["active"]), data["turn"], data["left"])


HIGH_CARD = Rules(
    name="_high_card_test",
    title="High card (test only)",
    min_players=2,
    max_players=4,
    setup=high_card_setup,
    to_move=high_card_to_move,
    legal_moves=high_card_legal_moves,
    play=high_card_play,
    outcome=high_card_outcome,
    view=high_card_view,
    encode=high_card_encode,
    decode=high_card_decode,
    parse_move=high_card_parse_move,
    forfeit=high_card_forfeit,
    active_seats=lambda position: position[1],
    perturb_private=high_card_perturb_private,
    determinize=high_card_determinize,
    public_move=lambda position, move, seat: move,  # holding or rerolling is seen by all
    hidden_information=True,
)


@pytest.mark.parametrize("prop", list(PROPERTIES))
def test_a_hidden_information_game_conforms(prop):
    run_property(Game(HIGH_CARD), prop)


def test_check_game_runs_every_property_in_one_call():
    check_game(
        Game(HIGH_CARD),
        max_examples=5,
        loader={"module": "tests.engine.test_conformance", "attribute": "HIGH_CARD"},
    )


@conformance_settings(max_examples=20)
@given(data=st.data())
def test_a_property_composes_with_given(data):
    check_views_never_leak(Game(HIGH_CARD), data)


@pytest.mark.parametrize(
    "max_players, reached",
    [
        (2, "draw_agreed"),
        (2, "resignation"),
        (2, "timeout"),
        (2, "high_card"),
        (4, "a forfeit"),
    ],
)
def test_playouts_reach_every_kind_of_ending(max_players, reached):
    high_card = Game(dataclasses.replace(HIGH_CARD, max_players=max_players))

    def reaches(playout):
        if reached == "a forfeit":
            return len(high_card.active_seats(playout.final)) < playout.num_players
        outcome = high_card.outcome(playout.final)
        return outcome is not None and outcome.reason == reached

    # Derandomized, so this fails only if the strategy stops producing such playouts.
    find(
        playouts(high_card, max_plies=12),
        reaches,
        settings=conformance_settings(max_examples=2000, derandomize=True),
    )


def test_importing_the_engine_does_not_load_test_dependencies():
    code = (
        "import sys, engine; engine.names();"
        "assert not {'hypothesis', 'msgpack', 'engine.testing'} & set(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- broken variants: the kit must catch each on the property it breaks --------------------
class _OutsideRandomness:
    """Stands in for the engine's rng but draws from a global counter instead."""

    counter = itertools.count(10)

    def below(self, n):
        return next(self.counter)


def _mutating_play(position, move, rng):
    position[2] = (position[2] + 1) % len(position[1])
    position[3] -= 1
    return position


BROKEN = {
    "view leaks every secret": (
        {"view": lambda position, seat: {"secrets": list(position[0])}},
        "views_never_leak",
        "changed the view of",
    ),
    "view hides a seat's own secret": (
        {"view": lambda position, seat: {"moves_left": position[3]}},
        "views_never_leak",
        "see no more than spectators",
    ),
    "hidden information without perturb_private": (
        {"perturb_private": None},
        "views_never_leak",
        "must provide perturb_private",
    ),
    "play mutates its position": (
        {
            "setup": lambda n, options, rng: [list(range(n)), list(range(n)), 0, 2 * n],
            "decode": lambda data: [data["secrets"], data["active"], data["turn"], data["left"]],
            "play": _mutating_play,
        },
        "apply_never_mutates",
        "changed the state it was given",
    ),
    "reroll ignores the engine's rng": (
        {"play": lambda position, move, rng: high_card_play(position, move, _OutsideRandomness())},
        "replay_is_deterministic",
        "diverged",
    ),
    "parse_move crashes on non-strings": (
        {"parse_move": lambda data: high_card_parse_move(data.lower())},
        "moves_are_validated",
        "instead of EngineError",
    ),
    "decode gives lists where positions hold tuples": (
        {"decode": lambda data: [data["secrets"], data["active"], data["turn"], data["left"]]},
        "data_round_trips",
        "not equal",
    ),
    "rules offer moves after the end": (
        {"legal_moves": lambda position: list(MOVES)},
        "playouts_stay_valid",
        "rules.legal_moves is not empty",
    ),
    "resignation is ignored": (
        {"forfeit": lambda position, seat: position},
        "finished_games_stay_finished",
        "every seat resigned but the game goes on",
    ),
}


@pytest.mark.parametrize("flaw", list(BROKEN))
def test_the_kit_catches_a_broken_game(flaw):
    changes, prop, message = BROKEN[flaw]
    broken = Game(dataclasses.replace(HIGH_CARD, **changes))
    with pytest.raises(AssertionError, match=message):
        run_property(broken, prop, max_examples=200, **EXPECT_FAILURE_SETTINGS)


# -- determinism across processes ----------------------------------------------------------
# Within one process, iterating a set of strings always gives the same order; between
# processes it need not (PYTHONHASHSEED). A replay must not depend on it.
REPLAY_IN_CHILD = """
import hashlib, sys, msgpack, engine
for name, players, seed, log in msgpack.unpackb(sys.stdin.buffer.read()):
    game = engine.get(name)
    state = game.replay(game.initial_state(players, seed), log)
    print(name, hashlib.sha256(msgpack.packb(game.state_to_data(state))).hexdigest())
"""


def _random_log(game, num_players, seed, plies=60):
    chooser = Rng(seed_state(seed))
    state = game.initial_state(num_players, seed)
    log = []
    while len(log) < plies and not game.is_over(state):
        seat = game.to_move(state)[0]
        moves = game.legal_moves(state)
        move_data = game.move_to_data(moves[chooser.below(len(moves))])
        state = game.apply(state, move_data, seat)
        log.append([seat, move_data])
    return log, state


def test_replays_do_not_depend_on_the_hash_seed():
    expected, jobs = [], []
    for game in engine.all_games():
        seed = 12345
        log, final = _random_log(game, game.max_players, seed)
        digest = hashlib.sha256(msgpack.packb(game.state_to_data(final))).hexdigest()
        expected.append(f"{game.name} {digest}")
        jobs.append([game.name, game.max_players, seed, log])
    for hash_seed in ("1", "2"):
        child = subprocess.run(
            [sys.executable, "-c", REPLAY_IN_CHILD],
            input=msgpack.packb(jobs),
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            check=True,
        )
        assert child.stdout.decode().split("\n")[:-1] == expected, f"PYTHONHASHSEED={hash_seed}"
