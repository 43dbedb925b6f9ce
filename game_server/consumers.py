"""The live-game WebSocket (``/ws/games/<id>/``): binary msgpack frames both ways.

A thin shell over :mod:`game_server.services`: it reads and validates frames, settles
who is speaking (a seat or a spectator), calls the services off the event loop and
forwards what they broadcast. ``docs/protocol.md`` is the specification.

Every stored action is broadcast by ``services.submit_action`` once per game as a
``game.update`` group message holding the already-encoded frame of each distinct viewer;
each consumer forwards the bytes for its role as they are.
"""

from __future__ import annotations

import time

import msgpack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

import engine

from . import limits, presence, services, spectators, timeouts
from .limits import TokenBucket
from .models import Game
from .security import query_param, seat_token

MAX_FRAME_BYTES = 16384  # the protocol's client frame limit (daphne is set to it too)
MAX_CHAT = 500
BUCKET_SIZE = 20  # messages
BUCKET_RATE = 10.0  # messages per second
MAX_DROPPED = 50  # rate-limited messages before the connection is closed (4008)

# Daphne (Autobahn) only lets an application close with 1000 or 3000-4999, so the
# consumer's codes are 4000 + the standard code (1003, 1008, 1009). Daphne itself closes
# frames over its limit with 1009 before the consumer sees them.
CLOSE_UNSUPPORTED_DATA = 4003
CLOSE_POLICY_VIOLATION = 4008
CLOSE_TOO_BIG = 4009
CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_GAME = 4404

# timeout, abandon and abort are applied by the server only (game_server.timeouts).
ACTIONS = {
    name: {"action": name} for name in engine.ENGINE_ACTIONS if name not in services.SERVER_ACTIONS
}


class Malformed(Exception):
    """A frame or field the protocol does not allow; answered with ``malformed``."""


def field(message: dict, name: str, kind: type, optional: bool = False):
    """``message[name]`` if it has type ``kind`` (bool is never an int)."""
    value = message.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Malformed(f"{name!r} must be {kind.__name__}")
    return value


