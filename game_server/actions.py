"""The one path that stores an action: check, apply the engine, store, then broadcast.

:func:`submit_action` (threads: bots, the lobby, the sweeper of ``game_server.timeouts``)
and :func:`submit` (consumers, on the event loop) are the only ways to store a move or an
engine action. Both check the request's shape here, at the edge, and store it through
``game_server.commits``: consumers' actions are grouped, every action arriving while a
batch is being stored joins the next one, and each batch is one transaction (one
commit); threads store theirs as a batch of one. Once a batch has committed, and only
then, its actions are broadcast (``game_server.frames``), counted, and announced to the
lobby (:data:`action_stored`), and the waiting movers are answered: persist, then
broadcast; a move nobody stored is never shown or acknowledged.

Guarantees: the unique ``(game, ply)`` keeps one writer per ply across processes; the
unique ``(game, seat, request_id)`` makes a retried request come back as the original
result (``duplicate``) instead of being applied twice; ``timeout``, ``abandon`` and
``abort`` are stored only when the server sends them; a clock that ran out before an
action arrived has its timeout stored first, exactly once (:func:`apply_timeout`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError
from django.dispatch import Signal
from django.utils import timezone
from psycopg_pool import PoolTimeout

import engine

from . import clocks, commits, frames, metrics, state
from .commits import SERVER_ACTIONS, ActionResult, DeadlinePassed, Request, Stored
from .models import Game
from .per_loop import PerLoop
from .protocol import MAX_REQUEST_ID, Code, Rejected

__all__ = ["SERVER_ACTIONS", "ActionResult", "submit", "submit_action", "apply_timeout"]

logger = logging.getLogger(__name__)

# Sent after an action's batch committed, in the storing thread: ``game_id``, ``result``
# (an ActionResult), ``game`` (the row after it) and ``ended`` (the action ended the
# game). The lobby listens (bots, ratings, the directory); a failing receiver is logged.
action_stored = Signal()


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


def checked(
    game_id, seat_index, data, expected_version, request_id, broadcast=True, by_server=False
):
    """The action as a :class:`commits.Request`, once its shape is right: ``malformed``
    (request id, version, move data), ``not_a_player`` (no seat) or ``server_only``."""
    if isinstance(data, dict) and data.get("action") in SERVER_ACTIONS and not by_server:
        raise Rejected(Code.SERVER_ONLY, f"only the server applies {data['action']!r}")
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
    return Request(game_id, seat_index, data, expected_version, request_id, broadcast)


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
    caller has authenticated, from a thread. Raises :class:`Rejected` (``not_found``,
    ``not_a_player``, ``game_over``, ``not_started``, ``stale_version``, ``malformed``,
    ``out_of_time``, ``server_only``, ``unavailable`` or an engine code).

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
    request = checked(game_id, seat_index, data, expected_version, request_id, broadcast, by_server)
    answer = store_actions([request])[0]
    if isinstance(answer, BaseException):
        raise answer
    return answer


async def submit(game_id, seat_index, data, expected_version, request_id) -> ActionResult:
    """:func:`submit_action` for consumers: the action joins this event loop's next batch
    (:class:`Batcher`) and the caller is answered once that batch has committed."""
    request = checked(game_id, seat_index, data, expected_version, request_id)
    return await batcher().submit(request)


def store_actions(requests: list[Request], prepared: Prepared | None = None) -> list:
    """Store ``requests`` in one transaction (``commits.store_batch``), then broadcast
    what was stored. Returns an ``ActionResult`` or a ``Rejected`` per request.

    ``prepared``: the batch already checked and applied on the event loop, with its
    update messages (:class:`Batcher`); only written here, unless the database has moved
    on meanwhile (``commits.write``), when it is stored as if not prepared.

    Takes the process's locks of the batch's games (so that two batches of one game in
    this process store and broadcast in version order). A batch refused by a constraint
    for one action's sake is stored again one action per transaction; a database that
    fails refuses the whole batch as ``unavailable`` (nothing of it was stored)."""
    locks = sorted({_lock_index(request.game_id) for request in requests})
    for index in locks:
        _GAME_LOCKS[index].acquire()
    try:
        try:
            answers = _store_batch(requests, prepared)
        except Rejected as exc:
            return [Rejected(exc.code, exc.message) for _ in requests]
        except IntegrityError:
            if len(requests) == 1:
                return [Rejected(Code.STALE_VERSION, "another action was stored first")]
            return [store_actions([request])[0] for request in requests]
        return [
            _after_deadline(request, answer)
            for request, answer in zip(requests, answers, strict=True)
        ]
    finally:
        for index in reversed(locks):
            _GAME_LOCKS[index].release()


def _store_batch(requests: list[Request], prepared: Prepared | None = None) -> list:
    answers = _write_prepared(prepared.batch) if prepared is not None else None
    if answers is not None:  # written as prepared: its broadcasts are ready
        messages = list(prepared.messages)
        stored = list(zip(requests, answers, strict=True))
    else:
        answers = _store_in_transaction(requests)
        stored = [(r, a) for r, a in zip(requests, answers, strict=True) if isinstance(a, Stored)]
        messages = update_messages(stored)
    metrics.MOVES.inc(len(stored))
    for request, answer in zip(requests, answers, strict=True):
        if isinstance(answer, ActionResult) and answer.duplicate and request.broadcast:
            messages.extend(_broadcast_again(answer))
    if messages:
        frames.publish(messages)
    for _request, answer in stored:
        action_stored.send_robust(
            Game,
            game_id=answer.game.pk,
            result=answer.result,
            game=answer.game,
            ended=answer.status_changed,
        )
    return [a.result if isinstance(a, Stored) else a for a in answers]


_store_in_transaction = unavailable_on_database_errors(commits.store_batch)
_write_prepared = unavailable_on_database_errors(commits.write)


def update_messages(stored: list[tuple[Request, Stored]]) -> list[dict]:
    """The broadcasts of stored actions (those that asked for one)."""
    return [
        frames.update_message(answer.game, answer.result)
        for request, answer in stored
        if request.broadcast
    ]


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A batch prepared on the event loop: ``commits.prepare``'s, and its broadcasts."""

    batch: commits.Prepared
    messages: list[dict]


