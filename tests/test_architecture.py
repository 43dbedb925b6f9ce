"""The shape of the code: dependencies run one way and no module imports itself back.

engine <- game_server <- lobby <- accounts <- web_client <- boardroom (the project
package): a lower layer never imports a higher one, not even inside a function (the
accounts app registers its token check with ``game_server.security`` at start-up).
Within and across the packages there is no import cycle. The import graph is built by
grimp (import-linter's engine), which sees function-level imports too. The live-game app
keeps its modules small, one role each (``docs/protocol.md`` and the README's layout
table list them).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import grimp
import pytest

LAYERS = ["boardroom", "web_client", "accounts", "lobby", "game_server", "engine"]  # high to low
ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*LAYERS, include_external_packages=False)


@pytest.mark.parametrize(
    ("lower", "higher"),
    [(low, high) for high, low in itertools.combinations(LAYERS, 2)],
)
def test_a_lower_layer_never_imports_a_higher_one(graph, lower, higher):
    chain = graph.find_shortest_chain(importer=lower, imported=higher, as_packages=True)
    assert chain is None, f"{lower} imports {higher}: {' -> '.join(chain)}"


def test_there_is_no_import_cycle(graph):
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.append(f"{importer} -> {' -> '.join(back)}")
    assert not cycles, "\n".join(cycles)


def test_the_check_sees_function_level_imports(graph):
    # boardroom.serve imports lobby.bots inside a function only.
    assert graph.find_shortest_chain(importer="boardroom.serve", imported="lobby.bots")


@pytest.mark.parametrize(
    "path", sorted((ROOT / "game_server").glob("*.py")), ids=lambda path: path.name
)
def test_live_game_modules_stay_small(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES
