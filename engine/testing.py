"""A Hypothesis conformance kit: properties every game registered with the engine must satisfy.

Only tests import this module (it needs ``hypothesis`` and ``msgpack``); ``import engine``
never loads it. Run the whole kit on one game with::

    from engine.testing import check_game
    check_game(engine.get("connect4"))

or use one property inside your own Hypothesis test::

    @given(data=st.data())
    def test_views_never_leak(data):
        check_views(engine.get("liars_dice"), data)

Each ``check_*`` function takes ``(game, data)`` where ``data`` is Hypothesis's
``st.data()`` object: the check draws a random playout (see :func:`playouts`) and
whatever else it needs, and raises ``AssertionError`` when the game breaks the contract.
The properties, by name (see :data:`PROPERTIES`):

* ``playouts_stay_valid``: until an outcome, some seat is to move and has legal moves;
  once over, nobody is; every action adds one to ``ply``;
* ``moves_are_validated``: every legal move applies; anything else (fuzzed msgpack values,
  moves of other positions, wrong seats) raises ``EngineError`` and changes nothing;
* ``replay_is_deterministic``: the same seed and action log give byte-identical states;
* ``data_round_trips``: states and moves survive msgpack;
* ``views_never_leak``: changing one seat's hidden data (``rules.perturb_private``) changes
  nobody else's view; views are msgpack data; seats see their own hidden data;
* ``finished_games_stay_finished``: after the end nothing is legal and the outcome holds;
* ``apply_never_mutates``: applying (or viewing) leaves the input state as it was;
* ``playouts_reach_the_end``: playouts with game moves only run to the real end (or
  ``end_cap``), consistent at every state;
* ``perft_matches_generic``: a ``perft`` hook agrees with :func:`engine.generic_perft`;
* ``public_moves_hide_private_data``: ``Game.public_move`` tells nothing private;
* ``bots_see_only_the_view``: ``determinize`` matches the view, and the MCTS bot samples
  and searches the same at positions its seat cannot tell apart;
* ``formats_match_schemas``: legal moves and every view's position have the shapes the
  game declares (``move_schema``, ``position_schema``, see :mod:`engine.schema`);
* ``renders_are_playable``: a ``render`` hook's output is well formed, offers exactly the
  legal moves to the seat to move and nothing to anybody else, and hides other seats'
  hidden data (see :mod:`engine.render`).

Checks without Hypothesis: :func:`check_hash_seed_independence` (child processes with
other ``PYTHONHASHSEED`` values), :func:`check_endings` (most random playouts end by the
rules) and :func:`check_playthrough` (the golden playthrough file still plays the same).

Settings come from the Hypothesis profile named by ``$BOARDROOM_CONFORMANCE_PROFILE``:
``conformance`` (the default: 50 examples per property; the two long ones run a fifth),
``conformance-quick`` (10) or
``conformance-thorough`` (500). Deadlines are off: a chess step is slow by nature.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from . import errors, schema
from . import render as render_vocabulary
from .core import (
    ACCEPT_DRAW,
    DECLINE_DRAW,
    ENGINE_ACTIONS,
    OFFER_DRAW,
    RESIGN,
    TIMEOUT,
    Game,
    State,
    generic_perft,
)
from .errors import EngineError
from .playthrough import playthrough, random_playout, read_settings, trace
from .rng import Rng, seed_state

DEFAULT_MAX_PLIES = 60
# Playouts to the real end stop here (random chess games end in about 360 plies).
DEFAULT_END_CAP = 1000
# About one ply in ENGINE_ACTION_ODDS is an engine action (resign, draw offers...), so most
# playouts run long; while a draw is on offer, one ply in DRAW_ANSWER_ODDS answers it so
# that draw agreements do happen.
ENGINE_ACTION_ODDS = 40
DRAW_ANSWER_ODDS = 2
MAX_SEED = 2**63 - 1  # msgpack carries any int64 / uint64

PROFILE_ENV = "BOARDROOM_CONFORMANCE_PROFILE"
settings.register_profile(
    "conformance",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "conformance-quick", parent=settings.get_profile("conformance"), max_examples=10
)
settings.register_profile(
    "conformance-thorough", parent=settings.get_profile("conformance"), max_examples=500
)


def conformance_settings(**overrides) -> settings:
    """The settings the kit runs under: the chosen profile, then ``overrides``."""
    profile = os.environ.get(PROFILE_ENV) or "conformance"
    return settings(settings.get_profile(profile), **overrides)


# -- msgpack -------------------------------------------------------------------------------
def pack(value) -> bytes:
    """msgpack bytes of ``value``, or an AssertionError naming what is not plain data."""
    try:
        return msgpack.packb(value, use_bin_type=True)
    except (TypeError, ValueError, OverflowError) as exc:
        raise AssertionError(f"not msgpack data ({exc}): {value!r}") from exc


def unpack(raw: bytes):
    return msgpack.unpackb(raw, raw=False)


# -- playouts ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Playout:
    """A game played from its first state: ``states[i + 1]`` is ``states[i]`` after
    ``actions[i]``, a ``(seat, move data)`` pair exactly as a move log stores it."""

    num_players: int
    seed: int
    options: Mapping | None
    actions: tuple[tuple[int, Any], ...]
    states: tuple[State, ...]

    @property
    def final(self) -> State:
        return self.states[-1]

    def __repr__(self) -> str:  # the states are long and follow from the rest
        return (
            f"Playout(num_players={self.num_players}, seed={self.seed},"
            f" options={self.options!r}, actions={list(self.actions)!r})"
        )


def engine_actions(game: Game, state: State, answers_only: bool = False) -> list[tuple[int, dict]]:
    """The engine actions the engine accepts in ``state``, as ``(seat, action)`` pairs
    (``answers_only``: just accepting or declining the draw on offer)."""
    if game.is_over(state):
        return []
    offers = state.draw_offers
    actions = []
    for seat in game.active_seats(state):
        if offers:
            if seat not in offers:
                actions.append((seat, {"action": ACCEPT_DRAW}))
            actions.append((seat, {"action": DECLINE_DRAW}))
        else:
            actions.append((seat, {"action": OFFER_DRAW}))
        if not answers_only:
            actions.append((seat, {"action": RESIGN}))
            actions.append((seat, {"action": TIMEOUT}))
    return actions


@st.composite
def playouts(draw, game: Game, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None):
    """Random legal playouts of ``game``: a player count, a seed, then up to ``max_plies``
    actions, mostly legal game moves and now and then an engine action.

    Stops early when the game is over, or when nothing can be done (which the properties
    then report). Legal moves go through ``Game.apply`` as their ``move_to_data`` form.
    """
    num_players = draw(st.integers(game.min_players, game.max_players), label="num_players")
    seed = draw(st.integers(0, MAX_SEED), label="seed")
    # Half the playouts go the full length; the rest shrink well towards short ones.
    length = draw(st.integers(0, max_plies) | st.just(max_plies), label="length")
    state = game.initial_state(num_players, seed, options)
    states, actions = [state], []
    while len(actions) < length and not game.is_over(state):
        moves = game.legal_moves(state)
        to_move = game.to_move(state)
        odds = DRAW_ANSWER_ODDS if state.draw_offers else ENGINE_ACTION_ODDS
        wants_engine_action = draw(st.integers(1, odds)) == odds
        if moves and to_move and not wants_engine_action:
            seat = to_move[draw(st.integers(0, len(to_move) - 1))]
            move_data = game.move_to_data(moves[draw(st.integers(0, len(moves) - 1))])
        else:
            candidates = engine_actions(game, state, answers_only=bool(state.draw_offers))
            if not candidates:
                break
            seat, move_data = candidates[draw(st.integers(0, len(candidates) - 1))]
        try:
            state = game.apply(state, move_data, seat)
        except EngineError as exc:
            raise AssertionError(
                f"{game.name}: seat {seat} could not play {move_data!r}, which the engine"
                f" offered, at ply {state.ply}: {exc}"
            ) from exc
        states.append(state)
        actions.append((seat, move_data))
    return Playout(num_players, seed, options, tuple(actions), tuple(states))


def msgpack_values(extra: list | None = None):
    """Arbitrary msgpack-shaped values (what a client could send), plus ``extra`` ones."""
    leaves = (
        st.none()
        | st.booleans()
        | st.integers(-3, 100)
        | st.integers(-(2**63), 2**64 - 1)
        | st.floats()
        | st.text(max_size=8)
        | st.binary(max_size=8)
    )
    values = st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children)
        ),
        max_leaves=8,
    )
    malformed_actions = st.sampled_from(
        [{}, {"action": "dance"}, {"action": None}, {"action": RESIGN, "seat": 0}]
    )
    if extra:
        return st.sampled_from(extra) | values | malformed_actions
    return values | malformed_actions


# -- shared assertions ---------------------------------------------------------------------
def _draw_playout(game: Game, data, max_plies: int, options) -> Playout:
    return data.draw(playouts(game, max_plies, options), label="playout")


def _draw_state_index(playout: Playout, data) -> int:
    return data.draw(st.integers(0, len(playout.states) - 1), label="state index")


def _where(game: Game, state: State) -> str:
    return f"{game.name} at ply {state.ply}"


def assert_consistent(game: Game, state: State, *, allow_stuck: bool = False) -> None:
    """``to_move`` is non-empty exactly while the game runs, with legal moves to choose from
    (unless ``allow_stuck``), and a finished game offers nothing, at the rules level too."""
    where = _where(game, state)
    outcome = game.outcome(state)
    to_move = game.to_move(state)
    moves = game.legal_moves(state)
    assert len(set(to_move)) == len(to_move), f"{where}: to_move repeats a seat: {to_move}"
    assert all(isinstance(seat, int) and 0 <= seat < state.num_players for seat in to_move), (
        f"{where}: to_move names seats that do not exist: {to_move}"
    )
    assert set(to_move) <= set(game.active_seats(state)), (
        f"{where}: seats {to_move} are to move but not all active ({game.active_seats(state)})"
    )
    if outcome is None:
        assert to_move, f"{where}: the game is not over but nobody is to move"
        assert moves or allow_stuck, f"{where}: seats {to_move} are to move with no legal move"
        return
    assert not to_move and not moves, f"{where}: the game is over but moves remain"
    assert all(0 <= seat < state.num_players for seat in outcome.winners), (
        f"{where}: winners {outcome.winners} are not seats"
    )
    assert isinstance(outcome.reason, str) and outcome.reason, f"{where}: outcome has no reason"
    if outcome.scores is not None:
        assert len(outcome.scores) == state.num_players, f"{where}: one score per seat needed"
    if state.result is None:  # the rules themselves ended it
        position = state.position
        assert not tuple(game.rules.to_move(position)), (
            f"{where}: rules.outcome says over but rules.to_move is {game.rules.to_move(position)}"
        )
        assert not list(game.rules.legal_moves(position)), (
            f"{where}: rules.outcome says over but rules.legal_moves is not empty"
        )


def _snapshot(game: Game, state: State):
    return copy.deepcopy(game.state_to_data(state)), copy.deepcopy(state)


def _assert_unchanged(game: Game, state: State, snapshot, doing: str) -> None:
    data, copied = snapshot
    assert game.state_to_data(state) == data and state == copied, (
        f"{_where(game, state)}: {doing} changed the state it was given"
    )


def _is_legal_input(game: Game, state: State, move_data, seat) -> bool:
    if isinstance(move_data, dict):
        return len(move_data) == 1 and move_data.get("action") in ENGINE_ACTIONS
    to_move = game.to_move(state)
    if seat is None and len(to_move) == 1:
        seat = to_move[0]
    if seat not in to_move:
        return False
    try:
        return game.move_from_data(move_data) in game.legal_moves(state)
    except EngineError:
        return False


def assert_rejected_unless_legal(game: Game, state: State, move_data, seat) -> None:
    """Applying ``move_data`` for ``seat`` either is legal, or raises ``EngineError`` with a
    known code and leaves ``state`` exactly as it was."""
    snapshot = _snapshot(game, state)
    doing = f"applying {move_data!r} for seat {seat!r}"
    try:
        game.apply(state, move_data, seat)
    except EngineError as exc:
        assert exc.code in errors.CODES, f"{_where(game, state)}: unknown code {exc.code!r}"
        _assert_unchanged(game, state, snapshot, f"rejecting {move_data!r}")
        return
    except Exception as exc:
        raise AssertionError(
            f"{_where(game, state)}: {doing} raised {type(exc).__name__} instead of"
            f" EngineError: {exc}"
        ) from exc
    assert _is_legal_input(game, state, move_data, seat), (
        f"{_where(game, state)}: {doing} was accepted but is not legal"
    )
    _assert_unchanged(game, state, snapshot, doing)


def _seat_candidates(state: State) -> list:
    return [None, -1, state.num_players, True, "0", *range(state.num_players)]


# -- the properties ------------------------------------------------------------------------
def check_playouts_stay_valid(
    game: Game,
    data,
    *,
    max_plies: int = DEFAULT_MAX_PLIES,
    options: Mapping | None = None,
    allow_stuck: bool = False,
) -> None:
    """Random legal playouts reach an outcome or stay valid; each action adds one ply."""
    playout = _draw_playout(game, data, max_plies, options)
    first = playout.states[0]
    assert first.ply == 0 and first.result is None and not first.draw_offers
    for before, after in zip(playout.states, playout.states[1:], strict=False):
        assert after.ply == before.ply + 1, f"{_where(game, before)}: ply went to {after.ply}"
        assert (after.game, after.num_players, after.seed, after.options) == (
            before.game,
            before.num_players,
            before.seed,
            before.options,
        ), f"{_where(game, before)}: an action changed the game, seats, seed or options"
    for state in playout.states:
        assert_consistent(game, state, allow_stuck=allow_stuck)


def check_moves_are_validated(
    game: Game,
    data,
    *,
    max_plies: int = DEFAULT_MAX_PLIES,
    options: Mapping | None = None,
    allow_stuck: bool = False,
) -> None:
    """Every legal move applies for every seat to move; anything else raises EngineError."""
    playout = _draw_playout(game, data, max_plies, options)
    state = playout.states[_draw_state_index(playout, data)]
    legal_data = [game.move_to_data(move) for move in game.legal_moves(state)]
    for seat in game.to_move(state):
        for move_data in legal_data:
            try:
                after = game.apply(state, move_data, seat)
            except EngineError as exc:
                raise AssertionError(
                    f"{_where(game, state)}: legal move {move_data!r} for seat {seat}"
                    f" was rejected: {exc}"
                ) from exc
            assert after.ply == state.ply + 1
            assert_consistent(game, after, allow_stuck=allow_stuck)
    other = playout.states[_draw_state_index(playout, data)]
    foreign = [game.move_to_data(move) for move in game.legal_moves(other)]
    attempts = data.draw(
        st.lists(
            st.tuples(msgpack_values(foreign), st.sampled_from(_seat_candidates(state))),
            min_size=1,
            max_size=8,
        ),
        label="attempts",
    )
    for move_data, seat in attempts:
        assert_rejected_unless_legal(game, state, move_data, seat)


def check_replay_is_deterministic(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """The seed and the action log, read back from msgpack, rebuild byte-identical states."""
    playout = _draw_playout(game, data, max_plies, options)
    log = unpack(pack([[seat, move_data] for seat, move_data in playout.actions]))
    state = game.initial_state(playout.num_players, playout.seed, playout.options)
    for ply, original in enumerate(playout.states):
        if ply:
            seat, move_data = log[ply - 1]
            state = game.apply(state, move_data, seat)
        assert pack(game.state_to_data(state)) == pack(game.state_to_data(original)), (
            f"{game.name}: replaying the log diverged at ply {ply}"
        )
    assert state == playout.final, f"{game.name}: the replayed state is not equal to the original"


def check_data_round_trips(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """States survive msgpack; each legal move's data comes back as an equal, legal move."""
    playout = _draw_playout(game, data, max_plies, options)
    for state in playout.states:
        where = _where(game, state)
        raw = pack(game.state_to_data(state))
        back = game.state_from_data(unpack(raw))
        assert back == state, f"{where}: the state read back from msgpack is not equal"
        assert pack(game.state_to_data(back)) == raw, f"{where}: re-encoding changed the data"
        moves = game.legal_moves(state)
        for move in moves:
            move_data = game.move_to_data(move)
            assert not isinstance(move_data, dict), f"{where}: move {move!r} is a dict"
            parsed = game.move_from_data(unpack(pack(move_data)))
            assert parsed == move, f"{where}: move {move!r} came back as {parsed!r}"
            assert parsed in moves, f"{where}: move {move!r} came back no longer legal"


