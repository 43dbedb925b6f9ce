"""Game states: rebuilt from the seed and the stored move log, cached per process.

The move log is the truth (``game_server.models``). :func:`replay` is the one place that
turns stored moves into states; state loading, delayed spectators' frames and the
replay page all use it. :class:`StateCache` keeps the latest committed state of recent
games; a cached state is used only after checking it against the game's stored version,
and only the missing moves are replayed onto it.

:class:`LiveGames` (:data:`live`) keeps the game rows beside them, as last committed here
or heard of from another process's broadcast (:func:`advance`): group commit
(``game_server.commits``) checks and applies a batch against these two and lets the
database's conditional writes say whether they were current.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import engine
from engine import EngineError

from .models import Game, Move

CACHE_SIZE = 4096  # as many as LiveGames: a batch is prepared from both


class StateCache:
    """A small thread-safe LRU of ``game id -> state``. Only committed states are put in;
    readers still compare the version with the database."""

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


def action_name(data) -> str:
    return data["action"] if isinstance(data, dict) else "move"


def hidden(game_engine: engine.Game) -> bool:
    return game_engine.rules.hidden_information


def shown_to(seat: int | None, mover: int, data, public, description: str, hide: bool):
    """``(move, description)`` of a stored action as ``seat`` may see it: everything in
    a perfect-information game (``hide`` False) and for the mover itself; otherwise the
    move's public part, and its description only when the whole move is public."""
    if not hide or seat == mover:
        return data, description
    return public, description if public == data else ""


def describe(game_engine: engine.Game, state: engine.State, data) -> str:
    try:
        return game_engine.describe_move(state, data)[:100]
    except (EngineError, TypeError, ValueError, KeyError, IndexError):
        return ""


@dataclass(frozen=True)
class Step:
    """One stored action replayed: the state ``before`` it and the ``state`` after."""

    ply: int
    seat: int
    data: Any
    public: Any
    description: str
    request_id: str | None
    stored_at: float
    before: engine.State
    state: engine.State


def replay(
    game: Game, start: engine.State | None = None, upto: int | None = None
) -> Iterator[Step]:
    """The game's stored actions after ``start`` (default: the initial state) up to
    version ``upto`` (default: ``game.version``), each applied to the state before it.
    Raises ``EngineError`` on a move log the engine refuses (a corrupt log)."""
    game_engine = engine.get(game.kind)
    state = start or game_engine.initial_state(game.num_players, game.seed, game.options)
    upto = game.version if upto is None else upto
    if state.ply >= upto:
        return
    stored = Move.objects.filter(game_id=game.pk, ply__gt=state.ply, ply__lte=upto)
    rows = stored.order_by("ply").values_list(
        "ply", "seat", "data", "public", "description", "request_id", "created_at"
    )
    for ply, seat, data, public, description, request_id, created_at in rows:
        before, state = state, game_engine.apply(state, data, seat)
        description = description or describe(game_engine, before, data)
        stored_at = created_at.timestamp()
        yield Step(ply, seat, data, public, description, request_id, stored_at, before, state)


def load_state(game: Game) -> engine.State:
    """The state after the game's ``version`` stored moves (``game`` as read from the
    database). Starts from the cached state when it is not ahead of the database and
    replays only the moves stored after it."""
    state = cache.get(game.pk)
    if state is None or state.ply > game.version or state.seed != game.seed:
        state = engine.get(game.kind).initial_state(game.num_players, game.seed, game.options)
    if state.ply < game.version:
        for step in replay(game, state):
            state = step.state
        if state.ply != game.version:
            raise RuntimeError(f"game {game.pk}: the move log does not reach {game.version}")
        cache.put(game.pk, state)
    return state


# -- remembered rows ------------------------------------------------------------------------------
class LiveGames:
    """This process's remembered game rows (``game id -> Game``), as last committed here
    or read. A thread-safe LRU; a row is only a guess at the database's, checked by the
    conditional writes of :func:`store_batch`."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._rows: OrderedDict[str, Game] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, game_id: str) -> Game | None:
        with self._lock:
            row = self._rows.get(game_id)
            if row is not None:
                self._rows.move_to_end(game_id)
            return row

    def put(self, game: Game) -> None:
        with self._lock:
            current = self._rows.get(game.pk)
            if current is not None and current.version > game.version:
                return
            self._rows[game.pk] = game
            self._rows.move_to_end(game.pk)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def forget(self, game_id: str) -> None:
        with self._lock:
            self._rows.pop(game_id, None)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


live = LiveGames()


def remember(game: Game) -> None:
    """A game row just read from the database (a player connecting): remembered with its
    state, so that the game's first action here is prepared from memory too instead of
    sending its whole batch the long way (``commits.prepare``)."""
    if game.status == Game.Status.ACTIVE:
        live.put(copy_row(game))
        cache.put(game.pk, load_state(game))


def copy_row(game: Game, **fields) -> Game:
    """A new unsaved row like ``game`` with ``fields`` changed (no model machinery)."""
    row = Game.__new__(Game)
    row.__dict__ = {**game.__dict__, **fields}
    return row


def advance(message: dict) -> None:
    """Another process stored an action (its broadcast, ``frames.update_message``): when
    this process remembers the game at the version just before, apply the action to the
    remembered state and row, so that the next action here needs no database read. Any
    mismatch just forgets; the conditional writes of :func:`store_batch` stay the check.
    """
    stored = message.get("stored")
    game_id, version = message["game"], message["version"]
    row = live.get(game_id)
    if stored is None or row is None or row.version != version - 1:
        return
    before = cache.get(game_id)
    if before is None or before.ply != version - 1 or before.seed != row.seed:
        return
    try:
        after = engine.get(row.kind).apply(before, stored["data"], stored["seat"])
    except (EngineError, KeyError, TypeError, ValueError):
        live.forget(game_id)
        return
    if after.ply != version:
        live.forget(game_id)
        return

    def when(epoch):
        return None if epoch is None else datetime.datetime.fromtimestamp(epoch, datetime.UTC)

    fields = {key: stored[key] for key in ("clock", "status", "outcome")}
    fields |= {"deadline": when(stored["deadline"]), "finished_at": when(stored["finished_at"])}
    live.put(copy_row(row, version=version, **fields))
    cache.put(game_id, after)
