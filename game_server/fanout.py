"""One channel-layer message per process per broadcast, written to local sockets here.

Before, every socket of a game was a member of the game's channel-layer group, so a
stored move cost one layer message, one queue put, one task switch and one dispatch per
socket (on one process, about half the CPU of a 1,000-spectator fan-out was Channels'
in-memory layer creating a task per member; docs/benchmarks.md). Now each process has
one :class:`Fanout` per event loop: *it* is the group member, with one channel of its
own, for every game that has a socket on this process; it keeps the set of those
sockets, and when a game's message arrives it hands it to each of them directly, in
order (``consumer.game_event``). With several processes a broadcast is one message per
process (``websockets.broadcast`` is the model).

Ordering per socket is kept: a consumer that is busy handling one of its own frames
(say, reading a snapshot from the database) queues what the fan-out hands it and sends
it after that frame's answer (``protocol.MsgpackWebsocketConsumer``), as the channel
layer's per-socket queue did. Group memberships are added and removed per game under a
lock, so a leave and a join racing on one game never leave the process out of the
group, and they are renewed before the layer's ``GROUP_EXPIRY``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref

from channels.layers import get_channel_layer
from django.conf import settings

from .presence import group_name
from .protocol import LAYER_ERRORS

logger = logging.getLogger(__name__)

RETRY_SECONDS = 1.0  # after the layer failed to deliver (Redis down)


class Fanout:
    """This event loop's member of every game group it has sockets for."""

    def __init__(self, layer):
        self.layer = layer
        self.channel: str | None = None
        self.local: dict[str, set] = {}  # game id -> its consumers on this loop
        self.member: set[str] = set()  # games whose group has our channel
        self.locks: dict[str, asyncio.Lock] = {}
        self.channel_lock = asyncio.Lock()
        self.reader: asyncio.Task | None = None
        self.renewer: asyncio.Task | None = None

    async def join(self, game_id: str, consumer) -> None:
        """``consumer`` hears its game's broadcasts from now on (raises when the layer
        cannot be reached; the consumer is then not registered)."""
        if self.channel is None:
            # One channel, however many first joins arrive together (a restarted process
            # gets every client of a dead one at once): new_channel suspends (a SUBSCRIBE)
            # and the channels made by the others would never be read.
            async with self.channel_lock:
                if self.channel is None:
                    self.channel = await self.layer.new_channel("fanout.")
        self.local.setdefault(game_id, set()).add(consumer)
        try:
            await self.sync(game_id)
        except BaseException:
            self.forget(game_id, consumer)
            raise
        self.start()

    async def leave(self, game_id: str, consumer) -> None:
        self.forget(game_id, consumer)
        with contextlib.suppress(*LAYER_ERRORS):  # the membership then just expires
            await self.sync(game_id)

    def forget(self, game_id: str, consumer) -> None:
        consumers = self.local.get(game_id)
        if consumers is not None:
            consumers.discard(consumer)
            if not consumers:
                del self.local[game_id]

    async def sync(self, game_id: str) -> None:
        """Make the group membership match whether this loop has sockets for the game."""
        lock = self.locks.setdefault(game_id, asyncio.Lock())
        async with lock:
            wanted = game_id in self.local
            if wanted and game_id not in self.member:
                await self.layer.group_add(group_name(game_id), self.channel)
                self.member.add(game_id)
            elif not wanted and game_id in self.member:
                self.member.discard(game_id)
                await self.layer.group_discard(group_name(game_id), self.channel)
            if not wanted and not lock._waiters:
                self.locks.pop(game_id, None)

    def start(self) -> None:
        if self.reader is None or self.reader.done():
            self.reader = asyncio.get_running_loop().create_task(self.read())
        if self.renewer is None or self.renewer.done():
            self.renewer = asyncio.get_running_loop().create_task(self.renew())

    async def read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down: lifecycle's watchdog reconnects sockets
                logger.warning("fan-out channel unreadable: %r", exc)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            await self.deliver(message)

    async def deliver(self, message: dict) -> None:
        """Hand ``message`` to each local socket of its game. An idle socket writes it at
        once (no task, no queue: daphne's send does not suspend), a busy one after the
        frame it is handling."""
        for consumer in tuple(self.local.get(message.get("game"), ())):
            try:
                await consumer.game_event(message)
            except Exception:  # one broken socket never stops the others
                logger.exception("fan-out to %s failed", consumer.channel_name)

    async def renew(self) -> None:
        """Join the groups again before the layer forgets the memberships."""
        while True:
            await asyncio.sleep(max(1.0, settings.GROUP_EXPIRY / 2))
            for game_id in tuple(self.member):
                with contextlib.suppress(*LAYER_ERRORS):
                    await self.layer.group_add(group_name(game_id), self.channel)


_fanouts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fanout() -> Fanout:
    """This event loop's fan-out (the channel layer's, as settings name it)."""
    loop = asyncio.get_running_loop()
    current = _fanouts.get(loop)
    layer = get_channel_layer()
    if current is None or current.layer is not layer:
        current = _fanouts[loop] = Fanout(layer)
    return current