def check_views_never_leak(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """Views are msgpack data, and changing one seat's hidden data changes nobody else's
    view; spectators must not see what the seat that owns hidden data sees."""
    rules = game.rules
    assert rules.hidden_information == (rules.perturb_private is not None), (
        f"{game.name}: a game with hidden information must provide perturb_private, and only"
        " such a game may"
    )
    playout = _draw_playout(game, data, max_plies, options)
    for index in sorted({_draw_state_index(playout, data), len(playout.states) - 1}):
        state = playout.states[index]
        seats = [None, *range(state.num_players)]
        views = {seat: pack(game.view(state, seat)) for seat in seats}
        if rules.perturb_private is None or game.is_over(state):
            continue  # games may reveal everything once over
        rng_seed = data.draw(st.integers(0, MAX_SEED), label="perturbation seed")
        seats_with_secrets = []
        for owner in range(state.num_players):
            snapshot = _snapshot(game, state)
            position = rules.perturb_private(state.position, owner, Rng(seed_state(rng_seed)))
            _assert_unchanged(game, state, snapshot, f"perturb_private for seat {owner}")
            perturbed = dataclasses.replace(state, position=position)
            if pack(rules.encode(position)) != pack(rules.encode(state.position)):
                seats_with_secrets.append(owner)
            for seat in seats:
                if seat != owner:
                    assert pack(game.view(perturbed, seat)) == views[seat], (
                        f"{_where(game, state)}: changing seat {owner}'s hidden data changed"
                        f" the view of {'spectators' if seat is None else f'seat {seat}'}"
                    )
        if not seats_with_secrets:
            # A seat may hold nothing hidden from the others at some moment (in a card
            # game with the stock used up, two hands are each other's complement): the
            # hook must change something at this state or at another running state of the
            # playout, else the no-leak check tests nothing.
            running = [state] + [
                s for s in playout.states if s is not state and not game.is_over(s)
            ]
            changed = any(
                pack(rules.encode(_perturbed(game, other, [owner], rng_seed + retry).position))
                != pack(rules.encode(other.position))
                for other in running
                for retry in range(1, 8)
                for owner in range(other.num_players)
            )
            assert changed, (
                f"{_where(game, state)}: perturb_private changed nothing for any seat while the"
                " game runs, so the no-leak check tests nothing"
            )
        if seats_with_secrets:
            spectator = unpack(views[None])["position"]
            assert any(
                unpack(views[owner])["position"] != spectator for owner in seats_with_secrets
            ), (
                f"{_where(game, state)}: seats {seats_with_secrets} hold hidden data yet see"
                " no more than spectators"
            )


def check_finished_games_stay_finished(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """Once over (naturally or by resignation), nothing is legal, every action raises
    ``game_over``, and the outcome stays the same, through msgpack too."""
    playout = _draw_playout(game, data, max_plies, options)
    state = playout.final
    for _ in range(state.num_players):
        if game.is_over(state):
            break
        state = game.apply(state, {"action": RESIGN}, game.active_seats(state)[0])
    where = _where(game, state)
    assert game.is_over(state), f"{where}: every seat resigned but the game goes on"
    outcome = game.outcome(state)
    assert not game.to_move(state) and not game.legal_moves(state), f"{where}: moves remain"
    recent_moves = [
        game.move_to_data(move)
        for recent in playout.states[-3:]
        for move in game.legal_moves(recent)[:20]
    ]
    attempts = [*({"action": name} for name in ENGINE_ACTIONS), *recent_moves]
    snapshot = _snapshot(game, state)
    for move_data in attempts:
        for seat in range(state.num_players):
            try:
                game.apply(state, move_data, seat)
            except EngineError as exc:
                assert exc.code == errors.GAME_OVER, (
                    f"{where}: {move_data!r} by seat {seat} after the end raised {exc.code}"
                )
            else:
                raise AssertionError(f"{where}: {move_data!r} by seat {seat} after the end")
    _assert_unchanged(game, state, snapshot, "acting after the end")
    assert game.outcome(state) == outcome
    back = game.state_from_data(unpack(pack(game.state_to_data(state))))
    assert game.outcome(back) == outcome, f"{where}: the outcome changed through msgpack"


def check_apply_never_mutates(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """Replaying a playout, and trying every legal move at one of its states, never changes
    the state given to ``apply``; reading a state (views, moves) does not either."""
    playout = _draw_playout(game, data, max_plies, options)
    state = playout.states[0]
    for seat, move_data in playout.actions:
        snapshot = _snapshot(game, state)
        after = game.apply(state, move_data, seat)
        _assert_unchanged(game, state, snapshot, f"applying {move_data!r}")
        state = after
    state = playout.states[_draw_state_index(playout, data)]
    snapshot = _snapshot(game, state)
    for seat in [None, *range(state.num_players)]:
        game.view(state, seat)
    _assert_unchanged(game, state, snapshot, "viewing")
    for seat in game.to_move(state):
        for move in game.legal_moves(state):
            game.apply(state, game.move_to_data(move), seat)
            _assert_unchanged(game, state, snapshot, f"applying {move!r}")


def _perturbed(game: Game, state: State, owners, rng_seed: int) -> State:
    """``state`` with the hidden data of each seat in ``owners`` changed by perturb_private."""
    position = state.position
    for owner in owners:
        position = game.rules.perturb_private(
            position, owner, Rng(seed_state(rng_seed + 7919 * owner))
        )
    return dataclasses.replace(state, position=position)


def _end_playout(game: Game, data, end_cap: int, options) -> list[State]:
    num_players = data.draw(st.integers(game.min_players, game.max_players), label="num_players")
    seed = data.draw(st.integers(0, MAX_SEED), label="seed")
    return random_playout(game, num_players, seed, end_cap, options)


def check_playouts_reach_the_end(
    game: Game,
    data,
    *,
    end_cap: int = DEFAULT_END_CAP,
    options: Mapping | None = None,
    allow_stuck: bool = False,
) -> None:
    """A random playout with game moves only (no resignation, draw offer or timeout) runs
    to the game's own end, or to ``end_cap`` plies, consistent at every state. Each
    example's ending shows in Hypothesis's statistics (``--hypothesis-show-statistics``);
    :func:`check_endings` asks that most playouts end by the rules."""
    states = _end_playout(game, data, end_cap, options)
    for state in states:
        assert_consistent(game, state, allow_stuck=allow_stuck)
    outcome = game.outcome(states[-1])
    event(f"{game.name}: " + ("capped" if outcome is None else f"ended by {outcome.reason}"))


def check_perft_matches_generic(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """A game's own ``perft`` hook counts the same leaves as :func:`engine.core.generic_perft`
    (``legal_moves`` and ``play``), at depths 0-3 while the count stays small."""
    if game.rules.perft is None:
        return
    playout = _draw_playout(game, data, max_plies, options)
    state = playout.states[_draw_state_index(playout, data)]
    if state.result is not None:
        return
    for depth in range(4):
        expected = generic_perft(game, state, depth)
        fast = game.rules.perft(state.position, depth)
        assert fast == expected, (
            f"{_where(game, state)}: rules.perft at depth {depth} counts {fast},"
            f" legal_moves and play give {expected}"
        )
        if expected > PERFT_LEAF_BUDGET:
            break


PERFT_LEAF_BUDGET = 600


def check_public_moves_hide_private_data(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """``Game.public_move`` is msgpack data for every legal move, and tells nothing private:
    changing another seat's hidden data never changes it, and changing the mover's only
    changes it when the spectators' view after the move changes too (the move revealed
    something anyway)."""
    playout = _draw_playout(game, data, max_plies, options)
    state = playout.states[_draw_state_index(playout, data)]
    if game.is_over(state):
        return
    moves = [game.move_to_data(move) for move in game.legal_moves(state)]
    if len(moves) > 24:
        moves = [
            moves[i]
            for i in sorted(
                data.draw(st.sets(st.integers(0, len(moves) - 1), min_size=24, max_size=24))
            )
        ]
    for action in ENGINE_ACTIONS:
        assert game.public_move(state, {"action": action}, 0) == {"action": action}
    hidden = game.rules.perturb_private is not None
    rng_seed = data.draw(st.integers(0, MAX_SEED), label="perturbation seed")
    for seat in game.to_move(state):
        for move_data in moves:
            public = game.public_move(state, move_data, seat)
            pack(public)
            if not hidden:
                continue
            for owner in range(state.num_players):
                other = _perturbed(game, state, [owner], rng_seed)
                if game.move_from_data(move_data) not in game.legal_moves(other):
                    continue
                if owner == seat:
                    after = pack(game.view(game.apply(state, move_data, seat))["position"])
                    other_after = game.view(game.apply(other, move_data, seat))["position"]
                    if pack(other_after) != after:
                        continue
                assert pack(game.public_move(other, move_data, seat)) == pack(public), (
                    f"{_where(game, state)}: the public description of {move_data!r} by seat"
                    f" {seat} changed with seat {owner}'s hidden data: it tells private data"
                )


def check_bots_see_only_the_view(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """In a hidden-information game, ``determinize(view, seat, rng)`` gives positions in which
    the seat sees exactly that view, with the same seats to move (and, for a seat to move,
    the same legal moves); and at
    two positions that look the same to the seat to move, the MCTS bot samples the same
    determinizations and its search ends with the same statistics."""
    from . import bots

    rules = game.rules
    if not rules.hidden_information:
        return
    assert rules.determinize is not None, (
        f"{game.name}: a game with hidden information must provide determinize, or bots"
        " cannot search it without peeking"
    )
    playout = _draw_playout(game, data, max_plies, options)
    state = playout.states[_draw_state_index(playout, data)]
    if game.is_over(state):
        return
    rng_seed = data.draw(st.integers(0, MAX_SEED), label="determinization seed")
    for seat in range(state.num_players):
        view = rules.view(state.position, seat)
        seen = pack(view)
        sample = rules.determinize(view, seat, Rng(seed_state(rng_seed)))
        where = f"{_where(game, state)}: determinize for seat {seat}"
        assert pack(rules.view(sample, seat)) == seen, f"{where} gave a position it sees otherwise"
        assert pack(view) == seen, f"{where} changed the view it was given"
        assert tuple(rules.to_move(sample)) == tuple(rules.to_move(state.position)), (
            f"{where} changed who is to move"
        )
        # The legal moves are part of the view of the seats to move only (in a card game
        # they follow from the mover's hidden hand, which another seat must not know).
        if seat in rules.to_move(state.position):
            assert list(rules.legal_moves(sample)) == list(rules.legal_moves(state.position)), (
                f"{where} changed the legal moves"
            )
    seat = game.to_move(state)[0]
    others = [owner for owner in range(state.num_players) if owner != seat]
    # Several rounds, so that a hook that changes little at a time still changes much.
    lookalike = state
    for round_ in range(8):
        lookalike = _perturbed(game, lookalike, others, rng_seed + round_)
    assert pack(game.view(lookalike, seat)) == pack(game.view(state, seat))
    bot_seed = rng_seed % 1000
    samples = [
        [pack(rules.encode(p)) for p in bots.determinizations(game, position, seat, bot_seed)]
        for position in (state, lookalike)
    ]
    assert samples[0] == samples[1], (
        f"{_where(game, state)}: the bot for seat {seat} samples other positions where only"
        " other seats' hidden data differ: it determinizes from more than its view"
    )
    searches = [
        bots.search_statistics(game, position, bot_seed, seat, iterations=BOT_ITERATIONS)
        for position in (state, lookalike)
    ]
    assert searches[0] == searches[1], (
        f"{_where(game, state)}: the mcts bot for seat {seat} searched differently where"
        f" only other seats' hidden data differ: it peeks ([move, visits, reward]:"
        f" {searches[0][:6]} vs {searches[1][:6]})"
    )


BOT_ITERATIONS = 40


def check_formats_match_schemas(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """The data a client meets has the declared shapes: at every state of a playout, every
    legal move's data matches ``rules.move_schema`` and the ``position`` of every seat's
    and the spectators' view matches ``rules.position_schema`` (``engine.schema``). A game
    without schemas is not checked (and not documented in docs/games.md)."""
    rules = game.rules
    if rules.move_schema is None and rules.position_schema is None:
        return
    playout = _draw_playout(game, data, max_plies, options)
    for state in playout.states:
        if rules.move_schema is not None:
            for move in game.legal_moves(state):
                move_data = game.move_to_data(move)
                found = schema.errors(rules.move_schema, unpack(pack(move_data)), "move")
                assert not found, (
                    f"{_where(game, state)}: move {move_data!r} is not the declared shape"
                    f" {schema.describe(rules.move_schema)}: {found[:3]}"
                )
        if rules.position_schema is not None:
            for seat in [None, *range(state.num_players)]:
                position = unpack(pack(game.view(state, seat)))["position"]
                found = schema.errors(rules.position_schema, position, "position")
                who = "spectators" if seat is None else f"seat {seat}"
                assert not found, (
                    f"{_where(game, state)}: the view of {who} does not have the declared"
                    f" position shape: {found[:3]}"
                )


def check_renders_are_playable(
    game: Game, data, *, max_plies: int = DEFAULT_MAX_PLIES, options: Mapping | None = None
) -> None:
    """A game with a ``render`` hook (``engine.render``): every view's ``render`` is well
    formed; only the seats to move get targets, each target's move is legal and every legal
    move has a target (so the browser can play the game from the render alone); and a
    render never changes when another seat's hidden data changes."""
    rules = game.rules
    if rules.render is None:
        return
    playout = _draw_playout(game, data, max_plies, options)
    index = _draw_state_index(playout, data)
    for state in playout.states:
        legal = [pack(game.move_to_data(m)) for m in game.legal_moves(state)]
        for seat in [None, *range(state.num_players)]:
            who = "spectators" if seat is None else f"seat {seat}"
            render = unpack(pack(game.view(state, seat)))["render"]
            found = render_vocabulary.problems(render)
            assert not found, (
                f"{_where(game, state)}: the render of {who} is malformed: {found[:3]}"
            )
            offered = {pack(target) for target in render_vocabulary.targets(render)}
            if seat is None or seat not in game.to_move(state):
                assert not offered, f"{_where(game, state)}: the render of {who} offers moves"
                continue
            extra = offered - set(legal)
            assert not extra, (
                f"{_where(game, state)}: the render of {who} offers illegal moves"
                f" {[unpack(m) for m in extra][:3]}"
            )
            missing = set(legal) - offered
            assert not missing, (
                f"{_where(game, state)}: the render of {who} offers no target for the legal"
                f" moves {[unpack(m) for m in missing][:3]}"
            )
    state = playout.states[index]
    if rules.perturb_private is None or game.is_over(state):
        return
    rng_seed = data.draw(st.integers(0, MAX_SEED), label="perturbation seed")
    for owner in range(state.num_players):
        other = _perturbed(game, state, [owner], rng_seed)
        for seat in [None, *range(state.num_players)]:
            if seat != owner:
                assert pack(game.view(other, seat).get("render")) == pack(
                    game.view(state, seat).get("render")
                ), (
                    f"{_where(game, state)}: changing seat {owner}'s hidden data changed the"
                    f" render of {'spectators' if seat is None else f'seat {seat}'}"
                )


# -- checks without Hypothesis: hash seeds, endings, golden playthroughs ------------------------
HASH_SEEDS = ("1", "2")
CHILD = "from engine.playthrough import _child_main; _child_main()"


def default_loader(game: Game) -> dict:
    """How a child process finds ``game``: by name, after importing its module."""
    return {"name": game.name, "module": None}


def check_hash_seed_independence(
    game: Game,
    *,
    loader: Mapping | None = None,
    playouts: int = 3,
    end_cap: int = 300,
    options: Mapping | None = None,
) -> None:
    """Seeded playouts give the same states, legal moves (in the same order) and views in
    processes with other ``PYTHONHASHSEED`` values: nothing depends on the iteration order
    of a set or dict of strings. ``loader`` says how a child process finds the game
    (default: ``engine.get(name)``, which sees ``$BOARDROOM_GAMES`` and entry points):
    ``{"module": "pkg.mod", "attribute": "RULES", "args": []}`` for an unregistered one."""
    job = {
        "loader": dict(loader or default_loader(game)),
        "playouts": [
            [players, 1000 + index]
            for index in range(playouts)
            for players in sorted({game.min_players, game.max_players})
        ],
        "max_plies": end_cap,
        "options": None if options is None else dict(options),
    }
    expected = json.loads(json.dumps(trace(game, job["playouts"], end_cap, options)))
    path = os.pathsep.join(entry for entry in sys.path if entry)
    for hash_seed in HASH_SEEDS:
        child = subprocess.run(
            [sys.executable, "-c", CHILD],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": path},
            timeout=120,
        )
        assert child.returncode == 0, f"{game.name}: the child process failed: {child.stderr}"
        got = json.loads(child.stdout)
        for (players, seed), mine, theirs in zip(job["playouts"], expected, got, strict=True):
            for ply, (line, other) in enumerate(zip(mine, theirs, strict=False)):
                assert line == other, (
                    f"{game.name}: with PYTHONHASHSEED={hash_seed}, the seeded playout"
                    f" ({players} players, seed {seed}) differs at ply {ply}: something"
                    " iterates a set or dict whose order depends on string hashes"
                    f"\n  here: {line[:300]}\n  there: {other[:300]}"
                )
            assert len(mine) == len(theirs), (
                f"{game.name}: with PYTHONHASHSEED={hash_seed} the playout ({players} players,"
                f" seed {seed}) lasts {len(theirs)} states, not {len(mine)}"
            )


def ending_report(
    game: Game,
    *,
    playouts: int = 20,
    seed: int = 0,
    end_cap: int = DEFAULT_END_CAP,
    options: Mapping | None = None,
) -> Counter:
    """How ``playouts`` seeded random playouts (game moves only, every player count in
    turn) ended: a Counter of outcome reasons, ``"capped"`` for those still running at
    ``end_cap`` plies."""
    report: Counter = Counter()
    counts = range(game.min_players, game.max_players + 1)
    for index in range(playouts):
        players = counts[index % len(counts)]
        final = random_playout(game, players, seed + index, end_cap, options)[-1]
        outcome = game.outcome(final)
        report["capped" if outcome is None else outcome.reason] += 1
    return report


def check_endings(
    game: Game,
    *,
    playouts: int = 20,
    minimum: float = 0.5,
    end_cap: int = DEFAULT_END_CAP,
    options: Mapping | None = None,
) -> Counter:
    """At least ``minimum`` of the seeded random playouts end by the game's own rules within
    ``end_cap`` plies (a game that never ends, or a missing draw rule, fails); returns
    :func:`ending_report`."""
    report = ending_report(game, playouts=playouts, end_cap=end_cap, options=options)
    ended = playouts - report["capped"]
    assert ended >= minimum * playouts, (
        f"{game.name}: only {ended} of {playouts} random playouts ended by the rules within"
        f" {end_cap} plies: {dict(report)}"
    )
    return report


UPDATE_ENV = "BOARDROOM_UPDATE_PLAYTHROUGHS"


def check_playthrough(game: Game, path, *, update: bool | None = None) -> None:
    """``game`` plays the golden playthrough in ``path`` exactly (same players, seed and
    options). With ``update`` (default: ``$BOARDROOM_UPDATE_PLAYTHROUGHS`` set) the file
    is rewritten instead; review the diff before committing it."""
    path = Path(path)
    if update is None:
        update = bool(os.environ.get(UPDATE_ENV))
    if update or not path.exists():
        if not update:
            raise AssertionError(
                f"{game.name}: no golden playthrough at {path}; write it with"
                f" python -m engine playthrough {game.name} --write {path}"
                f" (or {UPDATE_ENV}=1), read it, and commit it"
            )
        settings_ = read_settings(path.read_text()) if path.exists() else {}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            playthrough(
                game,
                seed=settings_.get("seed", 1),
                num_players=settings_.get("players"),
                options=settings_.get("options"),
            )
        )
        return
    golden = path.read_text()
    settings_ = read_settings(golden)
    now = playthrough(
        game,
        seed=settings_["seed"],
        num_players=settings_["players"],
        options=settings_.get("options"),
    )
    if now != golden:
        diff = list(
            difflib.unified_diff(
                golden.splitlines(), now.splitlines(), str(path), "now", n=1, lineterm=""
            )
        )
        shown = "\n".join(diff[:40]) + ("\n..." if len(diff) > 40 else "")
        raise AssertionError(
            f"{game.name}: the game no longer plays its golden playthrough {path}; if the"
            f" change is intended, regenerate it ({UPDATE_ENV}=1) and review the diff:\n{shown}"
        )


Check = Callable[..., None]
PROPERTIES: dict[str, Check] = {
    "playouts_stay_valid": check_playouts_stay_valid,
    "moves_are_validated": check_moves_are_validated,
    "replay_is_deterministic": check_replay_is_deterministic,
    "data_round_trips": check_data_round_trips,
    "views_never_leak": check_views_never_leak,
    "finished_games_stay_finished": check_finished_games_stay_finished,
    "apply_never_mutates": check_apply_never_mutates,
    "playouts_reach_the_end": check_playouts_reach_the_end,
    "perft_matches_generic": check_perft_matches_generic,
    "public_moves_hide_private_data": check_public_moves_hide_private_data,
    "bots_see_only_the_view": check_bots_see_only_the_view,
    "formats_match_schemas": check_formats_match_schemas,
    "renders_are_playable": check_renders_are_playable,
}
# Only these properties ask whether a seat to move may have no legal move.
_TAKES_ALLOW_STUCK = {"playouts_stay_valid", "moves_are_validated", "playouts_reach_the_end"}
# Playouts to the end are long: these properties run a fifth of the profile's examples.
_FEWER_EXAMPLES = {"playouts_reach_the_end", "bots_see_only_the_view"}


def run_property(
    game: Game,
    name: str,
    *,
    max_plies: int = DEFAULT_MAX_PLIES,
    end_cap: int = DEFAULT_END_CAP,
    options: Mapping | None = None,
    allow_stuck: bool = False,
    **setting_overrides,
) -> None:
    """Run one property of :data:`PROPERTIES` on ``game`` under :func:`conformance_settings`
    (``setting_overrides`` such as ``max_examples=200`` win over the profile)."""
    check = PROPERTIES[name]
    kwargs: dict[str, Any] = {"options": options}
    if name == "playouts_reach_the_end":
        kwargs["end_cap"] = end_cap
    else:
        kwargs["max_plies"] = max_plies
    if name in _TAKES_ALLOW_STUCK:
        kwargs["allow_stuck"] = allow_stuck
    if name in _FEWER_EXAMPLES and "max_examples" not in setting_overrides:
        profile = conformance_settings()
        setting_overrides["max_examples"] = max(2, profile.max_examples // 5)

    @conformance_settings(**setting_overrides)
    @given(data=st.data())
    def run(data):
        check(game, data, **kwargs)

    run.__name__ = run.__qualname__ = f"{name}[{game.name}]"
    run()


#: The checks that are not Hypothesis properties, by name: each takes ``(game, **options)``.
CHECKS: dict[str, Check] = {
    "hash_seed_independence": check_hash_seed_independence,
    "endings": check_endings,
}


def check_game(
    game: Game,
    *,
    max_examples: int | None = None,
    max_plies: int = DEFAULT_MAX_PLIES,
    end_cap: int = DEFAULT_END_CAP,
    options: Mapping | None = None,
    allow_stuck: bool = False,
    properties: list[str] | None = None,
    playthrough_path=None,
    loader: Mapping | None = None,
) -> None:
    """Run every property (or the named ``properties``) on ``game``, then the hash-seed and
    endings checks, and the golden playthrough when ``playthrough_path`` is given; the
    first failure raises. ``loader``: see :func:`check_hash_seed_independence`."""
    overrides = {} if max_examples is None else {"max_examples": max_examples}
    for name in properties or PROPERTIES:
        run_property(
            game,
            name,
            max_plies=max_plies,
            end_cap=end_cap,
            options=options,
            allow_stuck=allow_stuck,
            **overrides,
        )
    if properties is None:
        check_hash_seed_independence(game, loader=loader, options=options)
        check_endings(game, end_cap=end_cap, options=options)
        if playthrough_path is not None:
            check_playthrough(game, playthrough_path)


# Settings for tests that expect a property to fail: no shrinking, no example database.
EXPECT_FAILURE_SETTINGS = {
    "database": None,
    "phases": [Phase.explicit, Phase.generate],
    "report_multiple_bugs": False,
}
