"""Helpers for the live-game tests: games with seats, and WebSocket connections driven
through the whole ASGI application (origin check, sessions, routing, consumer)."""

from __future__ import annotations

import msgpack
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from boardroom.asgi import application
from game_server import models, seating

ORIGIN = (b"origin", b"http://testserver")
SKIP = ("presence", "chat", "pong")


def new_game(kind="tictactoe", num_players=2, **kwargs):
    """A started game with every seat taken by a token client: (game, [tokens])."""
    game = seating.create_game(kind, num_players, **kwargs)
    tokens = [seating.take_seat(game, name=f"p{i}")[1] for i in range(num_players)]
    game.refresh_from_db()
    return game, tokens


async def anew_game(kind="tictactoe", num_players=2, **kwargs):
    return await database_sync_to_async(new_game)(kind, num_players, **kwargs)


class Client:
    """One WebSocket connection with msgpack helpers."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.ws = communicator
        self.seen: list[dict] = []  # every message received, in order

    async def send(self, message) -> None:
        await self.ws.send_to(bytes_data=msgpack.packb(message, use_bin_type=True))

    async def send_raw(self, data: bytes | None = None, text: str | None = None) -> None:
        await self.ws.send_to(bytes_data=data, text_data=text)

    async def recv(self, wait: float = 3) -> dict:
        event = await self.ws.receive_output(wait)
        if event["type"] == "websocket.close":
            return {"type": "closed", "code": event.get("code")}
        message = msgpack.unpackb(event["bytes"], raw=False)
        self.seen.append(message)
        return message

    async def expect(self, *types: str, skip=(), wait: float = 3) -> dict:
        """The next message of one of ``types``, skipping presence/chat/pong (and the
        types in ``skip``); any other message fails the test."""
        while True:
            message = await self.recv(wait)
            if message["type"] in types:
                return message
            assert message["type"] in SKIP + tuple(skip), message

    async def quiet(self, wait: float = 0.2) -> bool:
        """True when nothing but presence/chat arrives within ``wait`` seconds."""
        while not await self.ws.receive_nothing(wait):
            message = await self.recv()
            if message["type"] not in SKIP:
                return False
        return True

    async def close(self) -> None:
        await self.ws.disconnect()


async def connect(
    game_id, token=None, version=None, origin=True, headers=(), first="snapshot"
) -> Client:
    """Connect and (by default) read the first message, which must be ``first``."""
    query = "&".join(
        f"{name}={value}"
        for name, value in (("token", token), ("version", version))
        if value is not None
    )
    path = f"/ws/games/{game_id}/" + (f"?{query}" if query else "")
    all_headers = [ORIGIN, *headers] if origin else list(headers)
    communicator = WebsocketCommunicator(application, path, headers=all_headers)
    connected, code = await communicator.connect(timeout=5)
    assert connected, code
    client = Client(communicator)
    if first:
        message = await client.expect(first)
        client.first = message
    return client


def move_count(game_id) -> int:
    return models.Move.objects.filter(game_id=game_id).count()


amove_count = database_sync_to_async(move_count)
