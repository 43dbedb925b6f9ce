"""The lobby WebSocket (``/ws/lobby/``): binary msgpack frames both ways, like the game
socket, on the same base (``protocol.MsgpackWebsocketConsumer``). ``docs/protocol.md``
("Lobby") is the specification.

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

from channels.db import database_sync_to_async
from django.conf import settings

from game_server import limits, presence, seating
from game_server.protocol import (
    LAYER_ERRORS,
    CloseCode,
    Code,
    MsgpackWebsocketConsumer,
    Rejected,
    field,
)
from game_server.seating import display_name

from . import bots, directory, matchmaking, notify, rematch, tables
from .models import Ticket


def poll_seconds() -> float:
    return getattr(settings, "LOBBY_POLL_SECONDS", 1.0)


def game_request(message: dict) -> matchmaking.Request:
    return matchmaking.parse_request(
        field(message, "kind", str),
        field(message, "players", int, optional=True),
        field(message, "options", dict, optional=True),
        bool(field(message, "rated", bool, optional=True)),
    )


def connect_socket(channel_name: str, user) -> bool:
    """Store the socket's presence row (False: over the user's socket cap)."""
    if not presence.admit_lobby_socket(channel_name, user):
        return False
    directory.announce_online()
    return True


def disconnect_socket(channel_name: str) -> None:
    matchmaking.leave_queue(channel_name=channel_name)
    presence.disconnect(channel_name)
    directory.announce_online()


class LobbyConsumer(MsgpackWebsocketConsumer):
    user = None
    poller: asyncio.Task | None = None

    # -- connection ------------------------------------------------------------------------
    async def connect(self):
        self.limits = limits.ConnectionLimits()
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        await self.accept()
        if self.user is not None and not await database_sync_to_async(connect_socket)(
            self.channel_name, self.user
        ):
            await self.close(CloseCode.TOO_MANY_SOCKETS)
            return
        self.present = True  # from here on, however this socket ends, its row goes
        bots.attach()
        for group in self.groups_to_join():
            await self.channel_layer.group_add(group, self.channel_name)
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
        if not self.present:
            return
        self.present = False
        self.stop_polling()
        try:
            for group in self.groups_to_join():
                await self.channel_layer.group_discard(group, self.channel_name)
        except LAYER_ERRORS:  # Redis down: the memberships expire by themselves
            pass
        if self.user is not None:
            await database_sync_to_async(disconnect_socket)(self.channel_name)

    # -- frames in -------------------------------------------------------------------------
    async def limit(self, message: dict) -> str | None:
        if message["type"] != "ping" and not self.limits.take("lobby"):
            return "too many lobby messages"
        account = self.scope.get("bearer_user")  # a bot: per-account limits too
        if account is not None and message["type"] != "ping":
            if not limits.take_for_account(account.pk, "lobby"):
                return "too many lobby messages for this account"
        if self.handlers[message["type"]] not in self.anonymous_handlers and self.user is None:
            raise Rejected(Code.LOGIN_REQUIRED, "get a session first (GET /api/me)")
        if account is not None and message["type"] in self.starting_games:
            await database_sync_to_async(seating.check_games_cap)(account)
        return None

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
    # Messages that may seat the user in a new game (capped for token clients).
    starting_games = ("queue", "create_table", "join_table", "play_bot", "rematch")

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
    async def send_error(self, code: str, message: str, about: str | None = None):
        await self.send_message({"type": "error", "code": code, "message": message, "for": about})

    @database_sync_to_async
    def display_name(self) -> str:
        return display_name(self.user)
