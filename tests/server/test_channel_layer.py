"""The embedded default's channel layer (game_server/layers.py): a seeded global ``random``
(any library's ``random.seed``, or Hypothesis, which reseeds it before every example) must
not give two live sockets one channel name. With Channels' own in-memory layer it did:
the fuzzer's bystander spectator shared its name with a reconnected client, and when that
client left, ``group_discard`` took the bystander out of the game's group."""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from channels.layers import get_channel_layer

from game_server import presence
from game_server.fanout import fanout
from game_server.layers import InMemoryChannelLayer
from tests.server.helpers import anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)


async def test_channel_names_do_not_follow_the_global_random_state():
    layer = get_channel_layer()
    names = set()
    for _ in range(3):
        random.seed(0)
        names.add(await layer.new_channel())
    assert len(names) == 3
    for name in names:
        layer.require_valid_channel_name(name)


async def test_a_spectator_keeps_its_updates_when_another_socket_made_under_the_same_seed_leaves():
    game, tokens = await anew_game()
    player = await connect(game.pk, tokens[0])
    random.seed(0)
    bystander = await connect(game.pk)
    random.seed(0)
    passerby = await connect(game.pk)
    await passerby.close()
    assert len(fanout().local[game.pk]) == 2  # the player and the bystander
    group = get_channel_layer().groups[presence.group_name(game.pk)]
    assert len(group) == 1  # this process's fan-out: one message per broadcast
    await player.send({"type": "move", "move": 4, "version": 0, "request_id": "r0"})
    assert (await player.expect("ack", skip=("update",)))["version"] == 1
    update = await bystander.expect("update")
    assert update["version"] == 1
    await player.close()
    await bystander.close()


async def test_a_consumer_that_fell_behind_keeps_its_groups_and_drops_only_old_messages(
    monkeypatch,
):
    """Channels' own layer takes a channel holding a message older than ``expiry`` out of
    every group, so a live socket that fell behind (1,000 spectators joining at once in
    the fan-out benchmark) never heard of its game again. Here only the old message goes;
    the version gap that leaves is what clients resync on."""
    layer = InMemoryChannelLayer(expiry=60)
    await layer.group_add("game.x", "specific..inmemory!slow")
    await layer.group_send("game.x", {"type": "game.update", "version": 1})
    later, later_monotonic = time.time() + 61, time.monotonic() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "monotonic", lambda: later_monotonic)
    await layer.group_send("game.x", {"type": "game.update", "version": 2})
    layer._clean_expired()
    assert "specific..inmemory!slow" in layer.groups["game.x"]
    assert (await layer.receive("specific..inmemory!slow"))["version"] == 2


async def test_expired_messages_are_cleaned_at_most_once_a_second(monkeypatch):
    layer = InMemoryChannelLayer(expiry=60)
    scans = []
    monkeypatch.setattr(layer, "groups", _CountingDict(scans))
    for _ in range(100):
        layer._clean_expired()
    assert len(scans) == 1


class _CountingDict(dict):
    """A groups mapping that records each full scan of it."""

    def __init__(self, scans: list):
        super().__init__()
        self.scans = scans

    def values(self):
        self.scans.append(1)
        return super().values()


async def test_the_fan_out_renews_its_group_membership_before_the_layer_expires_it(settings):
    # The layer forgets a membership after GROUP_EXPIRY seconds (a day by default). A
    # socket once stopped hearing of its game after that; the process's fan-out, the
    # group member for all its sockets, joins again in time, so every open socket,
    # silent or not, still gets the game's updates.
    settings.GROUP_EXPIRY = 2
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "game_server.layers.InMemoryChannelLayer",
            "CONFIG": {"group_expiry": 2},
        }
    }
    game, tokens = await anew_game("tictactoe")
    players = [await connect(game.pk, token) for token in tokens]
    present, silent = await connect(game.pk), await connect(game.pk)
    for _ in range(4):  # 4.4 s: the first memberships are past their expiry
        await asyncio.sleep(1.1)
        for client in (*players, present):
            await client.send({"type": "ping"})
            await client.expect("pong")
    await players[0].send({"type": "move", "move": 4, "version": 0, "request_id": "r0"})
    for client in (*players, present, silent):
        assert (await client.expect("update", skip=("ack",)))["version"] == 1


