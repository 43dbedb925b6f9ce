"""Channel-layer fan-out: ``RedisChannelLayer`` against ``RedisPubSubChannelLayer``.

    python -m bench.channel_layers                      # 10, 100, 1000 spectators
    python -m bench.channel_layers --sizes 10,100 --sends 20 --redis redis://127.0.0.1:6379/9

One game group with N member channels, all received in one "process" (one layer
instance, as a daphne process would) and sent from another (a second instance: the
player's process). Each broadcast is one ``group_send`` of a message shaped like a
``game.update`` (a spectator frame plus two seat frames, ~2 KB); the table gives the
median time the ``group_send`` call takes (what the mover's process pays) and the
median time until the last of the N channels has the message (what the slowest
spectator waits), plus the number of Redis commands the server executed per broadcast.

The figures behind the choice in docs/deployment.md; the machine is shared, so only
the ratio between the two layers in the same run is meaningful.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid

LAYERS = {
    "RedisChannelLayer": "channels_redis.core.RedisChannelLayer",
    "RedisPubSubChannelLayer": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


def make_layer(path: str, url: str, prefix: str):
    from django.utils.module_loading import import_string

    config = {"hosts": [url], "prefix": prefix}
    if path.endswith("core.RedisChannelLayer"):
        config.update(capacity=5000, expiry=60)
    return import_string(path)(**config)


def update_message(version: int) -> dict:
    frame = os.urandom(700)
    return {"type": "game.update", "version": version, "spectator": frame, "seats": [frame, None]}


async def redis_commands(url: str) -> int:
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        info = await client.info("stats")
        return int(info["total_commands_processed"])
    finally:
        await client.aclose()


async def measure(path: str, url: str, spectators: int, sends: int) -> dict:
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    receiving = make_layer(path, url, prefix)
    sending = make_layer(path, url, prefix)
    group = f"game.bench{uuid.uuid4().hex[:6]}"
    channels = [await receiving.new_channel() for _ in range(spectators)]
    for channel in channels:
        await receiving.group_add(group, channel)
    arrived: dict[int, list[float]] = {}

    async def listen(channel: str) -> None:
        while True:
            message = await receiving.receive(channel)
            arrived.setdefault(message["version"], []).append(time.perf_counter())

    listeners = [asyncio.create_task(listen(channel)) for channel in channels]
    await asyncio.sleep(0.3)  # the pub/sub layer subscribes in the background
    await sending.group_send(group, update_message(0))  # warm up the connections
    await wait_for(arrived, 0, spectators)
    call_times, fan_out_times, lost = [], [], 0
    commands_before = await redis_commands(url)
    for version in range(1, sends + 1):
        start = time.perf_counter()
        await sending.group_send(group, update_message(version))
        call_times.append(time.perf_counter() - start)
        if await wait_for(arrived, version, spectators):
            fan_out_times.append(max(arrived[version]) - start)
        else:
            lost += spectators - len(arrived.get(version, []))
    commands = (await redis_commands(url) - commands_before) / sends
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    for layer in (receiving, sending):
        await layer.flush()
    return {
        "call_ms": statistics.median(call_times) * 1000,
        "fan_out_ms": statistics.median(fan_out_times) * 1000 if fan_out_times else float("nan"),
        "commands": commands,
        "lost": lost,
    }


async def wait_for(arrived: dict, version: int, count: int, seconds: float = 10.0) -> bool:
    deadline = time.perf_counter() + seconds
    while len(arrived.get(version, ())) < count:
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.0005)
    return True


async def run(url: str, sizes: list[int], sends: int) -> list[tuple]:
    rows = []
    for spectators in sizes:
        for name, path in LAYERS.items():
            result = await measure(path, url, spectators, sends)
            rows.append((name, spectators, result))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.channel_layers", description=__doc__)
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--sends", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boardroom.settings")
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = asyncio.run(run(args.redis, sizes, args.sends))
    print(f"group_send fan-out on {args.redis}, median of {args.sends} broadcasts (~2 KB each)")
    print()
    print("| layer | spectators | group_send call ms | last receipt ms | Redis cmds/send | lost |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, spectators, r in rows:
        print(
            f"| {name} | {spectators} | {r['call_ms']:.2f} | {r['fan_out_ms']:.2f} "
            f"| {r['commands']:.0f} | {r['lost']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
