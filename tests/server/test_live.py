"""Real servers on real sockets: ``python -m boardroom.serve`` subprocesses on a
temporary SQLite file, driven by the client library (``game_server.client``)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
from collections import Counter
from pathlib import Path

import msgpack
import pytest
from websockets.asyncio.client import connect as ws_connect

import engine
from game_server.client import GameClient, Rejected, api, create_game, take_seat
from tests import servers
from tests.servers import sqlite_env

pytestmark = pytest.mark.slow

# seat 0 fills column 0 while seat 1 plays column 1: four in a row on ply 7
CONNECT4_WIN = [0, 1, 0, 1, 0, 1, 0]


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> dict:
    """The environment of a migrated temporary SQLite database."""
    return sqlite_env(tmp_path_factory.mktemp("live") / "db.sqlite3")


def embedded_server(env: dict, port: int | None = None) -> servers.Server:
    """A server on the module's SQLite file, logging next to it."""
    log = Path(env["DATABASE_URL"].removeprefix("sqlite:///")).with_suffix(".log")
    return servers.Server(env, log, port)


@pytest.fixture
def server(database):
    server = embedded_server(database).start()
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
    first = embedded_server(database).start()
    try:
        game_id, (a, b) = await seated_clients(first.url)
        await play([a, b], CONNECT4_WIN[:3])
        first.stop(signal.SIGKILL)  # no clean shutdown at all
    finally:
        first.stop()
    second = embedded_server(database, port=first.port).start()
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
    processes = [embedded_server(database).start(), embedded_server(database).start()]
    try:
        game = await create_game(processes[0].url, "connect4")
        seat = await take_seat(processes[0].url, game["id"], name="one")
        await take_seat(processes[0].url, game["id"], name="two")
        clients = [GameClient(s.url, game["id"], seat["token"]) for s in processes]
        for client in clients:
            await client.connect()
        results = await asyncio.gather(
            *(client.move(column, version=0) for column, client in enumerate(clients)),
            return_exceptions=True,
        )
        acks = [r for r in results if isinstance(r, dict)]
        codes = [r.code for r in results if isinstance(r, Rejected)]
        assert len(acks) == 1 and codes == ["stale_version"], results
        record = await api(processes[1].url, "GET", f"/api/games/{game['id']}/record")
        assert len(record["moves"]) == 1 and record["game"]["version"] == 1
        for client in clients:
            await client.close()
    finally:
        for server in processes:
            server.stop()


async def test_an_auto_reconnecting_client_rides_out_a_server_restart(database):
    first = embedded_server(database).start()
    try:
        game = await create_game(first.url, "connect4")
        seats = [await take_seat(first.url, game["id"], name=f"bot{i}") for i in range(2)]
        a, b = (
            GameClient(first.url, game["id"], seat["token"], timeout=30, auto_reconnect=True)
            for seat in seats
        )
        for client in (a, b):
            await client.connect()
        await play([a, b], CONNECT4_WIN[:3])
        first.stop(signal.SIGKILL)  # both sockets drop without a close frame
    finally:
        first.stop()
    # Seat 1's move is sent while no server listens: it waits, and goes out again (same
    # request id) once the client is back.
    in_flight = asyncio.create_task(b.move(CONNECT4_WIN[3]))
    await asyncio.sleep(1.0)
    assert not in_flight.done()
    second = embedded_server(database, port=first.port).start()
    try:
        ack = await in_flight
        assert ack["version"] == 4 and not ack["duplicate"]
        await a.wait_for_version(4)
        assert a.reconnects == 1 and b.reconnects == 1
        await play([a, b], CONNECT4_WIN[4:])
        assert a.outcome["winners"] == [0]
        record = await api(second.url, "GET", f"/api/games/{game['id']}/record")
        assert [m["data"] for m in record["moves"]] == CONNECT4_WIN  # each move once
        for client in (a, b):
            await client.close()
        assert a.reconnects == 1  # closing on purpose does not reconnect
    finally:
        second.stop()


async def test_an_auto_reconnecting_client_does_not_reconnect_when_refused(server):
    client = GameClient(server.url, "nosuchgame", origin=server.url, auto_reconnect=True)
    with pytest.raises(ConnectionError):
        await client.connect()  # accepted, then closed 4404: no game to come back to
    await asyncio.sleep(0.5)
    assert client.close_code == 4404 and client.reconnects == 0
    assert client._reconnecting is None


SIGTERM_SOCKETS = 300


