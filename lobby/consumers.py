"""The lobby WebSocket (``/ws/lobby/``): binary msgpack frames both ways, like the game
socket, whose frame checks it reuses. ``docs/protocol.md`` ("Lobby") is the specification.

A thin shell over the lobby's modules: each handler validates one message type at the
edge and calls one function off the event loop. Everything it learns from others comes
through channel-layer groups: ``user.<id>`` (matches, tables, rematches of this user, on
whatever process they happen), ``lobby.directory`` and ``lobby.tables``.

While a ticket waits, the socket polls matchmaking every :data:`POLL_SECONDS` (rating
windows widen and bot fallbacks fire with time). The poll is only a trigger: the queue
is in the database, and any process's poll may match any ticket.
"""

from __future__ import annotations

import asyncio
import time

import msgpack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from game_server import limits, services
from game_server.consumers import (
    BUCKET_RATE,
    BUCKET_SIZE,
    CLOSE_POLICY_VIOLATION,
    CLOSE_TOO_BIG,
    CLOSE_UNSUPPORTED_DATA,
    MAX_DROPPED,
    MAX_FRAME_BYTES,
    Malformed,
    TokenBucket,
    field,
)

from . import bots, directory, matchmaking, notify, rematch, tables
from .models import LobbyConnection, Ticket

LOGIN_REQUIRED = "login_required"


def poll_seconds() -> float:
    return getattr(settings, "LOBBY_POLL_SECONDS", 1.0)


def game_request(message: dict) -> matchmaking.Request:
    return matchmaking.parse_request(
        field(message, "kind", str),
        field(message, "players", int, optional=True),
        field(message, "options", dict, optional=True),
        bool(field(message, "rated", bool, optional=True)),
    )


def connect_socket(channel_name: str, user) -> None:
    LobbyConnection.objects.update_or_create(
        channel_name=channel_name, defaults={"user": user, "server": services.SERVER_ID}
    )
    directory.announce_online()


def disconnect_socket(channel_name: str) -> None:
    matchmaking.leave_queue(channel_name=channel_name)
    LobbyConnection.objects.filter(channel_name=channel_name).delete()
    directory.announce_online()