async def test_sockets_of_several_games_joining_at_once_share_one_fan_out_channel():
    """The first sockets of a process connect together while its fan-out channel is being
    made (a Redis round trip with the pub/sub layer). Each once made a channel of its own
    and joined its game's group with it, but only the last one was read: those games'
    broadcasts were lost (seen in the peers' benchmark: a game stuck at ply 0)."""
    from game_server.fanout import Fanout

    class SlowLayer(InMemoryChannelLayer):
        async def new_channel(self, prefix="specific."):
            await asyncio.sleep(0.01)
            return await super().new_channel(prefix)

    class Socket:
        def __init__(self):
            self.heard: list[int] = []

        def game_event_now(self, message):
            return False

        async def game_event(self, message):
            self.heard.append(message["version"])

    layer = SlowLayer()
    hub = Fanout(layer, asyncio.get_running_loop())
    sockets = {f"g{index}": Socket() for index in range(5)}
    await asyncio.gather(*(hub.join(game, socket) for game, socket in sockets.items()))
    for game in sockets:
        await layer.group_send(
            presence.group_name(game), {"type": "game.update", "game": game, "version": 1}
        )
    await asyncio.sleep(0.1)
    assert {game: socket.heard for game, socket in sockets.items()} == {g: [1] for g in sockets}
    hub.reader.cancel()
    hub.renewer.cancel()


class SharedLayer:
    """A layer several processes' fan-outs share (Redis in production): the in-memory
    layer's behaviour behind a type the fan-out does not take for a one-process layer."""

    def __init__(self):
        self.inner = InMemoryChannelLayer()

    def __getattr__(self, name):
        return getattr(self.inner, name)


async def test_a_process_delivers_its_own_broadcast_once_and_the_others_hear_it():
    """With a shared layer the storing process writes a stored action to its own sockets
    at once and publishes it for the others; its own copy coming back from the layer is
    skipped, so its sockets get it exactly once."""
    from game_server.fanout import Fanout

    class Socket:
        def __init__(self):
            self.heard: list[int] = []

        def game_event_now(self, message):
            self.heard.append(message["version"])
            return True

    layer = SharedLayer()
    here = Fanout(layer, asyncio.get_running_loop())
    there = Fanout(layer, asyncio.get_running_loop())
    mine, theirs = Socket(), Socket()
    await here.join("g", mine)
    await there.join("g", theirs)
    for version in (1, 2):
        await here.send([{"type": "game.update", "game": "g", "version": version}])
    await asyncio.sleep(0.1)
    assert mine.heard == [1, 2] and theirs.heard == [1, 2]
    for hub in (here, there):
        hub.reader.cancel()
        hub.renewer.cancel()


class Listener:
    """A local socket as the fan-out sees it: what versions it heard, in order."""

    def __init__(self):
        self.heard: list[int] = []

    def game_event_now(self, message):
        self.heard.append(message["version"])
        return True


def redis_layer(redis_url, prefix):
    from channels_redis.pubsub import RedisPubSubChannelLayer

    return RedisPubSubChannelLayer(hosts=[redis_url], prefix=prefix)


async def two_processes(redis_url):
    """Two fan-outs on two layers of one Redis (as two server processes have), each with
    one socket of game ``g``."""
    from game_server.fanout import Fanout

    prefix = f"test{time.monotonic_ns()}"
    loop = asyncio.get_running_loop()
    here = Fanout(redis_layer(redis_url, prefix), loop)
    there = Fanout(redis_layer(redis_url, prefix), loop)
    mine, theirs = Listener(), Listener()
    await here.join("g", mine)
    await there.join("g", theirs)
    await asyncio.sleep(0.1)  # the subscriptions are in place
    return here, there, mine, theirs


async def heard_all(listeners, count, seconds=5.0):
    for _ in range(int(seconds / 0.02)):
        if all(len(listener.heard) >= count for listener in listeners):
            return
        await asyncio.sleep(0.02)


async def sent(hub, messages):
    """Hand ``messages`` to ``hub`` as a committed batch is, and wait until it sent them."""
    hub.enqueue(messages)
    await hub.sender


