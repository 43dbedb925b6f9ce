"""The live-server benchmarks: fan-out, throughput, capacity and the ASGI server
comparison. Each measurement starts fresh server subprocesses (bench/servers.py) and runs
the load generator (bench/loadgen.py) in a process of its own, then collects its result.

Configurations:

* ``bare``: the bare ``websockets`` peer (bench/peers/bare_websockets.py);
* ``daphne-1``: ``python -m boardroom.serve``, embedded backend (SQLite + in-memory
  channel layer), one process;
* ``daphne-2-redis``: two ``boardroom.serve`` processes on PostgreSQL + Redis;
* ``uvicorn-1``: uvicorn serving ``boardroom.asgi:application``, embedded backend.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.servers import ROOT, backend, servers

LOADGEN_TIMEOUT = 1200


@dataclass(frozen=True)
class Config:
    key: str
    label: str
    server: str  # daphne | uvicorn | bare
    backend: str | None  # embedded | scaled | None (bare)
    processes: int = 1


CONFIGS = {
    c.key: c
    for c in (
        Config("bare", "bare websockets (peer)", "bare", None),
        Config("daphne-1", "daphne, 1 process (SQLite + in-memory)", "daphne", "embedded"),
        Config(
            "daphne-2-redis",
            "daphne, 2 processes (PostgreSQL + Redis)",
            "daphne",
            "scaled",
            2,
        ),
        Config("uvicorn-1", "uvicorn, 1 process (SQLite + in-memory)", "uvicorn", "embedded"),
    )
}


class LoadgenError(RuntimeError):
    pass


def run_loadgen(config: dict, timeout: float = LOADGEN_TIMEOUT, log=None) -> dict:
    """Run ``python -m bench.loadgen`` with ``config``; its ``RESULT`` line as a dict."""
    command = [sys.executable, "-m", "bench.loadgen", json.dumps(config)]
    return run_for_result(command, ROOT, timeout, log, LoadgenError)


def run_for_result(command: list[str], cwd, timeout: float, log, error: type) -> dict:
    """Run a load generator (Python or Node) to its end; the JSON of its ``RESULT``
    line, or ``error`` with the end of its stderr."""
    process = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if log is not None:
        log.write(process.stderr)
    for line in process.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise error(f"the load generator failed: {process.stderr[-3000:]}")


class Profiler:
    """``py-spy record`` attached to server processes while a measurement runs."""

    def __init__(self, pids: list[int], out: Path, seconds: int = 120):
        self.commands = [
            [
                _py_spy(),
                "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
                "--nonblocking", "--duration", str(seconds),
                "--output", str(out.with_suffix(f".{pid}.txt")),
            ]
            for pid in pids
        ]  # fmt: skip
        self.outputs = [out.with_suffix(f".{pid}.txt") for pid in pids]
        self.processes: list[subprocess.Popen] = []

    def __enter__(self):
        for command in self.commands:
            self.processes.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            )
        return self

    def __exit__(self, *exc):
        import signal

        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _py_spy() -> str:
    candidate = Path(sys.executable).with_name("py-spy")
    return str(candidate) if candidate.exists() else "py-spy"


def with_servers(key: str, workdir: Path, body, profile: Path | None = None):
    """Start configuration ``key``'s servers on a fresh backend and call
    ``body(servers)``."""
    config = CONFIGS[key]
    if config.backend is None:
        with servers(config.server, None, config.processes, workdir) as started:
            return body(started)
    with backend(config.backend, workdir) as made:
        with servers(config.server, made, config.processes, workdir) as started:
            if profile is None:
                return body(started)
            with Profiler([s.pid for s in started], profile):
                return body(started)


def fanout(key: str, spectators: int, workdir: Path, sizes: dict, log=None, profile=None):
    def body(started):
        config = {
            "part": "fanout",
            "mode": "bare" if key == "bare" else "boardroom",
            "urls": [s.url for s in started],
            "pids": [s.pid for s in started],
            "spectators": spectators,
            "latency_moves": sizes["latency_moves"],
            "burst_moves": sizes["burst_moves"],
        }
        return run_loadgen(config, log=log)

    result = with_servers(key, workdir, body, profile)
    result["config"] = key
    return result


def throughput(key: str, games: int, workdir: Path, log=None, profile=None):
    def body(started):
        config = {
            "part": "throughput",
            "urls": [s.url for s in started],
            "pids": [s.pid for s in started],
            "games": games,
        }
        return run_loadgen(config, log=log)

    result = with_servers(key, workdir, body, profile)
    result["config"] = key
    return result


def capacity(key: str, connections: int, per_game: int, seconds: float, workdir: Path, log=None):
    def body(started):
        config = {
            "part": "capacity",
            "url": started[0].url,
            "pids": [started[0].pid],
            "connections": connections,
            "per_game": per_game,
            "seconds": seconds,
        }
        return run_loadgen(config, log=log)

    result = with_servers(key, workdir, body)
    result["config"] = key
    return result
