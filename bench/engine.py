"""Engine benchmark: perft nodes per second for every registered game, and chess against
python-chess on the same positions in the same run (the machine is shared and noisy, so
only the ratio between the two is meaningful across machines).

    python -m bench.engine            # every game ~1-3 s, chess start d4 and Kiwipete d3
    python -m bench.engine --full     # adds chess start position depth 5 (4,865,609 nodes)
    python -m bench.engine --quick    # a seconds-long smoke run (used by the test suite)

Each figure is the best of ``--repeat`` runs. python-chess's perft is the usual one from
its examples: ``legal_moves.count()`` at the last ply, push/pop above it; ours is
``engine.perft``, which calls the game's ``perft`` hook when it has one.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import engine

KIWIPETE = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1"
START = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"

# (label, FEN, depth, published node count) from the Chess Programming Wiki "Perft Results".
CHESS_POSITIONS = {
    "quick": [("start", START, 3, 8902), ("kiwipete", KIWIPETE, 2, 2039)],
    "normal": [("start", START, 4, 197281), ("kiwipete", KIWIPETE, 3, 97862)],
    "full": [
        ("start", START, 4, 197281),
        ("kiwipete", KIWIPETE, 3, 97862),
        ("start", START, 5, 4865609),
    ],
}


def best_time(repeat: int, function, *args) -> tuple[int, float]:
    """``function(*args)`` and its fastest wall time over ``repeat`` runs."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - started)
    return result, best


def python_chess_perft(board, depth: int) -> int:
    if depth == 1:
        return board.legal_moves.count()
    if depth == 0:
        return 1
    nodes = 0
    for move in board.legal_moves:
        board.push(move)
        nodes += python_chess_perft(board, depth - 1)
        board.pop()
    return nodes


def python_chess_perft_from(chess_module, fen: str, depth: int) -> int:
    return python_chess_perft(chess_module.Board(fen), depth)


def game_rows(budget: float, repeat: int, max_depth: int = 20) -> list[tuple]:
    """Per game: the deepest start-position perft expected to fit in ``budget`` seconds."""
    rows = []
    for game in engine.all_games():
        state = game.initial_state(game.min_players, seed=1)
        depth, nodes, seconds, previous_nodes = 0, 0, 0.0, 1
        try:
            while depth < max_depth:
                next_nodes, next_seconds = best_time(1, engine.perft, game, state, depth + 1)
                if next_nodes == 0:
                    break
                depth, nodes, seconds = depth + 1, next_nodes, next_seconds
                branching = max(nodes / max(previous_nodes, 1), 1.0)
                previous_nodes = nodes
                if seconds * branching > budget:  # the next depth would overshoot
                    break
            if repeat > 1:
                nodes, seconds = best_time(repeat, engine.perft, game, state, depth)
        except Exception as error:  # a broken game must not hide the others' figures
            rows.append((game.name, "-", "-", "-", f"error: {error!r}"))
            continue
        rows.append((game.name, depth, f"{nodes:,}", f"{seconds:.3f}", f"{nodes / seconds:,.0f}"))
    return rows


def chess_rows(positions, repeat: int) -> list[tuple]:
    try:
        import chess
    except ImportError:  # the bench extra is not installed
        chess = None
    game = engine.get("chess")
    rows = []
    for label, fen, depth, expected in positions:
        state = game.state_from_text(fen)
        nodes, ours = best_time(repeat, engine.perft, game, state, depth)
        if nodes != expected:
            raise SystemExit(f"chess perft {label} d{depth}: {nodes}, expected {expected}")
        if chess is None:
            theirs_text, ratio_text = "n/a", "n/a"
        else:
            theirs_nodes, theirs = best_time(repeat, python_chess_perft_from, chess, fen, depth)
            assert theirs_nodes == expected
            theirs_text = f"{expected / theirs:,.0f}"
            ratio_text = f"{theirs / ours:.2f}x"
        rows.append(
            (f"{label} d{depth}", f"{nodes:,}", f"{nodes / ours:,.0f}", theirs_text, ratio_text)
        )
    return rows


def table(headers: tuple, rows: list[tuple]) -> str:
    cells = [tuple(str(c) for c in headers)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.engine", description=__doc__.split("\n")[0]
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    mode.add_argument("--full", action="store_true", help="add chess start position depth 5")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (best kept)")
    args = parser.parse_args(argv)
    kind = "quick" if args.quick else "full" if args.full else "normal"
    repeat = args.repeat or (1 if args.quick else 3)
    budget = 0.05 if args.quick else 1.5

    print(f"Python {platform.python_version()} ({platform.python_implementation()}), {kind} run")
    print()
    print("Perft from each game's start position (generic perft or the game's hook):")
    print()
    print(table(("game", "depth", "nodes", "seconds", "nodes/s"), game_rows(budget, repeat)))
    print()
    print("Chess against python-chess (same positions, same run; ratio = speedup of ours):")
    print()
    headers = ("position", "nodes", "ours nodes/s", "python-chess nodes/s", "ours/python-chess")
    print(table(headers, chess_rows(CHESS_POSITIONS[kind], repeat)))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
