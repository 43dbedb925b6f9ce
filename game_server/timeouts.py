"""Timeouts and abandonment: the server ending games (or removing seats) on its own.

Timeouts. A game's ``deadline`` (``game_server.clocks``) is stored with the game, so a
clock runs out even when nobody is connected. Every server process runs
:func:`run_sweeper` on its event loop (started by ``boardroom.serve``): every
``SWEEP_INTERVAL`` seconds it looks for active games whose deadline passed and stores
the engine's ``timeout`` action for the seat whose clock ran out, through the one move
path ``actions.submit_action``, with ``expected_version`` = the version the deadline
belongs to and the request id ``timeout:<version>``. Several sweepers (processes) may
try the same timeout at once: the unique ``(game, ply)`` and the request-id dedupe let
exactly one store it; the others get ``stale_version`` or a duplicate and move on. An
action arriving after its deadline makes ``submit_action`` apply the timeout first
(``actions.apply_timeout``) and then refuse it (``out_of_time`` for the seat whose clock ran
out). In a many-player game the engine's ``forfeit`` hook removes the seat and play goes
on (its new deadline is the next seat's).

Abandonment. A seat whose last connection closed (``Seat.disconnected_at``; a seat that
never connected counts from the game's start) is "away". After ``ABANDON_GRACE`` seconds
another active seat may claim the win (:func:`claim_win`, the ``claim_win`` message):
the engine's ``abandon`` action for the away seat (reason ``abandonment``; in a
many-player game the seat is removed and play goes on). A game with fewer than two
stored actions is aborted instead (``abort``: status ``aborted``, reason ``aborted``,
never rated). Correspondence games have no abandonment (nobody is expected to stay
connected) and bot seats are never away.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import logging

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

import engine

from . import actions, presence, state
from .models import Game
from .protocol import Code, Rejected

SWEEP_BATCH = 100

log = logging.getLogger(__name__)


def sweep_interval() -> float:
    """Seconds between two sweeps (``SWEEP_INTERVAL``)."""
    return float(settings.SWEEP_INTERVAL)


# -- timeouts --------------------------------------------------------------------------------
def sweep(now: datetime.datetime | None = None) -> int:
    """Apply every timeout due at ``now``; returns how many games had one due."""
    now = now or timezone.now()
    due = list(
        Game.objects.filter(status=Game.Status.ACTIVE, deadline__lte=now)
        .order_by("deadline")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for game_id in due:
        try:
            actions.apply_timeout(game_id, now)
        except Exception:
            log.exception("sweeping game %s failed", game_id)
    return len(due)


async def run_sweeper(interval: float | None = None) -> None:
    """Sweep forever on the running event loop (one per process)."""
    while True:
        try:
            await database_sync_to_async(presence.reconcile)()
            await database_sync_to_async(sweep)()
        except DatabaseError as exc:
            log.warning("timeout sweep failed: %s", exc)
        except Exception:
            log.exception("timeout sweep failed")
        await asyncio.sleep(interval if interval is not None else sweep_interval())


_sweeper: asyncio.Task | None = None


def start_sweeper(interval: float | None = None) -> asyncio.Task:
    """Start this process's sweeper on the running loop (idempotent)."""
    global _sweeper
    if _sweeper is None or _sweeper.done():
        loop = asyncio.get_running_loop()
        # A fresh context, as for the bot runner: no sync_to_async thread is inherited.
        _sweeper = loop.create_task(run_sweeper(interval), context=contextvars.Context())
    return _sweeper


def start_sweeper_soon(interval: float | None = None) -> None:
    """Sync helper for ``serve``: start the sweeper once the loop runs."""
    asyncio.get_event_loop().call_soon(start_sweeper, interval)


def sweep_once_now() -> int:
    """For scripts and tests: one sweep on a fresh connection."""
    try:
        return sweep()
    finally:
        close_old_connections()


# -- abandonment -----------------------------------------------------------------------------
@actions.unavailable_on_database_errors
def claim_win(game_id: str, seat: int, request_id: str | None = None) -> actions.ActionResult:
    """``seat`` claims the win over a seat whose grace period is over (see the module
    docstring). Raises ``Rejected``: ``not_a_player``, ``not_started``, ``game_over``,
    ``not_abandoned`` (nobody is away, or a correspondence game), ``grace_period``."""
    game = Game.objects.filter(pk=game_id).first()
    if game is None:
        raise Rejected(Code.NOT_FOUND, f"no game {game_id!r}")
    if not isinstance(seat, int) or not 0 <= seat < game.num_players:
        raise Rejected(Code.NOT_A_PLAYER, "you do not have a seat in this game")
    if game.over:
        raise Rejected(Code.GAME_OVER, "the game is over")
    if game.status == Game.Status.WAITING:
        raise Rejected(Code.NOT_STARTED, "the game waits for players")
    current = state.load_state(game)
    active = set(engine.get(game.kind).active_seats(current))
    if seat not in active:
        raise Rejected(Code.NOT_A_PLAYER, "you are no longer playing")
    now = timezone.now().timestamp()
    gone = {index: until for index, (_, until) in presence.away(game).items() if index in active}
    gone.pop(seat, None)
    if not gone:
        raise Rejected(Code.NOT_ABANDONED, "every other player is here")
    over = sorted(index for index, until in gone.items() if until <= now)
    if not over:
        first = min(gone.values())
        raise Rejected(Code.GRACE_PERIOD, f"the grace period ends in {max(0.0, first - now):.1f} s")
    version = game.version
    if version < 2:
        # Stored for the seat that left (as a first-move abort is for the late seat), so
        # the update names who left, not who claimed.
        return actions.submit_action(
            game_id, over[0], {"action": engine.ABORT}, version, f"abort:{version}", by_server=True
        )
    return actions.submit_action(
        game_id, over[0], {"action": engine.ABANDON}, version, f"abandon:{version}", by_server=True
    )
