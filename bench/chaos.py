"""Chaos run: are acknowledged moves lost or doubled, and are spectators left on a wrong
state, under each fault of docs/deployment.md's "Fault behaviour", at scale?

    python -m bench.chaos                                  # every scenario
    python -m bench.chaos --games 60 --seconds 30 --only kill9_server,pg_hung

Two ``python -m boardroom.serve`` processes on a fresh PostgreSQL database (reached
through a TCP proxy that can cut or hang it) and a private ``redis-server``, both of
which can be killed (tests/servers.py). ``--games`` connect4 games at once, each with its
two players and one or two spectators spread over both processes; a game that ends is
replaced by a new one until the scenario's time is up (``--seconds``, counted from the
moment every game is under way; the faults fall in its first 70%). Clients behave like
real ones (:class:`ChaosClient`): a socket that closes reconnects with the web client's
backoff, to the other process first, with ``?version=``, and a move not yet
acknowledged is sent again under the same request id until it is answered.

Scenarios (each fault is applied ``--rounds`` times, 2 by default: to process A, then B;
or to the service):

* ``none``: the baseline, no fault.
* ``kill9_server``: ``kill -9`` of a server process, restarted 2 s later.
* ``kill9_redis``: ``kill -9`` of Redis, a new empty one started on its port 4 s later.
* ``pg_cut``: the proxy resets every PostgreSQL connection and refuses new ones for 4 s.
* ``pg_hung``: the proxy keeps every PostgreSQL connection (and accepts new ones) but
  forwards nothing for 4 s.
* ``sigterm``: SIGTERM of a server process (graceful drain), restarted once it exited.
* ``duplicates``: no fault; every player has one socket on each process and sends each
  move on both at once, half the time under one request id (one store, two acks), half
  the time as two different moves under two request ids at the same version (one wins,
  the other gets ``stale_version``).

Then the figures are counted from the database rows (``game_server_move`` and
``game_server_game``) against what the clients saw:

* ``acked``: moves acknowledged to a client (once per request id); ``as duplicate``:
  of those, the ones acknowledged (at least once) as ``duplicate``: stored by an
  earlier send whose answer was lost, or by the other process;
* ``stored``: the games' move rows (acked, plus any stored move whose answer never came);
* ``lost``: acknowledged moves not in the record, at the acknowledged ply, as sent;
* ``doubled``: a request id stored at two plies, a ply stored twice, plies not
  contiguous from 1 to the game's version, or a record that does not replay to the
  stored status and outcome;
* ``wrong``: spectators (and, separately, players) whose final version, view or any
  move they were shown differs from the record;
* ``unanswered``: moves still without an answer when the scenario gave up on them;
* ``reconnects``: sockets opened again by the clients after a close;
* ``rejections``: by code (``unavailable`` during database faults, ``stale_version``
  and ``game_over`` of the racing moves are expected).

Exit status 1 when any lost, doubled or wrong count is not zero, or a game could not be
played at all (its clients never connected, a fault could not be applied).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import itertools
import multiprocessing
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import msgpack
import psycopg

import engine
from game_server.client import Rejected
from tests.scale.helpers import Recording, healthz, new_game
from tests.servers import PostgresDatabase, RedisServer, Server, TcpProxy, migrate, scaled_env

ADMIN_URL = os.environ.get(
    "CHAOS_POSTGRES_URL",
    os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
)
KIND = "connect4"
SCENARIOS = ("none", "kill9_server", "kill9_redis", "pg_cut", "pg_hung", "sigterm", "duplicates")
OUTAGE = 4.0  # seconds Redis or PostgreSQL stays away
DRAIN = 30.0  # seconds a move still unanswered at the end keeps being retried
SETTLE = 20.0  # seconds clients get to reach the game's final version
WARM_UP = 120.0  # seconds at most for every game to be under way before the clock starts


def backoff(attempt: int) -> float:
    """The web client's reconnection delay (web_client/src/backoff.js): about 0.4 s, then
    0.8, 1.6 ... up to 10 s, drawn from [base/2, base]."""
    base = min(10.0, 0.4 * 2 ** (max(1, attempt) - 1))
    return base / 2 + random.random() * base / 2


# -- a PostgreSQL proxy in a process of its own (its threads never slow the clients) ----------
def _serve_proxy(target: tuple[str, int], connection) -> None:
    proxy = TcpProxy(target)
    connection.send(proxy.port)
    while True:
        command = connection.recv()
        getattr(proxy, command)()
        connection.send(command)
        if command == "close":
            return


class ProxyProcess:
    """:class:`tests.servers.TcpProxy` in a child process: ``cut``, ``hang``, ``restore``."""

    def __init__(self, target: tuple[str, int]):
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self.process = context.Process(target=_serve_proxy, args=(target, child), daemon=True)
        self.process.start()
        self.port = self._connection.recv()

    def command(self, name: str) -> None:
        self._connection.send(name)
        self._connection.recv()

    def close(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(OSError, EOFError):
                self.command("close")
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


class Cluster:
    """Two serve processes on a fresh database (through the proxy) and a private Redis."""

    def __init__(self, admin_url: str, workdir: Path, redis: RedisServer | None = None):
        self.workdir = workdir
        self.database = PostgresDatabase(admin_url, prefix="boardroom_chaos")
        self.redis = redis or RedisServer(workdir)
        self.own_redis = redis is None
        self.proxy: ProxyProcess | None = None
        self.servers: list[Server] = []
        self.exit_codes: list[int] = []  # of the SIGTERMed processes

    def start(self) -> Cluster:
        self.database.create()
        env = {**os.environ, "DATABASE_URL": self.database.url}
        env.pop("REDIS_URL", None)
        migrate(env)
        if self.own_redis:
            self.redis.start()
        target = urlparse(self.database.url)
        self.proxy = ProxyProcess((target.hostname, target.port or 5432))
        env = scaled_env(self.database.via("127.0.0.1", self.proxy.port), self.redis.url)
        # Every client comes from 127.0.0.1: no cap on anonymous sockets per address.
        env["MAX_ANONYMOUS_SOCKETS_PER_ADDRESS"] = "0"
        self.servers = [Server(env, self.workdir / f"server{i}.log") for i in range(2)]
        for server in self.servers:
            server.start()
        return self

    def close(self) -> None:
        for server in self.servers:
            with contextlib.suppress(Exception):
                server.stop()
        if self.proxy is not None:
            self.proxy.close()
        if self.own_redis:
            self.redis.stop()
        self.database.drop()

    async def restart(self, server: Server) -> None:
        if server.process is not None and server.process.stdout is not None:
            server.process.stdout.close()
        await asyncio.to_thread(server.start)

    async def healthy(self, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        for server in self.servers:
            while True:
                with contextlib.suppress(Exception):
                    if (await healthz(server))[0] == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{server.url} is not healthy: {server.log_tail()}")
                await asyncio.sleep(0.5)

    async def fault(self, name: str, round_: int) -> None:
        """Apply fault ``name`` once and end it (process A on round 0, B on round 1)."""
        server = self.servers[round_ % 2]
        if name == "kill9_server":
            server.send_signal(signal.SIGKILL)
            await asyncio.to_thread(server.wait)
            await asyncio.sleep(2)
            await self.restart(server)
        elif name == "sigterm":
            server.send_signal(signal.SIGTERM)
            self.exit_codes.append(await asyncio.to_thread(server.wait, 60))
            await self.restart(server)
        elif name == "kill9_redis":
            await asyncio.to_thread(self.redis.stop)  # SIGKILL
            await asyncio.sleep(OUTAGE)
            await asyncio.to_thread(self.redis.start)
        elif name in ("pg_cut", "pg_hung"):
            await asyncio.to_thread(self.proxy.command, "cut" if name == "pg_cut" else "hang")
            await asyncio.sleep(OUTAGE)
            await asyncio.to_thread(self.proxy.command, "restore")
        elif name not in ("none", "duplicates"):
            raise ValueError(f"unknown scenario {name!r}")


# -- clients ------------------------------------------------------------------------------------
class ChaosClient(Recording):
    """A socket of a player or spectator that reconnects like a real client: on any close
    with a reconnect code it opens again, on the other process first, with ``?version=``,
    and sends its unanswered actions again under their request ids. Keeps every move it
    was shown (``seen``: version -> moves) for the audit."""

    def __init__(self, servers: list[Server], home: int, game_id: str, token=None):
        super().__init__(servers[home], game_id, token)
        self.servers = servers
        self.home = home
        self.timeout = 15.0
        self.reconnect_for = 600.0
        self.seen: dict[int, list] = {}

    def hop(self) -> None:
        self.home = (self.home + 1) % len(self.servers)
        self.move_to(self.servers[self.home])

    @property
    def open(self) -> bool:
        return self._reader is not None and not self._reader.done()

    async def _resume(self, automatic: bool = False) -> None:
        if automatic:
            self.hop()
        await super()._resume(automatic)

    async def _reconnect_loop(self) -> None:
        """GameClient's, with the web client's backoff (and a hop on each attempt)."""
        deadline = time.monotonic() + self.reconnect_for
        attempt = 0
        while True:
            attempt += 1
            await asyncio.sleep(backoff(attempt))
            try:
                await self._resume(automatic=True)
            except Exception as exc:  # refused, closed during the handshake, timed out
                if time.monotonic() < deadline and self._reconnect_wanted(self.close_code):
                    continue
                self._fail_pending(ConnectionError(f"could not reconnect: {exc!r}"))
            return

    async def _handle(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "update":
            self.seen.setdefault(message["version"], []).append(message["move"])
        elif kind == "moves":
            for move in message["moves"]:
                self.seen.setdefault(move["version"], []).append(move["move"])
        await super()._handle(message)

    async def start(self, deadline: float) -> None:
        """The first connection, trying each process in turn until ``deadline``."""
        for attempt in itertools.count(1):
            try:
                await self.connect()
                self.auto_reconnect = True
                return
            except Exception:
                with contextlib.suppress(Exception):
                    await self.close()
                if time.monotonic() > deadline:
                    raise
                self.hop()
                await asyncio.sleep(backoff(attempt))

    async def ensure_open(self, deadline: float) -> None:
        """Connected again (by the background reconnection, else by hand) by ``deadline``."""
        attempt = 0
        while not self.open:
            if self._reconnecting is not None and not self._reconnecting.done():
                await asyncio.wait([self._reconnecting], timeout=1.0)
                continue
            if time.monotonic() > deadline:
                raise TimeoutError("could not reconnect")
            attempt += 1
            self.hop()
            with contextlib.suppress(Exception):
                await self.reconnect()
            if not self.open:
                await asyncio.sleep(backoff(attempt))

    async def wait_for(self, condition, until: float) -> bool:
        """Read updates until ``condition()`` holds or the monotonic time ``until``."""
        while not condition():
            left = until - time.monotonic()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.updates.get(), min(left, 1.0))
        return True

    def final(self, role: str) -> Final:
        return Final(self.game_id, self.seat, role, self.version, self.view, self.seen)


@dataclass
class Final:
    """What one client showed at the end of its game."""

    game_id: str
    seat: int | None
    role: str  # "player" or "spectator"
    version: int
    view: dict
    seen: dict[int, list]


@dataclass
class Tally:
    """What the clients of one scenario saw."""

    games: list[str] = field(default_factory=list)
    acks: dict[tuple, tuple] = field(default_factory=dict)  # (game, seat, rid) -> (move, ply)
    ack_conflicts: list[tuple] = field(default_factory=list)  # one rid acked at two plies
    duplicates: dict[tuple, int] = field(default_factory=dict)  # acks of a stored request
    rejections: Counter = field(default_factory=Counter)
    create_failures: Counter = field(default_factory=Counter)  # games that needed a retry
    unanswered: list[tuple] = field(default_factory=list)
    finals: list[Final] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reconnects: int = 0


@dataclass
class Result:
    scenario: str
    games: int = 0
    acked: int = 0
    duplicate_acks: int = 0
    stored: int = 0
    lost: int = 0
    doubled: int = 0
    wrong_spectators: int = 0
    wrong_players: int = 0
    spectators: int = 0
    unanswered: int = 0
    reconnects: int = 0
    rejections: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    errors: int = 0  # games the harness could not play, a fault it could not apply
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        wrong = self.wrong_spectators + self.wrong_players
        return bool(self.lost or self.doubled or wrong or self.errors)


class Run:
    """One scenario: ``games`` game slots played on ``cluster`` for ``seconds``."""

    def __init__(self, cluster: Cluster, scenario: str, games: int, seconds: float, **options):
        self.cluster = cluster
        self.scenario = scenario
        self.slots = games
        self.seconds = seconds
        self.think = options.get("think", 1.0)  # mean seconds a player takes per move
        self.rounds = options.get("rounds", 2)  # times the fault is applied
        self.seed = options.get("seed", 0)
        self.racing = scenario == "duplicates"
        self.stopping = False
        self.give_up_at = float("inf")
        self.tally = Tally()
        self.live: set[ChaosClient] = set()  # clients of the games being played
        self.under_way: set[int] = set()  # slots whose first game has started
        self.all_under_way = asyncio.Event()
        self.verbose = options.get("verbose", False)

    # -- the clients' side ---------------------------------------------------------------------
    async def create_game(self, slot: int) -> tuple[str, list[str]] | None:
        servers = self.cluster.servers
        attempt = 0
        while not self.stopping:
            server = servers[(slot + attempt) % len(servers)]
            try:
                return await new_game(server, KIND)
            except Exception as exc:  # a process or the database is down: another try
                self.tally.create_failures[str(exc)[:60] or type(exc).__name__] += 1
                attempt += 1
                await asyncio.sleep(0.5)
        return None

    async def submit(self, client: ChaosClient, seat: int, move, version: int, rid: str):
        """Send ``move`` until it is answered: the ack, or None when rejected (or given up)."""
        while True:
            try:
                ack = await client.move(move, version=version, request_id=rid)
            except Rejected as exc:
                self.tally.rejections[exc.code] += 1
                if exc.code == "unavailable" and time.monotonic() < self.give_up_at:
                    await asyncio.sleep(0.5)  # nothing was stored: the same request again
                    continue
                return None
            except Exception:  # no answer in time, or the socket is gone: send it again
                if time.monotonic() > self.give_up_at:
                    self.tally.unanswered.append((client.game_id, seat, rid, move, version))
                    return None
                with contextlib.suppress(Exception):
                    await client.ensure_open(self.give_up_at)
                continue
            key = (client.game_id, seat, rid)
            known = self.tally.acks.get(key)
            if known is not None and known[1] != ack["version"]:
                self.tally.ack_conflicts.append((*key, known[1], ack["version"]))
            self.tally.acks[key] = (move, ack["version"])
            if ack["duplicate"]:
                self.tally.duplicates[key] = ack["version"]
            return ack

    async def play_seat(self, seat: int, clients: list[ChaosClient], rng: random.Random):
        client = clients[0]
        while True:

            def turn():
                return client.my_turn or client.status == "finished" or self.stopping

            await client.wait_for(turn, float("inf"))
            if client.status == "finished" or self.stopping:
                return
            await asyncio.sleep(rng.uniform(0.5, 1.5) * self.think)
            if self.stopping:
                return
            version, legal = client.version, client.view.get("legal_moves") or []
            if not client.my_turn or not legal:
                continue
            if not self.racing:
                acks = [await self.submit(client, seat, rng.choice(legal), version, uuid4())]
            elif rng.random() < 0.5:  # the same request on both processes at once
                move, rid = rng.choice(legal), uuid4()
                acks = await asyncio.gather(
                    *(self.submit(c, seat, move, version, rid) for c in clients)
                )
            else:  # two different moves racing for the same version
                moves = [rng.choice(legal) for _ in clients]
                acks = await asyncio.gather(
                    *(
                        self.submit(c, seat, m, version, uuid4())
                        for c, m in zip(clients, moves, strict=True)
                    )
                )
            stored = max((ack["version"] for ack in acks if ack), default=version + 1)
            await client.wait_for(
                lambda stored=stored: client.version >= stored or self.stopping, float("inf")
            )

    async def play_game(self, slot: int, number: int, rng: random.Random) -> None:
        created = await self.create_game(slot + number)
        if created is None:
            return
        game_id, tokens = created
        servers = self.cluster.servers
        # Seat 0 and seat 1 on the same process in half the games, on two in the others.
        homes = [(slot + number) % 2, (slot // 2 + number) % 2]
        seats = [
            [ChaosClient(servers, home, game_id, token)]
            for home, token in zip(homes, tokens, strict=True)
        ]
        if self.racing:
            for home, token, clients in zip(homes, tokens, seats, strict=True):
                clients.append(ChaosClient(servers, 1 - home, game_id, token))
        spectators = [ChaosClient(servers, slot % 2, game_id)]
        if slot % 3 == 0:
            spectators.append(ChaosClient(servers, 1 - slot % 2, game_id))
        everybody = [*(c for clients in seats for c in clients), *spectators]
        self.tally.games.append(game_id)
        self.live.update(everybody)
        try:
            deadline = time.monotonic() + 120
            await asyncio.gather(*(client.start(deadline) for client in everybody))
            self.under_way.add(slot)
            if len(self.under_way) == self.slots:
                self.all_under_way.set()
            await asyncio.gather(
                *(self.play_seat(seat, clients, rng) for seat, clients in enumerate(seats))
            )
            # Everybody should now reach the stored version, whatever happened on the way.
            version = await self.stored_version(game_id)
            until = time.monotonic() + SETTLE
            await asyncio.gather(
                *(c.wait_for(lambda c=c: c.version >= version, until) for c in everybody)
            )
            for clients in seats:
                self.tally.finals += [client.final("player") for client in clients]
            self.tally.finals += [client.final("spectator") for client in spectators]
        except Exception as exc:
            self.tally.errors.append(f"{game_id}: {exc!r}")
            self.under_way.add(slot)
            if len(self.under_way) == self.slots:
                self.all_under_way.set()
        finally:
            self.live.difference_update(everybody)
            self.tally.reconnects += sum(client.reconnects for client in everybody)
            await asyncio.gather(*(quiet_close(client) for client in everybody))

    async def play_slot(self, slot: int) -> None:
        rng = random.Random(f"{self.seed}-{self.scenario}-{slot}")
        await asyncio.sleep(slot * 0.02)  # do not open every game in the same instant
        number = 0
        while not self.stopping:
            await self.play_game(slot, number, rng)
            number += 1

    # -- the scenario ----------------------------------------------------------------------------
    async def faults(self, started: float) -> None:
        at = started
        for round_ in range(self.rounds):
            # Spread over the first 70% of the time: the rest shows the recovery.
            at = max(at, started + self.seconds * (0.2 + 0.5 * round_ / max(1, self.rounds - 1)))
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            if self.scenario not in ("none", "duplicates"):
                self.say(f"{self.scenario} {round_ + 1}")
                await self.cluster.fault(self.scenario, round_)
                self.say(f"{self.scenario} {round_ + 1} over")
            at = time.monotonic() + 1

    def say(self, message: str) -> None:
        if self.verbose:
            print(
                f"  {time.monotonic() - self.opened:5.0f} s: {message}", file=sys.stderr, flush=True
            )

    async def stored_version(self, game_id: str) -> int:
        """The game's version, read directly (not through the proxy)."""
        async with self._database_lock:
            if self._database is None or self._database.closed:
                url = self.cluster.database.url
                self._database = await psycopg.AsyncConnection.connect(url, autocommit=True)
            cursor = await self._database.execute(
                "SELECT version FROM game_server_game WHERE id = %s", (game_id,)
            )
            return (await cursor.fetchone())[0]

    async def progress(self) -> None:
        """Every 5 s on stderr: acks so far, and the live clients' sockets."""
        while True:
            await asyncio.sleep(5)
            opened = sum(client.open for client in self.live)
            self.say(
                f"{len(self.tally.acks)} acked, {opened} of {len(self.live)} sockets open,"
                f" {sum(self.tally.rejections.values())} rejections"
            )

    async def run(self) -> Result:
        await self.cluster.healthy()
        self._database_lock = asyncio.Lock()
        self._database = None
        self.opened = time.monotonic()
        slots = [asyncio.create_task(self.play_slot(slot)) for slot in range(self.slots)]
        progress = asyncio.create_task(self.progress()) if self.verbose else None
        # The clock starts once every game is under way: a fault hits games being played.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_under_way.wait(), WARM_UP)
        started = time.monotonic()
        self.say("every game under way: the clock starts")
        faults = asyncio.create_task(self.faults(started))
        await asyncio.sleep(self.seconds)
        try:
            await faults  # a fault still going on is ended first
        except Exception as exc:
            self.tally.errors.append(f"the fault failed: {exc!r}")
        self.give_up_at = time.monotonic() + DRAIN
        self.stopping = True
        await asyncio.gather(*slots)
        if progress is not None:
            progress.cancel()
        if self._database is not None:
            await self._database.close()
        result = await asyncio.to_thread(audit, self.cluster.database.url, self.tally)
        result.scenario = self.scenario
        result.seconds = time.monotonic() - self.opened
        if self.cluster.exit_codes and any(self.cluster.exit_codes):
            result.problems.append(f"SIGTERM exit codes {self.cluster.exit_codes}")
        self.cluster.exit_codes.clear()
        return result