class GameConsumer(AsyncWebsocketConsumer):
    game_id: str
    seat: int | None = None
    version: int = -1
    joined = False
    delay = 0.0  # spectator delay (seconds) for this connection
    held = None  # spectators.Held: updates held back for a delayed spectator

    # -- connection ------------------------------------------------------------------------
    async def connect(self):
        self.game_id = self.scope["url_route"]["kwargs"]["game_id"]
        self.bucket = TokenBucket(BUCKET_SIZE, BUCKET_RATE)
        self.limits = limits.ConnectionLimits()
        self.dropped = 0
        await self.accept()
        if not await database_sync_to_async(Game.objects.filter(pk=self.game_id).exists)():
            await self.close(CLOSE_UNKNOWN_GAME)
            return
        token = seat_token(self.scope)
        if token is not None:
            self.seat = await database_sync_to_async(services.seat_for_token)(self.game_id, token)
            if self.seat is None:
                await self.close(CLOSE_FORBIDDEN)
                return
        else:
            user = self.scope.get("user")
            self.seat = await database_sync_to_async(services.seat_for_user)(self.game_id, user)
        admitted = await database_sync_to_async(limits.admit_game_socket)(
            self.game_id, self.channel_name, self.seat, self.scope.get("user")
        )
        if not admitted:
            await self.close(limits.CLOSE_TOO_MANY_SOCKETS)
            return
        self.delay = await database_sync_to_async(spectators.delay_for)(self.game_id, self.seat)
        await database_sync_to_async(timeouts.mark_connected)(self.game_id, self.seat)
        await self.join_group()
        self.joined = True
        version = query_param(self.scope, "version")
        if version is not None and version.isdigit():
            await self.send_catch_up(int(version))
        else:
            await self.send_snapshot()
        if self.delay:
            await spectators.hold_stored(self)
        await self.broadcast_presence()

    async def join_group(self):
        await self.channel_layer.group_add(services.group_name(self.game_id), self.channel_name)
        self.joined_at = time.monotonic()

    async def renew_membership(self):
        """Join the game's group again when half its expiry has passed: a layer drops a
        membership after ``GROUP_EXPIRY`` seconds, while the socket would stay open and
        never hear of its game again."""
        if time.monotonic() - self.joined_at > settings.GROUP_EXPIRY / 2:
            await self.join_group()

    async def disconnect(self, code):
        if not self.joined:
            return
        self.joined = False
        if self.held is not None:
            self.held.cancel()
        await self.channel_layer.group_discard(services.group_name(self.game_id), self.channel_name)
        await database_sync_to_async(services.disconnect)(self.channel_name)
        await self.broadcast_presence()

    # -- frames in -------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is None:
            await self.close(CLOSE_UNSUPPORTED_DATA)
            return
        if len(bytes_data) > MAX_FRAME_BYTES:
            await self.close(CLOSE_TOO_BIG)
            return
        if not self.joined:
            return
        if not self.bucket.take():
            await self.rate_limited("")
            return
        try:
            message = msgpack.unpackb(bytes_data, raw=False)
        except Exception:  # any unreadable bytes (the unpacker raises many types)
            await self.send_error("malformed", "not a msgpack frame")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error("malformed", "a message is a map with a string 'type'")
            return
        await self.renew_membership()  # any frame shows the client is still there
        handler = self.handlers.get(message["type"])
        if handler is None:
            await self.send_error("unknown_type", f"unknown message type {message['type']!r}")
            return
        bucket = limits.GAME_BUCKETS.get(message["type"])
        if not self.limits.take(bucket):
            await self.rate_limited(f"too many {bucket} messages")
            return
        try:
            await handler(self, message)
        except (Malformed, services.Rejected) as exc:
            request_id = message.get("request_id")
            if message["type"] in ("move", "claim_win") or message["type"] in ACTIONS:
                await self.send_reject(request_id if isinstance(request_id, str) else None, exc)
            else:
                await self.send_error("malformed", str(exc))

    async def on_move(self, message):
        await self.act(message, message.get("move"), field(message, "version", int))

    async def on_action(self, message):
        version = field(message, "version", int, optional=True)
        await self.act(message, ACTIONS[message["type"]], version)

    async def act(self, message, data, version):
        request_id = field(message, "request_id", str)
        if not 1 <= len(request_id) <= services.MAX_REQUEST_ID:
            raise Malformed(f"a request id has 1-{services.MAX_REQUEST_ID} characters")
        if message["type"] == "move" and "move" not in message:
            raise Malformed("'move' is missing")
        if self.seat is None:
            raise services.Rejected(services.NOT_A_PLAYER, "spectators cannot act")
        result = await services.in_action_thread(services.submit_action)(
            self.game_id, self.seat, data, version, request_id
        )
        ack = {"type": "ack", "request_id": request_id, "version": result.version}
        await self.send_message({**ack, "duplicate": result.duplicate})

    async def on_resync(self, message):
        await self.send_catch_up(field(message, "version", int))
        if self.delay:
            await spectators.hold_stored(self)

    async def on_chat(self, message):
        text = field(message, "text", str).strip()
        if not 1 <= len(text) <= MAX_CHAT:
            raise Malformed(f"a chat message has 1-{MAX_CHAT} characters")
        user = self.scope.get("user")
        if self.seat is None and (user is None or not user.is_authenticated):
            await self.send_message(
                {"type": "reject", "request_id": None, "code": services.NOT_A_PLAYER}
                | {"message": "anonymous spectators cannot chat", "version": self.version}
            )
            return
        if self.limits.chat_repeated(text):
            await self.send_message(
                {"type": "reject", "request_id": None, "code": limits.REPEATED_CHAT}
                | {"message": "you sent this text too often", "version": self.version}
            )
            return
        name = await database_sync_to_async(self.chat_name)()
        chat = {"type": "chat", "seat": self.seat, "name": name, "text": text, "ts": time.time()}
        await self.group_frame(chat)

    async def on_auth(self, message):
        token = field(message, "token", str)
        seat = await database_sync_to_async(services.seat_for_token)(self.game_id, token)
        if seat is None:
            await self.close(CLOSE_FORBIDDEN)
            return
        await database_sync_to_async(services.connect)(self.game_id, self.channel_name, seat)
        if await database_sync_to_async(limits.over_seat_cap)(self.game_id, seat):
            await database_sync_to_async(services.connect)(
                self.game_id, self.channel_name, self.seat
            )
            await self.close(limits.CLOSE_TOO_MANY_SOCKETS)
            return
        self.seat = seat
        await self.send_snapshot()
        await self.broadcast_presence()

    async def on_ping(self, message):
        await self.send_message({"type": "pong", "ts": time.time()})

    async def on_claim_win(self, message):
        """Claim the win over a seat whose abandonment grace is over (or abort)."""
        request_id = field(message, "request_id", str)
        if not 1 <= len(request_id) <= services.MAX_REQUEST_ID:
            raise Malformed(f"a request id has 1-{services.MAX_REQUEST_ID} characters")
        if self.seat is None:
            raise services.Rejected(services.NOT_A_PLAYER, "spectators cannot claim")
        result = await services.in_action_thread(timeouts.claim_win)(
            self.game_id, self.seat, request_id
        )
        ack = {"type": "ack", "request_id": request_id, "version": result.version}
        await self.send_message({**ack, "duplicate": result.duplicate})

    handlers = {
        "move": on_move,
        **dict.fromkeys(ACTIONS, on_action),
        "resync": on_resync,
        "chat": on_chat,
        "auth": on_auth,
        "ping": on_ping,
        "claim_win": on_claim_win,
    }

    # -- group messages ----------------------------------------------------------------------
    FORWARDED = {"game.update": "game_update", "game.frame": "game_frame"}

    async def dispatch(self, message):
        """Group messages that only forward bytes skip Channels' per-message database
        connection check (a thread hop each): with many spectators it was 41% of the
        server's CPU per delivery (docs/benchmarks.md). Everything else goes through it."""
        name = self.FORWARDED.get(message["type"])
        if name is None:
            return await super().dispatch(message)
        return await getattr(self, name)(message)

    async def game_update(self, event):
        """A stored action: forward this role's pre-encoded frame."""
        if event["version"] <= self.version:
            return  # already in the snapshot or moves this client got
        self.version = event["version"]
        frame = event["seats"][self.seat] if self.seat is not None else None
        if self.delay:  # a spectator of a game with a spectator delay
            self.held = spectators.hold(self, self.held, event["spectator"], self.delay)
            return
        await self.send(bytes_data=frame or event["spectator"])

    async def game_frame(self, event):
        """A frame that is the same for everybody (presence, chat)."""
        await self.send(bytes_data=event["frame"])

    # -- frames out --------------------------------------------------------------------------
    async def rate_limited(self, why: str):
        """Drop the message (error ``rate_limited``); close with 4008 when flooding."""
        self.dropped += 1
        if self.dropped > MAX_DROPPED:
            await self.close(CLOSE_POLICY_VIOLATION)
        else:
            await self.send_message({"type": "error", "code": "rate_limited", "message": why})

    async def send_message(self, message: dict):
        await self.send(bytes_data=services.encode(message))

    async def send_error(self, code: str, message: str):
        await self.send_message({"type": "error", "code": code, "message": message})

    async def send_reject(self, request_id, exc):
        code = exc.code if isinstance(exc, services.Rejected) else services.MALFORMED
        text = exc.message if isinstance(exc, services.Rejected) else str(exc)
        reject = {"type": "reject", "request_id": request_id, "code": code, "message": text}
        await self.send_message({**reject, "version": self.version})

    async def send_snapshot(self):
        message = await database_sync_to_async(services.snapshot)(self.game_id, self.seat)
        self.version = message["version"]
        await self.send_message(message)

    async def send_catch_up(self, from_version: int):
        message = await database_sync_to_async(services.catch_up)(
            self.game_id, self.seat, from_version
        )
        self.version = message["version"]
        await self.send_message(message)

    async def group_frame(self, message: dict):
        await self.channel_layer.group_send(
            services.group_name(self.game_id),
            {"type": "game.frame", "frame": services.encode(message)},
        )

    async def broadcast_presence(self):
        presence.announce(self.game_id, self.channel_layer)

    def chat_name(self) -> str:
        if self.seat is not None:
            return services.players(self.game_id)[self.seat]["name"]
        return services.display_name(self.scope.get("user"))
