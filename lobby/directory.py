"""The live-game directory: games in progress (players, kind, spectators), recently
finished games for replay, and online counts, all read from the database.

Changes are announced to the ``lobby.directory`` group (see ``lobby.signals``): a game
started or ended, or its spectator count changed. Lobby sockets forward them.

Announcements are gathered for :data:`ANNOUNCE_DELAY` and read together: one read of
every game announced, of which of them are listed, and of the online counts, instead of
about ten queries per game on the storing thread. Announced one by one, 500 games ending
together held up every move's acknowledgement behind ~4 s of directory reads (the
throughput benchmark of docs/benchmarks.md). Code without an event loop behind it (a
management command, a plain test) announces at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import logging
import threading

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

import engine
from engine import EngineError
from game_server.frames import visible_version
from game_server.from_threads import calling_loop
from game_server.models import Connection, Game, Seat
from game_server.per_loop import PerLoop
from game_server.presence import online_users
from game_server.seating import account_name, display_name

from . import notify

logger = logging.getLogger(__name__)

LIVE_LIMIT = 50
RECENT_LIMIT = 20
# A game just started is listed while its players' pages connect; after that only games
# with a player's socket open are "playing now" (the ``online.playing`` count).
STARTING_SECONDS = 60
ANNOUNCE_DELAY = 0.2  # seconds


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


def messages(changes: list[tuple[str, str]]) -> list[dict]:
    """The ``lobby.directory`` message of each ``(game_id, event)``, read together."""
    ids = {game_id for game_id, _ in changes}
    games = {game.pk: game for game in _games().filter(pk__in=ids)}
    if not games:
        return []
    # Whether it belongs in "Playing now" after this event: a page drops a game its
    # players left at once, without waiting for its next directory request.
    listed = set(_live_games().filter(pk__in=games).values_list("pk", flat=True))
    counts = online()
    entries = {game_id: entry(game) for game_id, game in games.items()}
    return [
        {
            "type": "lobby.directory",
            "event": event,
            "game": entries[game_id],
            "live": game_id in listed,
            "online": counts,
        }
        for game_id, event in changes
        if game_id in entries
    ]


class Announcer:
    """One event loop's pending directory changes (added from any thread), sent together
    :data:`ANNOUNCE_DELAY` after the first of them."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.lock = threading.Lock()
        self.pending: dict[tuple[str, str], None] = {}  # ordered, each change once
        self.task: asyncio.Task | None = None

    def add(self, game_id: str, event: str) -> None:
        with self.lock:
            first = not self.pending
            self.pending[(game_id, event)] = None
        if first:
            self.loop.call_soon_threadsafe(self._schedule)

    def _schedule(self) -> None:
        if self.task is None:
            # A context of its own: not the storing thread's (asgiref's deadlock guard).
            self.task = self.loop.create_task(self.flush(), context=contextvars.Context())

    async def flush(self) -> None:
        try:
            await asyncio.sleep(ANNOUNCE_DELAY)
            with self.lock:
                changes, self.pending = list(self.pending), {}
            for message in await database_sync_to_async(messages)(changes):
                await get_channel_layer().group_send(notify.DIRECTORY_GROUP, message)
        except Exception:
            logger.exception("directory changes not announced")
        finally:
            self.task = None
            with self.lock:
                more = bool(self.pending)
            if more:
                self._schedule()


_announcers: PerLoop[Announcer] = PerLoop(Announcer)
_announcers_lock = threading.Lock()  # storing threads announce concurrently


def announce(game_id: str, event: str) -> None:
    """Tell every lobby socket that a game ``started``, ``ended`` or has new
    ``spectators``: soon, together with the other changes of the moment."""
    loop = calling_loop()
    if loop is None:
        for message in messages([(game_id, event)]):
            notify.send_now(notify.DIRECTORY_GROUP, message)
        return
    with _announcers_lock:
        announcer = _announcers.get(loop)
    announcer.add(game_id, event)


def announce_online() -> None:
    notify.send(notify.DIRECTORY_GROUP, {"type": "lobby.online", "online": online()})
