"""The lobby's JSON HTTP API (docs/protocol.md, "Lobby"), read-only: the leaderboard,
rating histories, the live-game directory and the tables. Errors and method checks come
from the game server's ``api`` decorator."""

from __future__ import annotations

from django.http import JsonResponse

import engine
from engine import EngineError
from game_server.protocol import Code, Rejected
from game_server.views import api

from . import directory, ratings, tables


def _kind(request) -> str:
    kind = request.GET.get("kind", "")
    try:
        engine.get(kind)
    except EngineError as exc:
        raise Rejected(exc.code, exc.message) from exc
    return kind


def _limit(request, default: int, most: int) -> int:
    value = request.GET.get("limit", "")
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise Rejected(Code.MALFORMED, f"limit is 1-{most}")
    return int(value)


@api("GET")
def leaderboard(request):
    kind = _kind(request)
    return JsonResponse(
        {"kind": kind, "ratings": ratings.leaderboard(kind, _limit(request, 50, 200))}
    )


@api("GET")
def rating_history(request, user_id: int):
    kind = _kind(request)
    return JsonResponse({"user": user_id, "kind": kind, "history": ratings.history(user_id, kind)})


@api("GET")
def game_ratings(request, game_id: str):
    found = ratings.game_changes(game_id)
    if found is None:
        raise Rejected(Code.NOT_FOUND, f"no game {game_id!r}")
    return JsonResponse(found)


@api("GET")
def live_directory(request):
    return JsonResponse(directory.snapshot())


@api("GET")
def open_tables(request):
    return JsonResponse({"tables": tables.open_tables()})


@api("GET")
def table(request, code: str):
    found = tables.Table.objects.filter(code=code.upper()).first()
    if found is None:
        raise Rejected(Code.NOT_FOUND, f"no table {code!r}")
    return JsonResponse({"table": tables.table_data(found)})
