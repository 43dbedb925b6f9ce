"""The load generator of the live benchmarks, run in a process of its own
(``python -m bench.loadgen '<json config>'``) so it never shares an event loop with the
server it measures. It prints one ``RESULT {json}`` line at the end.

* ``fanout``: N lightweight spectators (raw ``websockets`` connections, no client
  library) watch one chess game; a mover plays scripted moves. Latency is from just
  before a move is sent to its ``update`` reaching each spectator.
* ``throughput``: G concurrent connect4 games, two bots each (the client library),
  playing a scripted 42-ply draw and checking turn order, versions and the outcome.
* ``capacity``: idle spectator connections to one server, spread over games, with the
  server's RSS at checkpoints.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import sys
import time
from urllib.parse import urlsplit

import msgpack
import psutil
from websockets.asyncio.client import connect

import engine
from bench.servers import raise_fd_limit
from game_server.client import GameClient, api, create_game, take_seat

# A connect4 game that fills the board: 42 plies, a draw ("board_full").
CONNECT4_DRAW = [
    3, 6, 1, 3, 1, 3, 6, 4, 5, 5, 3, 4, 3, 1, 1, 0, 4, 3, 0, 4, 6,
    6, 2, 6, 1, 0, 5, 5, 2, 4, 5, 1, 5, 6, 0, 0, 2, 2, 4, 2, 2, 0,
]  # fmt: skip
now = time.perf_counter


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def percentile(values, q: float) -> float | None:
    """The ``q``-th percentile (0-100), nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def cpu_seconds(pids) -> float:
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def rss(pids) -> int:
    return sum(psutil.Process(pid).memory_info().rss for pid in pids)


def ws_root(url: str) -> str:
    return f"ws://{urlsplit(url).netloc}"


def chess_script(plies: int, seed: int = 7) -> tuple[list, list]:
    """``plies`` random legal chess moves that do not end the game, and the spectator
    view after each (the bare peer broadcasts it, so both servers send similar frames)."""
    game = engine.get("chess")
    rng = random.Random(seed)
    while True:
        state = game.initial_state(2, seed=1)
        moves, views = [], []
        for _ in range(plies):
            legal = list(game.legal_moves(state))
            move = rng.choice(legal)
            data = game.move_to_data(move) if hasattr(game, "move_to_data") else move
            state = game.apply(state, data, game.to_move(state)[0])
            moves.append(data)
            views.append(game.view(state, None))
            if game.outcome(state) is not None:
                break
        if len(moves) == plies and game.outcome(state) is None:
            return moves, views


async def bounded(limit: int, coroutines) -> list:
    semaphore = asyncio.Semaphore(limit)

    async def run(coroutine):
        async with semaphore:
            return await coroutine

    return await asyncio.gather(*(run(c) for c in coroutines))


async def new_game(url: str, kind: str) -> tuple[str, list[str]]:
    game = await create_game(url, kind)
    seats = [await take_seat(url, game["id"], name=f"bot{i}") for i in range(2)]
    return game["id"], [seat["token"] for seat in seats]


# -- fan-out -------------------------------------------------------------------------------
class Watchers:
    """What the spectators received: per version, the delivery times; per spectator, the
    last version (to count gaps and duplicates); other frames (presence) and when."""

    def __init__(self, spectators: int, versions: int):
        self.n = spectators
        self.times: dict[int, list[float]] = {v: [] for v in range(1, versions + 1)}
        self.done = {v: asyncio.Event() for v in range(1, versions + 1)}
        self.connected = 0
        self.failed = 0
        self.duplicates = 0
        self.unexpected = 0
        self.other_frames = 0
        self.last_other = now()
        self.frames = 0
        self.bytes = 0
        self.update_frames = 0
        self.update_bytes = 0

    def update(self, version: int, at: float) -> None:
        times = self.times.get(version)
        if times is None:
            self.unexpected += 1
            return
        times.append(at)
        if len(times) >= self.n:
            self.done[version].set()

    def expect_connected(self) -> None:
        """From now on a version is done when every spectator that *connected* has it (a
        spectator that failed to connect would otherwise hold every version back)."""
        self.n = self.connected
        for version, times in self.times.items():
            if len(times) >= self.n:
                self.done[version].set()


