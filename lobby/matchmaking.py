"""Quick match: tickets wait in the database and are matched inside a transaction.

Correctness does not depend on timing or on one process: a ticket leaves ``waiting``
only through ``UPDATE ... WHERE status = 'waiting'`` and a match is committed only when
that update claimed *every* ticket of the group; otherwise the transaction rolls back
and matching is retried. On PostgreSQL the waiting tickets of the bucket are also read
``SELECT ... FOR UPDATE`` so that concurrent matchers queue up instead of conflicting; on
SQLite each transaction takes the database's write lock when it begins (``BEGIN
IMMEDIATE``, see the settings), which serializes matchers across processes. A user has
at most one waiting ticket (a partial unique constraint), so nobody is matched twice.

Rated buckets pair by rating: two tickets fit when their ratings differ by no more than
either one's window, which starts at :data:`BASE_GAP` and widens by :data:`GAP_PER_SECOND`
for every second waited, up to :data:`MAX_GAP`. A ticket may ask for a bot after
``bot_after`` seconds; that game is unrated.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

import engine
from engine import EngineError
from engine import bots as engine_bots
from game_server import clocks
from game_server.models import Game
from game_server.protocol import Code, Rejected

from . import ratings
from .models import Table, TableMember, Ticket
from .seating import Player, start_game

BASE_GAP = 100.0
GAP_PER_SECOND = 25.0
MAX_GAP = 1000.0
MAX_CANDIDATES = 200
RETRIES = 30

TIMING_OPTIONS = ("time_control", "spectator_delay")  # game_server.clocks, not the engine
BOT_LEVELS = tuple(engine_bots.LEVELS)


class _Conflict(Exception):
    """Another matcher claimed one of our tickets first: roll back and try again."""


@dataclass(frozen=True)
class Request:
    """A validated game request: what quick match, tables and bot games all take."""

    kind: str
    num_players: int
    options: dict
    rated: bool

    @property
    def bucket(self) -> str:
        options = json.dumps(self.options, sort_keys=True, separators=(",", ":"))
        return f"{self.kind}/{self.num_players}/{'rated' if self.rated else 'casual'}/{options}"


def parse_request(kind, num_players=None, options=None, rated=False) -> Request:
    """Validate a game kind, player count and options with the engine (``Rejected``)."""
    if not isinstance(kind, str):
        raise Rejected(Code.MALFORMED, "the game kind is a string")
    if options is not None and not isinstance(options, dict):
        raise Rejected(Code.MALFORMED, "options are a map")
    # The time control and spectator delay travel with the options (and so are part of
    # the bucket: only players asking for the same clock are matched together).
    options = dict(options or {})
    timing = {name: options.pop(name) for name in TIMING_OPTIONS if name in options}
    try:
        if "time_control" in timing:
            timing["time_control"] = clocks.parse(timing["time_control"])
        if "spectator_delay" in timing:
            timing["spectator_delay"] = clocks.parse_delay(timing["spectator_delay"])
    except clocks.InvalidTimeControl as exc:
        raise Rejected(Code.INVALID_TIME_CONTROL, str(exc)) from exc
    try:
        game = engine.get(kind)
        num_players = game.min_players if num_players is None else num_players
        game.initial_state(num_players, 0, options)  # checks the count and the options
        resolved = game.resolve_options(options, num_players)
    except EngineError as exc:
        raise Rejected(exc.code, exc.message) from exc
    timing = {name: value for name, value in timing.items() if value}  # none / 0: left out
    return Request(kind, num_players, resolved | timing, bool(rated))


def join_queue(user, request: Request, channel_name="", bot_after=None, bot_level="random"):
    """Queue ``user`` (replacing any ticket it had waiting) and return the new ticket."""
    if bot_after is not None:
        if isinstance(bot_after, bool) or not isinstance(bot_after, (int, float)) or bot_after < 0:
            raise Rejected(Code.MALFORMED, "bot_after is a number of seconds")
        if bot_level not in BOT_LEVELS:
            raise Rejected(Code.MALFORMED, f"bot levels: {', '.join(BOT_LEVELS)}")
    return retrying(_join, user, request, channel_name, bot_after, bot_level)


def _join(user, request: Request, channel_name, bot_after, bot_level) -> Ticket:
    if TableMember.objects.filter(user=user, table__status=Table.Status.OPEN).exists():
        raise Rejected(Code.AT_A_TABLE, "leave your table before queueing")
    Ticket.objects.filter(user=user, status=Ticket.Status.WAITING).update(
        status=Ticket.Status.CANCELLED
    )
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                user=user,
                channel_name=channel_name,
                kind=request.kind,
                num_players=request.num_players,
                options=request.options,
                bucket=request.bucket,
                rated=request.rated,
                rating=ratings.current_mu(user, request.kind),
                bot_after=bot_after,
                bot_level=bot_level if bot_after is not None else "",
            )
    except IntegrityError as exc:  # the partial unique constraint: a concurrent join won
        raise Rejected(Code.ALREADY_QUEUED, "you are already queueing") from exc
    # A queue racing a match of the same user's previous ticket (two sockets queueing at
    # once) must not start a second game. Checked after the insert: once it succeeded, no
    # other ticket of the user is waiting, and a match of one (even one that held its lock
    # while the cancel above waited) is committed and visible to this statement.
    unfinished = (Game.Status.WAITING, Game.Status.ACTIVE)
    if Ticket.objects.filter(
        user=user, status=Ticket.Status.MATCHED, game__status__in=unfinished
    ).exists():
        raise Rejected(Code.IN_A_GAME, "finish your quick-match game before queueing again")
    return ticket


def leave_queue(user=None, channel_name=None) -> int:
    """Cancel the waiting tickets of ``user`` (or of one socket); returns how many."""
    return retrying(_leave, user, channel_name)


def _leave(user, channel_name) -> int:
    tickets = Ticket.objects.filter(status=Ticket.Status.WAITING)
    if user is not None:
        tickets = tickets.filter(user=user)
    if channel_name is not None:
        tickets = tickets.filter(channel_name=channel_name)
    return tickets.update(status=Ticket.Status.CANCELLED)


def window(ticket: Ticket, now) -> float:
    waited = max((now - ticket.created_at).total_seconds(), 0.0)
    return min(BASE_GAP + GAP_PER_SECOND * waited, MAX_GAP)


def pick_group(waiting: list[Ticket], size: int, now, rated: bool) -> list[Ticket] | None:
    """The oldest ticket that has a full group of compatible tickets, with that group."""
    if len(waiting) < size:
        return None
    if not rated:
        return waiting[:size]
    for anchor in waiting:
        group = [anchor]
        for other in sorted(waiting, key=lambda t: abs(t.rating - anchor.rating)):
            if other is anchor:
                continue
            if all(
                abs(other.rating - member.rating) <= min(window(other, now), window(member, now))
                for member in group
            ):
                group.append(other)
                if len(group) == size:
                    return group
    return None


def retrying(function, *args):
    """Run ``function`` in a transaction, again after a lost race or a locked database
    (SQLite reports a lock it cannot wait for, e.g. in shared-cache mode, at once)."""
    for attempt in range(RETRIES):
        try:
            with transaction.atomic():
                return function(*args)
        except _Conflict:
            continue
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == RETRIES - 1:
                raise
            time.sleep(0.005 * (attempt + 1) * (1 + secrets.randbelow(100) / 100))
    return []


def _claim(tickets: list[Ticket], now) -> None:
    claimed = Ticket.objects.filter(
        pk__in=[t.pk for t in tickets], status=Ticket.Status.WAITING
    ).update(status=Ticket.Status.MATCHED, matched_at=now)
    if claimed != len(tickets):
        raise _Conflict


def _seat(tickets: list[Ticket], game, seats: dict) -> None:
    for ticket in tickets:
        ticket.game, ticket.seat = game, seats[ticket.user_id]
        ticket.save(update_fields=["game", "seat"])


def _match_bucket(bucket: str) -> list:
    waiting = Ticket.objects.filter(bucket=bucket, status=Ticket.Status.WAITING)
    if connection.features.has_select_for_update:
        waiting = waiting.select_for_update()
    waiting = list(waiting.order_by("created_at", "id")[:MAX_CANDIDATES])
    games = []
    now = timezone.now()
    while waiting:
        first = waiting[0]
        group = pick_group(waiting, first.num_players, now, first.rated)
        if group is None:
            break
        _claim(group, now)
        order = list(group)
        secrets.SystemRandom().shuffle(order)  # who sits first is left to chance
        game, seats = start_game(
            first.kind, first.options, [Player(user=t.user) for t in order], rated=first.rated
        )
        _seat(group, game, seats)
        games.append(game)
        waiting = [t for t in waiting if t not in group]
    return games


def match(bucket: str) -> list:
    """Start every game the bucket's waiting tickets can fill; returns the new games."""
    return retrying(_match_bucket, bucket)


def _bot_fallback(ticket_id: int):
    ticket = Ticket.objects.filter(pk=ticket_id, status=Ticket.Status.WAITING).first()
    if ticket is None or ticket.bot_after is None:
        return None
    now = timezone.now()
    if (now - ticket.created_at).total_seconds() < ticket.bot_after:
        return None
    _claim([ticket], now)
    players = [Player(bot=ticket.bot_level or "random") for _ in range(ticket.num_players)]
    seat = secrets.randbelow(ticket.num_players)
    players[seat] = Player(user=ticket.user)
    game, seats = start_game(ticket.kind, ticket.options, players, source="bot")
    _seat([ticket], game, seats)
    return game


def match_with_bots(ticket_id: int):
    """Seat a ticket that waited ``bot_after`` seconds with bots; the game, or None."""
    return retrying(_bot_fallback, ticket_id) or None


def poll(ticket_id: int) -> Ticket | None:
    """One matchmaking round for a waiting ticket: match its bucket (windows widen with
    time), then fall back to bots when it asked for them. Returns the ticket as it is now."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Ticket.Status.WAITING:
        return ticket
    match(ticket.bucket)
    match_with_bots(ticket_id)
    return Ticket.objects.get(pk=ticket_id)
