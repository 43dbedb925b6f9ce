"""Server-side computer players: bot seats play through ``actions.submit_action``.

Trigger. After every stored move and whenever a game starts, the process that stored it
calls :func:`poke` (from ``lobby.signals``, once the transaction has committed). Each
process therefore plays the bot turns of the games it served the last action of, with
no coordinator; the move log is the only shared state. If two processes ever try the
same turn, ``expected_version`` and the request id ``bot-<version>`` let only one in.
:func:`resume_all` replays the poke for every active bot game (after a restart).

Never blocking the event loop. On a server, :func:`poke` hands the game to this
process's event loop (registered by :func:`attach` when a lobby socket connects): one
asyncio task per game reads the state and stores the move through
``database_sync_to_async`` and runs the search in a worker thread (``asyncio.to_thread``).
Where no loop is attached (scripts, management commands) a small thread pool does the
same synchronously.

Levels: ``random`` and ``mcts`` (``engine.bots``), with budgets from the
``LOBBY_BOT_BUDGETS`` setting.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import OperationalError, close_old_connections, transaction

import engine
from engine import bots as engine_bots
from game_server import actions, seating
from game_server.models import Game
from game_server.protocol import Code, Rejected
from game_server.state import load_state

from .seating import Player, start_game

log = logging.getLogger(__name__)

DEFAULT_BUDGETS = {"random": {}, "mcts": {"iterations": 2000, "time_limit": 1.0}}

_loop: asyncio.AbstractEventLoop | None = None
_tasks: dict[str, asyncio.Task] = {}
_again: set[str] = set()
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lobby-bot")


def budget(level: str) -> dict:
    return dict(getattr(settings, "LOBBY_BOT_BUDGETS", DEFAULT_BUDGETS).get(level, {}))


@dataclass(frozen=True)
class Turn:
    """A bot's turn to play: everything the search needs, read in one go."""

    game_id: str
    version: int
    seat: int
    level: str
    game: engine.Game = field(repr=False)
    state: engine.State = field(repr=False)
    seed: int = 0
    answer: dict | None = None  # an engine action to store instead of a move

    def choose(self):
        """The bot's move data (CPU-bound: run it off the event loop)."""
        if self.answer is not None:
            return self.answer
        return engine_bots.choose_move(
            self.game, self.state, self.level, self.seed, self.seat, **budget(self.level)
        )


def next_turn(game_id: str) -> Turn | None:
    """The bot turn due in this game, or None (over, a human's turn, no bots)."""
    game = Game.objects.filter(pk=game_id, status=Game.Status.ACTIVE).first()
    if game is None:
        return None
    levels = seating.bot_seats(game.pk)
    if not levels:
        return None
    state = load_state(game)
    game_engine = engine.get(game.kind)
    answer = draw_answer(game_engine, state, levels)
    if answer is not None:
        seat, action = answer
        return Turn(game.pk, game.version, seat, levels[seat], game_engine, state, 0, action)
    seats = [seat for seat in game_engine.to_move(state) if seat in levels]
    if not seats:
        return None
    seat = seats[0]
    seed = (game.seed * 1_000_003 + state.ply) & ((1 << 63) - 1)
    return Turn(game.pk, game.version, seat, levels[seat], game_engine, state, seed)


DECLINE_DRAW = {"action": engine.DECLINE_DRAW}


def draw_answer(game_engine: engine.Game, state: engine.State, levels: dict):
    """``(bot seat, action)`` when someone offers a draw that a bot still playing has not
    answered: a bot declines at once (as a move would, but without waiting for its turn),
    so the offer never stays pending and the offering player gets their button back."""
    if not state.draw_offers or game_engine.is_over(state):
        return None
    for seat in game_engine.active_seats(state):
        if seat in levels and seat not in state.draw_offers:
            return seat, DECLINE_DRAW
    return None


STORED, REFUSED, RETRY = "stored", "refused", "retry"
RETRIES = 20
RETRY_SECONDS = 0.05


