"""The one path that stores an action: check, apply the engine, store, then broadcast.

:func:`submit_action` is the only code that stores a move or an engine action (bots,
the lobby and the sweeper of ``game_server.timeouts`` call it too). It locks the game
row, checks the version and the clock, applies the engine, stores the move in one
transaction and, once that transaction has committed, broadcasts it
(``game_server.frames``): persist, then broadcast; a move nobody stored is never shown.

Guarantees: the unique ``(game, ply)`` keeps one writer per ply across processes; the
unique ``(game, seat, request_id)`` makes a retried request come back as the original
result (``duplicate``) instead of being applied twice; ``timeout``, ``abandon`` and
``abort`` are stored only when the server sends them; a clock that ran out before an
action arrived has its timeout stored first, exactly once (:func:`apply_timeout`).
"""

from __future__ import annotations

import datetime
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from psycopg_pool import PoolTimeout

import engine
from engine import EngineError

from . import clocks, frames, metrics, state
from .models import Game, Move
from .protocol import MAX_REQUEST_ID, Code, Rejected
from .state import action_name, describe, hidden

logger = logging.getLogger(__name__)

# Actions only the server applies; a clock that ran out does not stop them.
SERVER_ACTIONS = (engine.TIMEOUT, engine.ABANDON, engine.ABORT)


@dataclass(frozen=True)
class ActionResult:
    """What :func:`submit_action` did. ``duplicate``: the request id was already stored,
    nothing was applied and ``version`` is the version that request produced."""

    game_id: str
    version: int
    seat: int
    data: Any
    description: str
    request_id: str | None
    duplicate: bool = False
    state: engine.State | None = None
    outcome: dict | None = None
    public: Any = None  # what others may see of the move (hidden-information games)


def is_plain_data(data, depth: int = 0) -> bool:
    """JSON-storable move data: strings, ints (64-bit), lists of them, and an engine
    action ``{"action": str}`` at the top level. Floats, bytes and None are never moves."""
    if isinstance(data, bool) or depth > 8:
        return False
    if isinstance(data, str):
        return len(data) <= 1000 and "\x00" not in data
    if isinstance(data, int):
        return -(2**63) <= data < 2**63
    if isinstance(data, list):
        return len(data) <= 1000 and all(is_plain_data(item, depth + 1) for item in data)
    if isinstance(data, dict):
        return depth == 0 and list(data) == ["action"] and isinstance(data["action"], str)
    return False