async def close(*hubs):
    for hub in hubs:
        hub.reader.cancel()
        hub.renewer.cancel()
        await hub.layer.flush()


async def test_stored_actions_waiting_together_cross_redis_as_one_message(redis_url):
    """Everything waiting in the outbox (say, a committed batch of 50 actions of five
    games) goes to Redis as one message on the fan-outs' shared channel, not one per
    action: the other process hears every version of each game once and in order, and
    the storing process's own sockets get each once (its echo from Redis is skipped)."""
    import redis.asyncio as aioredis

    from game_server.fanout import MOVES_GROUP, Fanout

    prefix = f"test{time.monotonic_ns()}"
    loop = asyncio.get_running_loop()
    here = Fanout(redis_layer(redis_url, prefix), loop)
    there = Fanout(redis_layer(redis_url, prefix), loop)
    games = [f"g{index}" for index in range(5)]
    mine = {game: Listener() for game in games}
    theirs = {game: Listener() for game in games}
    for game in games:
        await here.join(game, mine[game])
        await there.join(game, theirs[game])
    watcher = aioredis.from_url(redis_url).pubsub()
    bus = here.layer._get_layer()._get_group_channel_name(MOVES_GROUP)
    await watcher.subscribe(bus)
    await asyncio.sleep(0.1)  # the subscriptions are in place
    messages = [
        {"type": "game.update", "game": game, "version": version}
        for version in range(1, 11)
        for game in games
    ]
    here.enqueue(messages)  # as a committed batch of 50 actions is handed over
    await heard_all([*mine.values(), *theirs.values()], 10)
    await asyncio.sleep(0.2)  # nothing more arrives (no echo, no duplicate)
    for game in games:
        assert mine[game].heard == theirs[game].heard == list(range(1, 11))
    published = []
    while (message := await watcher.get_message(timeout=0.2)) is not None:
        if message["type"] == "message":
            published.append(message)
    assert len(published) == 1
    await watcher.aclose()
    await close(here, there)


async def test_a_process_ignores_the_moves_of_games_it_holds_no_socket_of(redis_url):
    """Every fan-out hears every stored action on Redis; one for a game without a socket
    here is dropped without keeping anything for it."""
    here, there, mine, theirs = await two_processes(redis_url)
    await sent(here, [{"type": "game.update", "game": "elsewhere", "version": 1}])
    await sent(here, [{"type": "game.update", "game": "g", "version": 1}])
    await heard_all([theirs], 1)
    assert theirs.heard == [1]
    assert "elsewhere" not in there.versions and there.versions["g"] == 1
    await close(here, there)


async def test_a_pipeline_that_fails_is_tried_again_then_counted_never_raised(
    redis_url, monkeypatch
):
    """A failed pipeline (Redis restarted under a pooled connection) is sent once more;
    when that fails too, each of its actions is counted as a broadcast failure and the
    fan-out goes on: the local sockets still got them, and later actions go through."""
    from game_server import fanout as fanout_module
    from game_server import metrics

    failures = iter([True, False, True, True])  # fail, succeed; then fail twice
    original = fanout_module._pipeline

    async def flaky(layer, messages, origin=None):
        if next(failures):
            raise ConnectionError("Redis went away")
        await original(layer, messages, origin)

    monkeypatch.setattr(fanout_module, "_pipeline", flaky)
    here, there, mine, theirs = await two_processes(redis_url)
    await sent(here, [{"type": "game.update", "game": "g", "version": 1}])
    await heard_all([theirs], 1)
    assert theirs.heard == [1]
    before = metrics.BROADCAST_FAILURES._value.get()
    lost = [{"type": "game.update", "game": "g", "version": v} for v in (2, 3)]
    await sent(here, lost)
    assert metrics.BROADCAST_FAILURES._value.get() - before == 2
    assert mine.heard == [1, 2, 3]  # this process's own sockets got them anyway
    monkeypatch.setattr(fanout_module, "_pipeline", original)
    await sent(here, [{"type": "game.update", "game": "g", "version": 4}])
    await heard_all([theirs], 2)
    assert theirs.heard == [1, 4]  # 2 and 3 never came; the gap makes clients catch up
    await close(here, there)