async def spectator(url: str, origin: str | None, watchers: Watchers, opened: asyncio.Event):
    try:
        ws = await connect(url, origin=origin, compression=None, max_size=None, open_timeout=120)
    except Exception as exc:  # refused, timed out, out of file descriptors...
        watchers.failed += 1
        log(f"spectator connect failed: {exc!r}")
        opened.set()
        return
    watchers.connected += 1
    opened.set()
    last = None
    unpack = msgpack.unpackb
    try:
        async for frame in ws:
            at = now()
            watchers.frames += 1
            watchers.bytes += len(frame)
            message = unpack(frame, raw=False)
            if message.get("type") == "update":
                watchers.update_frames += 1
                watchers.update_bytes += len(frame)
                version = message["version"]
                if last is not None and version <= last:
                    watchers.duplicates += 1
                    continue
                last = version
                watchers.update(version, at)
            else:
                watchers.other_frames += 1
                watchers.last_other = at
    except Exception:
        pass


async def quiet(watchers: Watchers, idle: float = 0.5, limit: float = 600) -> float:
    """Wait until no presence (or other) frame arrived for ``idle`` seconds."""
    started = now()
    while now() - started < limit:
        if now() - watchers.last_other >= idle:
            break
        await asyncio.sleep(0.1)
    return now() - started


class BoardroomMover:
    def __init__(self, urls: list[str], game_id: str, tokens: list[str]):
        self.clients = [
            GameClient(urls[0], game_id, tokens[0], timeout=60),
            GameClient(urls[-1], game_id, tokens[1], timeout=60),
        ]

    async def connect(self):
        for client in self.clients:
            await client.connect()

    async def move(self, index: int, move, view) -> int:
        """Play the move of ply ``index`` (seat index % 2); returns its version (the ack)."""
        ack = await self.clients[index % 2].move(move, version=index)
        return ack["version"]

    async def close(self):
        for client in self.clients:
            await client.close()


class BareMover:
    def __init__(self, url: str):
        self.url = url
        self.versions: asyncio.Queue = asyncio.Queue()

    async def connect(self):
        self.ws = await connect(self.url, compression=None, max_size=None)
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        async for frame in self.ws:
            message = msgpack.unpackb(frame, raw=False)
            if message.get("type") == "update":
                self.versions.put_nowait(message["version"])

    async def move(self, index: int, move, view) -> int:
        frame = {"type": "move", "seat": index % 2, "move": move, "view": view}
        await self.ws.send(msgpack.packb(frame, use_bin_type=True))
        async with asyncio.timeout(60):
            return await self.versions.get()  # its own update: the peer's "ack"

    async def close(self):
        await self.ws.close()


