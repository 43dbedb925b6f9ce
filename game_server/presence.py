"""Who is connected: every read and write of connection rows, in one place.

Each open socket has a :class:`~game_server.models.Connection` row (a game socket: its
game and seat, or a spectator; a lobby socket: no game), tagged with the serving
process (:data:`SERVER_ID`), so that:

* the caps on concurrent sockets per user (game and lobby sockets together,
  ``MAX_SOCKETS_PER_USER``) and per seat (``MAX_SOCKETS_PER_SEAT``) hold for any number
  of processes: a socket first stores its row, then counts, and removes its row again
  when the count is over a cap (of two sockets racing for the last place, at least the
  later one sees both rows; neither is admitted over the cap);
* a seat is "away" when no socket holds it (``Seat.disconnected_at``; abandonment in
  ``game_server.timeouts``); bot seats are never away;
* a restarted process clears the rows its previous run left (:func:`clear_connections`).

A row never outlives its socket. The consumer base registers every open socket of this
process in :data:`LIVE_CHANNELS` and removes it however the application ends (a clean
close, a crash, a cancel by daphne's close timeout), running ``disconnect`` on its own
then. What that cannot cover (the database unreachable at that moment, a process killed
outright) the sweeper of every serving process covers, each ``SWEEP_INTERVAL``
(:func:`reconcile`): it renews its own lease (:class:`~game_server.models.ServerLease`),
deletes its own rows whose socket is no longer live, and reaps the rows of processes
whose lease expired (``SERVER_LEASE_SECONDS``). A seat left without a row starts its
abandonment grace, as after a normal disconnect.

Presence frames are coalesced: at most one per game every :data:`INTERVAL` seconds per
process. Sending the whole game a fresh frame for each join made N spectators joining
cost O(N²) frames and N presence queries (226 s for 1,000 spectators in the fan-out
benchmark, docs/benchmarks.md). Here the first change goes out at once; the changes
that follow within the interval become one frame at its end, read from the database
then, so the last frame always shows the state after the last change.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time

from channels.db import database_sync_to_async
from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone

from . import clocks
from .models import Connection, Game, Seat, ServerLease
from .per_loop import PerLoop
from .protocol import LIVE_CHANNELS, encode
from .seating import account_name, display_name

INTERVAL = 0.5  # seconds
# Identifies this process in Connection rows; game_server's serve command sets it to
# host:port so a restarted server can clear the presence rows its previous run left.
SERVER_ID = settings.SERVER_ID

logger = logging.getLogger(__name__)

# Sent with ``game_id`` and ``presence`` (in a database thread) each time a game's
# coalesced presence has been read: its players' connections or its spectators changed.
# The lobby's live-game directory listens (lobby/signals.py), so it is coalesced too.
presence_changed = Signal()


#: ``(kind, user_ids) -> {user_id: rating}`` callables registered by higher apps in their
#: ``AppConfig.ready`` (the lobby's ratings), as ``security.BEARER_AUTHENTICATORS``: the
#: ``rating`` of each PLAYER. This module never imports the app that fills it.
PLAYER_RATINGS: list = []


def player_ratings(kind: str, user_ids: list[int]) -> dict[int, int]:
    """Each user's rating in ``kind`` as the registered providers see it (the first that
    answers for a user wins); nothing without a provider."""
    found: dict[int, int] = {}
    for provider in PLAYER_RATINGS:
        try:
            answer = provider(kind, [uid for uid in user_ids if uid not in found])
        except Exception:
            logger.exception("player ratings of %s: %r failed", kind, provider)
            continue
        found.update({uid: value for uid, value in answer.items() if uid not in found})
    return found


# A row younger than this may belong to a socket still being admitted: never reconciled.
RECONCILE_AFTER = 5.0  # seconds


def lease_seconds() -> float:
    return float(getattr(settings, "SERVER_LEASE_SECONDS", 30.0))


def group_name(game_id: str) -> str:
    """The channel-layer group of a game's sockets."""
    return f"game.{game_id}"


# -- connection rows (run in a worker thread: database_sync_to_async) ---------------------------
def user_id_of(user) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def sockets_of_user(user_id: int) -> int:
    return Connection.objects.filter(user_id=user_id).count()


def over_seat_cap(game_id: str, seat: int | None) -> bool:
    if seat is None:
        return False
    count = Connection.objects.filter(game_id=game_id, seat=seat).count()
    return count > getattr(settings, "MAX_SOCKETS_PER_SEAT", 4)


def over_user_cap(user_id: int | None) -> bool:
    cap = getattr(settings, "MAX_SOCKETS_PER_USER", 20)
    return user_id is not None and sockets_of_user(user_id) > cap


