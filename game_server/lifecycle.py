"""The WebSockets of this process: counted, and closed cleanly when clients must move.

:class:`TrackConnections` wraps the WebSocket application (``boardroom.asgi``). It
keeps the ``boardroom_open_connections`` gauge and lets the process ask every open
socket to reconnect (:func:`close_all`) without cutting a handler short: a connection
asked to close gets a ``websocket.disconnect`` the next time its consumer reads, that
is once the frame it is handling (a move being stored, say) is finished and answered;
the consumer runs its ``disconnect`` (presence, groups), then the socket is closed with
:data:`CLOSE_RECONNECT`. Frames that arrive meanwhile are not handled: the client sends
its unanswered actions again after reconnecting (same request ids: never applied twice).

Two things ask for it:

* graceful shutdown (SIGTERM, see :func:`install_graceful_shutdown`, called by
  ``boardroom.serve``): stop listening, close every socket with 4012 once its handler
  is done, then stop. Clients reconnect to another replica and resync.
* the channel layer's Redis restarting or coming back after an outage
  (:func:`watch_channel_layer`): subscriptions and group memberships may be gone and
  broadcasts sent meanwhile are lost, so every client reconnects (which joins the
  groups again) and catches up from its version; not before the process's fan-out
  hears on Redis again (``fanout.Fanout.hear_again``), so that no broadcast is lost
  between a client's new snapshot and the subscription's return.

Daphne (Autobahn) only lets an application close with 1000 or 3000-4999, hence 4012
for 1012 "service restart", like the other 4000 + standard codes of docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from channels.db import database_sync_to_async
from django.conf import settings

from . import metrics, presence, spectator_rows
from .fanout import fanout
from .protocol import CloseCode

CLOSE_RECONNECT = int(CloseCode.RECONNECT)  # Autobahn takes plain ints only
DRAIN_TIMEOUT = 10.0  # seconds for in-flight handlers to finish on shutdown
WATCH_INTERVAL = 1.0  # seconds between two looks at the channel layer's Redis

logger = logging.getLogger(__name__)

# Set on SIGTERM: every socket of this process is closing; its presence rows go in one
# statement at the end (presence.forget_this_server) instead of one by one.
shutting_down = False


class Tracked:
    """One WebSocket connection going through :class:`TrackConnections`: its ``receive``
    and ``send`` are what the application gets (methods, slots: a socket holds
    thousands of these, so no closures and no ``__dict__``)."""

    __slots__ = (
        "socket",
        "close_code",
        "accepted",
        "closed",
        "busy",
        "finished",
        "done",
        "queue",
        "reading",
        "server_receive",
        "server_send",
    )

    def __init__(self, scope, receive, send):
        self.socket = "lobby" if "/ws/lobby/" in scope.get("path", "") else "game"
        self.close_code: int | None = None
        self.accepted = False
        self.closed = False  # the consumer or the client closed it
        self.busy = False  # the consumer is handling a frame it received
        self.finished = False  # the application returned
        self.done: asyncio.Event | None = None  # made by the first to wait (wait_done)
        # The server's queue of this socket's events (daphne and Channels' test
        # communicator both hand over ``queue.get``: an asyncio.Queue, or the lighter
        # boardroom.inbound.InboundQueue): asking to close puts a disconnect in it, so a
        # socket waiting for its next frame costs no extra task. Otherwise the wait runs
        # in a task (``reading``) that asking to close cancels.
        queue = getattr(receive, "__self__", None)
        self.queue = queue if callable(getattr(queue, "put_nowait", None)) else None
        self.reading: asyncio.Future | None = None
        self.server_receive = receive
        self.server_send = send

    def ask_to_close(self, code: int) -> None:
        if self.close_code is None:
            self.close_code = code
            if self.queue is not None:
                self.queue.put_nowait({"type": "websocket.disconnect", "code": code})
            elif self.reading is not None:
                self.reading.cancel()

    async def wait_done(self) -> None:
        if self.done is None:
            self.done = asyncio.Event()
            if self.finished:
                self.done.set()
        await self.done.wait()

    def finish(self) -> None:
        self.finished = True
        if self.done is not None:
            self.done.set()

    async def receive(self):
        self.busy = False
        if self.close_code is not None and not self.closed:
            # Tell the client at once, before the consumer's own clean-up runs: with
            # hundreds of sockets that clean-up queues for the database, and a client
            # waiting for its close frame meanwhile would miss the drain and see 1006.
            self.closed = True
            with contextlib.suppress(Exception):
                await self.server_send({"type": "websocket.close", "code": self.close_code})
        if self.close_code is None:
            if self.queue is not None:  # (a coroutine less in every idle socket's chain)
                message = await self.server_receive()
            else:
                message = await self.next_event()
            # A frame that arrives once the socket was asked to close is not handled: the
            # client sends it again after reconnecting (same request id).
            if message is not None and self.close_code is None:
                if message["type"] == "websocket.receive":
                    self.busy = True
                elif message["type"] == "websocket.disconnect":
                    self.closed = True
                return message
        return {"type": "websocket.disconnect", "code": self.close_code}

    async def next_event(self):
        self.reading = asyncio.ensure_future(self.server_receive())
        try:
            return await self.reading
        except asyncio.CancelledError:
            if self.close_code is None or asyncio.current_task().cancelling():
                raise
            return None  # asked to close while waiting
        finally:
            self.reading = None

    async def send(self, message):
        if message["type"] == "websocket.accept" and not self.accepted:
            self.accepted = True
            metrics.OPEN_CONNECTIONS.labels(self.socket).inc()
        elif message["type"] == "websocket.close":
            self.closed = True
        await self.server_send(message)


connections: set[Tracked] = set()


class TrackConnections:
    """ASGI middleware for the ``websocket`` scope (see the module docstring)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.application(scope, receive, send)
        start_watchdog()
        conn = Tracked(scope, receive, send)
        connections.add(conn)
        try:
            application = self.application(scope, conn.receive, conn.send)
            del scope  # the application keeps what it needs of it, not this frame
            return await application
        finally:
            connections.discard(conn)
            if conn.accepted:
                metrics.OPEN_CONNECTIONS.labels(conn.socket).dec()
            if conn.close_code is not None and not conn.closed:
                with contextlib.suppress(Exception):
                    await send({"type": "websocket.close", "code": conn.close_code})
            conn.finish()