async def fanout(config: dict) -> dict:
    mode, urls, n = config["mode"], config["urls"], config["spectators"]
    latency_moves, burst_moves = config["latency_moves"], config["burst_moves"]
    pids = config["pids"]
    total = latency_moves + burst_moves
    moves, views = chess_script(total)
    watchers = Watchers(n, total)
    if mode == "bare":
        targets = [ws_root(url) + "/" for url in urls]
        mover = BareMover(targets[0])
    else:
        game_id, tokens = await new_game(urls[0], "chess")
        targets = [f"{ws_root(url)}/ws/games/{game_id}/" for url in urls]
        mover = BoardroomMover(urls, game_id, tokens)
    origins = list(urls)

    started = now()
    cpu_start = cpu_seconds(pids)
    tasks = []
    # Every join is broadcast (presence) to everyone already watching: O(N^2) frames. Join
    # in batches and let each batch's presence frames drain, so no message waits in a
    # channel-layer queue past its expiry (the in-memory layer then drops the consumer
    # from the game group: it would silently miss every update after that).
    batch = config.get("join_batch", 50)
    for first in range(0, n, batch):
        opened = []
        for index in range(first, min(n, first + batch)):
            target = index % len(targets)
            event = asyncio.Event()
            opened.append(event)
            tasks.append(
                asyncio.create_task(spectator(targets[target], origins[target], watchers, event))
            )
        for event in opened:
            await event.wait()
        await quiet(
            watchers, idle=config.get("join_idle", 1.0), limit=config.get("join_timeout", 600)
        )
    connected_in = now() - started
    await mover.connect()
    settle = await quiet(watchers, idle=1.0, limit=config.get("join_timeout", 600))
    watchers.expect_connected()
    join_seconds = now() - started
    join_cpu = cpu_seconds(pids) - cpu_start
    join_presence = watchers.other_frames
    log(f"fanout {mode} n={n}: joined in {join_seconds:.1f}s ({join_presence} presence frames)")

    errors = []
    last_latencies, all_latencies = [], []
    stored = []  # the versions the server acknowledged
    for index in range(latency_moves):
        version = index + 1
        sent = now()
        try:
            got = await mover.move(index, moves[index], views[index])
            stored.append(got)
            assert got == version, f"version {got}, expected {version}"
            async with asyncio.timeout(60):
                await watchers.done[version].wait()
        except Exception as exc:
            errors.append(f"latency move {version}: {exc!r}")
            break
        times = watchers.times[version]
        last_latencies.append(max(times) - sent)
        all_latencies.extend(t - sent for t in times)
        await asyncio.sleep(config.get("pause", 0.12))

    await asyncio.sleep(config.get("burst_pause", 2.1))  # the movers' rate buckets refill
    cpu_start = cpu_seconds(pids)
    burst_start = now()
    burst_versions = []
    for index in range(latency_moves, total):
        try:
            burst_versions.append(await mover.move(index, moves[index], views[index]))
        except Exception as exc:
            errors.append(f"burst move {index + 1}: {exc!r}")
            break
    try:
        async with asyncio.timeout(120):
            for version in burst_versions:
                await watchers.done[version].wait()
    except TimeoutError:
        errors.append("burst: not every update reached every spectator within 120 s")
    delivered = sum(len(watchers.times[v]) for v in burst_versions)
    ends = [max(watchers.times[v]) for v in burst_versions if watchers.times[v]]
    burst_seconds = (max(ends) if ends else now()) - burst_start
    burst_cpu = cpu_seconds(pids) - cpu_start
    await asyncio.sleep(0.3)
    stored += burst_versions
    # Deliveries missing at a connected spectator, of the moves the server stored.
    lost = sum(watchers.n - len(watchers.times[v]) for v in stored if v in watchers.times)
    server_rss = rss(pids)
    await mover.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "mode": mode,
        "spectators": n,
        "connected": watchers.connected,
        "failed_connections": watchers.failed,
        "connect_seconds": connected_in,
        "join_seconds": join_seconds,
        "join_settle_seconds": settle,
        "join_presence_frames": join_presence,
        "join_cpu_seconds": join_cpu,
        "latency_moves": len(last_latencies),
        "last_p50_ms": _ms(percentile(last_latencies, 50)),
        "last_p99_ms": _ms(percentile(last_latencies, 99)),
        "each_p50_ms": _ms(percentile(all_latencies, 50)),
        "each_p99_ms": _ms(percentile(all_latencies, 99)),
        "burst_moves": len(burst_versions),
        "burst_deliveries": delivered,
        "burst_seconds": burst_seconds,
        "deliveries_per_s": delivered / burst_seconds if burst_seconds > 0 else None,
        "cpu_us_per_delivery": burst_cpu / delivered * 1e6 if delivered else None,
        "update_frame_bytes": watchers.update_bytes / max(watchers.update_frames, 1),
        "lost": lost,
        "duplicates": watchers.duplicates,
        "unexpected": watchers.unexpected,
        "server_rss_mb": server_rss / 2**20,
        "errors": errors,
    }


