"""Serve Boardroom with daphne: ``python -m boardroom.serve [--host H] [--port N]``.

The one way the project starts a server (``make run``, the real-socket tests). Daphne's
options are chosen here on purpose rather than left at their defaults:

* WebSocket message and frame size: :data:`game_server.consumers.MAX_FRAME_BYTES`, the
  client frame limit of docs/protocol.md; larger frames are closed with 1009 (with a
  close frame: ``failByDrop`` is turned off).
* Pings every 20 s, and a peer that does not answer within 30 s is dropped, so a
  vanished client (closed laptop, lost network) leaves the game's presence quickly.
* No WebSocket lifetime limit (``websocket_timeout=-1``): a live game may last for hours;
  dead peers are found by the pings, and clients reconnect and resync anyway.
* 20 s for the handshake and for the application's ``connect``: the handshake ends only
  when the consumer accepts, after the origin, session, user and token lookups have had
  their turn on the database thread; with 5 s, 1% of 5,000 spectators joining at once
  were refused (docs/benchmarks.md).
* 10 s for an application to finish after its client left (presence clean-up).
* 60 s for an HTTP request.
* SIGTERM is graceful (:func:`game_server.lifecycle.install_graceful_shutdown`): stop
  listening, let every handler finish, close each WebSocket with 4012 (reconnect),
  then stop; SIGINT still stops at once.

It prints the address to open once it listens. It also sets the server id used for
presence rows (``BOARDROOM_SERVER_ID``, default ``hostname:port``) and clears the rows a
previous run with the same id left behind (a killed server cannot clean up after itself).
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import gc
import logging
import os
import signal
import socket
import sys
import threading

WEBSOCKET_TIMEOUT = -1
PING_INTERVAL = 20
PING_TIMEOUT = 30
HANDSHAKE_TIMEOUT = 20
CONNECT_TIMEOUT = 20
APPLICATION_CLOSE_TIMEOUT = 10
HTTP_TIMEOUT = 60
GC_YOUNG_THRESHOLD = 5000  # new containers between two young collections (default 700)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m boardroom.serve", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("-v", "--verbosity", type=int, default=1, choices=(0, 1, 2, 3))
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>`: every thread's stack to stderr
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boardroom.settings")
    # Unique per replica (containers have their own host names) and stable across restarts.
    os.environ.setdefault("BOARDROOM_SERVER_ID", f"{socket.gethostname()}:{args.port}")
    logging.basicConfig(level=logging.INFO if args.verbosity > 1 else logging.WARNING)

    # Twisted's asyncio reactor before anything imports Twisted (daphne keeps this one).
    from boardroom import reactor

    reactor.install()
    import daphne.server  # noqa: F401
    from daphne.endpoints import build_endpoint_description_strings
    from django.conf import settings
    from django.db import DatabaseError

    from boardroom.asgi import application
    from boardroom.inbound import (
        BoardroomServer,
        BoundedWebSocketProtocol,
        drop_slow_headers,
        with_factory_options,
    )
    from game_server.lifecycle import install_graceful_shutdown
    from game_server.presence import clear_connections
    from game_server.protocol import MAX_FRAME_BYTES

    # The collector: what start-up made (Django, the apps, the engine's tables) lives as
    # long as the process, so it is moved out of every later collection; and a young
    # collection runs every 5,000 new containers instead of 700 (a move makes dozens).
    # Throughput part, 1 process, 500 games, alternating runs: 4,010 and 5,917 moves/s
    # against 2,918 and 3,495 without either; about 8 MB more RSS (docs/benchmarks.md).
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    try:
        clear_connections()
    except DatabaseError as exc:
        sys.exit(f"The database is not ready ({exc}): run `python manage.py migrate` first.")
    host = f"[{args.host}]" if ":" in args.host else args.host

    def start_bot_runner():
        # Bot turns run as tasks on this loop; games whose bot was to move when the last
        # server stopped are picked up again (their moves are stored once, by request id).
        from django.db import connections

        from lobby import bots

        def resume_bots():
            try:
                bots.resume_all()
            finally:
                connections.close_all()  # this thread's own connection

        bots.attach()
        threading.Thread(target=resume_bots, name="resume-bots", daemon=True).start()

    def start_sweeper():
        # Every process sweeps for clocks that ran out (game_server.timeouts): the
        # timeout is stored once whichever process gets there first.
        from game_server import timeouts

        timeouts.start_sweeper()

    def ready():
        # Twisted runs on this asyncio loop; call_soon callbacks run once it is running.
        asyncio.get_event_loop().call_soon(start_bot_runner)
        asyncio.get_event_loop().call_soon(start_sweeper)
        # Autobahn drops the TCP connection on a protocol error (an oversized frame) by
        # default; send the close frame (1009) the protocol documents instead.
        server.ws_factory.setProtocolOptions(failByDrop=False)
        # A socket that queues frames faster than its consumer reads them is closed with
        # 4008 by the protocol itself (boardroom.inbound).
        server.ws_factory.protocol = with_factory_options(
            BoundedWebSocketProtocol, server.ws_factory
        )
        # Request headers (a WebSocket handshake's too) must be complete in time.
        drop_slow_headers(server.http_factory, settings.HEADER_TIMEOUT)
        # sys.__stdout__: at verbosity 2+ daphne redirects sys.stdout into its log.
        message = f"Boardroom is serving on http://{host}:{args.port}/ - open it in a browser."
        print(message, file=sys.__stdout__, flush=True)

    server = BoardroomServer(
        application=application,
        endpoints=build_endpoint_description_strings(host=args.host, port=args.port),
        websocket_max_message_size=MAX_FRAME_BYTES,
        websocket_max_frame_size=MAX_FRAME_BYTES,
        ping_interval=PING_INTERVAL,
        ping_timeout=PING_TIMEOUT,
        websocket_timeout=WEBSOCKET_TIMEOUT,
        websocket_handshake_timeout=HANDSHAKE_TIMEOUT,
        websocket_connect_timeout=CONNECT_TIMEOUT,
        application_close_timeout=APPLICATION_CLOSE_TIMEOUT,
        http_timeout=HTTP_TIMEOUT,
        # Behind a proxy, the client's address (per-address budgets, logs) is the one the
        # proxy puts in this header (deploy/nginx.conf: X-Real-IP).
        proxy_forwarded_address_header=settings.PROXY_ADDRESS_HEADER,
        verbosity=args.verbosity,
        ready_callable=ready,
    )
    install_graceful_shutdown(server)  # SIGTERM: finish handlers, close with 4012, stop
    server.run()
    # The reactor has stopped and every application was told to finish. Worker threads
    # may still be inside a sync_to_async call (a library's async_to_sync would wait
    # forever for the stopped event loop; ours never do: game_server.from_threads): do
    # not let the interpreter's exit join them. Stored data is safe: every write is a
    # committed or a rolled-back transaction.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
