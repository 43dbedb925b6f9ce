"""Pure-Python, deterministic game rules: no Django, no I/O, standard library only.

    from engine import get
    game = get("connect4")
    state = game.initial_state(num_players=2, seed=7)
    state = game.apply(state, 3)          # a new state; the old one is untouched
    game.view(state, seat=1)              # what seat 1 may see

See ``engine.core`` for the contract and ``docs/writing-a-game.md`` for adding a game.
"""

from .core import (
    ABANDON,
    ABORT,
    ACCEPT_DRAW,
    DECLINE_DRAW,
    ENGINE_ACTIONS,
    OFFER_DRAW,
    RESIGN,
    TIMEOUT,
    Game,
    Outcome,
    Rules,
    State,
    generic_perft,
    perft,
)
from .errors import EngineError
from .registry import all_games, get, load_games, names, register

__all__ = [
    "ABANDON",
    "ABORT",
    "ACCEPT_DRAW",
    "DECLINE_DRAW",
    "ENGINE_ACTIONS",
    "OFFER_DRAW",
    "RESIGN",
    "TIMEOUT",
    "EngineError",
    "Game",
    "Outcome",
    "Rules",
    "State",
    "all_games",
    "get",
    "names",
    "generic_perft",
    "load_games",
    "perft",
    "register",
]
