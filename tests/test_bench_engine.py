"""The engine benchmark harness keeps working: ``python -m bench.engine --quick`` runs,
checks chess perft counts against the published ones and prints both tables."""

import subprocess
import sys
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_prints_the_tables():
    result = subprocess.run(
        [sys.executable, "-m", "bench.engine", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "| game" in result.stdout and "| position" in result.stdout
    for name in engine.names():
        row = next(line for line in lines if line.startswith(f"| {name} "))
        assert "error" not in row, row
    chess_rows = [line for line in lines if line.startswith(("| start d3", "| kiwipete d2"))]
    assert len(chess_rows) == 2
    for row in chess_rows:
        assert row.rstrip(" |").endswith("x")  # python-chess ran and a ratio was printed
