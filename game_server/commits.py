"""Group commit: the actions of many games stored in one transaction, one commit.

Why: a commit is a disk sync (SQLite ``synchronous=FULL``, PostgreSQL's WAL flush). One
commit per move, plus the ORM, a row lock and two thread hops, capped one process at about
300 moves/s with its database thread mostly waiting on the sync (docs/benchmarks.md).
Here every action that arrives while a batch is being stored waits for the next batch,
which is stored in one transaction: alone an action is stored at once (no timer, no
added latency); under load one commit carries many. An action is acknowledged only after
its batch committed, so nothing is ever shown or acknowledged that is not durable.

How one action is stored (:func:`store_batch`):

* the game's row and engine state come from this process's memory (:data:`live`, and
  ``state.cache``) when it has them, **checked by version, never trusted**: the action
  is inserted at ply ``version + 1`` with ``ON CONFLICT DO NOTHING``; a conflict means
  another process (or this request id, earlier) was first, and the row is read again and
  the action checked anew. A refusal decided on a remembered row (stale version, game
  over, a clock run out) is likewise checked again on a fresh row before it is answered;
* the game row is written with ``WHERE version = <before> AND status = 'active'``, so a
  row that changed under the batch fails the whole batch instead of being overwritten;
* plain SQL on one cursor, no model instances on the way (a remembered row is copied,
  not built);
* a batch that fails for one action's sake (a deadlock between two processes, say) is
  tried again one action per transaction; when the database itself fails, every waiting
  action is refused ``unavailable`` and nothing of the batch is stored or broadcast.

``(game, ply)`` stays unique, so one ply has one writer across processes; ``(game, seat,
request_id)`` too, so a retried request is answered as the original (``duplicate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

import engine
from engine import EngineError

from . import batch_sql, clocks, state
from .models import Game, Move
from .protocol import Code, Rejected
from .state import action_name, copy_row, describe, hidden, live

# Actions only the server applies; a clock that ran out does not stop them.
SERVER_ACTIONS = (engine.TIMEOUT, engine.ABANDON, engine.ABORT)
MAX_BATCH = 256


@dataclass(frozen=True)
class ActionResult:
    """What an action did. ``duplicate``: the request id was already stored, nothing was
    applied and ``version`` is the version that request produced."""

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


@dataclass(frozen=True)
class Request:
    """One action to store, already checked for shape (``actions.submit_action``)."""

    game_id: str
    seat: int
    data: Any
    expected_version: int | None
    request_id: str | None
    broadcast: bool = True


class DeadlinePassed(Exception):
    """A clock ran out before this action arrived: ``actions`` stores the timeout first."""


@dataclass(frozen=True)
class Stored:
    """An action stored in a batch: its result and the game row after it."""

    result: ActionResult
    game: Game
    status_changed: bool


class _Conflict(Exception):
    """The ply (or the request id) was already stored: the remembered row was behind."""


def _read_game(game_id: str) -> Game:
    game = Game.objects.filter(pk=game_id).first()
    if game is None:
        raise Rejected(Code.NOT_FOUND, f"no game {game_id!r}")
    if game.status == Game.Status.ACTIVE:
        live.put(game)
    return game


def _apply(
    writer: batch_sql.Values, request: Request, game: Game, before: engine.State | None = None
) -> tuple[Stored, list]:
    """Check ``request`` against ``game`` (the row before it, and ``before`` its state when
    known) and apply the engine: the result and the move's row to insert. Raises
    ``Rejected`` or ``DeadlinePassed``."""
    now = writer.now
    if not 0 <= request.seat < game.num_players:
        raise Rejected(Code.NOT_A_PLAYER, "you do not have a seat in this game")
    if game.over:
        raise Rejected(Code.GAME_OVER, "the game is over")
    if game.status == Game.Status.WAITING:
        raise Rejected(Code.NOT_STARTED, "the game waits for players")
    data = request.data
    expired = game.deadline is not None and game.deadline <= now
    if expired and action_name(data) not in SERVER_ACTIONS:
        raise DeadlinePassed()
    expected = request.expected_version
    if expected is not None and expected != game.version:
        raise Rejected(Code.STALE_VERSION, f"the game is at version {game.version}")
    game_engine = engine.get(game.kind)
    before = before or state.load_state(game)
    try:
        after = game_engine.apply(before, data, request.seat)
    except EngineError as exc:
        raise Rejected(exc.code, exc.message) from exc
    description = describe(game_engine, before, data)
    public = game_engine.public_move(before, data, request.seat) if hidden(game_engine) else None
    move = [
        game.pk,
        after.ply,
        request.seat,
        writer.json(data),
        description,
        writer.json(public),
        request.request_id,
        writer.created_at,
    ]
    fields: dict[str, Any] = {"version": after.ply}
    fields["clock"], fields["deadline"] = clocks.advance(
        game.time_control,
        game.clock,
        request.seat,
        not isinstance(data, dict),
        game_engine.to_move(after),
        now.timestamp(),
    )
    outcome = game_engine.outcome(after)
    if outcome is not None:
        aborted = outcome.reason == engine.core.REASON_ABORTED
        fields["status"] = Game.Status.ABORTED if aborted else Game.Status.FINISHED
        fields["outcome"] = outcome.to_data() | ({"draw": False} if aborted else {})
        fields["finished_at"] = now
    row = copy_row(game, **fields)
    result = ActionResult(
        game.pk,
        after.ply,
        request.seat,
        data,
        description,
        request.request_id,
        state=after,
        outcome=row.outcome,
        public=public,
    )
    return Stored(result, row, outcome is not None), move


def _duplicate(request: Request) -> ActionResult | None:
    if request.request_id is None:
        return None
    moves = Move.objects.filter(
        game_id=request.game_id, seat=request.seat, request_id=request.request_id
    ).values_list("ply", "seat", "data", "description", "public")
    found = next(iter(moves[:1]), None)  # at most one (unique): no ORDER BY needed
    if found is None:
        return None
    ply, seat, data, description, public = found
    return ActionResult(
        request.game_id,
        ply,
        seat,
        data,
        description,
        request.request_id,
        duplicate=True,
        public=public,
    )


def _store_one(writer: batch_sql.Writer, request: Request, rows: dict, moves: list | None):
    """Check and apply ``request`` inside the batch's transaction: a :class:`Stored`, or
    the ``Rejected`` / ``DeadlinePassed`` / duplicate ``ActionResult`` to answer with.
    ``rows`` holds the batch's rows so far (game id -> row before the next action).

    ``moves`` None: the move is inserted now and a conflict is resolved now (the row read
    again, the request checked anew). Otherwise its row joins ``moves``, inserted with the
    batch's others at the end (``batch_sql.Writer.insert_moves``)."""
    game = rows.get(request.game_id)
    fresh = False
    if game is None:
        game = live.get(request.game_id)
        if game is None:
            game, fresh = _read_game(request.game_id), True
    for _attempt in range(2):
        try:
            stored, move = _apply(writer, request, game)
            if moves is not None:
                moves.append(move)
            elif writer.execute(batch_sql.INSERT_MOVE, move) != 1:
                raise _Conflict()
        except (Rejected, DeadlinePassed, _Conflict) as exc:
            if not fresh and request.game_id not in rows:
                # Decided on a remembered row: check again on the database's.
                game, fresh = _read_game(request.game_id), True
                continue
            duplicate = _duplicate(request)
            if duplicate is not None:
                return duplicate
            if isinstance(exc, _Conflict):
                return Rejected(Code.STALE_VERSION, "another action was stored first")
            return exc
        rows[request.game_id] = stored.game
        return stored
    raise AssertionError("unreachable")