def uuid4() -> str:
    return uuid.uuid4().hex


async def quiet_close(client: ChaosClient) -> None:
    with contextlib.suppress(Exception):
        await client.close()


# -- the audit: the database against what the clients saw -----------------------------------
def plain(data: Any) -> Any:
    """``data`` as a client decodes it (msgpack: tuples become lists)."""
    return msgpack.unpackb(msgpack.packb(data, use_bin_type=True), raw=False)


def audit(database_url: str, tally: Tally) -> Result:
    result = Result(scenario="", games=len(tally.games), rejections=tally.rejections)
    result.acked = len(tally.acks)
    result.duplicate_acks = len(tally.duplicates)
    result.unanswered = len(tally.unanswered)
    result.reconnects = tally.reconnects
    result.errors = len(tally.errors)
    result.problems += tally.errors
    if tally.create_failures:
        result.problems.append(f"game creations retried: {dict(tally.create_failures)}")
    with psycopg.connect(database_url) as connection:
        games = {
            row[0]: row
            for row in connection.execute(
                "SELECT id, kind, num_players, seed, options, version, status, outcome"
                " FROM game_server_game WHERE id = ANY(%s)",
                (tally.games,),
            )
        }
        rows = connection.execute(
            "SELECT game_id, ply, seat, data, request_id FROM game_server_move"
            " WHERE game_id = ANY(%s) ORDER BY game_id, ply, id",
            (tally.games,),
        ).fetchall()
    result.stored = len(rows)
    moves: dict[str, list[tuple]] = {game_id: [] for game_id in tally.games}
    by_request: dict[tuple, list[tuple]] = {}
    for game_id, ply, seat, data, request_id in rows:
        moves[game_id].append((ply, seat, data, request_id))
        if request_id is not None:
            by_request.setdefault((game_id, seat, request_id), []).append((ply, data))

    # doubled: a request id at two plies, a ply twice, plies not 1..version, a bad replay
    for key, stored in by_request.items():
        if len(stored) > 1:
            result.doubled += len(stored) - 1
            result.problems.append(f"request {key} stored at plies {[p for p, _ in stored]}")
    states: dict[str, list] = {}  # game -> the state after each ply (index = ply)
    for game_id, (_, kind, players, seed, options, version, status, outcome) in games.items():
        plies = [ply for ply, *_ in moves[game_id]]
        twice = len(plies) - len(set(plies))
        gaps = len(set(range(1, version + 1)) ^ set(plies))
        if twice or gaps:
            result.doubled += twice + gaps
            result.problems.append(f"{game_id}: version {version}, plies {plies}")
        game_engine = engine.get(kind)
        state = game_engine.initial_state(players, seed, options)
        states[game_id] = [state]
        try:
            for _, seat, data, _ in moves[game_id]:
                state = game_engine.apply(state, data, seat)
                states[game_id].append(state)
        except engine.EngineError as exc:
            result.doubled += 1
            result.problems.append(f"{game_id}: the record does not replay: {exc}")
            continue
        replayed = game_engine.outcome(state)
        expected = ("active", None) if replayed is None else ("finished", replayed.to_data())
        if (status, outcome) != expected:
            result.doubled += 1
            result.problems.append(f"{game_id}: stored {status} {outcome}, replayed {expected}")
    for conflict in tally.ack_conflicts:
        result.doubled += 1
        result.problems.append(f"request acked at two versions: {conflict}")

    # lost: an acknowledged move not in the record at its ply, as sent
    for (game_id, seat, request_id), (move, ply) in tally.acks.items():
        stored = by_request.get((game_id, seat, request_id), [])
        if (ply, move) not in stored:
            result.lost += 1
            result.problems.append(
                f"{game_id} seat {seat} {request_id}: acked {move!r} at {ply}, stored {stored}"
            )

    # wrong: a client whose last state or any move it was shown is not the record's
    for final in tally.finals:
        if final.role == "spectator":
            result.spectators += 1
        game_id = final.game_id
        record = moves[game_id]
        version = games[game_id][5]
        kind = games[game_id][1]
        problems = []
        if final.version != version:
            problems.append(f"version {final.version}, stored {version}")
        elif game_id in states and len(states[game_id]) > version:
            expected = plain(engine.get(kind).view(states[game_id][version], final.seat))
            if final.view != expected:
                problems.append(f"view {final.view}, record {expected}")
        for seen_version, shown in sorted(final.seen.items()):
            truth = record[seen_version - 1][2] if 0 < seen_version <= len(record) else None
            if any(move != truth for move in shown):
                problems.append(f"shown {shown} at {seen_version}, stored {truth!r}")
        if problems:
            if final.role == "spectator":
                result.wrong_spectators += 1
            else:
                result.wrong_players += 1
            duplicated = sorted(v for (g, *_), v in tally.duplicates.items() if g == game_id)
            if duplicated:
                problems.append(f"acked as duplicates: versions {duplicated}")
            result.problems.append(f"{game_id} {final.role} {final.seat}: {'; '.join(problems)}")
    return result


