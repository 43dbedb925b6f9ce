"""Servers for the live benchmarks: Boardroom under daphne (``python -m boardroom.serve``,
the project's one way to start it) or uvicorn, on the embedded backend (a temporary SQLite
file, in-memory channel layer) or the scaled one (a temporary PostgreSQL database and
Redis), and the bare ``websockets`` peer. Every server is a subprocess of its own, so the
load generator never shares its event loop, and its CPU time and RSS are read with psutil.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.request import urlopen

import psutil

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
# A Redis database of its own, away from the tests' (db 0).
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
# The Node peers (bench/peers/, npm packages in bench/peers/package.json).
NODE_PEERS = {"bgio": "boardgameio_server.mjs", "colyseus": "colyseus_server.mjs"}


def raise_fd_limit() -> int:
    """Raise this process's open-files limit to its hard limit (subprocesses inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


class Backend:
    """The environment of a migrated database: ``embedded`` (SQLite file + in-memory
    layer, one process only) or ``scaled`` (PostgreSQL + Redis, any number of processes)."""

    def __init__(self, kind: str, workdir: Path):
        self.kind = kind
        self.workdir = workdir
        self.database = None
        # Every spectator of the load generator comes from 127.0.0.1: no per-address cap.
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env["LOG_LEVEL"] = os.environ.get("BENCH_LOG_LEVEL", "ERROR")  # the servers' logs
        env["MAX_ANONYMOUS_SOCKETS_PER_ADDRESS"] = "0"
        env.pop("REDIS_URL", None)
        env.pop("DATABASE_URL", None)
        if kind == "embedded":
            env["DATABASE_URL"] = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"
        elif kind == "scaled":
            self.database = f"bench_{uuid.uuid4().hex[:10]}"
            self._admin(f'CREATE DATABASE "{self.database}"')
            env["DATABASE_URL"] = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.database
            env["REDIS_URL"] = REDIS_URL
        else:
            raise ValueError(kind)
        self.env = env
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )

    @staticmethod
    def _admin(sql: str) -> None:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://")) as conn:
            conn.autocommit = True
            conn.execute(sql)

    def close(self) -> None:
        if self.database:
            with contextlib.suppress(Exception):
                self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self.database = None


class ServerProcess:
    """One server subprocess: ``daphne`` or ``uvicorn`` serving Boardroom, ``bare``
    (bench/peers/bare_websockets.py), or a Node peer: ``bgio`` (boardgame.io) or
    ``colyseus``."""

    def __init__(self, kind: str, env: dict | None = None, log_dir: Path | None = None):
        self.kind = kind
        self.env = dict(env or os.environ)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env["BOARDROOM_SERVER_ID"] = f"bench-{kind}-{self.port}"
        log_dir = log_dir or Path(tempfile.gettempdir())
        self.log_path = log_dir / f"{kind}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        port = str(self.port)
        if self.kind == "daphne":
            return [sys.executable, "-m", "boardroom.serve", "--port", port, "-v", "0"]
        if self.kind == "daphne-patched":  # BENCH_PATCHES in the environment: see the module
            return [sys.executable, "-m", "bench.patched_serve", "--port", port, "-v", "0"]
        if self.kind == "uvicorn":
            return [
                sys.executable, "-m", "uvicorn", "boardroom.asgi:application",
                "--host", "127.0.0.1", "--port", port, "--log-level", "warning",
                "--no-access-log", "--ws-max-size", "16384",
                "--ws-ping-interval", "20", "--ws-ping-timeout", "30",
                "--backlog", "4096",
            ]  # fmt: skip
        if self.kind == "bare":
            return [sys.executable, "-m", "bench.peers.bare_websockets", "--port", port]
        if self.kind in NODE_PEERS:  # bench/peers/*.mjs: see bench/compare.py
            from bench.compare import node_binary

            return [
                node_binary(),
                str(ROOT / "bench" / "peers" / NODE_PEERS[self.kind]),
                "--port",
                port,
            ]
        raise ValueError(self.kind)

    def start(self, timeout: float = 60) -> ServerProcess:
        raise_fd_limit()
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("a"),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.log_tail()}")
            if reachable("127.0.0.1", self.port) and self._answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.kind} did not start within {timeout}s: {self.log_tail()}")

    def _answers(self) -> bool:
        if self.kind == "bare" or self.kind in NODE_PEERS:
            return True
        try:
            with urlopen(f"{self.url}/api/games/kinds", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return times.user + times.system

    def rss(self) -> int:
        return psutil.Process(self.pid).memory_info().rss

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text()[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


@contextlib.contextmanager
def servers(kind: str, backend: Backend | None, count: int = 1, log_dir: Path | None = None):
    """``count`` started servers of ``kind`` on ``backend`` (None for the bare peer)."""
    started: list[ServerProcess] = []
    try:
        for _ in range(count):
            env = backend.env if backend is not None else None
            started.append(ServerProcess(kind, env, log_dir).start())
        yield started
    finally:
        for server in started:
            server.stop()


@contextlib.contextmanager
def backend(kind: str, workdir: Path):
    made = Backend(kind, workdir)
    try:
        yield made
    finally:
        made.close()


def services_available() -> dict[str, bool]:
    return {"redis": reachable("127.0.0.1", 6379), "postgres": reachable("127.0.0.1", 5432)}
