"""What clients are sent about a game: snapshots, catch-up, and updates of stored actions.

Every stored action is broadcast once per game (:func:`publish`) as a
``game.update`` channel-layer message holding the already-encoded frame of each distinct
viewer (:func:`update_frames`); each consumer forwards the bytes for its role as they
are. A client that missed updates asks for the ones after its version (:func:`catch_up`)
or gets a fresh :func:`snapshot`.
"""

from __future__ import annotations

import datetime
import logging
import time

from django.utils import timezone

import engine

from . import clocks, fanout, presence, state
from .models import ChatLine, Game, Move
from .protocol import encode
from .state import action_name

RESYNC_MAX_MOVES = 200
CHAT_HISTORY = 50  # chat lines a snapshot carries

logger = logging.getLogger(__name__)


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


def visible_version(game: Game, seat: int | None) -> int:
    """The version ``seat`` may see: a spectator of a game with a spectator delay sees
    only the actions stored more than ``spectator_delay`` seconds ago, until it is over."""
    if seat is not None or not game.spectator_delay or game.over:
        return game.version
    cutoff = timezone.now() - datetime.timedelta(seconds=game.spectator_delay)
    older = Move.objects.filter(game_id=game.pk, created_at__lte=cutoff, ply__lte=game.version)
    return older.order_by("-ply").values_list("ply", flat=True).first() or 0


def chat_channel(seat: int | None) -> str:
    """The chat channel a connection writes to: a seat's is the players', anyone else's
    the spectators'."""
    return ChatLine.PLAYERS if seat is not None else ChatLine.SPECTATORS


def store_chat(game_id: str, chat: dict) -> None:
    """Keep a ``chat`` frame's line for the snapshots of later connections."""
    forget_snapshot(game_id)
    ChatLine.objects.create(
        game_id=game_id,
        channel=chat["channel"],
        seat=chat["seat"],
        name=chat["name"][:40],
        text=chat["text"],
        ts=chat["ts"],
    )


def chat_history(game_id: str, seat: int | None) -> list[dict]:
    """The last ``CHAT_HISTORY`` chat lines ``seat`` may read, oldest first, as ``chat``
    frames without their ``type``: players read the players' channel, spectators both."""
    lines = ChatLine.objects.filter(game_id=game_id)
    if seat is not None:
        lines = lines.filter(channel=ChatLine.PLAYERS)
    newest = lines.order_by("-ts", "-pk").values("channel", "seat", "name", "text", "ts")
    return list(reversed(newest[:CHAT_HISTORY]))


# Spectators of one game at one version share one snapshot for a moment: a crowd joining
# costs one presence and chat read per interval instead of one per spectator. The game row
# is still read every time, so a cached snapshot is never used past its version.
SPECTATOR_SNAPSHOT_SECONDS = presence.INTERVAL
# game id -> (version, status, made at, message, (time_control, clock, deadline))
_spectator_snapshots: dict[str, tuple] = {}


def snapshot(game_id: str, seat: int | None) -> dict:
    """The ``snapshot`` message for ``seat`` (None: a spectator). Raises
    ``Game.DoesNotExist``."""
    game = Game.objects.get(pk=game_id)
    if seat is not None:
        state.remember(game)  # its next actions are likely this seat's and its opponents'
    shared = seat is None and not game.spectator_delay
    if shared:
        cached = _spectator_snapshots.get(game_id)
        fresh = time.monotonic() - SPECTATOR_SNAPSHOT_SECONDS
        if cached is not None and cached[:2] == (game.version, game.status) and cached[2] > fresh:
            return {**cached[3], **clock_fields(game)}
    message = _snapshot(game, seat)
    if shared:
        if len(_spectator_snapshots) > 1000:
            _spectator_snapshots.clear()
        clock = (game.time_control, game.clock, game.deadline)
        made = time.monotonic()
        _spectator_snapshots[game_id] = (game.version, game.status, made, message, clock)
    return {**message, **clock_fields(game)}


def held_snapshot(game_id: str, version: int | None) -> dict | None:
    """The spectators' shared snapshot of ``game_id`` when this process has it, fresh
    and at ``version`` (the latest version its fan-out delivered for the game), without
    the database: a spectator of a game the process holds connects with no database round
    trip (``consumers.GameConsumer.connect``). None otherwise."""
    cached = _spectator_snapshots.get(game_id)
    if cached is None or version is None or cached[0] != version:
        return None
    if cached[2] <= time.monotonic() - SPECTATOR_SNAPSHOT_SECONDS:
        return None
    time_control, clock, deadline = cached[4]
    now = time.time()
    return {
        **cached[3],
        "clock": clocks.data(time_control, clock, deadline, now),
        "server_time": now,
    }


