"""Inbound floods are stopped by the protocol, not by the consumer.

Daphne hands every received frame to the application through an unbounded queue, and a
consumer handles one frame at a time; its rate limiter (close 4008 after 50 dropped
messages) only runs as fast as the consumer drains that queue. One socket sending at full
speed pushed 1.47 M frames into it in 20 s (RSS 110 -> 494 MB, other games' round trips
40x slower) and was never closed.

:class:`BoundedWebSocketProtocol` caps what one connection can make the server hold:
once :data:`MAX_QUEUED_FRAMES` frames wait unread (at most that many times the 16 KiB
frame limit in bytes, 1 MiB), the socket is flooding. Its waiting frames are dropped, the
application is told the client left (so the consumer runs ``disconnect`` at once and its
presence row goes), and the client gets the documented flood close 4008. Frames arriving
afterwards are ignored; Autobahn drops the TCP connection if the client does not answer
the close within its close-handshake timeout.

The other way round, a client that stops reading while the server writes to it (every
broadcast of its game) would make Twisted buffer for it without bound: past
:data:`MAX_OUTBOUND_BYTES` waiting to be sent, the connection is dropped instead.

Outbound, every frame is written to the socket at once when nothing waits before it
(:func:`write_now`): Twisted's asyncio reactor otherwise registers an epoll writer for
each frame and removes it once written (two system calls and a loop turn per frame, ~12%
of a 1,000-spectator broadcast). A broadcast frame, the same bytes for many sockets, is
framed once (Autobahn's ``PreparedMessage``) and written by :meth:`send_frame` straight
from the fan-out, past the ASGI send chain (:func:`expose_wire` puts the protocol in the
socket's scope as ``game_server.protocol.WIRE``).

Import this module only after daphne installed Twisted's asyncio reactor (``serve``).
"""

from __future__ import annotations

import logging

from autobahn.websocket.protocol import PreparedMessage
from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings

from game_server import metrics
from game_server.protocol import WIRE, CloseCode

MAX_QUEUED_FRAMES = 64
# What the server holds for a client that does not read: past it the connection is
# dropped (the client reconnects and catches up from its version when it reads again).
MAX_OUTBOUND_BYTES = settings.MAX_OUTBOUND_BYTES


def outbound_bytes(transport) -> int:
    """Bytes written to ``transport`` and not yet taken by the kernel (Twisted's buffer)."""
    buffered = len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0)
    return buffered + getattr(transport, "_tempDataLen", 0)


logger = logging.getLogger(__name__)


def write_now(transport, data: bytes) -> None:
    """``transport.write(data)``, but sent at once when nothing is waiting to be sent
    (Twisted would register the socket for writing and send on the next loop turn).
    Whatever the kernel does not take goes to Twisted's buffer as before; a transport
    that is not a plain TCP one (TLS) is written to as usual."""
    sock = getattr(transport, "socket", None)
    if (
        sock is not None
        and transport.connected
        and not transport.disconnecting
        and not transport._writeDisconnected
        and not transport._tempDataLen
        and len(transport.dataBuffer) == transport.offset
    ):
        try:
            sent = sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            sent = 0  # Twisted's own write finds the error and closes as it should
        if sent == len(data):
            return
        data = data[sent:]
    transport.write(data)


_prepared: dict[int, tuple[bytes, PreparedMessage]] = {}


def prepared(payload: bytes) -> PreparedMessage:
    """``payload`` framed once for every socket it is broadcast to (the last few kept:
    one broadcast's frames go to all their sockets one after another)."""
    entry = _prepared.get(id(payload))
    if entry is not None and entry[0] is payload:
        return entry[1]
    message = PreparedMessage(payload, True, False, True)  # binary, server: unmasked
    if len(_prepared) >= 16:
        _prepared.clear()
    _prepared[id(payload)] = (payload, message)  # holds payload: its id stays its own
    return message