def unavailable_on_database_errors(function):
    """Turn a lost or refused database connection into ``Rejected(unavailable)``: the
    transaction was rolled back (or never began), so the client may simply retry.

    A persistent connection that died while idle (the database restarted) only shows it
    when used: outside a caller's transaction the call is tried once more on a fresh
    connection first (safe: request ids make a retried action apply at most once)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from django.db import connection

        attempts = 1 if connection.in_atomic_block else 2
        for attempt in range(attempts):
            try:
                return function(*args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                error = exc
                if isinstance(exc.__cause__, PoolTimeout):
                    break  # the pool already waited for a working connection
                if attempt + 1 < attempts:
                    connection.close()
        metrics.UNAVAILABLE.inc()
        logger.warning("database unavailable: %s", error)
        raise Rejected(Code.UNAVAILABLE, "the database is unavailable; retry shortly") from None

    return wrapper


class DeadlinePassed(Exception):
    """Inside :func:`submit_action`: a clock ran out before this action arrived."""


def submit_action(
    game_id: str,
    seat_index: int,
    data,
    expected_version: int | None,
    request_id: str | None,
    broadcast: bool = True,
    *,
    by_server: bool = False,
) -> ActionResult:
    """Apply a move or engine action (``{"action": ...}``) for ``seat_index``, which the
    caller has authenticated. Raises :class:`Rejected` (``not_found``, ``not_a_player``,
    ``game_over``, ``not_started``, ``stale_version``, ``malformed``, ``out_of_time``,
    ``server_only`` or an engine code).

    ``expected_version`` (None: skip the check) must be the game's current version.
    A ``request_id`` already stored for this game and seat returns the original result
    again with ``duplicate=True``: a retried request is acknowledged, never re-applied.

    An action arriving after a clock ran out first has the timeout stored
    (:func:`apply_timeout`), then is refused: ``out_of_time`` when it was the acting
    seat's clock, otherwise it is tried once more against the new version.

    ``timeout``, ``abandon`` and ``abort`` (:data:`SERVER_ACTIONS`) are stored only with
    ``by_server=True`` (``game_server.timeouts``); from anybody else, whatever message
    carried them, they are refused with ``server_only`` and nothing changes.
    """
    if isinstance(data, dict) and data.get("action") in SERVER_ACTIONS and not by_server:
        raise Rejected(Code.SERVER_ONLY, f"only the server applies {data['action']!r}")
    args = (game_id, seat_index, data, expected_version, request_id, broadcast)
    with _game_lock(game_id):
        try:
            return _store_action(*args)
        except DeadlinePassed:
            pass
        if seat_index in apply_timeout(game_id):
            raise Rejected(Code.OUT_OF_TIME, "your time ran out before this action arrived")
        try:
            return _store_action(*args)
        except DeadlinePassed:
            raise Rejected(Code.STALE_VERSION, "a clock ran out; the game moved on") from None


def apply_timeout(game_id: str, now: datetime.datetime | None = None) -> list[int]:
    """Store the timeout of the seat whose clock ran out, if any, exactly once across
    processes (an ``abort`` instead when a first-move deadline passed before two seats
    moved, see ``clocks``). Returns the seats timed out by this call or by a concurrent one for the
    same version ([] when no clock had run out)."""
    now = now or timezone.now()
    game = Game.objects.filter(pk=game_id, status=Game.Status.ACTIVE).first()
    if game is None or game.deadline is None or game.deadline > now:
        return []
    expired = clocks.expired_seats(game.clock, now.timestamp())
    if not expired:
        return []
    seat = expired[0]
    version = game.version
    # A first move not made in time while fewer than two seats have moved: no result.
    name = engine.ABORT if clocks.aborts_on_expiry(game.clock, seat, game.num_players) else None
    name = name or engine.TIMEOUT
    try:
        submit_action(game_id, seat, {"action": name}, version, f"{name}:{version}", by_server=True)
    except Rejected as exc:
        # stale_version / game_over: another process (or a move just in time) was first.
        logger.info("timeout of %s seat %s at %s not stored: %s", game_id, seat, version, exc.code)
    return [seat]


# With several action threads, two actions of one game in this process would wait for
# each other on the game row anyway; taking this lock first also keeps their broadcasts
# in version order (the row lock is released at commit, before the broadcast).
_GAME_LOCKS = [threading.RLock() for _ in range(256)]


def _game_lock(game_id: str) -> threading.RLock:
    return _GAME_LOCKS[hash(game_id) % len(_GAME_LOCKS)]


_ACTION_EXECUTOR = (
    ThreadPoolExecutor(settings.ACTION_THREADS, thread_name_prefix="actions")
    if settings.ACTION_THREADS > 1
    else None
)


def in_action_thread(function):
    """``function`` (one that stores actions, e.g. :func:`submit_action`) as a coroutine
    function for consumers. With ``ACTION_THREADS`` > 1 (PostgreSQL) it runs on that many
    threads, each with its own database connection, so that actions of different games
    proceed in parallel instead of queueing for Channels' one database thread."""
    if _ACTION_EXECUTOR is None:
        return database_sync_to_async(function)
    return DatabaseSyncToAsync(function, thread_sensitive=False, executor=_ACTION_EXECUTOR)


def _duplicate(game_id, seat_index, request_id) -> ActionResult | None:
    if request_id is None:
        return None
    moves = Move.objects.filter(game_id=game_id, seat=seat_index, request_id=request_id)
    move = next(iter(moves[:1]), None)  # at most one (unique): no ORDER BY needed
    if move is None:
        return None
    return ActionResult(
        game_id,
        move.ply,
        move.seat,
        move.data,
        move.description,
        request_id,
        duplicate=True,
        public=move.public,
    )


def _broadcast_again(result: ActionResult) -> None:
    """Broadcast a retried, already stored action again while it is the game's latest.

    A retry means its first answer was lost, and its broadcast may have been lost with it:
    the reply to COMMIT never came back (a connection cut: no on_commit hook ran), or the
    process died between commit and broadcast. Nobody would then hear of the move, and
    the seat to move would wait forever. Clients drop versions they already have; an
    older action needs nothing, the later broadcasts' gap makes clients resync."""
    game = Game.objects.get(pk=result.game_id)
    if game.version != result.version:
        return
    after = state.load_state(game)
    frames.broadcast_action(game, replace(result, state=after, outcome=game.outcome))


