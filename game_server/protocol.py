"""The protocol's vocabulary and its edge: codes, close codes, field checks, msgpack frames.

Everything a client can be told by name is defined here once, so that the code, the
tests and ``docs/protocol.md`` speak one vocabulary (``tests/test_protocol_doc.py``
compares :class:`Code` and :class:`CloseCode` with the document's tables):

* :class:`Code`: every error or rejection code the server sends (HTTP bodies, the game
  socket's ``reject``/``error``, the lobby socket's ``error``); the engine's own codes
  (``engine/errors.py``) pass through unchanged.
* :class:`CloseCode`: every WebSocket close code the application uses.
* :class:`Rejected` (a refusal with a code) and :class:`Malformed` (a frame or field the
  protocol does not allow, answered with ``malformed``).
* :func:`field`, :func:`text_field`, :func:`request_id_field`: validation at the edge.
  Every text a client sends passes :func:`clean_text`: NUL and other control characters
  are refused before anything reaches the database.
* :class:`MsgpackWebsocketConsumer`: the one base of both sockets, as Channels'
  ``AsyncJsonWebsocketConsumer`` is for JSON: binary frames only, a size limit, a general
  message bucket with a flood close, decoding, dispatch to ``handlers`` by ``type``.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import unicodedata
from collections import deque
from typing import Any

import msgpack
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from redis.exceptions import RedisError

from . import metrics
from .limits import ANONYMOUS_SOCKETS, TokenBucket

# The game socket's path; game_server.security reads the game of a token client from it.
GAME_SOCKET_PATH = r"^/?ws/games/(?P<game_id>[A-Za-z0-9_-]{1,16})/$"
MAX_FRAME_BYTES = 16384  # the protocol's client frame limit (daphne is set to it too)
# The scope's extension holding a socket's protocol (boardroom.inbound): send_frame, cork.
WIRE = "boardroom.wire"
MAX_REQUEST_ID = 64
BUCKET_SIZE = 20  # messages
BUCKET_RATE = 10.0  # messages per second
MAX_DROPPED = 50  # rate-limited messages before the connection is closed (4008)


class Code(enum.StrEnum):
    """Every code the server itself sends (see ``docs/protocol.md``, *Codes*)."""

    # the move path (game socket ``reject``; HTTP errors)
    NOT_A_PLAYER = "not_a_player"
    STALE_VERSION = "stale_version"
    GAME_OVER = "game_over"
    NOT_STARTED = "not_started"
    NOT_FOUND = "not_found"
    MALFORMED = "malformed"
    UNAVAILABLE = "unavailable"  # the database cannot be reached: nothing was stored, retry
    OUT_OF_TIME = "out_of_time"  # the acting seat's clock ran out first
    SERVER_ONLY = "server_only"  # a client sent an action only the server applies (abort...)
    GRACE_PERIOD = "grace_period"  # claim_win: the away seat may still come back
    NOT_ABANDONED = "not_abandoned"  # claim_win: nobody is away (or a correspondence game)
    REPEATED_CHAT = "repeated_chat"
    # frames the server could not read or dropped (``error``)
    UNKNOWN_TYPE = "unknown_type"
    RATE_LIMITED = "rate_limited"
    # HTTP only
    SEAT_TAKEN = "seat_taken"
    GAME_FULL = "game_full"
    INVALID_TIME_CONTROL = "invalid_time_control"
    CSRF_FAILED = "csrf_failed"
    # the lobby
    LOGIN_REQUIRED = "login_required"
    ALREADY_QUEUED = "already_queued"
    IN_A_GAME = "in_a_game"
    AT_A_TABLE = "at_a_table"
    TABLE_NOT_OPEN = "table_not_open"
    NOT_CREATOR = "not_creator"
    QUEUEING = "queueing"
    NOT_OVER = "not_over"
    TOO_MANY_GAMES = "too_many_games"  # a token client at its cap of concurrent games
    # accounts (HTTP)
    INVALID_TOKEN = "invalid_token"  # an account token unknown, revoked or expired
    TOKEN_FROM_BROWSER = "token_from_browser"  # an account token sent by a browser
    NAME_TAKEN = "name_taken"  # a display name an account already has


class CloseCode(enum.IntEnum):
    """WebSocket close codes of the application. Daphne (Autobahn) only lets an
    application close with 1000 or 3000-4999, so the codes standing for standard ones are
    4000 + the standard code (1003, 1008, 1009). Daphne itself closes frames over its
    limit with 1009 (:data:`DAPHNE_TOO_BIG`) before the application sees them."""

    UNSUPPORTED_DATA = 4003  # a text frame
    POLICY_VIOLATION = 4008  # flooding
    TOO_BIG = 4009  # a frame over MAX_FRAME_BYTES reached the consumer
    RECONNECT = 4012  # shutting down or lost the channel layer: reconnect with ?version=
    TOKEN_FROM_BROWSER = 4400  # an account token with a browser Origin
    INVALID_TOKEN = 4401  # an account token unknown, revoked or expired
    FORBIDDEN = 4403  # a seat token not valid for this game
    UNKNOWN_GAME = 4404
    TOO_MANY_SOCKETS = 4429  # over a concurrent-socket cap


DAPHNE_TOO_BIG = 1009
# What a channel layer raises when its Redis cannot be reached.
LAYER_ERRORS = (RedisError, ConnectionError, OSError)

logger = logging.getLogger(__name__)


class Rejected(Exception):
    """An action or request the server refuses. ``code`` is sent to the client."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Malformed(Exception):
    """A frame or field the protocol does not allow; answered with ``malformed``."""


