"""The live-game WebSocket (``/ws/games/<id>/``): binary msgpack frames both ways.

A thin shell over the live-game modules: :class:`~game_server.protocol.MsgpackWebsocketConsumer`
reads and checks frames; the handlers here validate their fields, settle who is
speaking (a seat or a spectator) and call one function off the event loop (seating,
actions, frames, presence, timeouts). ``docs/protocol.md`` is the specification.

Every stored action is broadcast by ``actions.submit_action`` once per game as a
``game.update`` group message holding the already-encoded frame of each distinct viewer;
each consumer forwards the bytes for its role as they are.
"""

from __future__ import annotations

import secrets
import time

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

import engine

from . import (
    actions,
    frames,
    lifecycle,
    limits,
    presence,
    seating,
    spectator_rows,
    spectators,
    timeouts,
)
from .fanout import fanout
from .protocol import (
    CloseCode,
    Code,
    Malformed,
    MsgpackWebsocketConsumer,
    Rejected,
    clean_text,
    encode,
    field,
    request_id_field,
)
from .security import query_param, seat_token

MAX_CHAT = 500

# timeout, abandon and abort are applied by the server only (game_server.timeouts).
ACTIONS = {
    name: {"action": name} for name in engine.ENGINE_ACTIONS if name not in actions.SERVER_ACTIONS
}
# Messages answered with ``ack`` or ``reject`` (the others with ``error`` when refused).
ACTING = {"move", "claim_win", *ACTIONS}


# Broadcast types and their handlers (any other carries a frame the same for everybody).
GAME_EVENTS = {"game.update": "game_update", "game.chat": "game_chat", "game.stale": "game_stale"}


