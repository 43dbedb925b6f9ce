"""The live-game directory: games in progress (players, kind, spectators), recently
finished games for replay, and online counts, all read from the database.

Changes are announced to the ``lobby.directory`` group (see ``lobby.signals``): a game
started or ended, or its spectator count changed. Lobby sockets forward them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

import engine
from engine import EngineError
from game_server.frames import visible_version
from game_server.models import Connection, Game, Seat
from game_server.presence import online_users
from game_server.seating import account_name, display_name

from . import notify

LIVE_LIMIT = 50
RECENT_LIMIT = 20
# A game just started is listed while its players' pages connect; after that only games
# with a player's socket open are "playing now" (the ``online.playing`` count).
STARTING_SECONDS = 60


def _games():
    seats = Seat.objects.select_related("user", "user__profile").order_by("index")
    return Game.objects.prefetch_related(Prefetch("seats", queryset=seats)).annotate(
        spectators=Count("connections", filter=Q(connections__seat__isnull=True))
    )


def _title(kind: str) -> str:
    try:
        return engine.get(kind).title
    except EngineError:
        return kind


def entry(game: Game) -> dict:
    """One game as the directory shows it (``game`` from :func:`_games`)."""
    return {
        "game": game.pk,
        "kind": game.kind,
        "title": _title(game.kind),
        "status": game.status,
        "rated": game.rated,
        "players": [
            {
                "seat": seat.index,
                "name": display_name(seat.user) if seat.user_id else seat.name,
                "user": seat.user_id,
                "username": account_name(seat.user) if seat.user_id else None,
            }
            for seat in game.seats.all()
        ],
        "spectators": getattr(game, "spectators", 0),
        "version": visible_version(game, None),  # a spectator delay holds moves back
        "started_at": game.started_at.isoformat() if game.started_at else None,
        "finished_at": game.finished_at.isoformat() if game.finished_at else None,
        "outcome": game.outcome,
    }


def game_entry(game_id: str) -> dict | None:
    game = _games().filter(pk=game_id).first()
    return None if game is None else entry(game)


def _live_games():
    """Active games someone is playing: a player's socket is open, or the game started
    less than ``STARTING_SECONDS`` ago. A game its players walked away from (a bot game
    left, a game without a clock both players closed) is not listed, though it stays
    active until it is claimed, times out or a player comes back."""
    player_socket = Connection.objects.filter(game=OuterRef("pk"), seat__isnull=False)
    seconds = getattr(settings, "LOBBY_STARTING_SECONDS", STARTING_SECONDS)
    starting = timezone.now() - datetime.timedelta(seconds=seconds)
    return (
        _games()
        .filter(status=Game.Status.ACTIVE)
        .filter(Exists(player_socket) | Q(started_at__gte=starting))
    )


def live(limit: int = LIVE_LIMIT) -> list[dict]:
    return [entry(game) for game in _live_games().order_by("-started_at")[:limit]]


def recent(limit: int = RECENT_LIMIT) -> list[dict]:
    games = _games().filter(status=Game.Status.FINISHED).order_by("-finished_at")[:limit]
    return [entry(game) for game in games]


def online() -> dict:
    """Distinct users with a lobby socket open, and with a seat's game socket open."""
    return {
        "lobby": online_users(),
        "playing": Connection.objects.filter(seat__isnull=False)
        .values("game", "seat")
        .distinct()
        .count(),
        "spectating": Connection.objects.filter(game__isnull=False, seat__isnull=True).count(),
    }


def snapshot() -> dict:
    return {"live": live(), "recent": recent(), "online": online()}


def announce(game_id: str, event: str) -> None:
    """Tell every lobby socket that a game ``started``, ``ended`` or has new ``spectators``."""
    game = game_entry(game_id)
    if game is not None:
        # Whether it belongs in "Playing now" after this event: a page drops a game its
        # players left at once, without waiting for its next directory request.
        listed = _live_games().filter(pk=game_id).exists()
        notify.send_now(
            notify.DIRECTORY_GROUP,
            {
                "type": "lobby.directory",
                "event": event,
                "game": game,
                "live": listed,
                "online": online(),
            },
        )


def announce_online() -> None:
    notify.send(notify.DIRECTORY_GROUP, {"type": "lobby.online", "online": online()})