class BoundedWebSocketProtocol(WebSocketProtocol):
    flooded = False

    def sendData(self, data, sync=False, chopsize=None):
        if sync or chopsize or self.send_queue or self.state != self.STATE_OPEN:
            super().sendData(data, sync, chopsize)
            return
        write_now(self.transport, data)

    def send_frame(self, payload: bytes) -> None:
        """Write a broadcast frame (binary), framed once for all its sockets."""
        if self.state != self.STATE_OPEN or self.too_slow():
            return
        if self._perMessageCompress is not None:
            self.sendMessage(payload, True)
        else:
            self.sendData(prepared(payload).payloadHybi)

    def too_slow(self) -> bool:
        """A client that stops reading: past MAX_OUTBOUND_BYTES unsent, dropped."""
        transport = self.transport
        if transport is None or outbound_bytes(transport) <= MAX_OUTBOUND_BYTES:
            return False
        if not self.flooded:
            self.flooded = True
            metrics.SLOW_READERS.inc()
            logger.warning("dropping a WebSocket from %s that reads nothing", self.client_addr)
            transport.abortConnection()
        return True

    def onMessage(self, payload, isBinary):
        if self.flooded:
            return
        queue = getattr(self, "application_queue", None)
        if queue is not None and not self.muted and queue.qsize() >= MAX_QUEUED_FRAMES:
            self.stop_flood(queue)
            return
        super().onMessage(payload, isBinary)

    def serverSend(self, content, binary=False):
        if self.too_slow():
            return
        super().serverSend(content, binary)

    def failHandshake(self, reason, code=400, responseHeaders=None):
        # Autobahn answers an Origin it cannot parse (``null``, ``file://``) with 400
        # before the application sees it; every refused Origin is a 403 (docs/protocol.md).
        if "origin" in reason.lower():
            code = 403
        super().failHandshake(reason, code, responseHeaders)

    def stop_flood(self, queue) -> None:
        self.flooded = True
        metrics.FLOODS.inc()
        logger.warning("closing a flooding WebSocket from %s (4008)", self.client_addr)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait({"type": "websocket.disconnect", "code": int(CloseCode.POLICY_VIOLATION)})
        self.muted = True  # daphne then sends the application nothing more (onClose included)
        self.sendClose(code=int(CloseCode.POLICY_VIOLATION), reason="flooding")


def expose_wire(server) -> None:
    """Give each WebSocket's application its protocol, as ``scope["extensions"][WIRE]``,
    for :meth:`BoundedWebSocketProtocol.send_frame`. ``server``: daphne's Server."""
    create = server.create_application

    def create_application(protocol, scope):
        if isinstance(protocol, BoundedWebSocketProtocol):
            scope = {**scope, "extensions": {**(scope.get("extensions") or {}), WIRE: protocol}}
        return create(protocol, scope)

    server.create_application = create_application


def drop_slow_headers(factory, seconds: float) -> None:
    """Close an HTTP connection whose request headers are not complete ``seconds`` after
    it opened (or after its previous request on a kept-alive connection finished).

    Twisted's own timeout is an idle timeout: a client sending one header byte every 10 s
    stays forever (20 of 20 such connections were still open after 330 s), each holding a
    socket and a buffer. A WebSocket handshake is an HTTP request too, so this bounds
    handshakes in progress as well. ``factory`` is daphne's HTTP factory."""
    from twisted.internet import reactor

    build = factory.buildProtocol

    def build_with_deadline(addr):
        protocol = build(addr)
        channel = getattr(protocol, "_channel", protocol)
        timer = None

        def expire():
            logger.info("dropping a connection whose request headers took over %s s", seconds)
            if channel.transport is not None:
                channel.transport.abortConnection()

        def arm():
            nonlocal timer
            disarm()
            timer = reactor.callLater(seconds, expire)

        def disarm():
            if timer is not None and timer.active():
                timer.cancel()

        headers_received, request_done = channel.allHeadersReceived, channel.requestDone
        lost = channel.connectionLost

        def all_headers_received():
            disarm()
            return headers_received()

        def done(request):
            arm()  # a kept-alive connection now waits for its next request's headers
            return request_done(request)

        def connection_lost(reason):
            disarm()
            return lost(reason)

        channel.allHeadersReceived = all_headers_received
        channel.requestDone = done
        channel.connectionLost = connection_lost
        arm()
        return protocol

    factory.buildProtocol = build_with_deadline
