"""One write for the frames of one answer (``boardroom.inbound``'s cork).

While a game socket handles one of its own frames (``protocol.MsgpackWebsocketConsumer
.dispatch``) its protocol holds the frames it is sent, and writes them in one go at the
end: a mover's ``ack`` and the ``update`` of its move leave in one system call. Held
frames keep their order with anything else written meanwhile (a close first writes what
is held), and a socket that closed meanwhile gets nothing more.
"""

from __future__ import annotations

import json
import subprocess
import sys

import msgpack

from game_server.protocol import WIRE, MsgpackWebsocketConsumer
from tests.servers import ROOT

# In a subprocess: importing daphne installs Twisted's asyncio reactor.
CORK = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boardroom.settings")
import django
django.setup()
import daphne.server  # the reactor first, as boardroom.serve does
from boardroom.inbound import BoundedWebSocketProtocol, prepared

class Transport:  # no socket: write_now hands everything to write()
    dataBuffer, offset, _tempDataLen = b"", 0, 0
    def __init__(self):
        self.writes = []
    def write(self, data):
        self.writes.append(data)

protocol = BoundedWebSocketProtocol.__new__(BoundedWebSocketProtocol)
protocol.transport = Transport()
protocol.client_addr = ["127.0.0.1", 1]
protocol.state = protocol.STATE_OPEN
protocol._perMessageCompress = None
protocol.send_queue = []
frame = lambda payload: prepared(payload).payloadHybi
writes = protocol.transport.writes
result = {}

result["first_cork"] = protocol.cork()
result["second_cork"] = protocol.cork()  # already corked: the outer one writes
protocol.send_frame(b"ack")
protocol.send_frame(b"update")
result["held"] = len(writes)
protocol.uncork()
result["one_write"] = writes == [frame(b"ack") + frame(b"update")]
result["uncorked"] = "corked" not in protocol.__dict__ and protocol.corked is None

writes.clear()
protocol.cork()
protocol.send_frame(b"error")
protocol.sendData(b"CLOSE")  # a close frame, say: what is held goes first
protocol.send_frame(b"late")
protocol.uncork()
result["order"] = writes == [frame(b"error"), b"CLOSE", frame(b"late")]

writes.clear()
protocol.cork()
protocol.send_frame(b"gone")
protocol.state = protocol.STATE_CLOSED  # the socket went away meanwhile
protocol.uncork()
result["closed"] = writes == []

writes.clear()
protocol.state = protocol.STATE_OPEN
protocol.send_frame(b"idle")  # not corked: written at once
result["idle"] = writes == [frame(b"idle")]
print(json.dumps(result))
"""


def test_frames_sent_while_corked_leave_in_one_write_in_order():
    run = subprocess.run(
        [sys.executable, "-c", CORK], cwd=ROOT, capture_output=True, text=True, check=True
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {
        "first_cork": True,
        "second_cork": False,
        "held": 0,
        "one_write": True,
        "uncorked": True,
        "order": True,
        "closed": True,
        "idle": True,
    }


class FakeWire:
    """The protocol's side as a consumer sees it (``protocol.WIRE``)."""

    def __init__(self):
        self.corked, self.log = False, []

    def cork(self):
        if self.corked:
            return False
        self.corked = True
        self.log.append("cork")
        return True

    def uncork(self):
        self.corked = False
        self.log.append("uncork")

    def send_frame(self, payload):
        self.log.append(msgpack.unpackb(payload)["type"])


async def test_a_socket_answers_one_frame_and_its_broadcasts_between_one_cork():
    """``dispatch`` corks around a frame's handling and the broadcasts that waited for it,
    so the ``ack`` and the pending ``update`` leave together; a broadcast to an idle
    socket is written at once, uncorked."""

    class Consumer(MsgpackWebsocketConsumer):
        async def on_move(self, message):
            await self.game_event({"type": "update"})  # arrives while busy: waits
            await self.send_message({"type": "ack"})

        handlers = {"move": on_move}

        async def handle_game_event(self, event):
            await self.send_message(event)

    wire = FakeWire()
    consumer = Consumer()
    consumer.scope, consumer.sent_close = {"extensions": {WIRE: wire}}, False
    move = msgpack.packb({"type": "move"})
    await consumer.dispatch({"type": "websocket.receive", "bytes": move})
    assert wire.log == ["cork", "ack", "update", "uncork"]
    wire.log.clear()
    await consumer.game_event({"type": "update"})
    assert wire.log == ["update"]
