"""Golden playthroughs: one seeded game played to its end, written out as text.

Modelled on OpenSpiel's playthrough files: a playthrough records, ply by ply, who is to
move, the legal moves, what each seat and the spectators see, the move chosen (by a
seeded random mover), its notation and its public description, then the outcome. The
file is committed next to the game's tests; the conformance kit plays the game again
and compares, so any change of behaviour (a rule, a view, a notation, an ending) shows
as a diff that a reviewer accepts by regenerating the file::

    python -m engine playthrough GAME --write tests/engine/playthroughs/GAME.txt

Standard library only (JSON), like the rest of the engine.
"""

from __future__ import annotations

import json

from .core import Game
from .rng import Rng, seed_state

#: The random mover's stream is salted so that it never replays the game's own draws.
MOVER_SALT = 0x504C4159
#: Playthroughs stop here if the game has not ended (random chess ends well before).
MAX_PLIES = 1000
HEADER = "# Boardroom playthrough. Regenerate: python -m engine playthrough {name} --write PATH"


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


def default_players(game: Game) -> int:
    """Three players when the game allows it (more interesting than two), else the minimum."""
    return max(game.min_players, min(game.max_players, 3))


def playthrough(
    game: Game,
    *,
    seed: int = 1,
    num_players: int | None = None,
    options=None,
    max_plies: int = MAX_PLIES,
) -> str:
    """The text of one seeded random playthrough of ``game`` (no engine actions)."""
    players = default_players(game) if num_players is None else num_players
    state = game.initial_state(players, seed, options)
    mover = Rng(seed_state(seed) ^ MOVER_SALT)
    hidden = game.rules.hidden_information
    lines = [
        HEADER.format(name=game.name),
        f"game: {game.name}",
        f"players: {players}",
        f"seed: {seed}",
        f"options: {_json(state.options_dict)}",
    ]
    while not game.is_over(state) and state.ply < max_plies:
        to_move = game.to_move(state)
        moves = [game.move_to_data(move) for move in game.legal_moves(state)]
        lines.append(f"ply {state.ply}: to_move {_json(list(to_move))}")
        if hidden:
            lines.append(f"  spectator: {_json(game.view(state)['position'])}")
            for seat in range(players):
                lines.append(f"  seat {seat}: {_json(game.view(state, seat)['position'])}")
        else:
            lines.append(f"  view: {_json(game.view(state)['position'])}")
        lines.append(f"  legal: {_json(moves)}")
        seat = to_move[mover.below(len(to_move))]
        data = moves[mover.below(len(moves))]
        lines.append(
            f"  seat {seat} plays {_json(data)} ({game.describe_move(state, data)})"
            f" public {_json(game.public_move(state, data, seat))}"
        )
        state = game.apply(state, data, seat)
    lines.append(f"ply {state.ply}: end")
    lines.append(f"  view: {_json(game.view(state)['position'])}")
    outcome = game.outcome(state)
    lines.append(f"outcome: {_json(None if outcome is None else outcome.to_data())}")
    return "\n".join(lines) + "\n"


def read_settings(text: str) -> dict:
    """The players, seed and options a playthrough file was made with."""
    settings = {}
    for line in text.splitlines()[:6]:
        key, _, value = line.partition(": ")
        if key in ("players", "seed"):
            settings[key] = int(value)
        elif key == "options":
            settings[key] = json.loads(value)
    return settings


# -- traces for the hash-seed check (run in child processes by engine.testing) -------------
def random_playout(game: Game, num_players: int, seed: int, max_plies: int, options=None):
    """A seeded random playout with game moves only: the list of states, to the end or
    ``max_plies``. The mover picks by index, so a change in the order of the legal
    moves changes the game."""
    state = game.initial_state(num_players, seed, options)
    mover = Rng(seed_state(seed) ^ MOVER_SALT)
    states = [state]
    while not game.is_over(state) and state.ply < max_plies:
        to_move = game.to_move(state)
        seat = to_move[mover.below(len(to_move))]
        moves = game.legal_moves(state)
        state = game.apply(state, game.move_to_data(moves[mover.below(len(moves))]), seat)
        states.append(state)
    return states


def trace(game: Game, playouts: list, max_plies: int, options=None) -> list[list[str]]:
    """For each ``(num_players, seed)``, one line per ply: the whole state, the legal
    moves and every view, as canonical JSON (what a hash-seed change must not alter)."""
    traces = []
    for num_players, seed in playouts:
        lines = []
        for state in random_playout(game, num_players, seed, max_plies, options):
            views = [game.view(state, seat) for seat in [None, *range(num_players)]]
            moves = [game.move_to_data(move) for move in game.legal_moves(state)]
            lines.append(_json([game.state_to_data(state), moves, views]))
        traces.append(lines)
    return traces


def load_game(loader: dict) -> Game:
    """The game a child process checks: ``{"module", "attribute", "args", "name"}``; the
    attribute may be a Game, a Rules, or a function of ``args`` returning either."""
    import importlib

    from . import registry
    from .core import Rules

    if loader.get("module"):
        module = importlib.import_module(loader["module"])
        if loader.get("attribute"):
            found = getattr(module, loader["attribute"])
            if callable(found) and not isinstance(found, (Game, Rules)):
                found = found(*loader.get("args", ()))
            return Game(found) if isinstance(found, Rules) else found
    return registry.get(loader["name"])


def _child_main() -> None:
    """``python -c 'from engine.playthrough import _child_main; _child_main()'``: reads a
    JSON job on stdin and prints the traces as JSON."""
    import sys

    job = json.loads(sys.stdin.read())
    game = load_game(job["loader"])
    traces = trace(game, job["playouts"], job["max_plies"], job["options"])
    sys.stdout.write(json.dumps(traces))
