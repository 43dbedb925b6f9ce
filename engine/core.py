"""The rules contract every game implements, and the uniform game wrapper built on it.

A game is *rules*: a :class:`Rules` value holding pure functions over the game's own
immutable position (plain data: strings, ints, tuples, frozen dataclasses...).
The engine wraps the position in a :class:`State` that adds what every game shares,
much like boardgame.io's ``G`` and ``ctx``:

* the seed, the options and the number of players the game was created with;
* the PRNG state (all randomness comes from it, so replays are exact);
* ``ply``: how many actions were applied (the server's version number);
* the result of engine-level actions (resignation, draw agreement, timeout);
* the seats currently offering a draw.

Callers never touch :class:`Rules` directly: they use :class:`Game`, which validates
every input and raises :class:`~engine.errors.EngineError` with a code, never mutating
its argument.

Actions. ``Game.apply(state, move, seat)`` takes either a game move (plain data that
the rules define: an int, a string, or a list of those, never a dict) or an
engine-level action, a dict ``{"action": NAME}`` with NAME one of
:data:`ENGINE_ACTIONS`. So a move log is a list of ``(seat, data)`` pairs and replaying
it is one loop, whatever the game.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import errors
from .errors import EngineError
from .rng import Rng, seed_state

Position = Any
Move = Any
Seat = int

RESIGN = "resign"
OFFER_DRAW = "offer_draw"
ACCEPT_DRAW = "accept_draw"
DECLINE_DRAW = "decline_draw"
TIMEOUT = "timeout"
# Applied by the server, never sent by clients: ``abandon`` for a seat that left (its
# opponents win, or ``forfeit`` removes it), ``abort`` ends the game with no winner.
ABANDON = "abandon"
ABORT = "abort"
ENGINE_ACTIONS = (RESIGN, OFFER_DRAW, ACCEPT_DRAW, DECLINE_DRAW, TIMEOUT, ABANDON, ABORT)

# Outcome reasons produced by the engine itself; games add their own
# ("checkmate", "four_in_a_row", "no_moves", ...).
REASON_RESIGNATION = "resignation"
REASON_DRAW_AGREED = "draw_agreed"
REASON_TIMEOUT = "timeout"
REASON_ABANDONMENT = "abandonment"
REASON_ABORTED = "aborted"


@dataclass(frozen=True)
class Outcome:
    """How a game ended. ``winners`` is empty for a draw; ``scores`` is optional, per seat."""

    winners: tuple[int, ...]
    reason: str
    scores: tuple[float, ...] | None = None

    @property
    def draw(self) -> bool:
        return not self.winners

    def to_data(self) -> dict:
        return {
            "winners": list(self.winners),
            "draw": self.draw,
            "reason": self.reason,
            "scores": None if self.scores is None else list(self.scores),
        }

    @classmethod
    def from_data(cls, data: Mapping) -> Outcome:
        scores = data.get("scores")
        return cls(
            winners=tuple(data["winners"]),
            reason=data["reason"],
            scores=None if scores is None else tuple(scores),
        )


def win(seat: int, reason: str) -> Outcome:
    return Outcome((seat,), reason)


def draw(reason: str) -> Outcome:
    return Outcome((), reason)


def _identity(value):
    return value


def _default_parse_move(data):
    """Moves arrive as msgpack data: lists become tuples so they can be compared and hashed."""
    if isinstance(data, list):
        return tuple(_default_parse_move(item) for item in data)
    if isinstance(data, (bool, float, dict)) or data is None:
        raise EngineError(errors.MALFORMED_MOVE, f"a move cannot be {type(data).__name__}")
    return data


def _default_move_to_data(move):
    if isinstance(move, tuple):
        return [_default_move_to_data(item) for item in move]
    return move


@dataclass(frozen=True)
class Rules:
    """What a game module provides. All functions are pure; none may mutate its arguments.

    Required:
      ``setup(num_players, options, rng) -> position``
      ``to_move(position) -> tuple of seats`` that may act now (empty when over)
      ``legal_moves(position) -> list of moves`` (empty when over)
      ``play(position, move, rng) -> position`` for a move known to be legal
      ``outcome(position) -> Outcome | None``

    Optional (defaults suit a perfect-information game with plain-data positions):
      ``view(position, seat) -> data``: what ``seat`` may see (``None`` = spectator);
      ``encode(position) -> data`` / ``decode(data) -> position`` for msgpack;
      ``parse_move(data) -> move`` (raise ``malformed_move``) / ``move_to_data(move)``;
      ``forfeit(position, seat) -> position | None``: remove a resigning or timed-out
        seat and play on (many-player games); ``None`` ends the game for everyone;
      ``active_seats(position) -> tuple``: seats still playing (draw agreement needs all);
      ``from_text(text, num_players) -> position`` / ``to_text(position) -> str``;
      ``describe_move(position, move) -> str``: human notation (SAN for chess);
      ``explain_illegal(position, move) -> str``: why a readable move is not legal, in
        words for a player ("The knight on b1 cannot move to b3."); the message of the
        ``illegal_move`` error;
      ``perft(position, depth) -> int``: a faster leaf count than the generic one;
      ``perturb_private(position, seat, rng) -> position``: change only ``seat``'s hidden
        data, for the conformance kit's no-leak properties (games with hidden data only);
      ``determinize(view, seat, rng) -> position``: a position drawn at random among those
        in which ``seat`` would see ``view`` (what ``view(position, seat)`` returned); bots
        search these, so they never see the true position (hidden-information games);
      ``public_move(position, move, seat) -> data``: what everybody but the mover (``seat``)
        may learn of ``move`` played at ``position``. Default: the move's data in a
        perfect-information game, ``None`` (nothing) in a hidden-information one;
      ``render(view, seat) -> data``: what a browser draws for ``seat`` (``None`` = a
        spectator), computed from the seat's own view only (the dict ``Game.view``
        returns, ``legal_moves`` included for the seat to move), in the vocabulary of
        :mod:`engine.render`; it is sent as ``view["render"]``;
      ``move_schema`` / ``position_schema``: the shape of move data and of the
        ``position`` of every view, in the vocabulary of :mod:`engine.schema`.
    """

    name: str
    title: str
    min_players: int
    max_players: int
    setup: Callable[[int, Mapping, Rng], Position]
    to_move: Callable[[Position], tuple]
    legal_moves: Callable[[Position], list]
    play: Callable[[Position, Move, Rng], Position]
    outcome: Callable[[Position], Outcome | None]
    default_options: Mapping[str, Any] = field(default_factory=dict)
    validate_options: Callable[[Mapping, int], None] | None = None
    view: Callable[[Position, int | None], Any] | None = None
    encode: Callable[[Position], Any] = _identity
    decode: Callable[[Any], Position] = _identity
    parse_move: Callable[[Any], Move] = _default_parse_move
    move_to_data: Callable[[Move], Any] = _default_move_to_data
    forfeit: Callable[[Position, int], Position | None] | None = None
    active_seats: Callable[[Position], tuple] | None = None
    from_text: Callable[[str, int], Position] | None = None
    to_text: Callable[[Position], str] | None = None
    describe_move: Callable[[Position, Move], str] | None = None
    explain_illegal: Callable[[Position, Move], str] | None = None
    perft: Callable[[Position, int], int] | None = None
    perturb_private: Callable[[Position, int, Rng], Position] | None = None
    determinize: Callable[[Any, int, Rng], Position] | None = None
    public_move: Callable[[Position, Move, int], Any] | None = None
    render: Callable[[Mapping, int | None], Any] | None = None
    move_schema: Any = None
    position_schema: Any = None
    hidden_information: bool = False
    description: str = ""


@dataclass(frozen=True)
class State:
    """One game at one moment. Immutable; ``Game.apply`` returns a new one."""

    game: str
    num_players: int
    seed: int
    options: tuple  # sorted (name, value) pairs, so the state is hashable and ordered
    position: Position
    rng: int
    ply: int = 0
    result: Outcome | None = None
    draw_offers: frozenset = frozenset()

    @property
    def options_dict(self) -> dict:
        return dict(self.options)


class Game:
    """The uniform, validating face of one game's :class:`Rules`."""

    def __init__(self, rules: Rules):
        self.rules = rules
        # The last state asked for its outcome, and the answer: a view, the seats to move
        # and the legal moves of one state each ask again (states never change).
        self._last_outcome: tuple[State | None, Outcome | None] = (None, None)

    # -- metadata -----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.rules.name

    @property
    def title(self) -> str:
        return self.rules.title

    @property
    def min_players(self) -> int:
        return self.rules.min_players

    @property
    def max_players(self) -> int:
        return self.rules.max_players

    @property
    def default_options(self) -> dict:
        return dict(self.rules.default_options)

    def metadata(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "min_players": self.min_players,
            "max_players": self.max_players,
            "options": self.default_options,
            "hidden_information": self.rules.hidden_information,
            "description": self.rules.description,
        }

    def __repr__(self) -> str:
        return f"<Game {self.name}>"

    # -- creating ---------------------------------------------------------------
    def resolve_options(self, options: Mapping | None, num_players: int) -> dict:
        """Defaults overlaid by ``options``; unknown names or wrong types: ``invalid_options``."""
        resolved = dict(self.rules.default_options)
        for key, value in (options or {}).items():
            if key not in resolved:
                raise EngineError(errors.INVALID_OPTIONS, f"{self.name} has no option {key!r}")
            default = resolved[key]
            if type(value) is not type(default):
                raise EngineError(
                    errors.INVALID_OPTIONS,
                    f"option {key!r} must be {type(default).__name__}, not {type(value).__name__}",
                )
            resolved[key] = value
        if self.rules.validate_options is not None:
            self.rules.validate_options(resolved, num_players)
        return resolved

    def initial_state(
        self, num_players: int, seed: int = 0, options: Mapping | None = None
    ) -> State:
        if not isinstance(num_players, int) or not (
            self.min_players <= num_players <= self.max_players
        ):
            raise EngineError(
                errors.INVALID_PLAYERS,
                f"{self.name} takes {self.min_players}-{self.max_players} players,"
                f" not {num_players}",
            )
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise EngineError(errors.INVALID_OPTIONS, "the seed must be an integer")
        resolved = self.resolve_options(options, num_players)
        rng = Rng(seed_state(seed))
        position = self.rules.setup(num_players, resolved, rng)
        return State(
            game=self.name,
            num_players=num_players,
            seed=seed,
            options=tuple(sorted(resolved.items())),
            position=position,
            rng=rng.state,
        )

    def state_from_text(self, text: str, num_players: int = 2, seed: int = 0) -> State:
        """A state at the position described by the game's text format (FEN and the like)."""
        if self.rules.from_text is None:
            raise EngineError(errors.INVALID_POSITION, f"{self.name} has no position text format")
        state = self.initial_state(num_players, seed)
        return dataclasses.replace(state, position=self.rules.from_text(text, num_players))

    def to_text(self, state: State) -> str:
        if self.rules.to_text is None:
            raise EngineError(errors.INVALID_POSITION, f"{self.name} has no position text format")
        return self.rules.to_text(state.position)

    # -- reading ------------------------------------------------------------------
    def outcome(self, state: State) -> Outcome | None:
        if state.result is not None:
            return state.result
        last, known = self._last_outcome  # one read: safe with other threads
        if last is state:
            return known
        outcome = self.rules.outcome(state.position)
        self._last_outcome = (state, outcome)
        return outcome

    def is_over(self, state: State) -> bool:
        return self.outcome(state) is not None

    def to_move(self, state: State) -> tuple[int, ...]:
        if self.is_over(state):
            return ()
        return tuple(self.rules.to_move(state.position))

    def legal_moves(self, state: State) -> list:
        """Game moves playable now (engine-level actions are always separate)."""
        if self.is_over(state):
            return []
        return list(self.rules.legal_moves(state.position))

    def active_seats(self, state: State) -> tuple[int, ...]:
        if self.rules.active_seats is not None:
            return tuple(self.rules.active_seats(state.position))
        return tuple(range(state.num_players))

    def view(self, state: State, seat: int | None = None) -> dict:
        """Everything ``seat`` may see (``None``: a spectator), as msgpack-able data."""
        if seat is not None:
            self._check_seat(state, seat)
        outcome = self.outcome(state)
        to_move = self.to_move(state)
        position_view = (
            self.rules.view(state.position, seat)
            if self.rules.view is not None
            else self.rules.encode(state.position)
        )
        view = {
            "game": self.name,
            "players": state.num_players,
            "ply": state.ply,
            "position": position_view,
            "to_move": list(to_move),
            "active_seats": list(self.active_seats(state)),
            "draw_offers": sorted(state.draw_offers),
            "outcome": None if outcome is None else outcome.to_data(),
        }
        if self.rules.to_text is not None and not self.rules.hidden_information:
            view["text"] = self.rules.to_text(state.position)
        if seat is not None and seat in to_move:
            view["legal_moves"] = [self.rules.move_to_data(m) for m in self.legal_moves(state)]
        if self.rules.render is not None:
            # From the view alone, so it can show nothing the seat may not see.
            view["render"] = self.rules.render(view, seat)
        return view

    def describe_move(self, state: State, move_data) -> str:
        """Human notation for a move or engine action about to be applied to ``state``."""
        if isinstance(move_data, dict):
            return str(move_data.get("action"))
        move = self.rules.parse_move(move_data)
        if self.rules.describe_move is not None:
            return self.rules.describe_move(state.position, move)
        return str(move_data)

    def public_move(self, state: State, move_data, seat: int | None = None):
        """What every seat but ``seat`` (the mover), and spectators, may learn of
        ``move_data`` about to be applied to ``state``: msgpack data, ``None`` for nothing.

        Engine actions (``{"action": ...}``) are public. A game move is described by the
        game's ``public_move`` hook; without one, a perfect-information game shows the move
        itself and a hidden-information game shows nothing. The mover always knows its own
        move. ``seat=None`` means the only seat to move.
        """
        if isinstance(move_data, dict):
            return dict(move_data)
        if seat is None:
            to_move = self.to_move(state)
            if len(to_move) != 1:
                raise EngineError(errors.INVALID_SEAT, "say which seat is moving")
            seat = to_move[0]
        move = self.rules.parse_move(move_data)
        if self.rules.public_move is not None:
            return self.rules.public_move(state.position, move, seat)
        if self.rules.hidden_information:
            return None
        return self.rules.move_to_data(move)

    # -- acting -------------------------------------------------------------------
    def apply(self, state: State, move_data, seat: int | None = None) -> State:
        """Apply a game move or an engine action for ``seat`` and return the new state.

        ``seat=None`` means "the seat to move" (for tools and tests), and is an error
        when several seats may act. Raises :class:`EngineError`; ``state`` is untouched.
        """
        if isinstance(move_data, dict):
            return self._apply_action(state, move_data, seat)
        if self.is_over(state):
            raise EngineError(errors.GAME_OVER, "the game is over")
        to_move = self.rules.to_move(state.position)
        if seat is None:
            if len(to_move) != 1:
                raise EngineError(errors.INVALID_SEAT, "say which seat is moving")
            seat = to_move[0]
        self._check_seat(state, seat)
        if seat not in to_move:
            raise EngineError(errors.NOT_YOUR_TURN, f"seat {seat} is not to move")
        try:
            move = self.rules.parse_move(move_data)
        except EngineError:
            raise
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            raise EngineError(errors.MALFORMED_MOVE, f"cannot read move {move_data!r}") from exc
        if move not in self.rules.legal_moves(state.position):
            message = f"{move_data!r} is not a legal move"
            if self.rules.explain_illegal is not None:
                message = self.rules.explain_illegal(state.position, move) or message
            raise EngineError(errors.ILLEGAL_MOVE, message)
        rng = Rng(state.rng)
        position = self.rules.play(state.position, move, rng)
        offers = state.draw_offers if seat in state.draw_offers else frozenset()
        # Built directly: dataclasses.replace reads the fields' definitions on every call.
        return State(
            state.game,
            state.num_players,
            state.seed,
            state.options,
            position,
            rng.state,
            state.ply + 1,
            state.result,
            offers,
        )

    def replay(self, state: State, actions: Sequence[tuple[int | None, Any]]) -> State:
        """Apply ``(seat, move_data)`` pairs in order: how a stored move log becomes a state."""
        for seat, move_data in actions:
            state = self.apply(state, move_data, seat)
        return state

    def _check_seat(self, state: State, seat) -> None:
        if not isinstance(seat, int) or isinstance(seat, bool) or not 0 <= seat < state.num_players:
            raise EngineError(errors.INVALID_SEAT, f"there is no seat {seat!r}")

    def _apply_action(self, state: State, action: Mapping, seat: int | None) -> State:
        name = action.get("action")
        if name not in ENGINE_ACTIONS or len(action) != 1:
            raise EngineError(errors.MALFORMED_MOVE, f"unknown action {action!r}")
        if seat is None:
            raise EngineError(errors.INVALID_SEAT, f"{name} needs a seat")
        self._check_seat(state, seat)
        if self.is_over(state):
            raise EngineError(errors.GAME_OVER, "the game is over")
        active = self.active_seats(state)
        if seat not in active:
            raise EngineError(errors.INVALID_SEAT, f"seat {seat} is no longer playing")
        bump = {"ply": state.ply + 1}
        if name == ABORT:
            return dataclasses.replace(
                state, result=Outcome((), REASON_ABORTED), draw_offers=frozenset(), **bump
            )
        if name in (RESIGN, TIMEOUT, ABANDON):
            reason = {
                RESIGN: REASON_RESIGNATION,
                TIMEOUT: REASON_TIMEOUT,
                ABANDON: REASON_ABANDONMENT,
            }[name]
            position = (
                self.rules.forfeit(state.position, seat) if self.rules.forfeit is not None else None
            )
            if position is not None:
                offers = state.draw_offers - {seat}
                return dataclasses.replace(state, position=position, draw_offers=offers, **bump)
            winners = tuple(s for s in active if s != seat)
            return dataclasses.replace(
                state, result=Outcome(winners, reason), draw_offers=frozenset(), **bump
            )
        if name == OFFER_DRAW:
            if seat in state.draw_offers:
                raise EngineError(errors.DRAW_ALREADY_OFFERED, "you already offered a draw")
            return self._with_offers(state, state.draw_offers | {seat}, active, bump)
        if not state.draw_offers:
            raise EngineError(errors.NO_DRAW_OFFER, "no draw is on offer")
        if name == DECLINE_DRAW:
            return dataclasses.replace(state, draw_offers=frozenset(), **bump)
        # ACCEPT_DRAW
        if seat in state.draw_offers:
            raise EngineError(errors.DRAW_ALREADY_OFFERED, "you cannot accept your own offer")
        return self._with_offers(state, state.draw_offers | {seat}, active, bump)

    def _with_offers(self, state: State, offers: frozenset, active, bump) -> State:
        if set(active) <= offers:
            return dataclasses.replace(
                state, result=Outcome((), REASON_DRAW_AGREED), draw_offers=frozenset(), **bump
            )
        return dataclasses.replace(state, draw_offers=frozenset(offers), **bump)

    # -- plain data ----------------------------------------------------------------
    def state_to_data(self, state: State) -> dict:
        """The whole state as msgpack-able data (hidden information included: server only)."""
        return {
            "game": state.game,
            "players": state.num_players,
            "seed": state.seed,
            "options": dict(state.options),
            "position": self.rules.encode(state.position),
            "rng": state.rng,
            "ply": state.ply,
            "result": None if state.result is None else state.result.to_data(),
            "draw_offers": sorted(state.draw_offers),
        }

    def state_from_data(self, data: Mapping) -> State:
        try:
            if data["game"] != self.name:
                raise EngineError(errors.INVALID_STATE, f"not a {self.name} state")
            result = data["result"]
            return State(
                game=self.name,
                num_players=data["players"],
                seed=data["seed"],
                options=tuple(sorted(data["options"].items())),
                position=self.rules.decode(data["position"]),
                rng=data["rng"],
                ply=data["ply"],
                result=None if result is None else Outcome.from_data(result),
                draw_offers=frozenset(data["draw_offers"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, EngineError):
                raise
            raise EngineError(errors.INVALID_STATE, f"cannot read state: {exc}") from exc

    def move_to_data(self, move) -> Any:
        return self.rules.move_to_data(move)

    def move_from_data(self, data) -> Any:
        return self.rules.parse_move(data)


def perft(game: Game, state: State, depth: int) -> int:
    """Leaf nodes ``depth`` moves below ``state``; a finished game has no children.

    Uses the game's ``perft`` hook when it has one, else :func:`generic_perft`."""
    if state.result is None and game.rules.perft is not None:
        return game.rules.perft(state.position, depth)
    return generic_perft(game, state, depth)


def generic_perft(game: Game, state: State, depth: int) -> int:
    """Leaf nodes ``depth`` moves below ``state``, counted through ``legal_moves`` and
    ``play`` only (what a ``perft`` hook must agree with)."""
    rules = game.rules
    if state.result is not None:
        return 1 if depth == 0 else 0
    rng = Rng(state.rng)

    def count(position, depth):
        if depth == 0:
            return 1
        if rules.outcome(position) is not None:
            return 0
        moves = rules.legal_moves(position)
        if depth == 1:
            return len(moves)
        return sum(count(rules.play(position, move, Rng(rng.state)), depth - 1) for move in moves)

    return count(state.position, depth)
