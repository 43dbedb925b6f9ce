"""A flooding socket on a real daphne server: closed by the protocol, memory bounded,
everyone else still served, and the flooder's seat comes back cleanly.

One socket sends frames as fast as it can without reading. The server must close it
with 4008 (``boardroom.inbound``) within a bounded number of frames instead of queueing
them all for the consumer; the process's memory grows by less than a generous ceiling;
a bystander game goes on meanwhile; afterwards the flooder's seat reconnects with no
4429, shows as connected, and its opponent cannot claim an abandonment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import psutil
import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from game_server.client import GameClient, Rejected, api, create_game, take_seat
from tests import servers
from tests.servers import ROOT, sqlite_env

pytestmark = pytest.mark.slow

FLOOD_FRAMES = 100_000
FLOOD_SECONDS = 20.0
RSS_CEILING = 100 * 2**20  # bytes of growth allowed; an unbounded queue passes it easily


# Runs in a subprocess: importing daphne installs Twisted's asyncio reactor, which the
# test process must not get.
PROTOCOL_FLOOD = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boardroom.settings")
import django
django.setup()
import daphne.server  # the reactor first, as boardroom.serve does
from boardroom.inbound import BoundedWebSocketProtocol, InboundQueue

closes = []
protocol = BoundedWebSocketProtocol.__new__(BoundedWebSocketProtocol)
protocol.application_queue = InboundQueue()  # nobody reads it: a stalled consumer
protocol.client_addr = ["127.0.0.1", 1]
protocol.sendClose = lambda code=None, reason=None: closes.append(code)
most = 0
for _ in range(100_000):
    protocol.onMessage(b"\\x81\\xa4type\\xa4ping", True)
    most = max(most, protocol.application_queue.qsize())
left = [protocol.application_queue.get_nowait()["type"]
        for _ in range(protocol.application_queue.qsize())]
print(json.dumps({"most": most, "closes": closes, "left": left}))
"""


SLOW_READER = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boardroom.settings")
import django
django.setup()
import daphne.server  # the reactor first, as boardroom.serve does
from boardroom.inbound import MAX_OUTBOUND_BYTES, BoundedWebSocketProtocol

class Transport:  # Twisted's buffer of a client that reads nothing
    dataBuffer, offset, _tempDataLen, aborted = b"", 0, 0, 0
    def abortConnection(self):
        self.aborted += 1

sent = []
protocol = BoundedWebSocketProtocol.__new__(BoundedWebSocketProtocol)
protocol.transport = Transport()
protocol.client_addr = ["127.0.0.1", 1]
protocol.state = protocol.STATE_OPEN
protocol.sendMessage = lambda payload, binary: sent.append(len(payload))
frame = b"x" * 2000
for _ in range(10_000):  # 20 MB of broadcasts
    protocol.serverSend(frame, True)
    protocol.transport._tempDataLen += len(frame)  # nothing reaches the client
print(len(sent) * len(frame) <= MAX_OUTBOUND_BYTES + len(frame), protocol.transport.aborted)

# The broadcast path (send_frame: one prepared frame written for every socket) too.
class Buffering(Transport):
    written = 0
    def write(self, data):
        self.written += len(data)
        self._tempDataLen += len(data)  # nothing reaches the client

broadcast = BoundedWebSocketProtocol.__new__(BoundedWebSocketProtocol)
broadcast.transport = Buffering()
broadcast.client_addr = ["127.0.0.1", 2]
broadcast.state = broadcast.STATE_OPEN
broadcast._perMessageCompress = None
broadcast.send_queue = []
for _ in range(10_000):
    broadcast.send_frame(frame)