def _admit(channel_name: str, game_id: str | None, seat: int | None, user) -> bool:
    user_id = user_id_of(user)
    Connection.objects.update_or_create(
        channel_name=channel_name,
        defaults={"game_id": game_id, "seat": seat, "server": SERVER_ID, "user_id": user_id},
    )
    if over_seat_cap(game_id, seat) or over_user_cap(user_id):
        Connection.objects.filter(channel_name=channel_name).delete()
        return False
    return True


def admit_game_socket(game_id: str, channel_name: str, seat: int | None, user) -> bool:
    """Store the socket's row and mark its seat connected; False (and no row) when that
    puts its seat or user over a cap."""
    if not _admit(channel_name, game_id, seat, user):
        return False
    mark_connected(game_id, seat)
    return True


def admit_lobby_socket(channel_name: str, user) -> bool:
    """The same for a lobby socket of a logged-in (or guest) user."""
    return _admit(channel_name, None, None, user)


def change_seat(game_id: str, channel_name: str, seat: int, user) -> bool:
    """A game socket that authenticated as ``seat`` (the ``auth`` message); False (and
    the socket's row as it was) when that puts the seat over its cap. The row is written
    here if a spectators' batch had not written it yet."""
    row = Connection.objects.filter(channel_name=channel_name).values("seat").first()
    defaults = {"game_id": game_id, "seat": seat, "server": SERVER_ID, "user_id": user_id_of(user)}
    Connection.objects.update_or_create(channel_name=channel_name, defaults=defaults)
    if over_seat_cap(game_id, seat):
        rows = Connection.objects.filter(channel_name=channel_name)
        if row is None:
            rows.delete()
        else:
            rows.update(seat=row["seat"])
        return False
    mark_connected(game_id, seat)
    return True


def mark_connected(game_id: str, seat: int | None) -> None:
    if seat is not None:
        Seat.objects.filter(game_id=game_id, index=seat).update(disconnected_at=None)


def disconnect(channel_name: str) -> None:
    """Remove a socket's row; a seat left with no socket starts its abandonment grace."""
    _remove(Connection.objects.filter(channel_name=channel_name))


def _remove(rows) -> int:
    """Delete ``rows``; the seats they held that no other socket holds become away.
    Returns how many rows were deleted."""
    seats = {(game_id, seat) for game_id, seat in rows.values_list("game_id", "seat")}
    deleted = rows.delete()[0]
    now = timezone.now()
    for game_id, seat in seats:
        if seat is not None and not Connection.objects.filter(game_id=game_id, seat=seat).exists():
            Seat.objects.filter(game_id=game_id, index=seat).update(disconnected_at=now)
    return deleted


def reconcile(live: set[str] | None = None) -> int:
    """This process's sweep of presence (see the module docstring): renew its lease,
    delete its rows whose socket is gone and the rows of dead processes. Returns how
    many rows were deleted."""
    now = timezone.now()
    live = set(LIVE_CHANNELS if live is None else live)
    ServerLease.objects.update_or_create(server=SERVER_ID, defaults={"heartbeat_at": now})
    settled = now - datetime.timedelta(seconds=RECONCILE_AFTER)
    own = Connection.objects.filter(server=SERVER_ID, created_at__lt=settled)
    stale = [name for name in own.values_list("channel_name", flat=True) if name not in live]
    deleted = _remove(Connection.objects.filter(channel_name__in=stale)) if stale else 0
    expired = now - datetime.timedelta(seconds=lease_seconds())
    dead = list(
        ServerLease.objects.filter(heartbeat_at__lt=expired)
        .exclude(server=SERVER_ID)
        .values_list("server", flat=True)
    )
    for server in dead:
        deleted += _remove(Connection.objects.filter(server=server))
        logger.warning("server %s stopped renewing its lease: its sockets were removed", server)
    ServerLease.objects.filter(server__in=dead, heartbeat_at__lt=expired).delete()
    return deleted


def forget_this_server() -> int:
    """Every row of this process at once (a graceful shutdown): seats left without a
    socket become away. Returns how many rows went."""
    return _remove(Connection.objects.filter(server=SERVER_ID))


def clear_connections(server: str = SERVER_ID) -> int:
    """Forget the connections a previous run of this server left behind."""
    return Connection.objects.filter(server=server).delete()[0]


def online_users() -> int:
    """Distinct users with a lobby socket open."""
    lobby = Connection.objects.filter(game__isnull=True, user__isnull=False)
    return lobby.values("user").distinct().count()


