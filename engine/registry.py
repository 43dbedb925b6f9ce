"""Finds games by name.

Game modules register themselves (``register(Rules(...))``) when imported. The registry
imports, once, before the first lookup:

1. every module of ``engine.games`` (the built-in games);
2. the modules named in the ``BOARDROOM_GAMES`` environment variable, a comma-separated
   list of importable module paths (``mypackage.poker, other.go``);
3. the entry points of the ``boardroom.games`` group of every installed distribution,
   e.g. in the game package's ``pyproject.toml``::

       [project.entry-points."boardroom.games"]
       poker = "mypackage.poker"

   An entry point may name a module (importing it registers its games) or an attribute
   (``"mypackage.poker:RULES"``) holding a :class:`Rules` that is not registered yet.

So a game from another package needs no change to ``engine/games/``.
"""

from __future__ import annotations

import importlib
import os
import threading
from importlib import metadata

from . import errors
from .core import Game, Rules
from .errors import EngineError

ENV_VAR = "BOARDROOM_GAMES"
ENTRY_POINT_GROUP = "boardroom.games"

_GAMES: dict[str, Game] = {}
_loading = _loaded = False
# Other threads wait while one loads (a server's first requests come on several threads);
# reentrant, so that the loading thread's own lookups (a game module looking games up
# while importing) return at once.
_load_lock = threading.RLock()


def register(rules: Rules) -> Game:
    if rules.name in _GAMES:
        raise ValueError(f"a game named {rules.name!r} is already registered")
    game = Game(rules)
    _GAMES[rules.name] = game
    return game


def get(name: str) -> Game:
    load_games()
    try:
        return _GAMES[name]
    except (KeyError, TypeError):
        raise EngineError(errors.UNKNOWN_GAME, f"no game named {name!r}") from None


def names() -> list[str]:
    load_games()
    return sorted(_GAMES)


def all_games() -> list[Game]:
    return [get(name) for name in names()]


def load_games() -> None:
    """Import the built-in games, ``$BOARDROOM_GAMES`` and the ``boardroom.games`` entry
    points (once; later calls do nothing). A module that fails to import raises."""
    global _loading, _loaded
    if _loaded:
        return
    with _load_lock:
        if _loaded or _loading:  # a game module that looks games up while importing
            return
        _loading = True
        try:
            from . import games  # noqa: F401  (importing registers them)

            for path in os.environ.get(ENV_VAR, "").split(","):
                if path.strip():
                    load_module(path.strip())
            for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
                _register_loaded(entry_point.load(), entry_point.value)
            _loaded = True
        finally:
            _loading = False


def load_module(path: str) -> None:
    """Import ``path`` (``package.module``, or ``package.module:ATTRIBUTE`` naming a
    :class:`Rules`) so that its games are registered."""
    module_path, _, attribute = path.partition(":")
    try:
        loaded = importlib.import_module(module_path)
    except ImportError as exc:
        raise ImportError(f"cannot import game module {module_path!r}: {exc}") from exc
    if attribute:
        loaded = getattr(loaded, attribute)
    _register_loaded(loaded, path)


def _register_loaded(loaded, where: str) -> None:
    if isinstance(loaded, Game):
        loaded = loaded.rules
    if isinstance(loaded, Rules):
        if _GAMES.get(loaded.name) is None:
            register(loaded)
        elif _GAMES[loaded.name].rules is not loaded:
            raise ValueError(f"{where}: a game named {loaded.name!r} is already registered")
