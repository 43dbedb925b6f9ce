"""``python -m engine new NAME``: a new game module and its test file, green from the start.

The template is a small complete game (a race to take the last counter from a pile) that
passes the whole conformance kit; rename and rewrite its rules, keeping the kit green.
Written files: ``DIR/NAME.py``, ``DIR/test_NAME.py`` and the golden playthrough
``DIR/playthroughs/NAME.txt``. The module imports only ``engine``'s public API, so it
works from any package: register it with ``$BOARDROOM_GAMES`` or an entry point of the
``boardroom.games`` group (see docs/writing-a-game.md).
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import sys
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name) or keyword.iskeyword(name):
        raise ValueError(
            f"{name!r}: a game name is 2-31 lowercase letters, digits and underscores,"
            " starting with a letter (it is also the module name)"
        )


def render(template: str, name: str, module: str) -> str:
    title = name.replace("_", " ").capitalize()
    return (
        (TEMPLATES / template)
        .read_text()
        .replace("__NAME__", name)
        .replace("__TITLE__", title)
        .replace("__MODULE__", module)
    )


def new_game(name: str, directory: Path, module: str | None = None) -> list[Path]:
    """Write the game module, its test file and its golden playthrough into ``directory``;
    ``module`` is the import path of the new module (default: ``name``). Refuses to
    overwrite existing files. Returns the paths written."""
    check_name(name)
    from . import registry

    if name in registry.names():
        raise ValueError(f"a game named {name!r} is already registered")
    module = module or name
    directory = Path(directory)
    game_path = directory / f"{name}.py"
    test_path = directory / f"test_{name}.py"
    playthrough_path = directory / "playthroughs" / f"{name}.txt"
    for path in (game_path, test_path, playthrough_path):
        if path.exists():
            raise FileExistsError(f"{path} exists: not overwriting it")
    directory.mkdir(parents=True, exist_ok=True)
    game_path.write_text(render("game.py.txt", name, module))
    test_path.write_text(render("test_game.py.txt", name, module))
    playthrough_path.parent.mkdir(exist_ok=True)
    playthrough_path.write_text(_playthrough_of(game_path, name))
    return [game_path, test_path, playthrough_path]


def _playthrough_of(game_path: Path, name: str) -> str:
    """Load the module just written (registering its game for a moment) and play it
    through; the game is unregistered again, so the calling process's registry is as it
    was (a test scaffolding a game must not add it to every later test's games)."""
    from . import registry
    from .playthrough import playthrough

    spec = importlib.util.spec_from_file_location(f"_boardroom_new_{name}", game_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        return playthrough(registry.get(name))
    finally:
        registry._GAMES.pop(name, None)
        sys.modules.pop(spec.name, None)
