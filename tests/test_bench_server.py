"""The live-server benchmark harness keeps working: ``python -m bench --quick`` with tight
sizes starts real servers (the bare peer and daphne), runs the fan-out and throughput load
generators in their own process and prints the tables, with no error, lost or duplicated
update. (Redis + PostgreSQL runs are left out here: ``--no-scaled``.)"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def rows(text: str, column: str) -> list[list[str]]:
    """The body rows of the Markdown table with a ``column`` header."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|") and column in line)
    body = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        body.append([cell.strip() for cell in line.strip("|").split("|")])
    return body


def test_quick_live_benchmark_prints_the_tables_without_errors():
    result = subprocess.run(
        [
            sys.executable, "-m", "bench", "--quick", "--no-progress", "--no-scaled",
            "--only", "fanout,throughput", "--spectators", "5", "--games", "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "Failures" not in result.stdout, result.stdout
    fanout = rows(result.stdout, "| deliveries/s |")
    servers = {row[0] for row in fanout}
    assert any(s.startswith("bare websockets") for s in servers), fanout
    assert any(s.startswith("daphne, 1 process") for s in servers), fanout
    for row in fanout:
        assert row[-1] == "0/0/0", row  # lost/duplicated/errors
        assert row[6] != "-", row  # deliveries/s measured
    throughput = rows(result.stdout, "| RTT p50 ms |")
    assert throughput, result.stdout
    for row in throughput:
        moves, expected = row[2].split("/")
        assert moves == expected, row
        assert row[-1] == "0", row  # errors


def test_quick_peers_comparison_plays_one_game_on_every_system():
    """``python -m bench --quick --only peers``: ``npm ci`` in bench/peers when needed (the
    npm registry only), then Boardroom, boardgame.io, Colyseus and the bare peer each start,
    play two paced Connect Four games and feed a few spectators through the one Node load
    generator, with no error, lost or duplicated move."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--no-progress",
            "--no-scaled",
            "--only",
            "peers",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # npm ci the first time; about 15 s afterwards
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "Failures" not in result.stdout, result.stdout
    table = rows(result.stdout, "| measure ")
    header = next(line for line in result.stdout.splitlines() if line.startswith("| measure "))
    systems = [cell.strip() for cell in header.strip("|").split("|")][1:]
    assert [s.split(" ")[0] for s in systems] == ["Boardroom,", "boardgame.io", "Colyseus", "bare"]
    measures = {row[0]: row[1:] for row in table}
    moves = next(v for k, v in measures.items() if k.startswith("moves/s"))
    assert all(cell != "-" for cell in moves), measures
    assert measures["errors, lost, duplicated or failed (all repeats)"] == ["0"] * 4, measures
