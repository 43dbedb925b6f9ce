"""The one path for creating games, taking seats and acting in a game.

Plain synchronous functions. Consumers call them through ``database_sync_to_async``;
the HTTP API, the lobby and bots call them directly (from sync code or through
``database_sync_to_async``). :func:`submit_action` is the only code that stores a move:
it checks, applies the engine, stores the move in one transaction and, once that
transaction has committed, broadcasts it to the game's WebSocket group (persist, then
broadcast: a move nobody stored is never shown to anyone).

States are rebuilt from the seed and the move log and cached per process
(:class:`StateCache`); a cached state is only used after checking it against the
game's stored version, and only the missing moves are replayed onto it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import msgpack
from asgiref.sync import async_to_sync
from channels.db import DatabaseSyncToAsync, database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from psycopg_pool import PoolTimeout

import engine
from engine import EngineError

from . import clocks, metrics
from .models import Connection, Game, Move, Profile, Seat

# Rejection codes of the server itself; engine codes (engine.errors.CODES) pass through.
NOT_A_PLAYER = "not_a_player"
STALE_VERSION = "stale_version"
GAME_OVER = "game_over"
NOT_STARTED = "not_started"
NOT_FOUND = "not_found"
SEAT_TAKEN = "seat_taken"
GAME_FULL = "game_full"
MALFORMED = "malformed"
UNAVAILABLE = "unavailable"  # the database cannot be reached: nothing was stored, retry
INVALID_TIME_CONTROL = "invalid_time_control"
OUT_OF_TIME = "out_of_time"  # the acting seat's clock ran out first (game_server.timeouts)
SERVER_ONLY = "server_only"  # a client sent an action only the server applies (abort, ...)

MAX_REQUEST_ID = 64
CACHE_SIZE = 512
# Identifies this process in Connection rows; game_server.serve sets it to host:port so
# a restarted server can clear the presence rows its previous run left behind.
SERVER_ID = settings.SERVER_ID

logger = logging.getLogger(__name__)


class Rejected(Exception):
    """An action or request the server refuses. ``code`` is sent to the client."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


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


def group_name(game_id: str) -> str:
    return f"game.{game_id}"


# -- identity --------------------------------------------------------------------------
def display_name(user) -> str:
    if user is None or not user.is_authenticated:
        return "Anonymous"
    try:
        return user.profile.display_name
    except Profile.DoesNotExist:
        return user.get_username()


