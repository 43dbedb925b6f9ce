"""``python -m bench.socket_memory [N]``: the server memory one idle spectator socket costs.

One ``boardroom.serve`` process on a fresh SQLite file; 50 sockets first (so that
allocator warm-up is not counted), then N more spectators of one game, each read until
its snapshot; the process's RSS growth divided by N, after the process settled. A quick
check between two commits of what a change bought (the full comparison with the peers is
``python -m bench --only peers``, which measures the same at 3,000 sockets).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import psutil
from websockets.asyncio.client import connect

from game_server.client import create_game, take_seat
from tests.servers import Server, sqlite_env

BATCH = 100


async def measure(n: int) -> float:
    """KiB of RSS per idle spectator socket, over ``n`` sockets."""
    directory = Path(tempfile.mkdtemp())
    env = {**sqlite_env(directory / "db.sqlite3"), "LOG_LEVEL": "ERROR"}
    env["MAX_ANONYMOUS_SOCKETS_PER_ADDRESS"] = "0"  # every socket comes from 127.0.0.1
    server = Server(env, directory / "server.log").start()
    sockets = []
    try:
        game = await create_game(server.url, "connect4")
        for index in range(2):
            await take_seat(server.url, game["id"], name=f"p{index}")
        url = server.url.replace("http", "ws") + f"/ws/games/{game['id']}/"

        async def spectator():
            ws = await connect(url, origin=server.url, max_queue=None, open_timeout=120)
            await ws.recv()
            sockets.append(ws)

        process = psutil.Process(server.process.pid)
        await asyncio.gather(*(spectator() for _ in range(50)))
        await asyncio.sleep(2)
        before = process.memory_info().rss
        for first in range(0, n, BATCH):
            await asyncio.gather(*(spectator() for _ in range(first, min(n, first + BATCH))))
        await asyncio.sleep(3)
        return (process.memory_info().rss - before) / n / 1024
    finally:
        for ws in sockets:
            await ws.close()
        server.stop()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"{n} idle spectator sockets: {asyncio.run(measure(n)):.1f} KiB each")


if __name__ == "__main__":
    main()
