"""``python -m bench.socket_trace [N]``: what one idle spectator socket holds, by origin.

The same setup as ``bench.socket_memory`` (one ``boardroom.serve`` process on a fresh
SQLite file, 50 warm-up spectators, then N more), but the server runs under
``tracemalloc`` (25 frames) and, before and after the N sockets, writes a snapshot and
a count of the garbage collector's objects by type (``SIGUSR2``). Prints the growth per
socket: by the package that allocated it (the innermost frame outside the standard
library's asyncio/ssl glue, see :func:`origin`), by the deepest frames, and by object
type. Slow (tracemalloc), so N is 500 by default; nothing here is used in production.

Run the server side alone with ``python -m bench.socket_trace --serve --port P``.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import tracemalloc
import types
from pathlib import Path

FRAMES = 25
DUMP_DIR_ENV = "BENCH_TRACE_DIR"


# -- the server side ----------------------------------------------------------------------------
def dump(directory: Path) -> None:
    """Write ``snapshot-K.pickle`` (tracemalloc), ``objects-K.pickle`` (type counts) and
    ``details-K.txt`` (one socket's objects)."""
    index = len(list(directory.glob("objects-*.pickle")))
    # Details first: looking at every object imports the modules some lazy proxies stand
    # for, which must not count as growth between the two snapshots.
    with (directory / f"details-{index}.txt").open("w") as out:
        try:
            details(out)
        except Exception as exc:  # no socket yet
            out.write(f"no details: {exc!r}\n")
    gc.collect()
    counts = collections.Counter(
        f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects()
    )
    if tracemalloc.is_tracing():
        snapshot = tracemalloc.take_snapshot()
        snapshot.dump(str(directory / f"snapshot-{index}.pickle"))
    (directory / f"objects-{index}.pickle").write_bytes(pickle.dumps(counts))
    (directory / f"done-{index}").write_text("ok")


def details(out) -> None:
    """The attributes of the newest socket's protocol, transport and consumer, and the
    coroutine chain of each of its tasks."""
    import asyncio

    from boardroom.inbound import BoundedWebSocketProtocol
    from game_server.consumers import GameConsumer

    def attributes(name, obj):
        values = vars(obj) if hasattr(obj, "__dict__") else {}
        slots = [s for c in type(obj).__mro__ for s in getattr(c, "__slots__", ())]
        out.write(f"{name}: {type(obj).__qualname__}, {sys.getsizeof(obj)} B")
        out.write(f" + __dict__ {sys.getsizeof(values)} B ({len(values)} attributes)")
        out.write(f", slots {slots}\n" if slots else "\n")
        for key, value in sorted(values.items(), key=lambda kv: -sys.getsizeof(kv[1])):
            out.write(f"    {key:36} {type(value).__qualname__:28} {sys.getsizeof(value)}\n")

    objects = gc.get_objects()
    protocol = [o for o in objects if isinstance(o, BoundedWebSocketProtocol)][-1]
    attributes("protocol", protocol)
    transport = protocol.transport
    attributes("transport", transport)
    producer = getattr(transport, "producer", None)
    if producer is not None:
        attributes("transport.producer", producer)
        for request in getattr(producer, "requests", ()):
            attributes("transport.producer.requests[]", request)
    consumer = [o for o in objects if isinstance(o, GameConsumer)][-1]
    attributes("consumer", consumer)
    out.write(f"consumer.scope: {sys.getsizeof(consumer.scope)} B, {list(consumer.scope)}\n")
    shapes = collections.Counter()
    for task in asyncio.all_tasks():
        chain, coro = [], task.get_coro()
        # (not cr_frame: reading it makes each coroutine keep a frame object for good)
        while isinstance(coro, types.CoroutineType):
            chain.append(f"{coro.__qualname__} {sys.getsizeof(coro)}")
            coro = coro.cr_await
        if coro is not None:
            chain.append(type(coro).__qualname__)
        shapes[f"task {sys.getsizeof(task)} B: " + " -> ".join(chain)] += 1
    for shape, count in shapes.most_common(6):
        out.write(f"{count} x {shape}\n")


def serve() -> None:
    frames = int(os.environ.get("BENCH_TRACE_FRAMES", FRAMES))
    if frames:
        tracemalloc.start(frames)
    directory = Path(os.environ[DUMP_DIR_ENV])
    signal.signal(signal.SIGUSR2, lambda *_: dump(directory))
    import daphne.server  # noqa: F401  (installs Twisted's asyncio reactor first)

    from boardroom.serve import main

    argv = [a for a in sys.argv[1:] if a != "--serve"]
    sys.exit(main(argv))


# -- the client side ----------------------------------------------------------------------------
GLUE = (
    "/asyncio/",
    "/selectors.py",
    "/threading.py",
    "/concurrent/",
    "/contextlib.py",
    "/_weakrefset.py",
    "twisted/internet/defer.py",
    "/txaio/",
)


def asker(traceback: tracemalloc.Traceback) -> tracemalloc.Frame:
    """The innermost frame that is not asyncio/Deferred/weakref glue: the code that asked
    for the memory (a Queue's deques are daphne's, a task's are the caller's)."""
    for frame in reversed(traceback):  # the most recent frame is the last
        if not any(part in frame.filename for part in GLUE):
            return frame
    return traceback[-1]


def origin(traceback: tracemalloc.Traceback) -> str:
    """The package of :func:`asker` (site-packages top-level package, our own package,
    or the standard library module)."""
    return label(asker(traceback).filename)


def label(filename: str) -> str:
    if "site-packages/" in filename:
        rest = filename.split("site-packages/", 1)[1]
        return rest.split("/", 1)[0].removesuffix(".py")
    root = str(Path(__file__).resolve().parent.parent) + "/"
    if filename.startswith(root):
        rest = filename[len(root) :]
        return rest.rsplit("/", 1)[0] if "/" in rest else rest
    return "stdlib:" + Path(filename).name


async def drive(n: int, directory: Path) -> None:
    import psutil
    from websockets.asyncio.client import connect

    from game_server.client import create_game, take_seat
    from tests.servers import Server, sqlite_env

    env = {**sqlite_env(directory / "db.sqlite3"), "LOG_LEVEL": "ERROR"}
    env["MAX_ANONYMOUS_SOCKETS_PER_ADDRESS"] = "0"
    env[DUMP_DIR_ENV] = str(directory)
    server = Server(env, directory / "server.log")

    def start():  # Server.start, but this module's server side (under tracemalloc)
        server.process = subprocess.Popen(
            [sys.executable, "-m", "bench.socket_trace", "--serve", "--port", str(server.port)]
            + ["-v", "2"],
            cwd=Path(__file__).resolve().parent.parent,
            env=server.env,
            stdout=subprocess.PIPE,
            stderr=server.log.open("a"),
            text=True,
        )
        line = server.process.stdout.readline()
        assert "http://" in line, f"no server: {line!r} {server.log_tail()}"
        return server

    start()
    sockets = []

    async def snapshot(index: int) -> None:
        os.kill(server.process.pid, signal.SIGUSR2)
        while not (directory / f"done-{index}").exists():  # noqa: ASYNC110 (another process)
            await asyncio.sleep(0.2)

    try:
        for attempt in range(5):  # a server under tracemalloc answers its first requests slowly
            try:
                game = await create_game(server.url, "connect4")
                break
            except TimeoutError:
                if attempt == 4:
                    raise
        for index in range(2):
            await take_seat(server.url, game["id"], name=f"p{index}")
        url = server.url.replace("http", "ws") + f"/ws/games/{game['id']}/"

        async def spectator():
            ws = await connect(
                url, origin=server.url, max_queue=None, open_timeout=300, ping_interval=None
            )
            await ws.recv()
            sockets.append(ws)

        process = psutil.Process(server.process.pid)
        await asyncio.gather(*(spectator() for _ in range(50)))
        await asyncio.sleep(2)
        await snapshot(0)
        rss = process.memory_info().rss
        for first in range(0, n, 100):
            await asyncio.gather(*(spectator() for _ in range(first, min(n, first + 100))))
        await asyncio.sleep(3)
        await snapshot(1)
        print(f"RSS growth (under tracemalloc): {(process.memory_info().rss - rss) / n / 1024:.1f}")
    finally:
        for ws in sockets:
            await ws.close()
        server.stop()


def report(directory: Path, n: int, top: int = 25) -> None:
    print((directory / "details-1.txt").read_text())
    if (directory / "snapshot-1.pickle").exists():
        report_traces(directory, n, top)
    objects0 = pickle.loads((directory / "objects-0.pickle").read_bytes())
    objects1 = pickle.loads((directory / "objects-1.pickle").read_bytes())
    diff = collections.Counter(objects1)
    diff.subtract(objects0)
    print("\ngc-tracked objects per socket:")
    for name, count in diff.most_common(40):
        if count / n >= 0.5:
            print(f"  {count / n:6.2f}  {name}")


def report_traces(directory: Path, n: int, top: int) -> None:
    before = tracemalloc.Snapshot.load(str(directory / "snapshot-0.pickle"))
    after = tracemalloc.Snapshot.load(str(directory / "snapshot-1.pickle"))
    exclude = [tracemalloc.Filter(False, tracemalloc.__file__)]
    before, after = before.filter_traces(exclude), after.filter_traces(exclude)
    stats = after.compare_to(before, "traceback")
    total = sum(s.size_diff for s in stats)
    print(f"\ntracemalloc growth: {total / n / 1024:.2f} KiB per socket\n")

    by_origin: collections.Counter = collections.Counter()
    for stat in stats:
        by_origin[origin(stat.traceback)] += stat.size_diff
    print("by origin (KiB per socket):")
    for name, size in by_origin.most_common():
        if abs(size) / n >= 16:
            print(f"  {size / n / 1024:7.2f}  {name}")

    sites: collections.Counter = collections.Counter()
    blocks: collections.Counter = collections.Counter()
    for stat in stats:
        frame = asker(stat.traceback)
        site = f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}"
        sites[site] += stat.size_diff
        blocks[site] += stat.count_diff
    print(f"\ntop {top} allocation sites (B and blocks per socket):")
    for site, size in sites.most_common(top):
        print(f"  {size / n:7.0f} {blocks[site] / n:6.2f}  {site}")


def main() -> None:
    if "--serve" in sys.argv:
        serve()
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    directory = Path(tempfile.mkdtemp())
    asyncio.run(drive(n, directory))
    report(directory, n)
    print(f"\nsnapshots in {directory}")


if __name__ == "__main__":
    main()
