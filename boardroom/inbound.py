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
from the fan-out, past the ASGI send chain (:class:`BoardroomServer` puts the protocol in
the socket's scope as ``game_server.protocol.WIRE``).

Import this module only after daphne installed Twisted's asyncio reactor (``serve``).
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from autobahn.websocket.protocol import PreparedMessage
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings
from twisted.web.http import HTTPChannel

from boardroom import masking
from boardroom.inbound_queue import InboundQueue
from game_server import metrics
from game_server.protocol import WIRE, CloseCode

masking.install()  # small client frames unmasked without a C object each

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


# What Autobahn and daphne keep of the opening handshake and only use during it: the
# request's raw bytes, its headers parsed (twice: daphne's clean_headers are also the
# scope's), the response sent, the request line's parts and the offered extensions.
HANDSHAKE_ONLY = (
    "http_request_data",
    "http_response_data",
    "http_status_line",
    "http_headers",
    "http_request_uri",
    "http_request_host",
    "http_request_path",
    "http_request_params",
    "websocket_origin",
    "websocket_protocols",
    "websocket_extensions",
    "_wskey",
    "clean_headers",
    "application_deferred",
)


# Autobahn's and daphne's per-connection flags and pending calls that an open, idle socket
# has at these values (Autobahn 26): class attributes of the protocol, so that an open
# socket's own ``__dict__`` keeps only what differs (see ``forget_handshake``). A flag
# that changes is set on the instance again, as before.
RESTING_STATE = dict.fromkeys(
    (
        "_perMessageCompress",
        "trackedTimings",
        "wasNotCleanReason",
        "localCloseCode",
        "localCloseReason",
        "remoteCloseCode",
        "remoteCloseReason",
        "serverConnectionDropTimeoutCall",
        "openHandshakeTimeoutCall",
        "closeHandshakeTimeoutCall",
        "autoPingTimeoutCall",
        "autoPingPending",
        "autoPingPendingCall",
        "autoPingPendingSent",
        "protocol_to_accept",
        "websocket_protocol_in_use",
        "current_frame",
    )
) | dict.fromkeys(
    (
        "triggered",
        "wasMaxFramePayloadSizeExceeded",
        "wasMaxMessagePayloadSizeExceeded",
        "closedByMe",
        "failedByMe",
        "droppedByMe",
        "wasClean",
        "wasServerConnectionDropTimeout",
        "wasOpenHandshakeTimeout",
        "wasCloseHandshakeTimeout",
        "wasServingFlashSocketPolicyFile",
        "inside_message",
    ),
    False,
)


class OpenedRequest:
    """What daphne still reads of an open socket's handshake request (``path``, in its
    log lines) and ``peer``, instead of Autobahn's whole ConnectionRequest (headers,
    query parameters, offered protocols and extensions)."""

    __slots__ = ("path", "peer")

    def __init__(self, path, peer):
        self.path = path
        self.peer = peer


class BoundedWebSocketProtocol(WebSocketProtocol):
    flooded = False

    def onOpen(self):
        super().onOpen()
        self.forget_handshake()

    def forget_handshake(self) -> None:
        """Let go of what only the opening handshake needed (:data:`HANDSHAKE_ONLY`:
        about 1.5 KiB per socket with a minimal client's headers, more with a browser's),
        and of the instance copies of :data:`RESTING_STATE`'s values; then refit
        ``__dict__`` (a dict does not shrink when keys go): 28 attributes instead of 70,
        an 832 B dict instead of 1,584 B."""
        cls = type(self)
        state = {
            name: value
            for name, value in self.__dict__.items()
            if name not in HANDSHAKE_ONLY
            and not (name in RESTING_STATE and value is getattr(cls, name))
        }
        request = state.get("request")
        if request is not None:
            state["request"] = OpenedRequest(request.path, request.peer)
        self.__dict__ = state

    def connectionMade(self):
        super().connectionMade()
        # Daphne's HTTP channel handed this connection over (the handshake request), but
        # stays the transport's registered producer: it and its request (headers, body
        # buffer, addresses) would live as long as the socket, about 3 KiB each. For an
        # upgraded request it is inert (it never pauses a transport while a request is
        # in progress, and this one never finishes), so it is let go.
        if isinstance(getattr(self.transport, "producer", None), HTTPChannel):
            self.transport.unregisterProducer()

    # Autobahn's per-frame extras that this server never uses, cut from every frame read
    # (about 4% of the server's time in the throughput benchmark, docs/benchmarks.md):
    def dataReceived(self, data):
        # ...a debug log call whose highlighted arguments are built even when debug
        # logging is off;
        self._dataReceived(data)

    def onMessageEnd(self):
        # ...and firing the "message" observers (there are none) through a Deferred.
        if not self.failedByMe:
            payload = b"".join(self.message_data)
            if self.trackedTimings:
                self.trackedTimings.track("onMessage")
            self._onMessage(payload, self.message_is_binary)
        self.message_data = None

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

    def sendData(self, data, sync=False, chopsize=None):
        if self.corked:
            self.uncork()
            self.corked = []
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
        elif self.corked is not None:
            self.corked.append(prepared(payload).payloadHybi)
        else:
            self.sendData(prepared(payload).payloadHybi)

    # -- one write for the frames of one answer ----------------------------------------------
    corked: list[bytes] | None = None  # frames held back by cork(), in order

    def cork(self) -> bool:
        """Hold the frames :meth:`send_frame` writes from now until :meth:`uncork`, and
        write them then in one go (one system call, one TCP segment: a mover's ``ack``
        and the ``update`` of its move, say). Anything else written meanwhile (a close,
        a ping) first writes what is held, so the order on the wire never changes.
        False when already corked."""
        if self.corked is not None:
            return False
        self.corked = []
        return True

    def uncork(self) -> None:
        held = self.__dict__.pop("corked", None)  # the class's None again: no extra slot
        if held and self.state == self.STATE_OPEN:
            write_now(self.transport, held[0] if len(held) == 1 else b"".join(held))

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


for _name, _value in RESTING_STATE.items():  # class attributes (see RESTING_STATE)
    setattr(BoundedWebSocketProtocol, _name, _value)


class BoardroomServer(Server):
    """Daphne's server with an :class:`InboundQueue` per application instance, and the
    WebSocket's protocol in its scope (``scope["extensions"][WIRE]``) for the fan-out's
    :meth:`BoundedWebSocketProtocol.send_frame`."""

    def create_application(self, protocol, scope):
        # daphne.server.Server.create_application (daphne 4.2), the queue and WIRE aside.
        assert "application_instance" not in self.connections[protocol]
        input_queue = InboundQueue()
        scope.setdefault("asgi", {"version": "3.0"})
        if isinstance(protocol, BoundedWebSocketProtocol):
            scope["extensions"] = {**(scope.get("extensions") or {}), WIRE: protocol}
        application_instance = self.application(
            scope=scope,
            receive=input_queue.get,
            send=partial(self.handle_reply, protocol),
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            application_instance,
            loop=asyncio.get_event_loop(),
        )
        return input_queue


def with_factory_options(protocol: type, factory) -> type:
    """A subclass of ``protocol`` holding ``factory``'s WebSocket options as class
    attributes.

    Autobahn copies its ~30 options (``setProtocolOptions``) from the factory onto every
    connection unless the protocol already has them, which grows each connection's
    ``__dict__`` past 85 attributes (3.3 KiB instead of 1.6). Call it once the options
    are final: later ``setProtocolOptions`` calls would not reach the connections."""
    options = {name: getattr(factory, name) for name in protocol.CONFIG_ATTRS}
    # A function option (``perMessageCompressionAccept``) must not become a method.
    options = {k: staticmethod(v) if callable(v) else v for k, v in options.items()}
    return type(protocol.__name__, (protocol,), {**options, "__module__": protocol.__module__})


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
