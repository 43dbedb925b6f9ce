"""The practical limit for a Python WebSocket fan-out: a bare ``websockets`` server.

``python -m bench.peers.bare_websockets --port N``. Every connection joins the room named
by its path (``/`` for the fan-out benchmark, one path per game for the peers' comparison).
A binary msgpack ``{"type": "move", "move": ..., "view": ...}`` is stored (the room's
counter) and broadcast to every connection of the room as one msgpack ``update`` frame,
encoded once
and written with :func:`websockets.broadcast` (no awaiting per client). No database, no
channel layer, no per-viewer frames, no presence: what is left is the cost of the
WebSocket layer and the event loop, which Boardroom pays too.
"""

from __future__ import annotations

import argparse
import asyncio
import resource

import msgpack
from websockets.asyncio.server import broadcast, serve

rooms: dict[str, set] = {}
versions: dict[str, int] = {}


async def handler(ws) -> None:
    path = ws.request.path
    clients = rooms.setdefault(path, set())
    clients.add(ws)
    try:
        async for frame in ws:
            if not isinstance(frame, bytes):
                continue
            message = msgpack.unpackb(frame, raw=False)
            if message.get("type") != "move":
                continue
            versions[path] = version = versions.get(path, 0) + 1
            update = {
                "type": "update",
                "version": version,
                "seat": message.get("seat"),
                "action": "move",
                "move": message.get("move"),
                "description": "",
                "view": message.get("view"),
                "status": "active",
                "outcome": None,
            }
            broadcast(clients, msgpack.packb(update, use_bin_type=True))
    finally:
        clients.discard(ws)
        if not clients:
            rooms.pop(path, None)
            versions.pop(path, None)


async def main(host: str, port: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    async with serve(handler, host, port, compression=None, max_size=16384, backlog=4096):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.peers.bare_websockets")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    try:
        asyncio.run(main(args.host, args.port))
    except KeyboardInterrupt:
        pass