def _store_all(writer: batch_sql.Writer, requests: list[Request], grouped: bool) -> list:
    """Check, apply and insert ``requests``; ``grouped``: every move in one statement,
    raising ``_Conflict`` when any of them was already taken."""
    answers: list = []
    rows: dict[str, Game] = {}
    moves: list | None = [] if grouped else None
    for request in requests:
        answers.append(_store_one(writer, request, rows, moves))
    if moves and writer.insert_moves(moves) != len(moves):
        raise _Conflict()
    return answers


def store_batch(requests: list[Request]) -> list:
    """Store ``requests`` (in order; several may be of one game) in one transaction.
    Returns, per request, a :class:`Stored`, a duplicate ``ActionResult``, or the
    ``Rejected`` / ``DeadlinePassed`` exception to answer with. Raises on a database
    failure (nothing of the batch was stored).

    The moves are first inserted together in one statement, in a savepoint; when one
    of them was taken meanwhile (another process stored that ply first, a request id
    already used) the savepoint is rolled back and the batch is stored again one move at
    a time, each conflict resolved on its own."""
    now = timezone.now()
    with transaction.atomic():
        writer = batch_sql.Writer(now)
        with writer.db.wrap_database_errors:
            answers = None
            if len(requests) > 1:
                try:
                    with transaction.atomic():
                        answers = _store_all(writer, requests, grouped=True)
                except _Conflict:
                    pass
            if answers is None:
                answers = _store_all(writer, requests, grouped=False)
            batch_sql.write_games(writer, *_versions_before(answers))
    _remember(answers)
    return answers