# -- validation at the edge ------------------------------------------------------------------
def has_control_characters(text: str) -> bool:
    """NUL, other C0/C1 controls (tab and newline aside) and lone surrogates: never in a
    name, a chat line or an identifier (PostgreSQL refuses NUL outright)."""
    if text.isprintable():  # no control, format or surrogate character at all (C code)
        return False
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n" for char in text)


def clean_text(value: Any, name: str, max_length: int, min_length: int = 1) -> str:
    """``value`` stripped, if it is a string of ``min_length``-``max_length`` characters
    without control characters; else :class:`Malformed`."""
    if not isinstance(value, str):
        raise Malformed(f"{name!r} must be str")
    value = value.strip()
    if not min_length <= len(value) <= max_length:
        raise Malformed(f"{name!r} has {min_length}-{max_length} characters")
    if has_control_characters(value):
        raise Malformed(f"{name!r} contains control characters")
    return value


def is_identifier(value: Any, max_length: int = 200) -> bool:
    """A printable string usable as an id (game ids, table codes, tokens)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= max_length
        and value.isprintable()
        and not value.isspace()
    )


def field(message: dict, name: str, kind: type, optional: bool = False):
    """``message[name]`` if it has type ``kind`` (bool is never an int; strings carry no
    control characters)."""
    value = message.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Malformed(f"{name!r} must be {kind.__name__}")
    if kind is str and has_control_characters(value):
        raise Malformed(f"{name!r} contains control characters")
    return value


def request_id_field(message: dict) -> str:
    request_id = field(message, "request_id", str)
    if not 1 <= len(request_id) <= MAX_REQUEST_ID:
        raise Malformed(f"a request id has 1-{MAX_REQUEST_ID} characters")
    return request_id


# -- frames ------------------------------------------------------------------------------------
def encode(message: dict) -> bytes:
    return msgpack.packb(message, use_bin_type=True)


def decode(data: bytes):
    """The message in a client frame, or :class:`Malformed`."""
    try:
        return msgpack.unpackb(data, raw=False)
    except Exception:  # any unreadable bytes (the unpacker raises many types)
        raise Malformed("not a msgpack frame") from None


# Channel names of this process's open sockets; game_server.presence reconciles its rows
# with it.
LIVE_CHANNELS: set[str] = set()
_cleanups: set[asyncio.Task] = set()  # disconnects of crashed consumers, still running


class MsgpackWebsocketConsumer(AsyncWebsocketConsumer):
    """Binary msgpack frames both ways, checked at the edge, dispatched by ``type``.

    Subclasses set ``handlers`` (``{type: async method(self, message)}``) and may override
    :meth:`admitted` (False: the frame is ignored, e.g. before the socket joined),
    :meth:`limit` (a per-type bucket), :meth:`refuse` (how a refused message is
    answered) and :meth:`send_error`."""

    handlers: dict = {}
    bucket: TokenBucket | None = None  # the general message bucket
    dropped = 0
    present = False  # True while the socket has presence to undo (see ``disconnect``)

    async def __call__(self, scope, receive, send):
        """Run the consumer; however it ends (a clean close, a crash, a cancel by daphne's
        close timeout), its socket leaves :data:`LIVE_CHANNELS` and a socket that still
        had presence runs ``disconnect`` in a task of its own, which a cancel of this one
        does not stop (``game_server.presence`` reaps what even that misses).

        A channel layer that cannot be reached (Redis down) ends the socket with the
        documented reconnect close 4012 instead of an HTTP 500 or a 1011, counted in
        ``boardroom_refused_connections{reason="channel_layer"}``."""
        self.sent_close = False

        async def tracking_send(message):
            if message.get("type") == "websocket.close":
                self.sent_close = True
            await send(message)

        try:
            await self.run(scope, receive, tracking_send)
        except LAYER_ERRORS as exc:
            metrics.REFUSED.labels(reason="channel_layer").inc()
            logger.warning("channel layer unreachable: %r; closing with 4012", exc)
            if not self.sent_close:
                if not getattr(self, "accepted", False):
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": int(CloseCode.RECONNECT)})
        finally:
            LIVE_CHANNELS.discard(getattr(self, "channel_name", None))
            if getattr(self, "counted_address", None) is not None:
                ANONYMOUS_SOCKETS.release(self.counted_address[0])
            if self.present:
                task = asyncio.get_running_loop().create_task(self.disconnect(1006))
                _cleanups.add(task)
                task.add_done_callback(_cleanups.discard)

    async def run(self, scope, receive, send):
        """Channels' ``AsyncConsumer.__call__``. A consumer without a channel of its own
        (``channel_layer_alias = None``: the game socket) reads its socket directly:
        Channels' ``await_many_dispatch`` would wait for each message in a new task,
        through ``asyncio.wait`` (about 3 KiB per idle socket)."""
        if self.channel_layer_alias is not None:
            return await super().__call__(scope, receive, send)
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def accept(self, subprotocol=None, headers=None):
        self.accepted = True
        await super().accept(subprotocol, headers)

    busy = False  # handling a frame of its own: broadcasts wait in ``pending``
    pending: deque | None = None

    async def dispatch(self, message):
        """Handle one message; broadcasts handed over meanwhile (``game_event``) are sent
        after it, in order, and all its frames in one write (an ``ack`` and its move's
        ``update``). Not Channels' dispatch: its hop to the database thread before each
        message (18% of the throughput benchmark's samples) closes old connections."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        self.busy = True
        wire = self.wire()
        corked = wire is not None and wire.cork()
        try:
            await handler(message)
        finally:
            while self.pending:
                await self.handle_game_event(self.pending.popleft())
            self.busy = False
            if corked:
                wire.uncork()

    async def game_event(self, event: dict) -> None:
        """A broadcast of the socket's game (``game_server.fanout``)."""
        if not self.busy:
            await self.handle_game_event(event)
        elif self.pending is None:
            self.pending = deque((event,))
        else:
            self.pending.append(event)

    async def handle_game_event(self, event: dict) -> None:
        raise NotImplementedError

    def game_event_now(self, event: dict) -> bool:
        """``game_event`` without a coroutine, where it needs none: True when handled,
        False to await ``game_event`` (the fan-out writes to every local socket)."""
        return False

    def wire(self):
        """The protocol to write frames to (:data:`WIRE`); None outside boardroom.serve."""
        return None if self.sent_close else (self.scope.get("extensions") or {}).get(WIRE)

    async def send_bytes(self, data: bytes) -> None:
        """Write one binary frame (every frame sent takes this path): straight to the
        socket (:meth:`wire`; a broadcast framed once for all its sockets), not through
        the ASGI send's layers; else (tests' communicators) through the ASGI send."""
        wire = self.wire()
        if wire is None:
            await self.base_send({"type": "websocket.send", "bytes": data})
        else:
            wire.send_frame(data)

    def is_anonymous(self) -> bool:
        """Counted against ``MAX_ANONYMOUS_SOCKETS_PER_ADDRESS`` (no user)."""
        user = self.scope.get("user")
        return user is None or not user.is_authenticated

    async def websocket_connect(self, message):
        LIVE_CHANNELS.add(self.channel_name)
        if self.is_anonymous():
            address = (self.scope.get("client") or [None])[0]
            if not ANONYMOUS_SOCKETS.acquire(address):
                await self.accept()
                await self.close(CloseCode.TOO_MANY_SOCKETS)
                return
            self.counted_address = (address,)
        await super().websocket_connect(message)

    def admitted(self) -> bool:
        return True

    async def limit(self, message: dict) -> str | None:
        """None to go on, or why the message is dropped (``rate_limited``); may raise
        :class:`Rejected` to refuse it."""
        return None

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is None:
            await self.close(CloseCode.UNSUPPORTED_DATA)
            return
        if len(bytes_data) > MAX_FRAME_BYTES:
            await self.close(CloseCode.TOO_BIG)
            return
        if not self.admitted():
            return
        if self.bucket is None:  # made at the first frame: full, as if made at connect
            self.bucket = TokenBucket(BUCKET_SIZE, BUCKET_RATE)
        if not self.bucket.take():
            await self.rate_limited("", None)
            return
        try:
            message = decode(bytes_data)
        except Malformed as exc:
            await self.send_error(Code.MALFORMED, str(exc))
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error(Code.MALFORMED, "a message is a map with a string 'type'")
            return
        handler = self.handlers.get(message["type"])
        if handler is None:
            await self.send_error(Code.UNKNOWN_TYPE, f"unknown message type {message['type']!r}")
            return
        try:
            why = await self.limit(message)
            if why is not None:
                await self.rate_limited(why, message["type"])
                return
            await handler(self, message)
        except (Malformed, Rejected) as exc:
            await self.refuse(message, exc)

    async def refuse(self, message: dict, exc: Malformed | Rejected) -> None:
        """Answer a message a handler refused: an ``error`` with its code."""
        rejected = isinstance(exc, Rejected)
        code, text = (exc.code, exc.message) if rejected else (Code.MALFORMED, str(exc))
        await self.send_error(code, text, message["type"])

    async def rate_limited(self, why: str, about: str | None):
        """Drop the message (error ``rate_limited``); close with 4008 when flooding."""
        self.dropped += 1
        if self.dropped > MAX_DROPPED:
            await self.close(CloseCode.POLICY_VIOLATION)
        else:
            await self.send_error(Code.RATE_LIMITED, why, about)

    async def close(self, code=None, reason=None):
        # Autobahn accepts only a plain int as a close code (an IntEnum becomes 1011).
        await super().close(None if code is None else int(code), reason)

    async def send_message(self, message: dict):
        await self.send_bytes(encode(message))

    async def send_error(self, code: str, message: str, about: str | None = None):
        await self.send_message({"type": "error", "code": code, "message": message})