class LobbyConsumer(AsyncWebsocketConsumer):
    user = None
    poller: asyncio.Task | None = None
    joined = False

    # -- connection ------------------------------------------------------------------------
    async def connect(self):
        self.bucket = TokenBucket(BUCKET_SIZE, BUCKET_RATE)
        self.limits = limits.ConnectionLimits()
        self.dropped = 0
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        await self.accept()
        if self.user is not None and not await database_sync_to_async(limits.admit_lobby_socket)(
            self.channel_name, self.user
        ):
            await self.close(limits.CLOSE_TOO_MANY_SOCKETS)
            return
        bots.attach()
        for group in self.groups_to_join():
            await self.channel_layer.group_add(group, self.channel_name)
        if self.user is not None:
            await database_sync_to_async(connect_socket)(self.channel_name, self.user)
        self.joined = True
        online = await database_sync_to_async(directory.online)()
        me = None
        if self.user is not None:
            me = {"id": self.user.pk, "name": await self.display_name()}
        await self.send_message({"type": "welcome", "user": me, "online": online})

    def groups_to_join(self) -> list[str]:
        groups = [notify.DIRECTORY_GROUP, notify.TABLES_GROUP]
        if self.user is not None:
            groups.append(notify.user_group(self.user.pk))
        return groups

    async def disconnect(self, code):
        if not self.joined:
            return
        self.joined = False
        self.stop_polling()
        for group in self.groups_to_join():
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.user is not None:
            await database_sync_to_async(disconnect_socket)(self.channel_name)

    # -- frames in -------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is None:
            await self.close(CLOSE_UNSUPPORTED_DATA)
            return
        if len(bytes_data) > MAX_FRAME_BYTES:
            await self.close(CLOSE_TOO_BIG)
            return
        if not self.bucket.take():
            await self.rate_limited("", None)
            return
        try:
            message = msgpack.unpackb(bytes_data, raw=False)
        except Exception:  # any unreadable bytes (the unpacker raises many types)
            await self.send_error("malformed", "not a msgpack frame", None)
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error("malformed", "a message is a map with a string 'type'", None)
            return
        handler = self.handlers.get(message["type"])
        if handler is None:
            await self.send_error("unknown_type", f"unknown message type {message['type']!r}")
            return
        if message["type"] != "ping" and not self.limits.take("lobby"):
            await self.rate_limited("too many lobby messages", message["type"])
            return
        try:
            if handler not in self.anonymous_handlers and self.user is None:
                raise services.Rejected(LOGIN_REQUIRED, "get a session first (GET /api/me)")
            await handler(self, message)
        except Malformed as exc:
            await self.send_error("malformed", str(exc), message["type"])
        except services.Rejected as exc:
            await self.send_error(exc.code, exc.message, message["type"])

    async def on_queue(self, message):
        request = game_request(message)
        bot_after = message.get("bot_after")
        level = field(message, "bot_level", str, optional=True) or "mcts"
        ticket = await database_sync_to_async(matchmaking.join_queue)(
            self.user, request, self.channel_name, bot_after, level
        )
        await self.send_message(
            {
                "type": "queued",
                "ticket": ticket.pk,
                "kind": request.kind,
                "players": request.num_players,
                "options": request.options,
                "rated": request.rated,
                "bot_after": ticket.bot_after,
            }
        )
        self.stop_polling()
        self.poller = asyncio.create_task(self.poll(ticket.pk))

    async def on_leave_queue(self, message):
        self.stop_polling()
        left = await database_sync_to_async(matchmaking.leave_queue)(self.user)
        await self.send_message({"type": "left_queue", "cancelled": left})

    async def on_create_table(self, message):
        request = game_request(message)
        public = bool(field(message, "public", bool, optional=True))
        await database_sync_to_async(tables.create_table)(self.user, request, public)

    async def on_join_table(self, message):
        await database_sync_to_async(tables.join_table)(self.user, field(message, "code", str))

    async def on_leave_table(self, message):
        await database_sync_to_async(tables.leave_table)(self.user, field(message, "code", str))

    async def on_cancel_table(self, message):
        await database_sync_to_async(tables.cancel_table)(self.user, field(message, "code", str))

    async def on_tables(self, message):
        listed = await database_sync_to_async(tables.open_tables)()
        await self.send_message({"type": "tables", "tables": listed})

    async def on_directory(self, message):
        snapshot = await database_sync_to_async(directory.snapshot)()
        await self.send_message({"type": "directory", **snapshot})

    async def on_play_bot(self, message):
        request = game_request(message)
        level = field(message, "level", str, optional=True) or "mcts"
        seat = field(message, "seat", int, optional=True)
        await database_sync_to_async(bots.start_bot_game)(self.user, request, level, seat)

    async def on_rematch(self, message):
        await database_sync_to_async(rematch.offer)(self.user, field(message, "game", str))

    async def on_ping(self, message):
        await self.send_message({"type": "pong", "ts": time.time()})

    handlers = {
        "queue": on_queue,
        "leave_queue": on_leave_queue,
        "create_table": on_create_table,
        "join_table": on_join_table,
        "leave_table": on_leave_table,
        "cancel_table": on_cancel_table,
        "tables": on_tables,
        "directory": on_directory,
        "play_bot": on_play_bot,
        "rematch": on_rematch,
        "ping": on_ping,
    }
    anonymous_handlers = (on_tables, on_directory, on_ping)

    # -- matchmaking -------------------------------------------------------------------------
    async def poll(self, ticket_id: int):
        """Match the bucket now and again every poll interval while the ticket waits."""
        while True:
            ticket = await database_sync_to_async(matchmaking.poll)(ticket_id)
            if ticket is None or ticket.status != Ticket.Status.WAITING:
                return
            await asyncio.sleep(poll_seconds())

    def stop_polling(self):
        if self.poller is not None:
            self.poller.cancel()
            self.poller = None

    # -- group messages ----------------------------------------------------------------------
    async def lobby_match(self, event):
        await self.forward("match", event)

    async def lobby_table(self, event):
        await self.forward("table", event)

    async def lobby_directory(self, event):
        await self.forward("directory_update", event)

    async def lobby_online(self, event):
        await self.forward("online", event)

    async def lobby_rematch(self, event):
        await self.forward("rematch", event)

    async def forward(self, kind: str, event: dict):
        await self.send_message({**{k: v for k, v in event.items() if k != "type"}, "type": kind})

    # -- frames out --------------------------------------------------------------------------
    async def rate_limited(self, why: str, about: str | None):
        """Drop the message (error ``rate_limited``); close with 4008 when flooding."""
        self.dropped += 1
        if self.dropped > MAX_DROPPED:
            await self.close(CLOSE_POLICY_VIOLATION)
        else:
            await self.send_error("rate_limited", why, about)

    async def send_message(self, message: dict):
        await self.send(bytes_data=services.encode(message))

    async def send_error(self, code: str, message: str, about: str | None = None):
        await self.send_message({"type": "error", "code": code, "message": message, "for": about})

    @database_sync_to_async
    def display_name(self) -> str:
        return services.display_name(self.user)
