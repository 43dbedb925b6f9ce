"""Anonymous spectators' presence rows, written in batches.

Spectators count against no cap (game_server.presence), so nothing needs their row before
they are served. The anonymous spectators arriving and leaving on one event loop within
:data:`BATCH_SECONDS` have their rows written in one transaction (one commit, one fsync,
instead of one per socket: a crowd of 1,000 joining spent most of its database time
committing one row each; docs/benchmarks.md), then their games' presence is announced.
A socket that leaves before its row was written never gets one.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from . import presence
from .models import Connection
from .per_loop import PerLoop

logger = logging.getLogger(__name__)

BATCH_SECONDS = 0.05
draining = False  # set by a graceful shutdown: rows still to add are not added any more


def write_rows(adds: dict[str, str], removes: dict[str, str]) -> None:
    """One transaction for a batch of anonymous spectators' rows (``channel: game``)."""
    rows = [
        Connection(channel_name=c, game_id=g, server=presence.SERVER_ID) for c, g in adds.items()
    ]
    with transaction.atomic():
        if rows and not draining:
            Connection.objects.bulk_create(rows, ignore_conflicts=True)
        if removes:
            Connection.objects.filter(channel_name__in=list(removes)).delete()


class RowBatch:
    """The rows of one event loop's anonymous spectators still to write (see the module
    docstring)."""

    def __init__(self, layer):
        self.layer = layer
        self.adds: dict[str, str] = {}
        self.removes: dict[str, str] = {}
        self.task: asyncio.Task | None = None

    def add(self, channel_name: str, game_id: str) -> None:
        self.adds[channel_name] = game_id
        self.schedule()

    def remove(self, channel_name: str, game_id: str) -> None:
        if self.adds.pop(channel_name, None) is None:
            self.removes[channel_name] = game_id
        self.schedule()

    def schedule(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.flush_soon())

    async def flush_soon(self) -> None:
        # No await between the last check and the end: what arrives later starts a task.
        while self.adds or self.removes:
            await asyncio.sleep(BATCH_SECONDS)
            adds, removes = self.adds, self.removes
            self.adds, self.removes = {}, {}
            try:
                await database_sync_to_async(write_rows)(adds, removes)
            except Exception as exc:  # the database is away: try again a moment later
                logger.warning("spectators' presence rows not written yet: %s", exc)
                self.adds = adds | self.adds
                self.removes = removes | self.removes
                await asyncio.sleep(1.0)
                continue
            for game_id in set(adds.values()) | set(removes.values()):
                presence.announce(game_id, self.layer)


_batches: PerLoop[RowBatch] = PerLoop(lambda loop: RowBatch(get_channel_layer()))


def row_batch(layer) -> RowBatch:
    """This event loop's batch of spectators' rows."""
    batch = _batches.get()
    if batch.layer is not layer:
        batch = _batches.replace(RowBatch(layer))
    return batch
