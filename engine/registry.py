"""Finds games by name. Game modules register themselves when ``engine.games`` is imported."""

from __future__ import annotations

from . import errors
from .core import Game, Rules
from .errors import EngineError

_GAMES: dict[str, Game] = {}


def register(rules: Rules) -> Game:
    if rules.name in _GAMES:
        raise ValueError(f"a game named {rules.name!r} is already registered")
    game = Game(rules)
    _GAMES[rules.name] = game
    return game


def get(name: str) -> Game:
    _load_builtin_games()
    try:
        return _GAMES[name]
    except (KeyError, TypeError):
        raise EngineError(errors.UNKNOWN_GAME, f"no game named {name!r}") from None


def names() -> list[str]:
    _load_builtin_games()
    return sorted(_GAMES)


def all_games() -> list[Game]:
    return [get(name) for name in names()]


def _load_builtin_games() -> None:
    from . import games  # noqa: F401  (importing registers them)