def create_guest():
    """A new guest user with a generated display name (no password, cannot log in)."""
    suffix = secrets.token_hex(4)
    user = get_user_model().objects.create_user(username=f"guest-{suffix}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Profile.objects.create(user=user, display_name=f"Guest {suffix[:4]}", guest=True)
    return user


def set_display_name(user, name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 40:
        raise Rejected(MALFORMED, "a display name has 1-40 characters")
    Profile.objects.update_or_create(user=user, defaults={"display_name": name})
    return name


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def seat_for_token(game_id: str, token: str) -> int | None:
    """The seat index ``token`` was issued for in this game, or None."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    digest = hash_token(token)
    found = None
    for index, stored in Seat.objects.filter(game_id=game_id).values_list("index", "token_hash"):
        if hmac.compare_digest(stored, digest):
            found = index
    return found


def seat_for_user(game_id: str, user) -> int | None:
    if user is None or not user.is_authenticated:
        return None
    return Seat.objects.filter(game_id=game_id, user=user).values_list("index", flat=True).first()


# -- creating and joining ----------------------------------------------------------------
def create_game(
    kind,
    num_players,
    options=None,
    seed=None,
    rated=False,
    creator=None,
    time_control=None,
    spectator_delay=None,
) -> Game:
    """A new game in ``waiting`` status. Options are validated (and defaults filled in)
    by the engine; raises :class:`Rejected` with the engine's code when they are bad.
    ``time_control`` / ``spectator_delay`` (``game_server.clocks``) may also come as
    ``options`` entries of those names (how the lobby passes them)."""
    options = dict(options or {})
    time_control = options.pop("time_control", time_control)
    spectator_delay = options.pop("spectator_delay", spectator_delay)
    try:
        time_control = clocks.parse(time_control)
        spectator_delay = clocks.parse_delay(spectator_delay)
    except clocks.InvalidTimeControl as exc:
        raise Rejected(INVALID_TIME_CONTROL, str(exc)) from exc
    try:
        game_engine = engine.get(kind)
        resolved = game_engine.resolve_options(options, num_players)
        state = game_engine.initial_state(num_players, 0, resolved)
    except EngineError as exc:
        raise Rejected(exc.code, exc.message) from exc
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise Rejected(MALFORMED, "the seed must be an integer")
    fields = {"seed": seed} if seed is not None else {}
    return Game.objects.create(
        kind=kind,
        num_players=state.num_players,
        options=resolved,
        rated=bool(rated),
        created_by=creator if creator is not None and creator.is_authenticated else None,
        time_control=time_control,
        spectator_delay=spectator_delay,
        **fields,
    )


def take_seat(game: Game, user=None, index=None, name="") -> tuple[Seat, str]:
    """Seat ``user`` (or a token-only player called ``name``) at ``index`` (or the first
    free seat) and return the seat and its token. The token is shown once; only its hash
    is stored. A user who already has a seat in this game gets that seat with a new
    token (the old one stops working). The game starts when the last seat is taken."""
    user = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        game = Game.objects.select_for_update().get(pk=game.pk)
        token = secrets.token_urlsafe(32)
        if user is not None:
            existing = Seat.objects.filter(game=game, user=user).first()
            if existing is not None:
                existing.token_hash = hash_token(token)
                existing.save(update_fields=["token_hash"])
                return existing, token
        if game.status != Game.Status.WAITING:
            raise Rejected(GAME_FULL, "this game is not waiting for players")
        taken = set(Seat.objects.filter(game=game).values_list("index", flat=True))
        if index is None:
            free = [i for i in range(game.num_players) if i not in taken]
            if not free:
                raise Rejected(GAME_FULL, "every seat is taken")
            index = free[0]
        elif not isinstance(index, int) or isinstance(index, bool):
            raise Rejected(MALFORMED, "the seat index must be an integer")
        elif not 0 <= index < game.num_players:
            raise Rejected(engine.errors.INVALID_SEAT, f"there is no seat {index}")
        elif index in taken:
            raise Rejected(SEAT_TAKEN, f"seat {index} is taken")
        seat = Seat.objects.create(
            game=game,
            index=index,
            user=user,
            name=(name or "")[:40] if user is None else "",
            token_hash=hash_token(token),
        )
        if len(taken) + 1 == game.num_players:
            game.status = Game.Status.ACTIVE
            game.started_at = timezone.now()
            running = engine.get(game.kind).to_move(load_state(game))
            game.clock, game.deadline = clocks.start(
                game.time_control, game.num_players, running, game.started_at.timestamp()
            )
            game.save(update_fields=["status", "started_at", "clock", "deadline"])
    return seat, token


def players(game_id: str) -> list[dict]:
    """Seat index, display name and connected flag of every seat (free seats included)."""
    game = Game.objects.get(pk=game_id)
    seats = {s.index: s for s in Seat.objects.filter(game_id=game_id).select_related("user")}
    connected = set(
        Connection.objects.filter(game_id=game_id, seat__isnull=False).values_list(
            "seat", flat=True
        )
    )
    result = []
    for index in range(game.num_players):
        seat = seats.get(index)
        if seat is None:
            name = None
        elif seat.user is not None:
            name = display_name(seat.user)
        else:
            name = seat.name or f"Player {index + 1}"
        result.append({"seat": index, "name": name, "taken": seat is not None})
        result[-1]["connected"] = index in connected
    from .timeouts import annotate_presence

    annotate_presence(game, seats, connected, result)
    return result


def game_summary(game: Game) -> dict:
    def iso(value):
        return None if value is None else value.isoformat()

    return {
        "id": game.pk,
        "kind": game.kind,
        "title": engine.get(game.kind).title,
        "status": game.status,
        "num_players": game.num_players,
        "options": game.options,
        "rated": game.rated,
        "version": game.version,
        "created_at": iso(game.created_at),
        "started_at": iso(game.started_at),
        "finished_at": iso(game.finished_at),
        "outcome": game.outcome,
        "time_control": game.time_control,
        "spectator_delay": game.spectator_delay,
    }


def clock_fields(game: Game) -> dict:
    """``clock`` and ``server_time`` (epoch seconds) for the frames carrying a state."""
    now = time.time()
    return {"clock": clocks.data(game.time_control, game.clock, game.deadline, now)} | {
        "server_time": now
    }


# -- states ------------------------------------------------------------------------------
class StateCache:
    """A small thread-safe LRU of ``game id -> (version, state)``. Only committed states
    are put in; readers still compare the version with the database."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._items: OrderedDict[str, engine.State] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, game_id: str) -> engine.State | None:
        with self._lock:
            state = self._items.get(game_id)
            if state is not None:
                self._items.move_to_end(game_id)
            return state

    def put(self, game_id: str, state: engine.State) -> None:
        with self._lock:
            current = self._items.get(game_id)
            if current is not None and current.ply > state.ply:
                return
            self._items[game_id] = state
            self._items.move_to_end(game_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


cache = StateCache()


def load_state(game: Game) -> engine.State:
    """The state after the game's ``version`` stored moves (``game`` as read from the
    database). Starts from the cached state when it is not ahead of the database and
    replays only the moves stored after it."""
    game_engine = engine.get(game.kind)
    state = cache.get(game.pk)
    if state is None or state.ply > game.version or state.seed != game.seed:
        state = game_engine.initial_state(game.num_players, game.seed, game.options)
    if state.ply < game.version:
        missing = Move.objects.filter(game_id=game.pk, ply__gt=state.ply, ply__lte=game.version)
        for seat, data in missing.order_by("ply").values_list("seat", "data"):
            state = game_engine.apply(state, data, seat)
        if state.ply != game.version:
            raise RuntimeError(f"game {game.pk}: the move log does not reach {game.version}")
        cache.put(game.pk, state)
    return state


# -- acting ------------------------------------------------------------------------------
def _lock_game(game_id: str) -> Game:
    try:
        return Game.objects.select_for_update().get(pk=game_id)
    except Game.DoesNotExist:
        raise Rejected(NOT_FOUND, f"no game {game_id!r}") from None


def _duplicate(game_id, seat_index, request_id) -> ActionResult | None:
    if request_id is None:
        return None
    moves = Move.objects.filter(game_id=game_id, seat=seat_index, request_id=request_id)
    move = next(iter(moves[:1]), None)  # at most one (unique): no ORDER BY needed
    if move is None:
        return None
    return ActionResult(
        game_id, move.ply, move.seat, move.data, move.description, request_id, duplicate=True
    )


def is_plain_data(data, depth: int = 0) -> bool:
    """JSON-storable move data: strings, ints (64-bit), lists of them, and an engine
    action ``{"action": str}`` at the top level. Floats, bytes and None are never moves."""
    if isinstance(data, bool) or depth > 8:
        return False
    if isinstance(data, str):
        return len(data) <= 1000
    if isinstance(data, int):
        return -(2**63) <= data < 2**63
    if isinstance(data, list):
        return len(data) <= 1000 and all(is_plain_data(item, depth + 1) for item in data)
    if isinstance(data, dict):
        return depth == 0 and list(data) == ["action"] and isinstance(data["action"], str)
    return False


def describe(game_engine: engine.Game, state: engine.State, data) -> str:
    try:
        return game_engine.describe_move(state, data)[:100]
    except (EngineError, TypeError, ValueError, KeyError, IndexError):
        return ""


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
        raise Rejected(UNAVAILABLE, "the database is unavailable; retry shortly") from None

    return wrapper


class DeadlinePassed(Exception):
    """Inside :func:`submit_action`: a clock ran out before this action arrived."""


# Actions only the server applies; a clock that ran out does not stop them.
SERVER_ACTIONS = (engine.TIMEOUT, engine.ABANDON, engine.ABORT)


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
    ``game_over``, ``not_started``, ``stale_version``, ``malformed``, ``out_of_time`` or
    an engine code).

    ``expected_version`` (None: skip the check) must be the game's current version.
    A ``request_id`` already stored for this game and seat returns the original result
    again with ``duplicate=True``: a retried request is acknowledged, never re-applied.

    An action arriving after a clock ran out first has the timeout stored
    (``game_server.timeouts``), then is refused: ``out_of_time`` when it was the acting
    seat's clock, otherwise it is tried once more against the new version.

    ``timeout``, ``abandon`` and ``abort`` (:data:`SERVER_ACTIONS`) are stored only with
    ``by_server=True`` (``game_server.timeouts``); from anybody else, whatever message
    carried them, they are refused with ``server_only`` and nothing changes.
    """
    if isinstance(data, dict) and data.get("action") in SERVER_ACTIONS and not by_server:
        raise Rejected(SERVER_ONLY, f"only the server applies {data['action']!r}")
    args = (game_id, seat_index, data, expected_version, request_id, broadcast)
    with _game_lock(game_id):
        try:
            return _store_action(*args)
        except DeadlinePassed:
            pass
        from .timeouts import apply_timeout

        if seat_index in apply_timeout(game_id):
            raise Rejected(OUT_OF_TIME, "your time ran out before this action arrived")
        try:
            return _store_action(*args)
        except DeadlinePassed:
            raise Rejected(STALE_VERSION, "a clock ran out; the game moved on") from None


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


@unavailable_on_database_errors
def _store_action(game_id, seat_index, data, expected_version, request_id, broadcast):
    if request_id is not None and (not isinstance(request_id, str) or len(request_id) > 64):
        raise Rejected(MALFORMED, f"a request id is a string of at most {MAX_REQUEST_ID}")
    if expected_version is not None and (
        not isinstance(expected_version, int) or isinstance(expected_version, bool)
    ):
        raise Rejected(MALFORMED, "the version must be an integer")
    if not isinstance(seat_index, int) or isinstance(seat_index, bool):
        raise Rejected(NOT_A_PLAYER, "you do not have a seat in this game")
    if not is_plain_data(data):
        raise Rejected(engine.errors.MALFORMED_MOVE, "a move is made of strings, ints and lists")
    # A retried request is found by its request id only when the action cannot be stored
    # as a new one (it no longer fits the game, or the unique request id refuses it): one
    # query less per move.
    try:
        with transaction.atomic():
            result, game = _apply_and_store(game_id, seat_index, data, expected_version, request_id)
            transaction.on_commit(lambda: cache.put(game_id, result.state))
            transaction.on_commit(metrics.MOVES.inc)
            if broadcast:
                transaction.on_commit(lambda: broadcast_action(game, result))
    except (Rejected, DeadlinePassed, IntegrityError) as exc:
        duplicate = _duplicate(game_id, seat_index, request_id)
        if duplicate is not None:
            return duplicate
        if isinstance(exc, IntegrityError):
            raise Rejected(STALE_VERSION, "another action was stored first") from None
        raise
    return result


def _apply_and_store(game_id, seat_index, data, expected_version, request_id):
    """Inside the caller's transaction: lock the game, check, apply and store the action.
    Returns the result and the updated game row. The caller looks for a duplicate request
    when this raises."""
    game = _lock_game(game_id)
    if not 0 <= seat_index < game.num_players:
        raise Rejected(NOT_A_PLAYER, "you do not have a seat in this game")
    if game.over:
        raise Rejected(GAME_OVER, "the game is over")
    if game.status == Game.Status.WAITING:
        raise Rejected(NOT_STARTED, "the game waits for players")
    now = timezone.now()
    expired = game.deadline is not None and game.deadline <= now
    if expired and action_name(data) not in SERVER_ACTIONS:
        raise DeadlinePassed()
    if expected_version is not None and expected_version != game.version:
        raise Rejected(STALE_VERSION, f"the game is at version {game.version}")
    game_engine = engine.get(game.kind)
    state = load_state(game)
    try:
        new_state = game_engine.apply(state, data, seat_index)
    except EngineError as exc:
        raise Rejected(exc.code, exc.message) from exc
    description = describe(game_engine, state, data)
    # No savepoint: the game row is locked, so no other writer can take this ply.
    Move.objects.create(
        game=game,
        ply=new_state.ply,
        seat=seat_index,
        data=data,
        description=description,
        request_id=request_id,
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
    )
    return result, game


# -- reading -----------------------------------------------------------------------------
RESYNC_MAX_MOVES = 200


def snapshot(game_id: str, seat: int | None) -> dict:
    """The ``snapshot`` message for ``seat`` (None: a spectator). Raises
    ``Game.DoesNotExist``."""
    game = Game.objects.get(pk=game_id)
    game.version = visible_version(game, seat)  # spectator delay: an older state
    state = load_state(game)
    return {
        **clock_fields(game),
        "type": "snapshot",
        "game": game_summary(game),
        "version": game.version,
        "seat": seat,
        **presence(game_id),
        "view": engine.get(game.kind).view(state, seat),
        "status": game.status,
        "outcome": game.outcome,
    }


def catch_up(game_id: str, seat: int | None, from_version) -> dict:
    """The ``moves`` message bringing a client at ``from_version`` up to date, or a
    ``snapshot`` when moves cannot be shown (hidden information, too far behind, or
    ``from_version`` is not a version of this game)."""
    game = Game.objects.get(pk=game_id)
    game_engine = engine.get(game.kind)
    behind = game.version - from_version if isinstance(from_version, int) else -1
    if game_engine.rules.hidden_information or not 0 <= behind <= RESYNC_MAX_MOVES:
        return snapshot(game_id, seat)
    if visible_version(game, seat) != game.version:
        return snapshot(game_id, seat)
    stored = Move.objects.filter(game_id=game_id, ply__gt=from_version, ply__lte=game.version)
    moves = [
        {
            "version": ply,
            "seat": mover,
            "action": action_name(data),
            "move": data,
            "description": description,
        }
        for ply, mover, data, description in stored.order_by("ply").values_list(
            "ply", "seat", "data", "description"
        )
    ]
    return {
        "type": "moves",
        "seat": seat,
        "from_version": from_version,
        "version": game.version,
        "moves": moves,
        "view": game_engine.view(load_state(game), seat),
        "status": game.status,
        "outcome": game.outcome,
        **clock_fields(game),
    }


def visible_version(game: Game, seat: int | None) -> int:
    """The version ``seat`` may see: a spectator of a game with a spectator delay sees
    only the actions stored more than ``spectator_delay`` seconds ago, until it is over."""
    if seat is not None or not game.spectator_delay or game.over:
        return game.version
    cutoff = timezone.now() - datetime.timedelta(seconds=game.spectator_delay)
    older = Move.objects.filter(game_id=game.pk, created_at__lte=cutoff, ply__lte=game.version)
    return older.order_by("-ply").values_list("ply", flat=True).first() or 0


# -- broadcasting --------------------------------------------------------------------------
def encode(message: dict) -> bytes:
    return msgpack.packb(message, use_bin_type=True)


def action_name(data) -> str:
    return data["action"] if isinstance(data, dict) else "move"


def update_frames(game: Game, result: ActionResult) -> dict:
    """The ``update`` frame of one stored action, encoded once per distinct viewer.

    Returns ``{"spectator": bytes, "seats": [bytes | None, ...]}``: a seat with ``None``
    receives the spectator bytes. In a perfect-information game only the seats to move
    (whose view lists their legal moves) get their own encoding; with hidden information
    every seat does, and the move itself is only shown to the seat that made it.
    """
    game_engine = engine.get(game.kind)
    state = result.state
    hidden = game_engine.rules.hidden_information
    to_move = set(game_engine.to_move(state))
    clock = clock_fields(game)

    def frame(seat):
        show_move = not hidden or seat == result.seat
        return encode(
            {
                "type": "update",
                "version": result.version,
                "seat": result.seat,
                "action": action_name(result.data),
                "move": result.data if show_move else None,
                "description": result.description if show_move else "",
                "view": game_engine.view(state, seat),
                "status": game.status,
                "outcome": result.outcome,
                **clock,
            }
        )

    seats = [frame(seat) if hidden or seat in to_move else None for seat in range(game.num_players)]
    return {"spectator": frame(None), "seats": seats}


def broadcast_action(game: Game, result: ActionResult) -> None:
    """Send the stored action to the game's group. A channel layer that fails (Redis
    down) does not undo the stored action: it is logged and counted, and clients catch
    up from their version when they reconnect (``game_server.lifecycle``)."""
    layer = get_channel_layer()
    if layer is None:
        return
    start = time.perf_counter()
    message = {"type": "game.update", "version": result.version, **update_frames(game, result)}
    try:
        try:
            async_to_sync(layer.group_send)(group_name(game.pk), message)
        except Exception:
            # Once more: after a Redis restart the pooled connection is stale and only
            # the next attempt opens a new one.
            async_to_sync(layer.group_send)(group_name(game.pk), message)
    except Exception:
        metrics.BROADCAST_FAILURES.inc()
        logger.exception(
            "game %s: version %s was stored but not broadcast", game.pk, result.version
        )
        return
    metrics.BROADCAST_SECONDS.observe(time.perf_counter() - start)


# -- presence --------------------------------------------------------------------------------
def connect(game_id: str, channel_name: str, seat: int | None) -> None:
    Connection.objects.update_or_create(
        channel_name=channel_name, defaults={"game_id": game_id, "seat": seat, "server": SERVER_ID}
    )
    Seat.objects.filter(game_id=game_id, index=seat).update(disconnected_at=None)


def disconnect(channel_name: str) -> None:
    gone = Connection.objects.filter(channel_name=channel_name).values("game_id", "seat").first()
    Connection.objects.filter(channel_name=channel_name).delete()
    if gone is not None and gone["seat"] is not None:  # the abandonment grace starts
        if not Connection.objects.filter(game_id=gone["game_id"], seat=gone["seat"]).exists():
            seats = Seat.objects.filter(game_id=gone["game_id"], index=gone["seat"])
            seats.update(disconnected_at=timezone.now())


def clear_connections(server: str = SERVER_ID) -> int:
    """Forget the connections a previous run of this server left behind."""
    return Connection.objects.filter(server=server).delete()[0]


def presence(game_id: str) -> dict:
    return {
        "players": players(game_id),
        "spectators": Connection.objects.filter(game_id=game_id, seat__isnull=True).count(),
    }