# -- reads -----------------------------------------------------------------------------------------
def abandon_grace() -> float:
    """Seconds a disconnected seat has to come back (``ABANDON_GRACE``)."""
    return float(settings.ABANDON_GRACE)


def connected_seats(game_id: str) -> set[int]:
    rows = Connection.objects.filter(game_id=game_id, seat__isnull=False)
    return set(rows.values_list("seat", flat=True))


def away(game: Game, seats=None, connected=None) -> dict[int, tuple[float, float]]:
    """``{seat: (disconnected_since, grace_until)}`` (epoch seconds) of the seats that are
    away from an active game; empty for correspondence games. Bot seats are never away."""
    if game.status != Game.Status.ACTIVE or clocks.is_correspondence(game.time_control):
        return {}
    if seats is None:
        seats = {s.index: s for s in Seat.objects.filter(game=game)}
    if connected is None:
        connected = connected_seats(game.pk)
    grace = abandon_grace()
    result = {}
    for index, seat in seats.items():
        if index in connected or seat.bot:
            continue
        since = seat.disconnected_at or game.started_at or seat.joined_at
        result[index] = (since.timestamp(), since.timestamp() + grace)
    return result


def players(game_id: str) -> list[dict]:
    """Seat index, display name, account name, rating, connected flag and away times of
    every seat (free seats included)."""
    game = Game.objects.get(pk=game_id)
    rows = Seat.objects.filter(game_id=game_id).select_related("user", "user__profile")
    seats = {s.index: s for s in rows}
    connected = connected_seats(game_id)
    gone = away(game, seats, connected)
    users = [s.user_id for s in seats.values() if s.user_id is not None]
    ratings = player_ratings(game.kind, users) if users and PLAYER_RATINGS else {}
    result = []
    for index in range(game.num_players):
        seat = seats.get(index)
        if seat is None:
            name = None
        elif seat.user is not None:
            name = display_name(seat.user)
        else:
            name = seat.name or f"Player {index + 1}"
        since, until = gone.get(index, (None, None))
        result.append(
            {
                "seat": index,
                "name": name,
                "username": account_name(seat.user) if seat is not None else None,
                "rating": ratings.get(seat.user_id) if seat is not None else None,
                "taken": seat is not None,
                "bot": (seat.bot or None) if seat is not None else None,
                "connected": index in connected,
                "disconnected_since": since,
                "grace_until": until,
            }
        )
    return result


def presence(game_id: str) -> dict:
    return {
        "players": players(game_id),
        "spectators": Connection.objects.filter(game_id=game_id, seat__isnull=True).count(),
    }


# -- coalesced frames ---------------------------------------------------------------------------
def read(game_id: str) -> dict:
    current = presence(game_id)
    for receiver, result in presence_changed.send_robust(
        sender=Coalescer, game_id=game_id, presence=current
    ):
        if isinstance(result, Exception):
            logger.error("game %s: %r failed", game_id, receiver, exc_info=result)
    return current


class Coalescer:
    """The pending and last presence frames of one event loop's games."""

    def __init__(self):
        self.pending: dict[str, asyncio.Task] = {}
        self.sent_at: dict[str, float] = {}

    def request(self, game_id: str, layer) -> None:
        if game_id in self.pending:
            return  # the frame already scheduled will read the state after this change
        wait = self.sent_at.get(game_id, -INTERVAL) + INTERVAL - time.monotonic()
        task = asyncio.get_running_loop().create_task(self.send(game_id, layer, max(0, wait)))
        self.pending[game_id] = task

    async def send(self, game_id: str, layer, wait: float) -> None:
        try:
            if wait:
                await asyncio.sleep(wait)
            # From here on a new change schedules its own frame: this one may read too early.
            del self.pending[game_id]
            self.sent_at[game_id] = time.monotonic()
            self.forget_old()
            current = await database_sync_to_async(read)(game_id)
            frame = encode({"type": "presence", **current})
            message = {"type": "game.frame", "game": game_id, "frame": frame}
            await layer.group_send(group_name(game_id), message)
        except Exception:
            if self.pending.get(game_id) is asyncio.current_task():
                del self.pending[game_id]
            logger.exception("game %s: presence not sent", game_id)

    def forget_old(self) -> None:
        if len(self.sent_at) > 1000:
            cutoff = time.monotonic() - INTERVAL
            self.sent_at = {g: t for g, t in self.sent_at.items() if t > cutoff}


_coalescers: PerLoop[Coalescer] = PerLoop(lambda loop: Coalescer())


def announce(game_id: str, layer) -> None:
    """The game's presence changed: tell everyone in it, soon (call from the event loop)."""
    _coalescers.get().request(game_id, layer)