def play(turn: Turn, move) -> str:
    """Store the bot's move through the one move path: ``STORED``, ``REFUSED`` (the game
    moved on) or ``RETRY`` (the database was busy; the same request may be sent again)."""
    try:
        actions.submit_action(
            turn.game_id, turn.seat, move, turn.version, f"bot-{turn.version}-{turn.seat}"
        )
    except Rejected as exc:
        if exc.code == Code.UNAVAILABLE:
            return RETRY
        log.info("bot move in %s not stored: %s", turn.game_id, exc)
        return REFUSED
    return STORED


def play_turn(game_id: str) -> bool:
    """Synchronously play the bot turn due in the game, if any; True if a move was stored."""
    turn = next_turn(game_id)
    if turn is None:
        return False
    move = turn.choose()
    for attempt in range(RETRIES):
        result = play(turn, move)
        if result != RETRY:
            return result == STORED
        time.sleep(RETRY_SECONDS * (attempt + 1))
    return False


def start_bot_game(user, request, level: str, seat: int | None = None):
    """A casual game of ``request`` (a ``matchmaking.Request``) between ``user``, at
    ``seat`` (None: at random), and bots of ``level`` in every other seat."""
    if level not in engine_bots.LEVELS:
        raise Rejected(Code.MALFORMED, f"bot levels: {', '.join(engine_bots.LEVELS)}")
    if seat is None:
        seat = secrets.randbelow(request.num_players)
    if not 0 <= seat < request.num_players:
        raise Rejected(engine.errors.INVALID_SEAT, f"there is no seat {seat}")
    players = [Player(bot=level) for _ in range(request.num_players)]
    players[seat] = Player(user=user)
    with transaction.atomic():
        game, _ = start_game(request.kind, request.options, players, creator=user, source="bot")
    return game


# -- scheduling ----------------------------------------------------------------------------
def attach() -> None:
    """Run bot turns on the running event loop from now on (call from async code)."""
    global _loop
    _loop = asyncio.get_running_loop()


def poke(game_id: str) -> None:
    """A game changed: play its bot turns soon, without blocking the caller."""
    if not getattr(settings, "LOBBY_BOTS_AUTOPLAY", True):
        return
    loop = _loop
    if loop is not None and loop.is_running() and not loop.is_closed():
        # A fresh context: the caller's (a sync_to_async thread's) would make the task's
        # own database_sync_to_async calls look nested inside that thread.
        loop.call_soon_threadsafe(_spawn, game_id, context=contextvars.Context())
    else:
        _executor.submit(_play_in_thread, game_id)


def _spawn(game_id: str) -> None:
    if game_id in _tasks:
        _again.add(game_id)
        return
    _tasks[game_id] = asyncio.get_running_loop().create_task(_play_async(game_id))


async def _play_async(game_id: str) -> None:
    try:
        while True:
            _again.discard(game_id)
            turn = await _next_turn(game_id)
            played = False
            if turn is not None:
                move = await asyncio.to_thread(turn.choose)
                for attempt in range(RETRIES):
                    result = await database_sync_to_async(play)(turn, move)
                    if result != RETRY:
                        break
                    await asyncio.sleep(RETRY_SECONDS * (attempt + 1))
                played = result == STORED
            if not played and game_id not in _again:
                return
    except Exception:
        log.exception("bot turn failed in game %s", game_id)
    finally:
        _tasks.pop(game_id, None)


async def _next_turn(game_id: str) -> Turn | None:
    for attempt in range(RETRIES):
        try:
            return await database_sync_to_async(next_turn)(game_id)
        except OperationalError:  # a busy database: read again
            await asyncio.sleep(RETRY_SECONDS * (attempt + 1))
    return None


def _play_in_thread(game_id: str) -> None:
    try:
        for attempt in range(RETRIES):
            try:
                play_turn(game_id)  # the move it stores pokes the next turn
                return
            except OperationalError:  # a busy database: read the turn again
                time.sleep(RETRY_SECONDS * (attempt + 1))
    except Exception:
        log.exception("bot turn failed in game %s", game_id)
    finally:
        close_old_connections()


def resume_all() -> int:
    """Poke every active game with a bot seat (after a restart); returns how many."""
    with_bots = Game.objects.filter(status=Game.Status.ACTIVE, seats__bot__gt="")
    ids = list(with_bots.values_list("pk", flat=True).distinct())
    for game_id in ids:
        poke(game_id)
    return len(ids)