def prepare(requests: list[Request]) -> Prepared | None:
    """The batch and its broadcasts from memory (``commits.prepare``), or None."""
    try:
        batch = commits.prepare(requests)
    except Exception:  # a bug here must not cost the batch: it is stored the long way
        logger.exception("a batch of %d actions could not be prepared", len(requests))
        return None
    if batch is None:
        return None
    stored = list(zip(requests, batch.stored, strict=True))
    return Prepared(batch, update_messages(stored))


def _broadcast_again(result: ActionResult) -> list[dict]:
    """A retried action found already stored: its broadcast again while it is the game's
    latest action ([] otherwise).

    A retry means its first answer was lost, and its broadcast may have been lost with it:
    the reply to COMMIT never came back (a connection cut: the batch was answered
    ``unavailable``, nothing broadcast), or the process died between commit and broadcast.
    Nobody would then hear of the move and the seat to move would wait forever (found by
    bench/chaos.py). Sockets drop versions they already have; an older action needs
    nothing, the later broadcasts' gap makes clients catch up."""
    game = Game.objects.filter(pk=result.game_id).first()
    if game is None or game.version != result.version:
        return []
    after = state.load_state(game)
    again = dataclasses.replace(result, state=after, outcome=game.outcome)
    return [frames.update_message(game, again)]


def _after_deadline(request: Request, answer):
    """A clock ran out before ``request`` arrived: store the timeout, then refuse the
    action (``out_of_time``) or, when it was another seat's clock, try it once more."""
    if not isinstance(answer, DeadlinePassed):
        return answer
    if request.seat in apply_timeout(request.game_id):
        return Rejected(Code.OUT_OF_TIME, "your time ran out before this action arrived")
    answer = _store_batch([request])[0]
    if isinstance(answer, DeadlinePassed):
        return Rejected(Code.STALE_VERSION, "a clock ran out; the game moved on")
    return answer


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


def _lock_index(game_id: str) -> int:
    return hash(game_id) % len(_GAME_LOCKS)


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


class Batcher:
    """An event loop's way into group commit: consumers' actions wait here while a batch
    is being stored and all go into the next one (at most ``commits.MAX_BATCH``), checked,
    applied and framed here from the process's memory (:func:`prepare`) and written on
    the action thread (:func:`in_action_thread`): one thread hop and one commit per batch,
    not per move. Alone, an action is stored at once."""

    def __init__(self):
        self.waiting: list[tuple[Request, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def submit(self, request: Request) -> ActionResult:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append((request, future))
        if self.task is None:
            self.task = loop.create_task(self.run())
        return await future

    async def run(self) -> None:
        store = in_action_thread(store_actions)
        try:
            while self.waiting:
                batch = self.waiting[: commits.MAX_BATCH]
                del self.waiting[: commits.MAX_BATCH]
                requests = [request for request, _ in batch]
                try:
                    # The checks, the engine and the frames here; the writing there.
                    answers = await store(requests, prepare(requests))
                except Exception:
                    logger.exception("a batch of %d actions failed", len(batch))
                    answers = [None] * len(batch)
                for (_, future), answer in zip(batch, answers, strict=True):
                    if future.done():  # its mover went away; the answer is still stored
                        continue
                    if answer is None:
                        future.set_exception(_unavailable())
                    elif isinstance(answer, BaseException):
                        future.set_exception(answer)
                    else:
                        future.set_result(answer)
        finally:
            self.task = None
            waiting, self.waiting = self.waiting, []
            for _, future in waiting:  # the loop is closing: nothing of these was stored
                if not future.done():
                    future.set_exception(_unavailable())


def _unavailable() -> Rejected:
    return Rejected(Code.UNAVAILABLE, "the server could not store this action; retry shortly")


_batchers: PerLoop[Batcher] = PerLoop(lambda loop: Batcher())


def batcher() -> Batcher:
    """This event loop's batcher."""
    return _batchers.get()