async def _release(opened: asyncio.Event, semaphore: asyncio.Semaphore) -> None:
    await opened.wait()
    semaphore.release()


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


# -- throughput ----------------------------------------------------------------------------
class CheckedClient(GameClient):
    """The client library, recording every ``update`` it gets (version, seat) and any
    ``moves``/``error`` message (a resync after a gap, a rejected frame)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: list[tuple[int, int]] = []
        self.catch_ups = 0

    async def _handle(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "update":
            self.seen.append((message["version"], message["seat"]))
        elif kind == "moves":
            self.catch_ups += 1
        await super()._handle(message)


class Pacer:
    """Stays under the server's per-connection rate limit (20 messages, 10/s)."""

    def __init__(self, size: float = 18, rate: float = 9.0):
        self.size, self.rate, self.tokens, self.stamp = size, rate, size, now()

    async def take(self) -> None:
        while True:
            t = now()
            self.tokens = min(self.size, self.tokens + (t - self.stamp) * self.rate)
            self.stamp = t
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)


async def bot(client: CheckedClient, rtts: list, acks: list, errors: list) -> None:
    pacer = Pacer()
    script = CONNECT4_DRAW
    try:
        while client.status != "finished":
            if client.my_turn:
                version = client.version
                if client.seat != version % 2:
                    errors.append(f"turn order: seat {client.seat} to move at {version}")
                    return
                await pacer.take()
                sent = now()
                ack = await client.move(script[version], version=version)
                acks.append(now())
                rtts.append(now() - sent)
                if ack["version"] != version + 1 or ack.get("duplicate"):
                    errors.append(f"ack {ack} for version {version}")
                    return
                await client.wait_for_version(version + 1)
            else:
                await client.next_update()
    except Exception as exc:
        errors.append(f"{client.game_id} seat {client.seat}: {exc!r}")
        return
    expected = [(v, (v - 1) % 2) for v in range(1, len(script) + 1)]
    if client.seen != expected:
        errors.append(f"{client.game_id} seat {client.seat}: updates {client.seen[:5]}...")
    if client.catch_ups:
        errors.append(f"{client.game_id} seat {client.seat}: {client.catch_ups} gap(s)")
    outcome = client.outcome or {}
    if not (outcome.get("draw") and outcome.get("reason") == "board_full"):
        errors.append(f"{client.game_id}: outcome {outcome}")