# -- the report ----------------------------------------------------------------------------------
HEADER = (
    "| scenario | games | acked | as duplicate | stored | lost | doubled | wrong spectators"
    " | wrong players | unanswered | reconnects | rejections |"
)


def table(results: list[Result]) -> str:
    lines = [HEADER, "| --- |" + " ---: |" * 10 + " --- |"]
    for r in results:
        rejections = ", ".join(f"{code} {n}" for code, n in sorted(r.rejections.items())) or "-"
        lines.append(
            f"| {r.scenario} | {r.games} | {r.acked:,} | {r.duplicate_acks:,} | {r.stored:,}"
            f" | {r.lost} | {r.doubled}"
            f" | {r.wrong_spectators} of {r.spectators:,} | {r.wrong_players} | {r.unanswered}"
            f" | {r.reconnects:,} | {rejections} |"
        )
    return "\n".join(lines)


async def run_scenarios(cluster: Cluster, scenarios, games: int, seconds: float, **options):
    results = []
    for scenario in scenarios:
        print(f"{scenario}: {games} games, {seconds:g} s ...", file=sys.stderr, flush=True)
        result = await Run(cluster, scenario, games, seconds, **options).run()
        for problem in result.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        print(
            f"  {result.acked} acked, {result.lost} lost, {result.doubled} doubled,"
            f" {result.wrong_spectators + result.wrong_players} wrong, {result.errors} errors"
            f" ({result.seconds:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        results.append(result)
    return results


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--games", type=int, default=150, help="games at once (150)")
    parser.add_argument("--seconds", type=float, default=40, help="play per scenario (40)")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds per move (1)")
    parser.add_argument("--rounds", type=int, default=2, help="faults per scenario (2)")
    parser.add_argument("--only", default="", help=f"comma-separated: {','.join(SCENARIOS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-v", "--verbose", action="store_true", help="progress every 5 s")
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs")
    args = parser.parse_args(argv)
    args.scenarios = [name for name in args.only.split(",") if name] or list(SCENARIOS)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


def main(argv=None) -> int:
    from bench.servers import raise_fd_limit

    args = parse_args(argv)
    raise_fd_limit()
    if not RedisServer.available():
        sys.exit("redis-server is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="boardroom-chaos-"))
    cluster = Cluster(ADMIN_URL, workdir)
    started = datetime.datetime.now(datetime.UTC)

    async def go():
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(32))
        return await run_scenarios(
            cluster,
            args.scenarios,
            args.games,
            args.seconds,
            think=args.think,
            rounds=args.rounds,
            seed=args.seed,
            verbose=args.verbose,
        )

    try:
        cluster.start()
        results = asyncio.run(go())
    finally:
        cluster.close()
    command = " ".join(["python -m bench.chaos", *(argv or sys.argv[1:])])
    print(f"\nChaos run {started:%Y-%m-%d %H:%M} UTC: {command}")
    print(table(results))
    failed = any(result.failed for result in results)
    if failed or args.keep:
        print(f"\nserver logs kept in {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
