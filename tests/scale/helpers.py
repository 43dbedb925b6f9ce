"""Clients and checks of the scale-out tests."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import msgpack
import psycopg
from websockets.asyncio.client import connect

import engine
from game_server.client import GameClient, create_game, take_seat

# seat 0 fills column 0 while seat 1 plays column 1: four in a row on ply 7
CONNECT4_WIN = [0, 1, 0, 1, 0, 1, 0]
STATE_MESSAGES = ("snapshot", "update", "moves")


class Recording(GameClient):
    """A client that keeps every message it receives, in order (``log``)."""

    def __init__(self, server, game_id, token=None):
        # Spectators are browsers here: they need an Origin (token clients do not).
        super().__init__(server.url, game_id, token, origin=None if token else server.url)
        self.log: list[dict] = []

    async def _handle(self, message: dict) -> None:
        self.log.append(message)
        await super()._handle(message)

    def state_messages(self) -> list[dict]:
        return [m for m in self.log if m.get("type") in STATE_MESSAGES]

    def move_to(self, server) -> None:
        """Point the next (re)connection at ``server`` (a browser page behind one load
        balancer has that one origin; here each server is its own site)."""
        self.ws_base = f"ws://127.0.0.1:{server.port}/ws/games/{self.game_id}/"
        if self.origin is not None:
            self.origin = server.url


async def new_game(server, kind: str = "connect4") -> tuple[str, list[str]]:
    game = await create_game(server.url, kind)
    seats = [await take_seat(server.url, game["id"], name=f"p{i}") for i in range(2)]
    return game["id"], [seat["token"] for seat in seats]


async def play(players: list[GameClient], moves: list, watchers=()) -> None:
    """Play ``moves`` (alternating seats) and wait until everybody has each one."""
    for column in moves:
        mover = next(client for client in players if client.my_turn)
        ack = await mover.move(column)
        for client in [*players, *watchers]:
            await client.wait_for_version(ack["version"])


async def reconnect_until(client: GameClient, seconds: float = 30.0) -> None:
    """Reconnect (with ``?version=``) until the server answers: what a real client does
    with backoff after its server went away."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            await client.reconnect()
            return
        except Exception:  # refused, closed during the handshake, timed out
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


async def wait_closed(client: GameClient, seconds: float = 15.0) -> int | None:
    async with asyncio.timeout(seconds):
        await asyncio.shield(client._reader)
    return client.close_code


def move_log(database_url: str, game_id: str) -> list[tuple]:
    """``(ply, seat, data, request_id)`` of every stored move, straight from the database."""
    with psycopg.connect(database_url) as connection:
        return connection.execute(
            "SELECT ply, seat, data, request_id FROM game_server_move"
            " WHERE game_id = %s ORDER BY ply, id",
            (game_id,),
        ).fetchall()


def game_row(database_url: str, game_id: str) -> tuple:
    with psycopg.connect(database_url) as connection:
        return connection.execute(
            "SELECT version, status, outcome, seed, options, kind FROM game_server_game"
            " WHERE id = %s",
            (game_id,),
        ).fetchone()


def check_move_log(database_url: str, game_id: str, moves: list) -> None:
    """Plies 1..n contiguous, each once, the moves played, request ids unique, and the
    stored version and outcome are what replaying the log gives."""
    log = move_log(database_url, game_id)
    assert [ply for ply, *_ in log] == list(range(1, len(moves) + 1)), log
    assert [data for _, _, data, _ in log] == moves, log
    request_ids = [request_id for *_, request_id in log if request_id is not None]
    assert len(request_ids) == len(set(request_ids)), log
    version, status, outcome, seed, options, kind = game_row(database_url, game_id)
    assert version == len(moves)
    game_engine = engine.get(kind)
    state = game_engine.initial_state(2, seed, options)
    state = game_engine.replay(state, [(seat, data) for _, seat, data, _ in log])
    replayed = game_engine.outcome(state)
    if replayed is None:
        assert status == "active" and outcome is None
    else:
        assert status == "finished" and replayed.to_data() == outcome


def check_saw_every_move(client: Recording, last: int) -> None:
    """The client got a snapshot, then updates 1..last in order: no gap, no resync."""
    messages = client.state_messages()
    assert messages[0]["type"] == "snapshot" and messages[0]["version"] == 0, messages[0]
    assert [(m["type"], m["version"]) for m in messages[1:]] == [
        ("update", version) for version in range(1, last + 1)
    ]


async def metric(server, name: str) -> float:
    """The sum of one metric's samples on one server's /metrics."""
    text = await asyncio.to_thread(
        lambda: urllib.request.urlopen(f"{server.url}/metrics", timeout=5).read().decode()
    )
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name)] in " {":
            total += float(line.rsplit(" ", 1)[1])
    return total


async def healthz(server) -> tuple[int, dict]:
    def get():
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    return await asyncio.to_thread(get)


class LobbySocket:
    """A browser's lobby socket: a guest session from ``GET /api/me``, then ``/ws/lobby/``."""

    def __init__(self, server):
        self.server = server
        self.ws = None
        self.user = None

    async def connect(self) -> LobbySocket:
        def session():
            with urllib.request.urlopen(f"{self.server.url}/api/me", timeout=10) as response:
                cookies = response.headers.get_all("Set-Cookie")
                return json.loads(response.read())["user"], cookies

        self.user, cookies = await asyncio.to_thread(session)
        cookie = "; ".join(c.split(";", 1)[0] for c in cookies)
        self.ws = await connect(
            f"ws://127.0.0.1:{self.server.port}/ws/lobby/",
            origin=self.server.url,
            additional_headers={"Cookie": cookie},
        )
        welcome = await self.expect("welcome")
        assert welcome["user"]["id"] == self.user["id"]
        return self

    async def send(self, message: dict) -> None:
        await self.ws.send(msgpack.packb(message, use_bin_type=True))

    async def expect(self, kind: str, seconds: float = 15.0) -> dict:
        async with asyncio.timeout(seconds):
            while True:
                message = msgpack.unpackb(await self.ws.recv(), raw=False)
                assert message["type"] != "error", message
                if message["type"] == kind:
                    return message

    async def close(self) -> None:
        await self.ws.close()
