"""Several ``boardroom.serve`` processes on one PostgreSQL database and one Redis: the
topology of docker-compose.yml, with real processes, sockets and faults."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import psycopg
import pytest

from game_server.client import Rejected
from tests.servers import TcpProxy

from .helpers import (
    CONNECT4_WIN,
    LobbySocket,
    Recording,
    check_move_log,
    check_saw_every_move,
    healthz,
    metric,
    new_game,
    play,
    reconnect_until,
    wait_closed,
)

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


async def connect_all(*clients):
    for client in clients:
        await client.connect()


async def close_all(*clients):
    for client in clients:
        with contextlib.suppress(Exception):
            await client.close()


async def test_players_and_spectators_on_two_processes_see_every_move(
    scale_database, redis_url, start_servers
):
    a, b = start_servers(2, scale_database.url, redis_url)
    for server in (a, b):
        assert await healthz(server) == (
            200,
            {"status": "ok", "database": "ok", "channel_layer": "ok"},
        )
    game_id, tokens = await new_game(a)
    players = [Recording(a, game_id, tokens[0]), Recording(b, game_id, tokens[1])]
    spectators = [Recording(server, game_id) for server in (a, a, b, b)]
    await connect_all(*players, *spectators)
    assert await metric(a, "boardroom_open_connections") == 3
    assert await metric(b, "boardroom_open_connections") == 3
    await play(players, CONNECT4_WIN, spectators)
    for client in (*players, *spectators):
        check_saw_every_move(client, len(CONNECT4_WIN))
        assert client.status == "finished" and client.outcome["winners"] == [0]
    check_move_log(scale_database.url, game_id, CONNECT4_WIN)
    # Each process counts what it stored; the broadcast latency histogram has them all.
    assert await metric(a, "boardroom_moves_total") == 4  # seat 0's moves, stored on a
    assert await metric(b, "boardroom_moves_total") == 3
    assert await metric(a, "boardroom_broadcast_seconds_count") == 4
    await close_all(*players, *spectators)


async def test_quick_match_pairs_players_on_different_processes(
    scale_database, redis_url, start_servers
):
    a, b = start_servers(2, scale_database.url, redis_url)
    lobbies = [await LobbySocket(server).connect() for server in (a, b)]
    for lobby in lobbies:
        await lobby.send({"type": "queue", "kind": "connect4"})
        await lobby.expect("queued")
    matches = [await lobby.expect("match") for lobby in lobbies]
    assert matches[0]["game"] == matches[1]["game"]
    assert sorted(match["seat"] for match in matches) == [0, 1]
    game_id = matches[0]["game"]
    clients = [
        Recording(server, game_id, match["token"])
        for server, match in zip((a, b), matches, strict=True)
    ]
    await connect_all(*clients)
    clients.sort(key=lambda client: client.seat)
    await play(clients, CONNECT4_WIN)
    assert clients[0].outcome["winners"] == [0] and clients[1].status == "finished"
    check_move_log(scale_database.url, game_id, CONNECT4_WIN)
    await close_all(*clients)
    for lobby in lobbies:
        await lobby.close()


async def test_the_same_move_on_two_processes_is_applied_once(
    scale_database, redis_url, start_servers
):
    a, b = start_servers(2, scale_database.url, redis_url)
    game_id, tokens = await new_game(a)
    # Seat 0 connected twice (one socket per process); seat 1 too.
    seat0 = [Recording(server, game_id, tokens[0]) for server in (a, b)]
    seat1 = [Recording(server, game_id, tokens[1]) for server in (a, b)]
    await connect_all(*seat0, *seat1)
    # Different request ids at the same version: exactly one wins.
    results = await asyncio.gather(
        *(client.move(3, version=0) for client in seat0), return_exceptions=True
    )
    acks = [r for r in results if isinstance(r, dict)]
    codes = [r.code for r in results if isinstance(r, Rejected)]
    assert len(acks) == 1 and acks[0]["version"] == 1 and codes == ["stale_version"], results
    for client in (*seat0, *seat1):
        await client.wait_for_version(1)
    # The same request id (a retry racing the original): one store, two acks.
    results = await asyncio.gather(
        *(client.move(4, version=1, request_id="same-request") for client in seat1)
    )
    assert [r["version"] for r in results] == [2, 2]
    assert sorted(r["duplicate"] for r in results) == [False, True]
    check_move_log(scale_database.url, game_id, [3, 4])
    await close_all(*seat0, *seat1)


async def test_a_killed_process_loses_no_move(scale_database, redis_url, start_servers):
    a, b = start_servers(2, scale_database.url, redis_url)
    game_id, tokens = await new_game(a)
    p0, p1 = Recording(a, game_id, tokens[0]), Recording(b, game_id, tokens[1])
    watchers = [Recording(a, game_id), Recording(b, game_id)]
    await connect_all(p0, p1, *watchers)
    await play([p0, p1], CONNECT4_WIN[:2], watchers)
    # Seat 0 sends its second move, and its process dies at that moment (kill -9).
    sent = asyncio.create_task(p0.move(CONNECT4_WIN[2], request_id="during-kill"))
    await asyncio.sleep(0.01)
    a.send_signal(signal.SIGKILL)
    a.wait()
    with contextlib.suppress(Exception):
        await sent  # an ack if the process answered in time, else a closed connection
    for client in (p0, watchers[0]):
        await wait_closed(client)
        client.move_to(b)
        await reconnect_until(client)
    # The retry under the same request id is stored once, whatever happened before.
    ack = await p0.move(CONNECT4_WIN[2], version=2, request_id="during-kill")
    assert ack["version"] == 3
    for client in (p0, p1, *watchers):
        await client.wait_for_version(3)
    await play([p0, p1], CONNECT4_WIN[3:], watchers)
    for client in (p0, p1, *watchers):
        assert client.version == 7 and client.outcome["winners"] == [0]
    check_move_log(scale_database.url, game_id, CONNECT4_WIN)
    await close_all(p0, p1, *watchers)


async def test_a_redis_restart_pauses_the_game_and_loses_nothing(
    scale_database, private_redis, start_servers
):
    a, b = start_servers(2, scale_database.url, private_redis.url)
    game_id, tokens = await new_game(a)
    p0, p1 = Recording(a, game_id, tokens[0]), Recording(b, game_id, tokens[1])
    watchers = [Recording(a, game_id), Recording(b, game_id)]
    clients = [p0, p1, *watchers]
    await connect_all(*clients)
    await play([p0, p1], CONNECT4_WIN[:2], watchers)
    private_redis.stop()  # SIGKILL: every subscription and group is gone
    status, body = await healthz(a)
    assert status == 503 and body["database"] == "ok" and body["channel_layer"] != "ok"
    # The move is stored even though it cannot be broadcast now.
    ack = await p0.move(CONNECT4_WIN[2])
    assert ack["version"] == 3
    # A socket opened now for a game this process does not hold yet (its group must be
    # joined in Redis) is refused cleanly with the reconnect code, not HTTP 500.
    other_game, _ = await new_game(a)
    newcomer = Recording(a, other_game)
    with pytest.raises(ConnectionError):
        await newcomer.connect()
    assert newcomer.close_code == 4012
    assert await metric(a, "boardroom_refused_connections_total") == 1
    private_redis.start()  # a new, empty Redis on the same port
    # Each process notices and asks its clients to reconnect (4012), who catch up.
    for client in clients:
        assert await wait_closed(client) == 4012
    for client in clients:
        await reconnect_until(client)
        assert client.version == 3
    assert (await healthz(b))[0] == 200
    await play([p0, p1], CONNECT4_WIN[3:], watchers)
    for client in clients:
        assert client.version == 7 and client.outcome["winners"] == [0]
    check_move_log(scale_database.url, game_id, CONNECT4_WIN)
    assert await metric(a, "boardroom_broadcast_failures_total") == 1
    await close_all(*clients)


async def test_an_unreachable_database_rejects_moves_as_unavailable(
    scale_database, redis_url, start_servers
):
    target = urlparse(scale_database.url)
    proxy = TcpProxy((target.hostname, target.port or 5432))
    try:
        a, b = start_servers(2, scale_database.via("127.0.0.1", proxy.port), redis_url)
        game_id, tokens = await new_game(a)
        p0, p1 = Recording(a, game_id, tokens[0]), Recording(b, game_id, tokens[1])
        await connect_all(p0, p1)
        await play([p0, p1], CONNECT4_WIN[:2])
        proxy.cut()
        with pytest.raises(Rejected) as rejected:
            await p0.move(CONNECT4_WIN[2], request_id="while-down")
        assert rejected.value.code == "unavailable"
        assert rejected.value.message["version"] == 2
        status, body = await healthz(a)
        assert status == 503 and body["database"].startswith("error")
        assert body["channel_layer"] == "ok"
        assert p0.close_code is None  # the socket stays open
        check_move_log(scale_database.url, game_id, CONNECT4_WIN[:2])  # nothing half-written
        proxy.restore()
        ack = await p0.move(CONNECT4_WIN[2], request_id="while-down")
        assert ack == {
            "type": "ack",
            "request_id": "while-down",
            "version": 3,
            "duplicate": False,
        }
        for client in (p0, p1):
            await client.wait_for_version(3)
        await play([p0, p1], CONNECT4_WIN[3:])
        assert p1.outcome["winners"] == [0]
        check_move_log(scale_database.url, game_id, CONNECT4_WIN)
        assert await metric(a, "boardroom_unavailable_total") == 1
        await close_all(p0, p1)
    finally:
        proxy.close()


async def test_sigterm_finishes_the_move_in_flight_then_sends_clients_elsewhere(
    scale_database, redis_url, start_servers
):
    a, b = start_servers(2, scale_database.url, redis_url)
    game_id, tokens = await new_game(b)
    p0, p1 = Recording(a, game_id, tokens[0]), Recording(b, game_id, tokens[1])
    watcher = Recording(a, game_id)
    await connect_all(p0, p1, watcher)
    await play([p0, p1], CONNECT4_WIN[:2], [watcher])
    # Hold the game's row lock so that seat 0's next move is still being stored (inside
    # process a) when a receives SIGTERM.
    with psycopg.connect(scale_database.url) as blocker:
        blocker.execute("SELECT 1 FROM game_server_game WHERE id = %s FOR UPDATE", (game_id,))
        in_flight = asyncio.create_task(p0.move(CONNECT4_WIN[2]))
        await asyncio.sleep(0.5)
        a.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        assert not in_flight.done() and a.process.poll() is None  # waits for the move
        blocker.rollback()
    ack = await in_flight  # the move finished and was answered before the close
    assert ack["version"] == 3 and not ack["duplicate"]
    for client in (p0, watcher):
        assert await wait_closed(client) == 4012
    assert a.wait(15) == 0
    assert "took too long" not in a.log_tail(20000)
    for client in (p0, watcher):
        client.move_to(b)
        await reconnect_until(client)  # ?version=: the moves missed meanwhile, if any
        assert client.version == 3 and client.state_messages()[-1]["version"] == 3
    await play([p0, p1], CONNECT4_WIN[3:], [watcher])
    assert watcher.outcome["winners"] == [0]
    check_move_log(scale_database.url, game_id, CONNECT4_WIN)
    await close_all(p0, p1, watcher)


async def test_a_lost_broadcast_is_detected_by_version_and_resynced(
    scale_database, private_redis, start_servers
):
    # Without the watchdog nobody is told to reconnect: the pub/sub layer subscribes
    # again by itself, and the clients notice the update they missed by its version.
    a, b = start_servers(2, scale_database.url, private_redis.url, WATCH_CHANNEL_LAYER="0")
    game_id, tokens = await new_game(a)
    p0, p1 = Recording(a, game_id, tokens[0]), Recording(b, game_id, tokens[1])
    watchers = [Recording(a, game_id), Recording(b, game_id)]
    await connect_all(p0, p1, *watchers)
    await play([p0, p1], CONNECT4_WIN[:2], watchers)
    private_redis.stop()
    assert (await p0.move(CONNECT4_WIN[2]))["version"] == 3  # stored, never broadcast
    private_redis.start()
    await asyncio.sleep(3)  # the layer's receivers reconnect and subscribe again
    assert (await p1.move(CONNECT4_WIN[3], version=3))["version"] == 4
    for client in (p0, p1, *watchers):
        await client.wait_for_version(4)
        assert client.close_code is None  # same socket all along
    here, there = watchers  # on the process that stored move 3, and on the other
    # The storing process writes its own sockets at once, Redis or not.
    kinds = [(m["type"], m["version"]) for m in here.state_messages()]
    assert kinds[-2:] == [("update", 3), ("update", 4)], kinds
    # The other never heard of 3: update 4 showed the gap; the resync answered with the
    # moves after 2.
    kinds = [(m["type"], m["version"]) for m in there.state_messages()]
    assert kinds[-1] == ("moves", 4) and ("update", 3) not in kinds, kinds
    assert [m["version"] for m in there.state_messages()[-1]["moves"]] == [3, 4]
    await play([p0, p1], CONNECT4_WIN[4:], watchers)
    check_move_log(scale_database.url, game_id, CONNECT4_WIN)
    await close_all(p0, p1, *watchers)


async def test_a_burst_of_http_requests_shares_a_few_database_connections(
    scale_database, redis_url, start_servers
):
    # Every HTTP request runs in a thread of its own under ASGI: with persistent
    # per-thread connections, 150 requests at once opened more connections than
    # PostgreSQL allows (100) and the rest failed with 500 "too many clients".
    (server,) = start_servers(1, scale_database.url, redis_url, DATABASE_POOL_SIZE="5")
    game_id, _ = await new_game(server)
    url = f"{server.url}/api/games/{game_id}/record"

    def fetch(_):
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status

    with ThreadPoolExecutor(150) as threads:
        statuses = list(threads.map(fetch, range(150)))
    assert statuses == [200] * 150
    with psycopg.connect(scale_database.url) as connection:
        (opened,) = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchone()
    assert opened <= 5
