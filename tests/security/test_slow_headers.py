"""The HTTP edge of a real daphne (boardroom.inbound): a connection must complete its
request headers within ``HEADER_TIMEOUT`` (drop_slow_headers), however it trickles them
in, and a kept-alive connection waiting for its next request is dropped the same way; a
normal request and a WebSocket are not affected. Every refused Origin is a 403, also the
ones Autobahn cannot parse."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from game_server.client import GameClient, api, create_game, take_seat
from tests import servers
from tests.servers import sqlite_env

pytestmark = pytest.mark.slow

TIMEOUT = 2.0


@pytest.fixture
def server(tmp_path):
    env = {**sqlite_env(tmp_path / "db.sqlite3"), "HEADER_TIMEOUT": str(TIMEOUT)}
    server = servers.Server(env, Path(tmp_path / "server.log")).start()
    yield server
    server.stop()


def trickle(port: int, data: bytes, every: float, limit: float) -> float | None:
    """Send ``data`` a byte every ``every`` s; the seconds until the server closed the
    connection, or None if it was still open after ``limit`` s."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as sock:
        sock.settimeout(every)
        for byte in data:
            if time.monotonic() - start > limit:
                return None
            try:
                sock.sendall(bytes([byte]))
                if sock.recv(1024) == b"":
                    return time.monotonic() - start
            except TimeoutError:
                continue
            except OSError:
                return time.monotonic() - start
    return None


def test_a_client_trickling_headers_is_dropped(server):
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    closed_after = trickle(server.port, request, every=0.25, limit=15)
    assert closed_after is not None and closed_after < TIMEOUT + 3


async def test_normal_requests_and_sockets_are_not_affected(server):
    game = await create_game(server.url, "tictactoe")
    seat = await take_seat(server.url, game["id"], name="p0")
    async with GameClient(server.url, game["id"], seat["token"]) as client:
        await asyncio.sleep(TIMEOUT + 1)  # an open WebSocket is no slow request
        await client.resync()
        assert client.version == 0
    assert (await api(server.url, "GET", "/healthz"))["status"] == "ok"


@pytest.mark.parametrize(
    "origin", ["null", "file://", "http://localhost:9999", "chrome-extension://x"]
)
async def test_every_refused_origin_is_a_403(server, origin):
    game = await create_game(server.url, "tictactoe")
    url = server.url.replace("http", "ws") + f"/ws/games/{game['id']}/"
    with pytest.raises(InvalidStatus) as refused:
        await connect(url, additional_headers={"Origin": origin})
    assert refused.value.response.status_code == 403