async def throughput(config: dict) -> dict:
    urls, games, pids = config["urls"], config["games"], config["pids"]
    started = now()
    created = await bounded(12, [new_game(urls[g % len(urls)], "connect4") for g in range(games)])
    clients = []
    for g, (game_id, tokens) in enumerate(created):
        for seat in range(2):
            url = urls[(g + seat) % len(urls)]  # two processes: the players on different ones
            clients.append(CheckedClient(url, game_id, tokens[seat], timeout=60))
    await bounded(50, [client.connect() for client in clients])
    setup_seconds = now() - started
    await asyncio.sleep(1.0)  # presence settles
    rtts, acks, errors = [], [], []
    cpu_start = cpu_seconds(pids)
    play_start = now()
    await asyncio.gather(*(bot(client, rtts, acks, errors) for client in clients))
    play_seconds = now() - play_start
    cpu = cpu_seconds(pids) - cpu_start
    server_rss = rss(pids)
    # The stored records agree: every game has exactly the 42 plies, once each.
    records = await bounded(
        12, [api(urls[0], "GET", f"/api/games/{game_id}/record") for game_id, _ in created]
    )
    stored_bad = 0
    for record in records:
        plies = [move["ply"] for move in record["moves"]]
        if plies != list(range(1, len(CONNECT4_DRAW) + 1)):
            stored_bad += 1
    await bounded(100, [client.close() for client in clients])
    acks.sort()
    steady = None
    if len(acks) >= 20:
        low, high = acks[len(acks) // 10], acks[len(acks) * 9 // 10]
        if high > low:
            steady = (len(acks) * 8 // 10) / (high - low)
    moves = len(rtts)
    return {
        "games": games,
        "processes": len(urls),
        "setup_seconds": setup_seconds,
        "moves": moves,
        "expected_moves": games * len(CONNECT4_DRAW),
        "play_seconds": play_seconds,
        "moves_per_s": moves / play_seconds if play_seconds else None,
        "steady_moves_per_s": steady,
        "rtt_p50_ms": _ms(percentile(rtts, 50)),
        "rtt_p99_ms": _ms(percentile(rtts, 99)),
        "cpu_ms_per_move": cpu / moves * 1000 if moves else None,
        "server_cpu_util": cpu / play_seconds if play_seconds else None,
        "server_rss_mb": server_rss / 2**20,
        "stored_records_bad": stored_bad,
        "errors": len(errors) + stored_bad,
        "error_samples": errors[:5],
    }


# -- capacity ------------------------------------------------------------------------------
async def capacity(config: dict) -> dict:
    url, target, per_game = config["url"], config["connections"], config["per_game"]
    pid = config["pids"][0]
    budget = config.get("seconds", 300)
    game_count = math.ceil(target / per_game)
    games = await bounded(12, [create_game(url, "tictactoe") for _ in range(game_count)])
    await asyncio.sleep(0.5)
    base_rss = rss([pid])
    watchers = Watchers(target, 0)
    tasks = []
    checkpoints = []
    marks = sorted({m for m in (100, 1000, 2000, 5000, 10000, 15000, 20000) if m <= target})
    marks = marks + ([target] if target not in marks else [])
    started = now()
    # Few handshakes at a time: each waits for the consumer's database work, and daphne
    # drops a handshake that takes more than 5 s.
    semaphore = asyncio.Semaphore(config.get("connect_concurrency", 16))
    reached = 0
    for index in range(target):
        if now() - started > budget or watchers.failed > max(10, target // 100):
            break
        await semaphore.acquire()
        opened = asyncio.Event()
        game = games[index // per_game]
        target_url = f"{ws_root(url)}/ws/games/{game['id']}/"
        tasks.append(asyncio.create_task(spectator(target_url, url, watchers, opened)))
        asyncio.get_running_loop().create_task(_release(opened, semaphore))
        reached = index + 1
        if marks and reached == marks[0]:
            marks.pop(0)
            while watchers.connected + watchers.failed < reached:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            await quiet(watchers, idle=0.5, limit=60)
            checkpoints.append(
                {
                    "connections": watchers.connected,
                    "seconds": now() - started,
                    "rss_mb": rss([pid]) / 2**20,
                    "per_connection_kib": (rss([pid]) - base_rss)
                    / max(watchers.connected, 1)
                    / 1024,
                }
            )
            log(f"capacity: {checkpoints[-1]}")
    while watchers.connected + watchers.failed < reached:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await quiet(watchers, idle=1.0, limit=120)
    final_rss = rss([pid])
    alive = sum(1 for task in tasks if not task.done())
    loadgen_rss = psutil.Process().memory_info().rss
    result = {
        "target": target,
        "connected": watchers.connected,
        "alive": alive,
        "failed": watchers.failed,
        "games": game_count,
        "seconds": now() - started,
        "base_rss_mb": base_rss / 2**20,
        "rss_mb": final_rss / 2**20,
        "per_connection_kib": (final_rss - base_rss) / max(watchers.connected, 1) / 1024,
        "presence_frames": watchers.other_frames,
        "loadgen_rss_mb": loadgen_rss / 2**20,
        "checkpoints": checkpoints,
    }
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return result


PARTS = {"fanout": fanout, "throughput": throughput, "capacity": capacity}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    config = json.loads(argv[0])
    raise_fd_limit()
    result = asyncio.run(PARTS[config["part"]](config))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