@unavailable_on_database_errors
def _store_action(game_id, seat_index, data, expected_version, request_id, broadcast):
    if request_id is not None and (
        not isinstance(request_id, str) or len(request_id) > MAX_REQUEST_ID or "\x00" in request_id
    ):
        raise Rejected(Code.MALFORMED, f"a request id is a string of at most {MAX_REQUEST_ID}")
    if expected_version is not None and (
        not isinstance(expected_version, int) or isinstance(expected_version, bool)
    ):
        raise Rejected(Code.MALFORMED, "the version must be an integer")
    if not isinstance(seat_index, int) or isinstance(seat_index, bool):
        raise Rejected(Code.NOT_A_PLAYER, "you do not have a seat in this game")
    if not is_plain_data(data):
        raise Rejected(engine.errors.MALFORMED_MOVE, "a move is made of strings, ints and lists")
    # A retried request is found by its request id only when the action cannot be stored
    # as a new one (it no longer fits the game, or the unique request id refuses it): one
    # query less per move.
    try:
        with transaction.atomic():
            result, game = _apply_and_store(game_id, seat_index, data, expected_version, request_id)
            transaction.on_commit(lambda: state.cache.put(game_id, result.state))
            transaction.on_commit(metrics.MOVES.inc)
            if broadcast:
                transaction.on_commit(lambda: frames.broadcast_action(game, result))
    except (Rejected, DeadlinePassed, IntegrityError) as exc:
        duplicate = _duplicate(game_id, seat_index, request_id)
        if duplicate is not None:
            if broadcast:
                _broadcast_again(duplicate)
            return duplicate
        if isinstance(exc, IntegrityError):
            raise Rejected(Code.STALE_VERSION, "another action was stored first") from None
        raise
    return result


def _lock_game(game_id: str) -> Game:
    try:
        return Game.objects.select_for_update().get(pk=game_id)
    except Game.DoesNotExist:
        raise Rejected(Code.NOT_FOUND, f"no game {game_id!r}") from None


def _apply_and_store(game_id, seat_index, data, expected_version, request_id):
    """Inside the caller's transaction: lock the game, check, apply and store the action.
    Returns the result and the updated game row. The caller looks for a duplicate request
    when this raises."""
    game = _lock_game(game_id)
    if not 0 <= seat_index < game.num_players:
        raise Rejected(Code.NOT_A_PLAYER, "you do not have a seat in this game")
    if game.over:
        raise Rejected(Code.GAME_OVER, "the game is over")
    if game.status == Game.Status.WAITING:
        raise Rejected(Code.NOT_STARTED, "the game waits for players")
    now = timezone.now()
    expired = game.deadline is not None and game.deadline <= now
    if expired and action_name(data) not in SERVER_ACTIONS:
        raise DeadlinePassed()
    if expected_version is not None and expected_version != game.version:
        raise Rejected(Code.STALE_VERSION, f"the game is at version {game.version}")
    game_engine = engine.get(game.kind)
    before = state.load_state(game)
    try:
        new_state = game_engine.apply(before, data, seat_index)
    except EngineError as exc:
        raise Rejected(exc.code, exc.message) from exc
    description = describe(game_engine, before, data)
    public = game_engine.public_move(before, data, seat_index) if hidden(game_engine) else None
    # No savepoint: the game row is locked, so no other writer can take this ply.
    Move.objects.create(
        game=game,
        ply=new_state.ply,
        seat=seat_index,
        data=data,
        description=description,
        request_id=request_id,
        public=public,
    )
    outcome = game_engine.outcome(new_state)
    game.version = new_state.ply
    game.clock, game.deadline = clocks.advance(
        game.time_control,
        game.clock,
        seat_index,
        not isinstance(data, dict),
        game_engine.to_move(new_state),
        now.timestamp(),
    )
    fields = ["version", "clock", "deadline"]
    if outcome is not None:
        aborted = outcome.reason == engine.core.REASON_ABORTED
        game.status = Game.Status.ABORTED if aborted else Game.Status.FINISHED
        game.outcome = outcome.to_data() | ({"draw": False} if aborted else {})
        game.finished_at = timezone.now()
        fields += ["status", "outcome", "finished_at"]
    game.save(update_fields=fields)
    result = ActionResult(
        game_id,
        new_state.ply,
        seat_index,
        data,
        description,
        request_id,
        state=new_state,
        outcome=game.outcome,
        public=public,
    )
    return result, game