def _remember(answers: list) -> None:
    """Committed: the rows and states of the stored ones, for the next actions."""
    for answer in answers:
        if isinstance(answer, Stored):
            live.put(answer.game)
            state.cache.put(answer.game.pk, answer.result.state)


def _versions_before(answers: list) -> tuple[dict[str, int], dict[str, Game]]:
    """Each stored game's version before the batch, and its row after the batch."""
    before: dict[str, int] = {}
    rows: dict[str, Game] = {}
    for answer in answers:
        if isinstance(answer, Stored):
            game_id = answer.game.pk
            before.setdefault(game_id, answer.result.version - 1)
            rows[game_id] = answer.game
    return before, rows


@dataclass(frozen=True)
class Prepared:
    """A batch decided from this process's memory (:func:`prepare`): each request's
    result, and the statements that store them (``batch_sql.statements``, built here, not
    on the storing thread) for :func:`write`."""

    stored: list[Stored]
    statements: list


def prepare(requests: list[Request]) -> Prepared | None:
    """Check and apply ``requests`` against the remembered rows and states alone, with
    no database access: on the event loop, so that the storing thread is left only the
    writing (the engine and the checks held the GIL there, and every socket write of
    the loop then waited for it). None when any request needs the database: a game not
    remembered, a refusal to check on a fresh row, a clock run out; :func:`store_batch`
    then does it all. The result is only a guess until :func:`write` committed it."""
    values = batch_sql.Values(timezone.now())
    rows: dict[str, Game] = {}
    states: dict[str, engine.State] = {}
    stored: list[Stored] = []
    moves: list[list] = []
    for request in requests:
        game_id = request.game_id
        game = rows.get(game_id) or live.get(game_id)
        if game is None:
            return None
        before = states.get(game_id)
        if before is None:
            before = state.cache.get(game_id)
            if before is None or before.ply != game.version or before.seed != game.seed:
                return None
        try:
            one, move = _apply(values, request, game, before)
        except (Rejected, DeadlinePassed):
            return None
        rows[game_id], states[game_id] = one.game, one.result.state
        stored.append(one)
        moves.append(move)
    updates = batch_sql.game_updates(values, *_versions_before(stored))
    return Prepared(stored, batch_sql.statements(values, moves, updates))


def write(prepared: Prepared) -> list[Stored] | None:
    """Store a prepared batch in one transaction: its moves (``ON CONFLICT DO NOTHING``)
    and its games' rows (``WHERE version = <before>``). None, with nothing written, when
    a move was taken or a row changed meanwhile (another process, or a thread of this
    one, was first): the batch is then for :func:`store_batch`, which reads again."""
    try:
        if not batch_sql.run(prepared.statements):
            return None
    except IntegrityError:
        return None
    _remember(prepared.stored)
    return prepared.stored