def forget_snapshot(game_id: str) -> None:
    """The spectators' shared snapshot of a game is out of date (a new chat line)."""
    _spectator_snapshots.pop(game_id, None)


def _snapshot(game: Game, seat: int | None) -> dict:
    game_id = game.pk
    game.version = visible_version(game, seat)  # spectator delay: an older state
    current = state.load_state(game)
    return {
        "type": "snapshot",
        "game": game_summary(game),
        "version": game.version,
        "seat": seat,
        **presence.presence(game_id),
        "view": engine.get(game.kind).view(current, seat),
        "status": game.status,
        "outcome": game.outcome,
        "chat": chat_history(game_id, seat),
    }


def catch_up(game_id: str, seat: int | None, from_version) -> dict:
    """The ``moves`` message bringing a client at ``from_version`` up to date, or a
    ``snapshot`` when moves cannot be shown (too far behind, or ``from_version`` is not a
    version of this game). In a hidden-information game each move is shown as ``seat``
    may see it (:func:`state.shown_to`)."""
    game = Game.objects.get(pk=game_id)
    game_engine = engine.get(game.kind)
    behind = game.version - from_version if isinstance(from_version, int) else -1
    if not 0 <= behind <= RESYNC_MAX_MOVES:
        return snapshot(game_id, seat)
    if visible_version(game, seat) != game.version:
        return snapshot(game_id, seat)
    stored = Move.objects.filter(game_id=game_id, ply__gt=from_version, ply__lte=game.version)
    rows = stored.order_by("ply").values_list("ply", "seat", "data", "public", "description")
    hide = state.hidden(game_engine)
    moves = []
    for ply, mover, data, public, description in rows:
        move, text = state.shown_to(seat, mover, data, public, description, hide)
        moves.append(
            {
                "version": ply,
                "seat": mover,
                "action": action_name(data),
                "move": move,
                "description": text,
            }
        )
    return {
        "type": "moves",
        "seat": seat,
        "from_version": from_version,
        "version": game.version,
        "moves": moves,
        "view": game_engine.view(state.load_state(game), seat),
        "status": game.status,
        "outcome": game.outcome,
        **clock_fields(game),
    }


def update_frames(game: Game, result) -> dict:
    """The ``update`` frame of one stored action (an ``actions.ActionResult`` with its
    ``state``), encoded once per distinct viewer.

    Returns ``{"spectator": bytes, "seats": [bytes | None, ...]}``: a seat with ``None``
    receives the spectator bytes. In a perfect-information game only the seats to move
    (whose view lists their legal moves) get their own encoding; with hidden information
    every seat does, and the others see only the move's public part (engine
    ``public_move``: a Liar's Dice bid, never the dice).
    """
    game_engine = engine.get(game.kind)
    after = result.state
    hidden = state.hidden(game_engine)
    to_move = set(game_engine.to_move(after))
    clock = clock_fields(game)

    def frame(seat):
        move, description = state.shown_to(
            seat, result.seat, result.data, result.public, result.description, hidden
        )
        return encode(
            {
                "type": "update",
                "version": result.version,
                "seat": result.seat,
                "action": action_name(result.data),
                "move": move,
                "description": description,
                "view": game_engine.view(after, seat),
                "status": game.status,
                "outcome": result.outcome,
                **clock,
            }
        )

    seats = [frame(seat) if hidden or seat in to_move else None for seat in range(game.num_players)]
    return {"spectator": frame(None), "seats": seats}


def update_message(game: Game, result) -> dict:
    """The channel-layer message of one stored action (``game``: the row after it).
    ``stored`` is for the other server processes, never for clients: the action and the
    row's new fields, with which a process that remembers the game at the version before
    advances its memory instead of reading the database (``state.advance``)."""

    def epoch(value):
        return None if value is None else value.timestamp()

    stored = {
        "seat": result.seat,
        "data": result.data,
        "clock": game.clock,
        "deadline": epoch(game.deadline),
        "status": game.status,
        "outcome": game.outcome,
        "finished_at": epoch(game.finished_at),
    }
    return {
        "type": "game.update",
        "game": game.pk,
        "version": result.version,
        "stored": stored,
        **update_frames(game, result),
    }


def publish(messages: list[dict]) -> None:
    """Broadcast stored actions' messages, in the order given (``fanout.publish``: from
    the serving event loop, without the storing thread waiting for the layer). A channel
    layer that fails (Redis down) does not undo a stored action: it is logged and
    counted, and clients catch up from their version when they reconnect
    (``game_server.lifecycle``)."""
    fanout.publish(messages)
