"""docs/protocol.md keeps up with the code: every name a client can meet is documented.

Everything is collected from the code itself (handler tables, the protocol's ``Code``
and ``CloseCode`` enums, the frames the server builds, the URL resolvers), so a new
message type, field, code, close code or route that is not in the document fails here.
The checks are about names only; what they mean is the document's job (and the other
tests').
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import msgpack
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import engine
from boardroom import routing
from engine import errors as engine_errors
from game_server import actions, clocks, consumers, frames, presence, seating
from game_server.models import Game
from game_server.protocol import DAPHNE_TOO_BIG, CloseCode, Code
from lobby import consumers as lobby_consumers

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "protocol.md").read_text()


def section(start: str, end: str | None = None, text: str = DOC) -> str:
    """The document from the heading line ``start`` up to the heading line ``end``."""
    begin = text.index(start)
    stop = text.index(end, begin + len(start)) if end else len(text)
    return text[begin:stop]


GAME_SOCKET = section("## WebSocket: `/ws/games/<id>/`", "\n## Lobby")
LOBBY = section("\n## Lobby")
LOBBY_SOCKET = section("### WebSocket: `/ws/lobby/`", "\n### Quick match", LOBBY)


def ticked(name) -> str:
    return f"`{name}`"


def missing(names, text: str) -> list[str]:
    return sorted(str(name) for name in set(names) if ticked(name) not in text)


def table_first_column(text: str, heading: str) -> set[str]:
    """The backticked names in the first column of the table right after ``heading``."""
    after = text[text.index(heading) + len(heading) :]
    names, in_table = set(), False
    for line in after.splitlines():
        if line.startswith("|"):
            in_table = True
            first = line.split("|")[1]
            names.update(re.findall(r"`([^`]+)`", first))
        elif in_table:
            break
    return names


def table_row(text: str, name: str) -> str:
    """The table row (or bullet) whose first cell is the backticked ``name``."""
    for line in text.splitlines():
        if line.startswith(f"| `{name}` |") or line.startswith(f"* `{name}`:"):
            return line
    raise AssertionError(f"no row for `{name}` in the document")


# -- message types --------------------------------------------------------------------------------
def test_every_game_socket_message_type_is_in_the_client_table_and_no_other():
    documented = table_first_column(GAME_SOCKET, "### Client -> server")
    assert documented == set(consumers.GameConsumer.handlers)


def test_every_lobby_message_type_is_in_the_client_table_and_no_other():
    documented = table_first_column(LOBBY_SOCKET, "Client -> server:")
    assert documented == set(lobby_consumers.LobbyConsumer.handlers)


def sent_types(module) -> set[str]:
    """The ``type`` of every frame a consumer module builds as a dict literal (channel-layer
    messages, whose types have a dot, excluded) or hands to ``forward``."""
    found = set()
    for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "type":
                    if isinstance(value, ast.Constant) and "." not in value.value:
                        found.add(value.value)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "forward"
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
    return found


def test_every_game_socket_server_message_type_is_in_the_server_table():
    sent = sent_types(consumers) | sent_types(frames)
    assert {"snapshot", "update", "moves", "ack", "reject", "chat", "pong"} <= sent
    assert not missing(sent, GAME_SOCKET), "sent on the game socket, not documented"
    documented = table_first_column(GAME_SOCKET, "### Server -> client")
    assert sent <= documented


def test_every_lobby_server_message_type_is_documented():
    sent = sent_types(lobby_consumers)
    assert {"welcome", "queued", "match", "table", "rematch", "error"} <= sent
    server_to_client = section("Server -> client:", None, LOBBY_SOCKET)
    assert not missing(sent, server_to_client)


def test_every_engine_action_is_documented():
    assert not missing(engine.ENGINE_ACTIONS, GAME_SOCKET)


# -- codes ----------------------------------------------------------------------------------------
# Every code the server sends is a member of game_server.protocol.Code (engine codes pass
# through unchanged): the enum and the engine's set are the vocabulary checked here.
CODES_SECTION = section("### Codes", "\n### Limits", GAME_SOCKET)


def test_every_code_is_documented():
    assert not missing({code.value for code in Code} | engine_errors.CODES, DOC)


def test_every_engine_code_is_in_the_codes_section():
    assert not missing(engine_errors.CODES, CODES_SECTION)


def test_the_codes_table_names_only_codes_that_exist():
    table = table_first_column(GAME_SOCKET, "### Codes")
    assert {"stale_version", "server_only", "out_of_time", "not_abandoned"} <= table
    assert table <= {code.value for code in Code} | engine_errors.CODES


LOBBY_CODES = {
    Code.LOGIN_REQUIRED,
    Code.ALREADY_QUEUED,
    Code.IN_A_GAME,
    Code.AT_A_TABLE,
    Code.TABLE_NOT_OPEN,
    Code.NOT_CREATOR,
    Code.QUEUEING,
    Code.NOT_OVER,
    Code.TOO_MANY_GAMES,
    Code.INVALID_TOKEN,
    Code.TOKEN_FROM_BROWSER,
}
HTTP_ONLY_CODES = {
    Code.SEAT_TAKEN,
    Code.GAME_FULL,
    Code.INVALID_TIME_CONTROL,
    Code.CSRF_FAILED,
    Code.NAME_TAKEN,
}


def test_every_code_of_the_game_socket_is_in_its_codes_section():
    socket_codes = {code.value for code in Code} - LOBBY_CODES - HTTP_ONLY_CODES
    assert not missing(socket_codes, GAME_SOCKET)


def test_every_lobby_code_is_in_the_lobby_section():
    assert not missing({code.value for code in LOBBY_CODES}, LOBBY)


# -- close codes ----------------------------------------------------------------------------------
def test_every_close_code_is_in_the_close_code_table_and_no_other():
    table = section("### Close codes", "\n### Client -> server", GAME_SOCKET)
    rows = {int(code) for code in re.findall(r"^\| (\d{4}) \|", table, re.MULTILINE)}
    assert {int(code) for code in CloseCode} | {DAPHNE_TOO_BIG} == rows


# -- URLs -----------------------------------------------------------------------------------------
def normalise(route: str) -> str:
    """``api/games/<str:game_id>`` and ``api/games/<id>`` both become ``/api/games/<>``."""
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "<>", route)
    route = route.removeprefix("^").removeprefix("/?").removesuffix("$")
    return "/" + re.sub(r"<[^>]*>", "<>", route)


def http_routes(patterns=None, prefix: str = "") -> set[str]:
    routes = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        here = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                routes.add(here)  # Django's admin: documented as one prefix
            else:
                routes |= http_routes(entry.url_patterns, here)
        else:
            assert isinstance(entry, URLPattern)
            routes.add(here)
    return routes


def documented(route: str) -> bool:
    """Is ``route`` (normalised) a path of the document, in backticks or before a query?"""
    doc = re.sub(r"<[^>]*>", "<>", DOC)
    return re.search(re.escape(route) + r"[`?\s]", doc) is not None


def test_url_collection_finds_the_known_routes():
    routes = {normalise(route) for route in http_routes()}
    assert {"/api/games", "/api/games/<>/seats", "/healthz", "/metrics", "/"} <= routes
    assert {"/api/lobby/tables/<>", "/games/<>/replay.json", "/static/<>", "/admin/"} <= routes


@pytest.mark.parametrize("route", sorted(normalise(route) for route in http_routes()))
def test_every_http_route_is_documented(route):
    assert documented(route), f"{route} is not in docs/protocol.md"


@pytest.mark.parametrize(
    "route",
    sorted(normalise(entry.pattern.regex.pattern) for entry in routing.websocket_urlpatterns),
)
def test_every_websocket_route_is_documented(route):
    assert route in {"/ws/games/<>/", "/ws/lobby/"}
    assert documented(route), f"{route} is not in docs/protocol.md"


# -- fields ---------------------------------------------------------------------------------------
def fields_of(line: str) -> set[str]:
    return set(re.findall(r'"(\w+)"', line)) | set(re.findall(r"`(\w+)`", line))


def definition(name: str) -> str:
    """The sentence defining ``name`` (``GAME``, ``PLAYER``...): from "`NAME` is" on."""
    start = DOC.index(f"`{name}` is")
    return DOC[start : DOC.index("}", start) + 1]


def test_game_kind_metadata_fields_are_documented():
    row = table_row(section("| method and path |", "`GAME` is"), "GET /api/games/kinds")
    for game in engine.all_games():
        assert set(game.metadata()) <= fields_of(row), game.name


def test_clock_fields_are_documented():
    time_section = section("### Time", "### Codes", GAME_SOCKET)
    move = {"kind": "move", "seconds": 5}
    waiting = clocks.data(move, None, None, 0.0)
    clock, deadline = clocks.start(move, 2, [0], 0.0)
    running = clocks.data(move, clock, deadline, 1.0)
    assert not missing(set(waiting) | set(running), time_section.replace('"', "`"))


def test_view_fields_are_documented():
    view_paragraph = section("**View.**", "**Order.**", GAME_SOCKET)
    for game in engine.all_games():
        state = game.initial_state(game.min_players, 1)
        seat = game.to_move(state)[0]
        keys = set(game.view(state, seat)) | set(game.view(state, None))
        assert not missing(keys, view_paragraph), game.name


@pytest.mark.django_db
def test_frames_and_http_bodies_carry_only_documented_fields():
    game = seating.create_game("tictactoe", 2, time_control={"kind": "move", "seconds": 60})
    seating.take_seat(game, None, 0, "Ada")
    seating.take_seat(game, None, 1, "Bob")
    result = actions.submit_action(game.pk, 0, 4, 0, "r1", broadcast=False)
    game = Game.objects.get(pk=game.pk)

    server_table = section("### Server -> client", "**View.**", GAME_SOCKET)
    snapshot = frames.snapshot(game.pk, 1)
    assert set(snapshot) - {"type"} <= fields_of(table_row(server_table, "snapshot"))
    update = msgpack.unpackb(frames.update_frames(game, result)["spectator"])
    assert set(update) - {"type"} <= fields_of(table_row(server_table, "update"))
    moves = frames.catch_up(game.pk, 1, 0)
    assert moves["type"] == "moves"
    assert set(moves) - {"type"} <= fields_of(table_row(server_table, "moves"))
    assert set(moves["moves"][0]) <= fields_of(table_row(server_table, "moves"))
    current = presence.presence(game.pk)
    assert set(current) <= fields_of(table_row(server_table, "presence"))

    assert set(snapshot["game"]) <= fields_of(definition("GAME"))
    assert set(snapshot["players"][0]) <= fields_of(definition("PLAYER"))

    from django.test import Client

    client = Client()
    http = section("| method and path |", "`GAME` is")
    detail = client.get(f"/api/games/{game.pk}").json()
    assert set(detail) <= fields_of(table_row(http, "GET /api/games/<id>"))
    record = client.get(f"/api/games/{game.pk}/record").json()
    record_text = section("**Record**", "## WebSocket")
    assert set(record) | set(record["moves"][0]) <= fields_of(record_text)
    replay = client.get(f"/games/{game.pk}/replay.json").json()
    replay_row = table_row(DOC, "GET /games/<id>/replay.json")
    assert set(replay) | set(replay["plies"][0]) | set(replay["plies"][1]) <= fields_of(replay_row)