async def test_sigterm_sends_every_socket_4012_within_the_drain_and_leaves_no_row(
    database, tmp_path
):
    """Hundreds of sockets on one process: SIGTERM tells each one 4012 (none 1006), the
    process is gone within its drain time, and its presence rows went with it."""
    # All from 127.0.0.1: lift the per-address cap on anonymous sockets for this test.
    env = {**database, "MAX_ANONYMOUS_SOCKETS_PER_ADDRESS": "0"}
    server = servers.Server(env, tmp_path / "sigterm.log").start()  # its own log
    game_id, players = await seated_clients(server.url)
    ws_url = server.url.replace("http", "ws") + f"/ws/games/{game_id}/"
    sockets = []
    for _ in range(SIGTERM_SOCKETS):
        sockets.append(await ws_connect(ws_url, origin=server.url, max_queue=None))
    for _ in range(100):  # each socket's row is written just after its handshake
        detail = await api(server.url, "GET", f"/api/games/{game_id}")
        if detail["spectators"] == SIGTERM_SOCKETS:
            break
        await asyncio.sleep(0.1)
    assert detail["spectators"] == SIGTERM_SOCKETS
    loop = asyncio.get_running_loop()
    start = loop.time()
    server.send_signal(signal.SIGTERM)
    codes = []
    for ws in sockets:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.wait_closed(), 15)
        codes.append(ws.close_code)
    assert server.wait(15) == 0
    took = loop.time() - start
    for client in players:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client._reader, 15)
    assert [client.close_code for client in players] == [4012, 4012]
    assert Counter(codes) == {4012: SIGTERM_SOCKETS}
    assert took < 12  # the documented 10 s drain, plus the last close handshakes
    log = server.log.read_text()
    assert "Traceback" not in log and "CancelledError" not in log  # a clean shutdown
    rows = sqlite3.connect(database["DATABASE_URL"].removeprefix("sqlite:///")).execute(
        "SELECT COUNT(*) FROM game_server_connection"
    )
    assert rows.fetchone()[0] == 0


CONNECT4_DRAW = [
    3, 6, 1, 3, 1, 3, 6, 4, 5, 5, 3, 4, 3, 1, 1, 0, 4, 3, 0, 4, 6,
    6, 2, 6, 1, 0, 5, 5, 2, 4, 5, 1, 5, 6, 0, 0, 2, 2, 4, 2, 2, 0,
]  # fmt: skip


async def test_a_reader_that_stalls_delays_nobody_and_catches_up(database):
    """A spectator stops reading (a frozen tab: a 4 KiB receive window it never empties)
    for a whole 42-ply game. Broadcasts are written without waiting for any socket, so
    the players and the other spectators get every move as it is made (each move waits
    for all of them). What the server holds for the stalled one beyond the kernel's
    buffers is bounded (1 KiB here): past it the socket is dropped (the bound itself is
    tests/security/test_flood.py's). When it reads again it ends with every version, in
    order: from its socket, or by reconnecting from the last version it has (the
    documented resume), never with a gap."""
    import socket

    from websockets.asyncio.client import connect

    server = embedded_server({**database, "MAX_OUTBOUND_BYTES": "1024"}).start()
    try:
        game_id, players = await seated_clients(server.url)
        watchers = [GameClient(server.url, game_id, origin=server.url) for _ in range(5)]
        for watcher in watchers:
            await watcher.connect()
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", server.port))
        ws_url = server.url.replace("http", "ws") + f"/ws/games/{game_id}/"
        stalled = await connect(ws_url, origin=server.url, sock=raw, max_queue=1)
        for column in CONNECT4_DRAW:  # at the pace a person plays (under the move bucket)
            await play(players + watchers, [column])
            await asyncio.sleep(0.1)
        assert all(client.version == 42 for client in players + watchers)
        versions = []
        with contextlib.suppress(Exception):  # closed by the server: dropped for stalling
            while not versions or versions[-1] < 42:
                message = msgpack.unpackb(await asyncio.wait_for(stalled.recv(), 10))
                if message["type"] in ("snapshot", "update"):
                    versions.append(message["version"])
        await stalled.close()
        assert versions == list(range(versions[0], versions[-1] + 1)), versions
        if versions[-1] < 42:  # dropped: resume from the last version it has
            async with connect(f"{ws_url}?version={versions[-1]}", origin=server.url) as ws:
                caught_up = msgpack.unpackb(await ws.recv())
            assert caught_up["type"] == "moves" and caught_up["version"] == 42
            resumed = [move["version"] for move in caught_up["moves"]]
            assert resumed == list(range(versions[-1] + 1, 43))
        for client in players + watchers:
            await client.close()
    finally:
        server.stop()
