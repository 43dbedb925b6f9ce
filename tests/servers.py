"""Real servers for the real-socket tests: ``python -m boardroom.serve`` subprocesses,
a private ``redis-server``, a fresh PostgreSQL database and a pausable TCP proxy.

Shared by tests/server (one process on SQLite) and tests/scale (several processes on
PostgreSQL and Redis).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def migrate(env: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


class Server:
    """One ``python -m boardroom.serve`` process with the environment ``env``; its
    stderr goes to ``log``."""

    def __init__(self, env: dict, log: Path, port: int | None = None):
        self.env = {**env, "PYTHONUNBUFFERED": "1"}
        self.log = log
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "boardroom.serve", "--port", str(self.port), "-v", "2"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self.log.open("a"),
            text=True,
        )
        line = self.process.stdout.readline()  # the server prints its address when ready
        assert f"http://127.0.0.1:{self.port}/" in line, (
            f"the server did not start: {line!r} {self.log_tail()}"
        )
        return self

    def log_tail(self, size: int = 3000) -> str:
        return self.log.read_text()[-size:] if self.log.exists() else ""

    def send_signal(self, sig) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)

    def wait(self, seconds: float = 15) -> int:
        return self.process.wait(timeout=seconds)

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGUSR1)  # serve.py dumps every stack
                time.sleep(1)
                self.process.kill()
                raise AssertionError(f"the server did not stop: {self.log_tail()}") from None
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


class RedisServer:
    """A private, non-persistent ``redis-server`` on its own port (restartable)."""

    def __init__(self, directory: Path, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self, sig=signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)


class PostgresDatabase:
    """``CREATE DATABASE boardroom_scale_<random>`` on the server of ``admin_url``;
    :meth:`drop` removes it (terminating the sessions still on it)."""

    def __init__(self, admin_url: str, prefix: str = "boardroom_scale"):
        self.admin_url = admin_url
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.url = urlunparse(urlparse(admin_url)._replace(path=f"/{self.name}"))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql)

    def create(self) -> PostgresDatabase:
        self._admin(f'CREATE DATABASE "{self.name}"')
        return self

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def via(self, host: str, port: int) -> str:
        """This database's URL through another address (a proxy)."""
        parsed = urlparse(self.url)
        user = parsed.username or ""
        auth = f"{user}:{parsed.password}@" if parsed.password else (f"{user}@" if user else "")
        return urlunparse(parsed._replace(netloc=f"{auth}{host}:{port}"))


class TcpProxy:
    """A TCP forwarder to ``target`` that can cut every connection and refuse new ones
    (:meth:`cut`) until :meth:`restore`: a database that is briefly unreachable; or
    :meth:`hang`: connections stay open (new ones are accepted) but nothing is forwarded
    either way until :meth:`restore`: a database that stopped answering."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.refusing = False
        self._flowing = threading.Event()
        self._flowing.set()
        self._pairs: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            threading.Thread(target=self._open, args=(client,), daemon=True).start()

    def _open(self, client: socket.socket) -> None:
        with self._lock:
            self._pairs.add(client)
        self._flowing.wait()  # hung: accepted, never answered
        with self._lock:
            if client not in self._pairs:  # cut meanwhile
                return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._close(client)
            return
        upstream.settimeout(None)
        with self._lock:
            if client not in self._pairs:  # cut meanwhile
                upstream.close()
                return
            self._pairs.add(upstream)
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()  # hung: held here, the sender's buffers fill up
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._pairs.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self) -> None:
        """Refuse new connections and reset every open one."""
        self.refusing = True
        with self._lock:
            open_sockets = list(self._pairs)
        for sock in open_sockets:
            self._close(sock)

    def hang(self) -> None:
        """Keep every connection open and accept new ones, but forward nothing."""
        self._flowing.clear()

    def restore(self) -> None:
        self.refusing = False
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._flowing.set()  # the threads held by a hang find their sockets closed
        self._listener.close()


def sqlite_env(path: Path) -> dict:
    """The environment of an embedded server on a migrated SQLite file at ``path``."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    env.pop("REDIS_URL", None)
    migrate(env)
    return env


def scaled_env(database_url: str, redis_url: str, prefix: str | None = None) -> dict:
    """The environment of a scaled server: PostgreSQL, Redis, a private channel prefix."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    env["CHANNEL_PREFIX"] = prefix or f"t{uuid.uuid4().hex[:8]}"
    env.setdefault("LOG_LEVEL", "WARNING")
    return env
