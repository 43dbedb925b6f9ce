"""After the channel layer's Redis restarts, a process's fan-out hears broadcasts again
before its clients are asked to reconnect (``Fanout.hear_again``, used by lifecycle's
watchdog): otherwise a client's new snapshot could be taken while the process is not yet
subscribed again, and a move stored just then would never reach it (the chaos run saw a
spectator left at version 0 of a game with one move, after a Redis kill)."""

from __future__ import annotations

import asyncio
import time

from game_server.fanout import Fanout
from tests.server.test_channel_layer import Listener, close, heard_all, redis_layer


async def test_after_a_redis_restart_hear_again_returns_once_broadcasts_arrive(private_redis):
    prefix = f"test{time.monotonic_ns()}"
    loop = asyncio.get_running_loop()
    here = Fanout(redis_layer(private_redis.url, prefix), loop)
    there = Fanout(redis_layer(private_redis.url, prefix), loop)
    mine, theirs = Listener(), Listener()
    await here.join("g", mine)
    await there.join("g", theirs)
    await asyncio.sleep(0.1)
    here.enqueue([{"type": "game.update", "game": "g", "version": 1}])
    await heard_all([theirs], 1)
    assert theirs.heard == [1] and there.versions == {"g": 1}

    private_redis.stop()  # SIGKILL: every subscription is gone
    private_redis.start()  # a new, empty Redis on the same port
    started = loop.time()
    assert await there.hear_again(seconds=15)
    assert there.versions == {}  # what was delivered before may have gaps now
    # From now on this process hears every broadcast, the first one included.
    await here.hear_again(seconds=15)
    here.enqueue([{"type": "game.update", "game": "g", "version": 2}])
    await heard_all([theirs], 2)
    assert theirs.heard == [1, 2], f"heard again after {loop.time() - started:.1f} s"
    assert there.probes == {}
    await close(here, there)


async def test_hear_again_gives_up_while_redis_stays_away(private_redis):
    prefix = f"test{time.monotonic_ns()}"
    loop = asyncio.get_running_loop()
    hub = Fanout(redis_layer(private_redis.url, prefix), loop)
    await hub.join("g", Listener())
    private_redis.stop()
    assert await hub.hear_again(seconds=1.0) is False
    assert hub.probes == {}
    private_redis.start()
    assert await hub.hear_again(seconds=15)
    await close(hub)


async def test_the_watchdog_asks_clients_to_reconnect_only_once_the_fan_out_hears(
    private_redis, monkeypatch
):
    """lifecycle's watchdog, on a real Redis killed and restarted: the fan-out hears
    again first, then every socket is asked to reconnect (4012)."""
    from game_server import lifecycle

    calls: list = []

    class Hub:
        async def hear_again(self):
            calls.append("hearing")
            await asyncio.sleep(0.1)
            calls.append("heard")
            return True

    async def close_all(code):
        calls.append(("close", code))
        return 0

    monkeypatch.setattr(lifecycle, "fanout", lambda: Hub())
    monkeypatch.setattr(lifecycle, "close_all", close_all)
    watchdog = asyncio.ensure_future(lifecycle.watch_channel_layer(private_redis.url, 0.05))
    await asyncio.sleep(0.3)  # it has read Redis's run id
    private_redis.stop()
    await asyncio.sleep(0.3)
    private_redis.start()
    for _ in range(500):
        if ("close", 4012) in calls:
            break
        await asyncio.sleep(0.02)
    watchdog.cancel()
    assert calls[:3] == ["hearing", "heard", ("close", 4012)]
