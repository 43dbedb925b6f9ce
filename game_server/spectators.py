"""Spectator delay: spectators of a game created with ``spectator_delay`` N see every
action N seconds after it was stored, so a spectator cannot help a player live.

Players are never delayed. A delayed spectator's snapshot shows the state as of N
seconds ago (``frames.visible_version``); the actions stored since then, and every
update broadcast afterwards, are held back by the spectator's consumer (:class:`Held`)
and released in order, each N seconds after it was stored. Once the game is over a new
spectator sees everything at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from channels.db import database_sync_to_async

import engine

from . import frames, state
from .actions import ActionResult
from .models import Game


class Held:
    """The frames one spectator connection still has to receive, with their release
    times (epoch seconds), sent in order by one task."""

    def __init__(self, consumer):
        self.consumer = consumer
        self.queue: deque[tuple[float, bytes]] = deque()
        self.task: asyncio.Task | None = None

    def add(self, release_at: float, frame: bytes) -> None:
        self.queue.append((release_at, frame))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        while self.queue:
            release_at, frame = self.queue[0]
            wait = release_at - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.queue.popleft()
            await self.consumer.send_bytes(frame)

    def cancel(self) -> None:
        self.queue.clear()
        if self.task is not None:
            self.task.cancel()


def hold(consumer, held: Held | None, frame: bytes, delay: float) -> Held:
    """Hold ``frame`` (an update just broadcast) for ``delay`` seconds."""
    held = held or Held(consumer)
    held.add(time.time() + delay, frame)
    return held


def delay_for(game: Game | None, seat: int | None) -> float:
    """The delay of a connection: the game's spectator delay for a spectator of a game
    that is not over, else 0."""
    if seat is not None or game is None or game.over:
        return 0.0
    return float(game.spectator_delay)


def game_for_connect(game_id: str) -> Game | None:
    """What a new connection needs of its game, in one query (None: no such game)."""
    return Game.objects.filter(pk=game_id).only("spectator_delay", "status").first()


def stored_frames(game_id: str, after: int) -> tuple[int, list[tuple[float, bytes]]]:
    """The spectator ``update`` frames of the actions stored after version ``after``, with
    the time each was stored: ``(current version, [(stored_at, frame), ...])``."""
    game = Game.objects.get(pk=game_id)
    current = game.version
    if after >= current:
        return current, []
    game_engine = engine.get(game.kind)
    game.version = after
    start = state.load_state(game)
    frames_out = []
    for step in state.replay(game, start, upto=current):
        outcome = game_engine.outcome(step.state)
        result = ActionResult(
            game_id,
            step.ply,
            step.seat,
            step.data,
            step.description,
            step.request_id,
            state=step.state,
            outcome=None if outcome is None else outcome.to_data(),
            public=step.public,
        )
        frames_out.append((step.stored_at, frames.update_frames(game, result)["spectator"]))
    return current, frames_out


async def hold_stored(consumer) -> None:
    """After a delayed spectator's snapshot: hold the actions stored since its version."""
    if consumer.held is not None:
        consumer.held.cancel()
    consumer.held = Held(consumer)
    current, frames = await database_sync_to_async(stored_frames)(
        consumer.game_id, consumer.version
    )
    for stored_at, frame in frames:
        consumer.held.add(stored_at + consumer.delay, frame)
    consumer.version = max(consumer.version, current)