written = broadcast.transport.written
print(written <= MAX_OUTBOUND_BYTES + 2 * len(frame), broadcast.transport.aborted)
"""


def test_the_server_holds_a_bounded_amount_for_a_client_that_reads_nothing():
    run = subprocess.run(
        [sys.executable, "-c", SLOW_READER], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == ["True", "1", "True", "1"]  # bounded, and dropped once


def test_the_protocol_bounds_what_an_unread_socket_queues():
    """100,000 frames at a consumer that reads none: at most MAX_QUEUED_FRAMES wait, then
    the queue is emptied, the application told the client left, the client sent 4008."""
    run = subprocess.run(
        [sys.executable, "-c", PROTOCOL_FLOOD],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["most"] == 64  # boardroom.inbound.MAX_QUEUED_FRAMES
    assert result["closes"] == [4008]
    assert result["left"] == ["websocket.disconnect"]


@pytest.fixture
def server(tmp_path):
    env = sqlite_env(tmp_path / "db.sqlite3")
    server = servers.Server(env, Path(tmp_path / "server.log")).start()
    yield server
    server.stop()


async def seated(url: str) -> tuple[str, list[dict]]:
    game = await create_game(url, "connect4")
    seats = [await take_seat(url, game["id"], name=f"p{i}") for i in range(2)]
    return game["id"], seats


async def flood(url: str, game_id: str, token: str) -> tuple[int, int | None]:
    """Send frames without reading them back; returns (frames sent, close code)."""
    ws_url = url.replace("http", "ws") + f"/ws/games/{game_id}/"
    frame = msgpack.packb({"type": "ping"})
    sent = 0
    async with ws_connect(
        ws_url, additional_headers={"Authorization": f"Bearer {token}"}, max_queue=None
    ) as ws:
        deadline = time.monotonic() + FLOOD_SECONDS
        try:
            while sent < FLOOD_FRAMES and time.monotonic() < deadline:
                await ws.send(frame)
                sent += 1
                if sent % 500 == 0:
                    await asyncio.sleep(0)  # let the reader see a close frame
            await asyncio.wait_for(ws.wait_closed(), 10)
        except (ConnectionClosed, TimeoutError):
            pass
        return sent, ws.close_code


async def test_a_flooding_socket_is_closed_and_nobody_else_suffers(server):
    process = psutil.Process(server.process.pid)
    flooded_game, flooder_seats = await seated(server.url)
    bystander_game, bystander_seats = await seated(server.url)
    opponent = GameClient(server.url, flooded_game, flooder_seats[1]["token"])
    await opponent.connect()
    bystanders = [GameClient(server.url, bystander_game, s["token"]) for s in bystander_seats]
    for client in bystanders:
        await client.connect()
    rss_before = process.memory_info().rss

    flooding = asyncio.create_task(flood(server.url, flooded_game, flooder_seats[0]["token"]))
    round_trips = []
    for column in [0, 1, 0, 1, 0, 1]:  # the bystanders play while the flood runs
        mover = next(client for client in bystanders if client.my_turn)
        start = time.monotonic()
        ack = await asyncio.wait_for(mover.move(column), 10)
        round_trips.append(time.monotonic() - start)
        for client in bystanders:
            await asyncio.wait_for(client.wait_for_version(ack["version"]), 10)
    sent, close_code = await flooding
    growth = process.memory_info().rss - rss_before

    # 4008, or 1006 when the server's TCP reset (it stops reading a flooder) overtook
    # the close frame in the client's kernel buffer; either way the server said why:
    assert close_code in (4008, 1006), (sent, close_code, server.log_tail())
    assert "closing a flooding WebSocket" in server.log.read_text()
    assert growth < RSS_CEILING, f"RSS grew by {growth / 2**20:.0f} MiB"
    assert len(round_trips) == 6 and max(round_trips) < 5, round_trips

    # The flooder's seat comes back: no ghost row holds it, no 4429.
    async with GameClient(server.url, flooded_game, flooder_seats[0]["token"]) as back:
        assert back.seat == 0
        detail = await api(server.url, "GET", f"/api/games/{flooded_game}")
        assert [p["connected"] for p in detail["players"]] == [True, True]
        with pytest.raises(Rejected) as refused:
            await opponent.request({"type": "claim_win"})
        assert refused.value.code == "not_abandoned"
    for client in [opponent, *bystanders]:
        await client.close()


def test_a_frame_is_written_at_once_when_nothing_waits_before_it():
    """boardroom.inbound.write_now: straight to the socket when Twisted holds nothing for
    it (no epoll writer per frame); after Twisted's buffer when it does (order kept); and
    what the kernel does not take goes to Twisted's buffer."""
    import socket

    from boardroom.inbound import write_now

    server, client = socket.socketpair()
    server.setblocking(False)

    class Transport:  # the parts of Twisted's tcp.Connection that write_now reads
        connected, disconnecting, _writeDisconnected = True, False, False
        dataBuffer, offset, _tempDataLen = b"", 0, 0

        def __init__(self):
            self.socket, self.buffered = server, []

        def write(self, data):
            self.buffered.append(data)

    transport = Transport()
    write_now(transport, b"first")
    assert client.recv(100) == b"first" and transport.buffered == []
    transport._tempDataLen = 1  # something waits in Twisted's buffer: after it
    write_now(transport, b"second")
    assert transport.buffered == [b"second"]
    transport._tempDataLen, transport.buffered = 0, []
    big = b"x" * 50_000_000  # more than the kernel takes at once
    write_now(transport, big)
    taken = 0
    client.setblocking(False)
    with contextlib.suppress(BlockingIOError):
        while chunk := client.recv(1 << 20):
            taken += len(chunk)
    assert 0 < taken < len(big) and taken + sum(map(len, transport.buffered)) == len(big)
    server.close()
    client.close()