async def close_all(code: int = CLOSE_RECONNECT, wait: float = DRAIN_TIMEOUT) -> int:
    """Ask every open WebSocket of this process to close with ``code`` once its current
    handler is done; wait (at most ``wait`` s) until they are. Returns how many."""
    closing = list(connections)
    for conn in closing:
        conn.ask_to_close(code)
    if closing:
        await asyncio.wait([asyncio.ensure_future(c.wait_done()) for c in closing], timeout=wait)
    return len(closing)


# -- the channel layer's Redis ------------------------------------------------------------------
_watchdog: asyncio.Task | None = None


def start_watchdog() -> None:
    global _watchdog
    if not getattr(settings, "REDIS_URL", "") or not getattr(settings, "WATCH_CHANNEL_LAYER", 1):
        return
    loop = asyncio.get_running_loop()
    if _watchdog is None or _watchdog.done() or _watchdog.get_loop() is not loop:
        _watchdog = loop.create_task(watch_channel_layer(settings.REDIS_URL))


async def watch_channel_layer(url: str, interval: float = WATCH_INTERVAL) -> None:
    """Every ``interval`` s read Redis's ``run_id``; after an outage or a restart (a new
    run id) ask every socket of this process to reconnect."""
    import redis.asyncio as redis

    client = redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    run_id, failed = None, False
    while True:
        try:
            info = await client.info("server")
        except Exception as exc:  # connection refused, timeouts, a loading Redis
            if not failed:
                logger.warning("the channel layer's Redis is unreachable: %s", exc)
            failed = True
        else:
            restarted = run_id is not None and info.get("run_id") != run_id
            if failed or restarted:
                logger.warning("the channel layer's Redis is back: every client reconnects")
                await fanout().hear_again()  # not before this process hears broadcasts
                await close_all(CLOSE_RECONNECT)
            run_id, failed = info.get("run_id"), False
        await asyncio.sleep(interval)


# -- graceful shutdown ----------------------------------------------------------------------------
def install_graceful_shutdown(server, drain_timeout: float = DRAIN_TIMEOUT) -> None:
    """Make SIGTERM graceful for a daphne ``server`` (call before ``server.run()``).

    Daphne's own SIGTERM stops the reactor at once: handlers are cancelled mid-move and
    sockets drop without a close frame (1006). Instead: stop listening, let every
    handler finish, close each socket with 4012 (clients reconnect elsewhere), wait a
    moment for the close handshakes, then stop the reactor.
    """
    from twisted.internet import reactor, tcp

    def stop_listening():
        for reader in reactor.getReaders():
            if isinstance(reader, tcp.Port):
                reader.stopListening()

    async def shut_down():
        global shutting_down
        shutting_down = True  # consumers leave their presence rows to the bulk removal
        spectator_rows.draining = True
        stop_listening()
        closed = await close_all(CLOSE_RECONNECT, drain_timeout)
        logger.warning("SIGTERM: closed %d WebSockets with %d", closed, CLOSE_RECONNECT)
        try:
            removed = await database_sync_to_async(presence.forget_this_server)()
            logger.warning("SIGTERM: removed %d presence rows", removed)
        except Exception as exc:  # the others reap them when this server's lease expires
            logger.warning("SIGTERM: presence rows left to the lease: %s", exc)
        await asyncio.sleep(0.5)  # close handshakes and in-flight HTTP responses
        server.stop()

    def on_sigterm():
        if getattr(server, "_shutting_down", False):
            return
        server._shutting_down = True
        asyncio.ensure_future(shut_down())

    def kill_all_applications():
        """Daphne's own, minus its KeyError: a connection still in its handshake has no
        application instance yet (a traceback on every busy shutdown)."""
        from twisted.internet import defer

        wait_for = []
        for details in list(server.connections.values()):
            instance = details.get("application_instance")
            if instance is not None and not instance.done():
                instance.cancel()
                wait_for.append(instance)
        logger.info("Killed %i pending application instances", len(wait_for))
        deferred = defer.Deferred.fromFuture(asyncio.gather(*wait_for, return_exceptions=True))
        deferred.addErrback(lambda failure: None)
        return deferred

    server.kill_all_applications = kill_all_applications

    def install():
        # After Twisted installed its own handlers (reactor startup), replace SIGTERM's.
        asyncio.get_event_loop().add_signal_handler(signal.SIGTERM, on_sigterm)

    reactor.callWhenRunning(install)