class GameConsumer(MsgpackWebsocketConsumer):
    """One game socket. It has no channel-layer channel of its own: everything it hears
    of its game comes through this process's fan-out (game_server.fanout), so Channels'
    per-consumer channel, queue and waiting receive task would cost memory and a task
    switch for nothing. ``channel_name`` is then just this socket's unique name (its
    presence row's key)."""

    channel_layer_alias = None  # no channel of its own (see above)
    game_id: str
    seat: int | None = None
    version: int = -1
    joined = False
    delay = 0.0  # spectator delay (seconds) for this connection
    held = None  # spectators.Held: updates held back for a delayed spectator
    batched = False  # an anonymous spectator: its presence row is written in a batch

    @property
    def layer(self):
        """The channel layer the game's broadcasts go through."""
        return get_channel_layer()

    async def __call__(self, scope, receive, send):
        self.channel_name = f"socket.{secrets.token_urlsafe(12)}"
        await super().__call__(scope, receive, send)

    # -- connection ------------------------------------------------------------------------
    async def connect(self):
        self.game_id = self.scope["url_route"]["kwargs"]["game_id"]
        self.limits = limits.ConnectionLimits()
        await self.accept()
        if self.is_anonymous_spectator() and fanout().versions.get(self.game_id) is not None:
            if frames.held_snapshot(self.game_id, fanout().versions[self.game_id]) is not None:
                await self.connect_held()
                return
        game = await database_sync_to_async(spectators.game_for_connect)(self.game_id)
        if game is None:
            await self.close(CloseCode.UNKNOWN_GAME)
            return
        token = seat_token(self.scope)
        if token is not None:
            self.seat = await database_sync_to_async(seating.seat_for_token)(self.game_id, token)
            if self.seat is None:
                await self.close(CloseCode.FORBIDDEN)
                return
        else:
            user = self.scope.get("user")
            self.seat = await database_sync_to_async(seating.seat_for_user)(self.game_id, user)
        # An anonymous spectator counts against no cap: its row is written in a batch with
        # the others arriving at the same moment (presence.RowBatch), off its own path.
        self.batched = self.seat is None and self.is_anonymous()
        if self.batched:
            spectator_rows.row_batch(self.layer).add(self.channel_name, self.game_id)
        else:
            admitted = await database_sync_to_async(presence.admit_game_socket)(
                self.game_id, self.channel_name, self.seat, self.scope.get("user")
            )
            if not admitted:
                await self.close(CloseCode.TOO_MANY_SOCKETS)
                return
        self.present = True  # from here on, however this socket ends, its row goes
        self.delay = spectators.delay_for(game, self.seat)
        await self.join_group()
        self.joined = True
        version = query_param(self.scope, "version")
        if version is not None and version.isdigit():
            await self.send_catch_up(int(version))
        else:
            await self.send_snapshot()
        if self.delay:
            await spectators.hold_stored(self)
        if not self.batched:  # a batch announces its games once written
            self.announce_presence()

    def is_anonymous_spectator(self) -> bool:
        return seat_token(self.scope) is None and self.is_anonymous()

    async def connect_held(self):
        """An anonymous spectator of a game this process holds, whose spectators' snapshot
        it has at the version its fan-out last delivered: no database round trip (its
        presence row is written in a batch, ``spectator_rows``)."""
        self.batched = True
        spectator_rows.row_batch(self.layer).add(self.channel_name, self.game_id)
        self.present = True
        await self.join_group()
        self.joined = True
        version = query_param(self.scope, "version")
        # Read after joining: a move stored meanwhile makes it None, and the database's
        # snapshot is sent instead; one stored later reaches this socket as an update.
        held = frames.held_snapshot(self.game_id, fanout().versions.get(self.game_id))
        if version is not None and version.isdigit():
            await self.send_catch_up(int(version))
        elif held is None:
            await self.send_snapshot()
        else:
            self.version = held["version"]
            await self.send_message(held)

    async def join_group(self):
        """Hear the game's broadcasts through this process's fan-out (game_server.fanout),
        which holds the group membership for every local socket of the game."""
        await fanout().join(self.game_id, self)

    async def disconnect(self, code):
        if not self.present:
            return
        self.present = self.joined = False
        if self.held is not None:
            self.held.cancel()
        await fanout().leave(self.game_id, self)
        self.pending = None  # broadcasts that arrived meanwhile have nobody to go to
        if lifecycle.shutting_down:
            return  # this process's rows go at once at the end of the drain
        if self.batched:
            spectator_rows.row_batch(self.layer).remove(self.channel_name, self.game_id)
            return
        await database_sync_to_async(presence.disconnect)(self.channel_name)
        self.announce_presence()

    def is_anonymous(self) -> bool:
        return seat_token(self.scope) is None and super().is_anonymous()

    # -- frames in -------------------------------------------------------------------------
    def admitted(self) -> bool:
        return self.joined

    async def limit(self, message: dict) -> str | None:
        bucket = limits.GAME_BUCKETS.get(message["type"])
        if not self.limits.take(bucket):
            return f"too many {bucket} messages"
        account = self.scope.get("bearer_user")  # a bot's account: one bucket for all sockets
        if account is not None and not limits.take_for_account(account.pk, bucket):
            return f"too many {bucket} messages for this account"
        return None

    async def refuse(self, message: dict, exc: Malformed | Rejected) -> None:
        """Actions are answered with ``reject`` (with their request id), refused chat too;
        other malformed messages with ``error``."""
        if message["type"] in ACTING:
            request_id = message.get("request_id")
            await self.send_reject(request_id if isinstance(request_id, str) else None, exc)
        elif isinstance(exc, Rejected):
            await self.send_reject(None, exc)
        else:
            await self.send_error(Code.MALFORMED, str(exc))

    async def on_move(self, message):
        await self.act(message, message.get("move"), field(message, "version", int))

    async def on_action(self, message):
        version = field(message, "version", int, optional=True)
        await self.act(message, ACTIONS[message["type"]], version)

    async def act(self, message, data, version):
        request_id = request_id_field(message)
        if message["type"] == "move" and "move" not in message:
            raise Malformed("'move' is missing")
        if self.seat is None:
            raise Rejected(Code.NOT_A_PLAYER, "spectators cannot act")
        result = await actions.submit(self.game_id, self.seat, data, version, request_id)
        await self.send_ack(request_id, result)

    async def on_resync(self, message):
        await self.send_catch_up(field(message, "version", int))
        if self.delay:
            await spectators.hold_stored(self)

    async def on_chat(self, message):
        text = clean_text(message.get("text"), "text", MAX_CHAT)
        user = self.scope.get("user")
        if self.seat is None and (user is None or not user.is_authenticated):
            raise Rejected(Code.NOT_A_PLAYER, "anonymous spectators cannot chat")
        if self.limits.chat_repeated(text):
            raise Rejected(Code.REPEATED_CHAT, "you sent this text too often")
        name = await database_sync_to_async(self.chat_name)()
        channel = frames.chat_channel(self.seat)
        chat = {"type": "chat", "seat": self.seat, "name": name, "text": text, "ts": time.time()}
        chat["channel"] = channel
        await database_sync_to_async(frames.store_chat)(self.game_id, chat)
        message = {"type": "game.chat", "game": self.game_id, "channel": channel}
        await self.layer.group_send(
            presence.group_name(self.game_id), message | {"frame": encode(chat)}
        )

    async def on_auth(self, message):
        token = message.get("token")
        if not isinstance(token, str):
            raise Malformed("'token' must be str")
        # Any other string is a token to check: a forged one closes 4403, whatever it holds.
        seat = await database_sync_to_async(seating.seat_for_token)(self.game_id, token)
        if seat is None:
            await self.close(CloseCode.FORBIDDEN)
            return
        if self.batched:  # from now on its row is written and removed as a seat's
            spectator_rows.row_batch(self.layer).adds.pop(self.channel_name, None)
            self.batched = False
        changed = await database_sync_to_async(presence.change_seat)(
            self.game_id, self.channel_name, seat, self.scope.get("user")
        )
        if not changed:
            await self.close(CloseCode.TOO_MANY_SOCKETS)
            return
        self.seat = seat
        await self.send_snapshot()
        self.announce_presence()

    async def on_ping(self, message):
        await self.send_message({"type": "pong", "ts": time.time()})

    async def on_claim_win(self, message):
        """Claim the win over a seat whose abandonment grace is over (or abort)."""
        request_id = request_id_field(message)
        if self.seat is None:
            raise Rejected(Code.NOT_A_PLAYER, "spectators cannot claim")
        result = await actions.in_action_thread(timeouts.claim_win)(
            self.game_id, self.seat, request_id
        )
        await self.send_ack(request_id, result)

    handlers = {
        "move": on_move,
        **dict.fromkeys(ACTIONS, on_action),
        "resync": on_resync,
        "chat": on_chat,
        "auth": on_auth,
        "ping": on_ping,
        "claim_win": on_claim_win,
    }

    # -- the game's broadcasts (handed over by game_server.fanout) ----------------------------
    async def handle_game_event(self, event):
        await getattr(self, GAME_EVENTS.get(event["type"], "game_frame"))(event)

    async def game_update(self, event):
        """A stored action: forward this role's pre-encoded frame."""
        frame = self.update_frame(event)
        if frame is None:
            return
        if self.delay:  # a spectator of a game with a spectator delay
            self.held = spectators.hold(self, self.held, frame, self.delay)
            return
        await self.send_bytes(frame)

    def update_frame(self, event) -> bytes | None:
        """This role's frame of a stored action, or None when the socket has it already
        (in its snapshot, or a move it got)."""
        if event["version"] <= self.version:
            return None
        self.version = event["version"]
        if self.seat is not None and event["seats"][self.seat] is not None:
            return event["seats"][self.seat]
        return event["spectator"]

    def game_event_now(self, event) -> bool:
        """A stored action written at once by an idle, undelayed socket (most of them)."""
        wire = self.wire()
        if wire is None or self.busy or self.delay or event["type"] != "game.update":
            return False
        frame = self.update_frame(event)
        if frame is not None:
            wire.send_frame(frame)
        return True

    async def game_stale(self, event):
        """A version of the game was stored and never broadcast here (its process died
        between its commit and its broadcast: ``fanout.Fanout.observed``): catch up."""
        if event["version"] > self.version and not self.delay:
            await self.send_catch_up(self.version)

    async def game_frame(self, event):
        """A frame that is the same for everybody (presence, chat)."""
        await self.send_bytes(event["frame"])

    async def game_chat(self, event):
        """A chat line: players never hear the spectators' channel."""
        if event["channel"] != frames.chat_channel(None) or self.seat is None:
            await self.send_bytes(event["frame"])

    # -- frames out --------------------------------------------------------------------------
    async def send_error(self, code: str, message: str, about: str | None = None):
        await self.send_message({"type": "error", "code": code, "message": message})

    async def send_ack(self, request_id: str, result) -> None:
        ack = {"type": "ack", "request_id": request_id, "version": result.version}
        await self.send_message({**ack, "duplicate": result.duplicate})

    async def send_reject(self, request_id, exc):
        code = exc.code if isinstance(exc, Rejected) else Code.MALFORMED
        text = exc.message if isinstance(exc, Rejected) else str(exc)
        reject = {"type": "reject", "request_id": request_id, "code": code, "message": text}
        await self.send_message({**reject, "version": self.version})

    async def send_snapshot(self):
        message = await database_sync_to_async(frames.snapshot)(self.game_id, self.seat)
        self.version = message["version"]
        await self.send_message(message)
        self.observed(message)

    async def send_catch_up(self, from_version: int):
        message = await database_sync_to_async(frames.catch_up)(
            self.game_id, self.seat, from_version
        )
        self.version = message["version"]
        await self.send_message(message)
        self.observed(message)

    def observed(self, message: dict) -> None:
        """Tell the fan-out which version the database had (a delayed view does not say)."""
        if not self.delay and self.joined:
            fanout().observed(self.game_id, message["version"])

    def announce_presence(self):
        presence.announce(self.game_id, self.layer)

    def chat_name(self) -> str:
        if self.seat is not None:
            return presence.players(self.game_id)[self.seat]["name"]
        return seating.display_name(self.scope.get("user"))
