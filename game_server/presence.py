"""Presence frames, coalesced: at most one per game every ``INTERVAL`` seconds per process.

Every socket that joins or leaves changes the game's presence (who is connected, how many
watch). Sending the whole game a fresh frame for each change made N spectators joining a
game cost O(N²) frames and N presence queries (226 s for 1,000 spectators in the fan-out
benchmark, docs/benchmarks.md). Here the first change goes out at once; the changes that
follow within the interval become one frame at its end, read from the database then, so
the last frame always shows the state after the last change.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

from channels.db import database_sync_to_async
from django.dispatch import Signal

from . import services

INTERVAL = 0.5  # seconds

logger = logging.getLogger(__name__)

# Sent with ``game_id`` and ``presence`` (in a database thread) each time a game's
# coalesced presence has been read: its players' connections or its spectators changed.
# The lobby's live-game directory listens (lobby/signals.py), so it is coalesced too.
presence_changed = Signal()


def read(game_id: str) -> dict:
    presence = services.presence(game_id)
    for receiver, result in presence_changed.send_robust(
        sender=Coalescer, game_id=game_id, presence=presence
    ):
        if isinstance(result, Exception):
            logger.error("game %s: %r failed", game_id, receiver, exc_info=result)
    return presence


class Coalescer:
    """The pending and last presence frames of one event loop's games."""

    def __init__(self):
        self.pending: dict[str, asyncio.Task] = {}
        self.sent_at: dict[str, float] = {}

    def request(self, game_id: str, layer) -> None:
        if game_id in self.pending:
            return  # the frame already scheduled will read the state after this change
        wait = self.sent_at.get(game_id, -INTERVAL) + INTERVAL - time.monotonic()
        task = asyncio.get_running_loop().create_task(self.send(game_id, layer, max(0, wait)))
        self.pending[game_id] = task

    async def send(self, game_id: str, layer, wait: float) -> None:
        try:
            if wait:
                await asyncio.sleep(wait)
            # From here on a new change schedules its own frame: this one may read too early.
            del self.pending[game_id]
            self.sent_at[game_id] = time.monotonic()
            self.forget_old()
            presence = await database_sync_to_async(read)(game_id)
            frame = services.encode({"type": "presence", **presence})
            await layer.group_send(
                services.group_name(game_id), {"type": "game.frame", "frame": frame}
            )
        except Exception:
            if self.pending.get(game_id) is asyncio.current_task():
                del self.pending[game_id]
            logger.exception("game %s: presence not sent", game_id)

    def forget_old(self) -> None:
        if len(self.sent_at) > 1000:
            cutoff = time.monotonic() - INTERVAL
            self.sent_at = {g: t for g, t in self.sent_at.items() if t > cutoff}


_coalescers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def announce(game_id: str, layer) -> None:
    """The game's presence changed: tell everyone in it, soon (call from the event loop)."""
    loop = asyncio.get_running_loop()
    coalescer = _coalescers.get(loop)
    if coalescer is None:
        coalescer = _coalescers[loop] = Coalescer()
    coalescer.request(game_id, layer)
