"""Real servers on real sockets: ``python -m game_server.serve`` subprocesses on a
temporary SQLite file, driven by the client library (``game_server.client``)."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import pytest

import engine
from game_server.client import GameClient, Rejected, api, create_game, take_seat

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

# seat 0 fills column 0 while seat 1 plays column 1: four in a row on ply 7
CONNECT4_WIN = [0, 1, 0, 1, 0, 1, 0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> dict:
    """The environment of a migrated temporary SQLite database."""
    path = tmp_path_factory.mktemp("live") / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    return env


class Server:
    """One ``python -m game_server.serve`` process."""

    def __init__(self, env: dict, port: int | None = None):
        self.env = env
        self.log = Path(env["DATABASE_URL"].removeprefix("sqlite:///")).with_suffix(".log")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "game_server.serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self.log.open("a"),
            text=True,
        )
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        line = self.process.stdout.readline() if ready else ""  # printed once it listens
        assert f"http://127.0.0.1:{self.port}/" in line, f"the server did not start: {line!r}"
        return self

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGUSR1)  # serve.py dumps its stacks
                time.sleep(1)
                self.process.kill()
                tail = self.log.read_text()[-3000:]
                raise AssertionError(f"the server did not stop: {tail}") from None
        if self.process is not None:
            self.process.stdout.close()


@pytest.fixture
def server(database):
    server = Server(database).start()
    yield server
    server.stop()


async def seated_clients(url: str, kind: str = "connect4") -> tuple[str, list[GameClient]]:
    game = await create_game(url, kind)
    seats = [await take_seat(url, game["id"], name=f"bot{i}") for i in range(2)]
    clients = [GameClient(url, game["id"], seat["token"]) for seat in seats]
    for client in clients:
        await client.connect()
    return game["id"], clients


async def play(clients: list[GameClient], moves: list) -> None:
    """Play ``moves`` from the clients' current version on, alternating seats."""
    for column in moves:
        mover = next(client for client in clients if client.my_turn)
        ack = await mover.move(column)
        for client in clients:
            await client.wait_for_version(ack["version"])


async def replayed_outcome(url: str, game_id: str) -> dict:
    record = await api(url, "GET", f"/api/games/{game_id}/record")
    game_engine = engine.get(record["game"]["kind"])
    state = game_engine.initial_state(
        record["game"]["num_players"], record["seed"], record["options"]
    )
    state = game_engine.replay(state, [(move["seat"], move["data"]) for move in record["moves"]])
    assert game_engine.outcome(state).to_data() == record["outcome"]
    return record["outcome"]


async def test_a_full_game_through_daphne(server):
    game_id, (a, b) = await seated_clients(server.url)
    spectator = GameClient(server.url, game_id, origin=server.url)
    await spectator.connect()
    assert (a.seat, b.seat, spectator.seat) == (0, 1, None)
    assert a.my_turn and not b.my_turn
    with pytest.raises(Rejected) as rejected:
        await b.move(3)
    assert rejected.value.code == "not_your_turn"
    await play([a, b], CONNECT4_WIN)
    await spectator.wait_for_version(len(CONNECT4_WIN))
    for client in (a, b, spectator):
        assert client.status == "finished" and client.outcome["winners"] == [0]
    assert (await replayed_outcome(server.url, game_id))["reason"] == "four_in_a_row"
    # daphne enforces the documented frame limit (1009); text frames are refused (4003).
    await b.send_raw(msgpack.packb({"type": "chat", "text": "x" * 20000}))
    await asyncio.wait_for(b._reader, 10)
    assert b.close_code == 1009
    await spectator.send_raw("{}")
    await asyncio.wait_for(spectator._reader, 10)
    assert spectator.close_code == 4003
    await a.close()


async def test_a_killed_server_loses_nothing(database):
    first = Server(database).start()
    try:
        game_id, (a, b) = await seated_clients(first.url)
        await play([a, b], CONNECT4_WIN[:3])
        first.stop(signal.SIGKILL)  # no clean shutdown at all
    finally:
        first.stop()
    second = Server(database, port=first.port).start()
    try:
        for client in (a, b):
            await client.reconnect()  # ?version=3: gets the missed moves (none)
            assert client.version == 3
        players = (await api(second.url, "GET", f"/api/games/{game_id}"))["players"]
        assert [p["connected"] for p in players] == [True, True]
        await play([a, b], CONNECT4_WIN[3:])
        assert a.outcome["winners"] == [0]
        assert (await replayed_outcome(second.url, game_id))["winners"] == [0]
        for client in (a, b):
            await client.close()
    finally:
        second.stop()


async def test_two_server_processes_never_store_the_same_ply(database):
    servers = [Server(database).start(), Server(database).start()]
    try:
        game = await create_game(servers[0].url, "connect4")
        seat = await take_seat(servers[0].url, game["id"], name="one")
        await take_seat(servers[0].url, game["id"], name="two")
        clients = [GameClient(s.url, game["id"], seat["token"]) for s in servers]
        for client in clients:
            await client.connect()
        results = await asyncio.gather(
            *(client.move(column, version=0) for column, client in enumerate(clients)),
            return_exceptions=True,
        )
        acks = [r for r in results if isinstance(r, dict)]
        codes = [r.code for r in results if isinstance(r, Rejected)]
        assert len(acks) == 1 and codes == ["stale_version"], results
        record = await api(servers[1].url, "GET", f"/api/games/{game['id']}/record")
        assert len(record["moves"]) == 1 and record["game"]["version"] == 1
        for client in clients:
            await client.close()
    finally:
        for server in servers:
            server.stop()
