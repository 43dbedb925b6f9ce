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

On Redis pub/sub, stored actions travel further bundled: whatever a process committed
together (a group-commit batch, often a hundred moves of as many games) is *one* Redis
message on one channel every process's fan-out listens to (``MOVES_GROUP``), not one per
game group. Per move, a PUBLISH and two receptions on each process (its own echo and the
other's copy), each through redis-py's reply handling, the layer's queue and a
deserialization, were a fifth of a process's CPU in the two-process throughput profile;
bundled, that is paid once per batch. The price: each process receives the moves of
every game, also those it has no socket for (skipped at a dictionary lookup), which is
cheap next to what a move costs to store and show. Presence, chat and other game
messages keep to the games' groups.

Ordering per socket is kept: a consumer that is busy handling one of its own frames
(say, reading a snapshot from the database) queues what the fan-out hands it and sends
it after that frame's answer (``protocol.MsgpackWebsocketConsumer``), as the channel
layer's per-socket queue did. Group memberships are added and removed per game under a
lock, so a leave and a join racing on one game never leave the process out of the
group, and they are renewed before the layer's ``GROUP_EXPIRY``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time

from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from . import metrics, state
from .from_threads import send_from_thread
from .per_loop import PerLoop
from .presence import group_name
from .protocol import LAYER_ERRORS

logger = logging.getLogger(__name__)

RETRY_SECONDS = 1.0  # after the layer failed to deliver (Redis down)
# How long a version read from the database may be ahead of the broadcasts delivered
# here before the local sockets are told to catch up (Fanout.observed).
STALE_SECONDS = 1.0
# Redis pub/sub: the group of every fan-out, on which stored actions travel in batches.
MOVES_GROUP = "boardroom.moves"
# At most this many actions per Redis message (a backlog after a stall goes in several).
ACTIONS_PER_MESSAGE = 512
# After a Redis outage: how long to wait for the subscriptions to work again, and how
# often to send a probe meanwhile (Fanout.hear_again).
HEAR_AGAIN_SECONDS = 10.0
PROBE_INTERVAL = 0.2


class Fanout:
    """This event loop's member of every game group it has sockets for."""

    def __init__(self, layer, loop=None):
        self.layer = layer
        self.loop = loop
        self.outbox: collections.deque[dict] = collections.deque()  # stored, not yet sent
        self.sender: asyncio.Task | None = None
        self.channel: str | None = None
        self.channel_lock = asyncio.Lock()
        self.local: dict[str, set] = {}  # game id -> its consumers on this loop
        self.member: set[str] = set()  # games whose group has our channel
        self.locks: dict[str, asyncio.Lock] = {}
        self.versions: dict[str, int] = {}  # game id -> the latest version seen here
        self.reader: asyncio.Task | None = None
        self.renewer: asyncio.Task | None = None
        self.probes: dict[str, asyncio.Future] = {}  # probes sent, not heard yet

    async def join(self, game_id: str, consumer) -> None:
        """``consumer`` hears its game's broadcasts from now on (raises when the layer
        cannot be reached; the consumer is then not registered)."""
        if self.channel is None:
            # Sockets connecting together all wait for the one channel: two (each joined
            # to some groups, one of them never read) would lose those games' broadcasts.
            async with self.channel_lock:
                if self.channel is None:
                    channel = await self.layer.new_channel("fanout.")
                    if isinstance(self.layer, RedisPubSubChannelLayer):
                        await self.layer.group_add(MOVES_GROUP, channel)
                    self.channel = channel
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
                self.versions.pop(game_id, None)

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
            if message.get("type") == "fanout.probe":
                heard = self.probes.get(message.get("probe"))
                if heard is not None and not heard.done():
                    heard.set_result(True)
                continue  # (another process's probe: nothing to do)
            if self.channel is not None and message.get("origin") == self.channel:
                continue  # our own broadcasts were delivered at once
            if message.get("type") == "game.actions":  # a batch of stored actions
                for action in message["actions"]:
                    await self.deliver(action)
            else:
                await self.deliver(message)

    async def deliver(self, message: dict) -> None:
        """Hand ``message`` to each local socket of its game. An idle socket writes it at
        once (no task, no queue: daphne's send does not suspend), a busy one after the
        frame it is handling."""
        game_id = message.get("game")
        consumers = self.local.get(game_id)
        if message.get("type") == "game.update":
            if consumers:
                self.versions[game_id] = max(self.versions.get(game_id, 0), message["version"])
            state.advance(message)
        if not consumers:
            return
        for consumer in tuple(consumers):
            try:
                if not consumer.game_event_now(message):
                    await consumer.game_event(message)
            except Exception:  # one broken socket never stops the others
                logger.exception("fan-out to %s failed", consumer.channel_name)

    # -- stored actions, in the order they were stored ----------------------------------------
    def enqueue(self, messages: list[dict]) -> None:
        """(On the loop.) Send ``messages`` after those already waiting, in order."""
        self.outbox.extend(messages)
        if self.sender is None or self.sender.done():
            self.sender = asyncio.get_running_loop().create_task(self.send_outbox())

    async def send_outbox(self) -> None:
        while self.outbox:
            messages = list(self.outbox)  # all that waits: one pipeline on Redis
            self.outbox.clear()
            await self.send(messages)

    async def send(self, messages: list[dict]) -> None:
        """Stored actions, in order, to every process with sockets of their games: to
        this one's directly, and through the layer to the others (with the in-memory
        layer there are none). The layer brings this process its own copies back too (it
        is a member of the groups): marked with our channel as their ``origin``, they are
        skipped then."""
        if isinstance(self.layer, InMemoryChannelLayer):
            await _broadcast(self.layer, messages, self.deliver)
            return
        for message in messages:
            if message["game"] in self.local:
                await self.deliver(message)
        await _broadcast(self.layer, messages, origin=self.channel)

    # -- versions stored and never broadcast -------------------------------------------------
    def observed(self, game_id: str, version: int) -> None:
        """A local socket of the game read ``version`` from the database. A process that
        dies between a commit and its broadcast (kill -9) leaves the others' sockets
        waiting for a version that no broadcast will bring: when a version read here
        stays ahead of the broadcasts delivered here for ``STALE_SECONDS``, every local
        socket of the game catches up from the database (it is the sockets of the dead
        process, reconnecting here, that read it first)."""
        known = self.versions.get(game_id)
        if known is None or version <= known:
            if game_id in self.local:
                self.versions[game_id] = max(version, known or 0)
            return
        asyncio.get_running_loop().call_later(STALE_SECONDS, self.check_stale, game_id, version)

    def check_stale(self, game_id: str, version: int) -> None:
        if self.versions.get(game_id, version) >= version:
            return  # its broadcast arrived meanwhile (or the game has no socket here now)
        logger.warning("game %s: version %s never broadcast here; catching up", game_id, version)
        self.versions[game_id] = version
        event = {"type": "game.stale", "game": game_id, "version": version}
        asyncio.get_running_loop().create_task(self.deliver(event))

    async def hear_again(self, seconds: float = HEAR_AGAIN_SECONDS) -> bool:
        """After the layer's Redis was away or restarted: wait until this fan-out hears
        on the moves' channel again (a probe it publishes there comes back), at most
        ``seconds``. redis-py subscribes again only when its reader next finds the
        connection gone, up to a second or more after Redis is back; sockets asked to
        reconnect before that read a snapshot, and a move stored in between would never
        reach them (lifecycle's watchdog waits for this first). Also forgets which
        versions were delivered here, since some may have been missed. True once heard
        (or with nothing to hear: no Redis pub/sub layer, no socket here yet)."""
        self.versions.clear()
        if self.channel is None or not isinstance(self.layer, RedisPubSubChannelLayer):
            return True
        loop = asyncio.get_running_loop()
        probe = f"{self.channel}:{loop.time()}"
        heard = self.probes[probe] = loop.create_future()
        message = {"type": "fanout.probe", "probe": probe}
        deadline = loop.time() + seconds
        try:
            while loop.time() < deadline:
                with contextlib.suppress(*LAYER_ERRORS, TimeoutError):
                    async with asyncio.timeout(1.0):  # a hung Redis holds up nothing
                        await self.layer.group_send(MOVES_GROUP, message)
                await asyncio.wait({heard}, timeout=PROBE_INTERVAL)
                if heard.done():
                    return True
            logger.warning("the fan-out did not hear its probe within %s s", seconds)
            return False
        finally:
            self.probes.pop(probe, None)

    async def renew(self) -> None:
        """Join the groups again before the layer forgets the memberships."""
        while True:
            await asyncio.sleep(max(1.0, settings.GROUP_EXPIRY / 2))
            for game_id in tuple(self.member):
                with contextlib.suppress(*LAYER_ERRORS):
                    await self.layer.group_add(group_name(game_id), self.channel)


_fanouts: PerLoop[Fanout] = PerLoop(lambda loop: Fanout(get_channel_layer(), loop))
_serving: Fanout | None = None  # the fan-out of the loop that serves sockets


def fanout() -> Fanout:
    """This event loop's fan-out (the channel layer's, as settings name it)."""
    global _serving
    current = _fanouts.get()
    layer = get_channel_layer()
    if current.layer is not layer:
        current = _fanouts.replace(Fanout(layer, current.loop))
    _serving = current
    return current


def publish(messages: list[dict]) -> None:
    """Broadcast stored actions (from any thread), in the order given: handed to the
    serving loop's fan-out, which sends them one after another, so that the storing
    thread never waits for the layer and the broadcasts of one game keep the order of
    their commits. Without a serving loop (scripts, some tests) they are sent from here.
    """
    serving = _serving
    if serving is not None and serving.loop.is_running() and serving.layer is get_channel_layer():
        serving.loop.call_soon_threadsafe(serving.enqueue, messages)
        return
    layer = get_channel_layer()
    if layer is None:
        return
    send_from_thread(_broadcast, layer, messages)  # to the fan-outs that joined the groups


async def _pipeline(layer: RedisPubSubChannelLayer, messages: list[dict], origin=None) -> None:
    """Publish ``messages`` to every process's fan-out (``MOVES_GROUP``, through
    channels-redis's group channel name, host and connection): one Redis message per
    ``ACTIONS_PER_MESSAGE`` actions, in one pipeline."""
    loop_layer = layer._get_layer()
    channel = loop_layer._get_group_channel_name(MOVES_GROUP)
    shard = loop_layer._get_shard(channel)
    published = [
        layer.serialize(
            {
                "type": "game.actions",
                "origin": origin,
                "actions": messages[start : start + ACTIONS_PER_MESSAGE],
            }
        )
        for start in range(0, len(messages), ACTIONS_PER_MESSAGE)
    ]
    async with shard._lock:
        shard._ensure_redis()
        pipeline = shard._redis.pipeline(transaction=False)
        for data in published:
            pipeline.publish(channel, data)
        await pipeline.execute()


async def _broadcast(layer, messages: list[dict], deliver=None, origin=None) -> None:
    """Send stored actions in order (``deliver``: straight to this loop's sockets instead
    of through the layer; ``origin``: the sending fan-out's channel, whose reader skips
    them when they come back). Through the layer, tried twice: after a Redis restart the
    pooled connection is stale and only the next attempt opens a new one (a message sent
    twice is skipped by sockets and fan-outs that have its version). A failure is logged
    and counted per action, never raised: the actions stay stored, and clients catch up
    from their version."""
    start = time.perf_counter()
    for attempt in range(1 if deliver is not None else 2):
        try:
            await _send(layer, messages, deliver, origin)
            break
        except Exception:
            if attempt == 0 and deliver is None:
                continue
            metrics.BROADCAST_FAILURES.inc(len(messages))
            logger.exception(
                "stored but not broadcast: %s",
                ", ".join(f"game {m['game']} version {m['version']}" for m in messages),
            )
            return
    elapsed = time.perf_counter() - start
    for _message in messages:
        metrics.BROADCAST_SECONDS.observe(elapsed)


async def _send(layer, messages: list[dict], deliver=None, origin=None) -> None:
    if deliver is not None:
        for message in messages:
            await deliver(message)
    elif isinstance(layer, RedisPubSubChannelLayer):
        await _pipeline(layer, messages, origin)
    else:
        for message in messages:
            if origin is not None:
                message = {**message, "origin": origin}
            await layer.group_send(group_name(message["game"]), message)
