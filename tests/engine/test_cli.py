"""The ``python -m engine`` command line, run as a user would run it: in a subprocess."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_REVERSI = "---------------------------OX------XO--------------------------- X"


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_games_lists_every_registered_game():
    result = run("games")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert {"tictactoe", "connect4", "reversi"} <= set(rows)
    assert "Tic-tac-toe" in rows["tictactoe"] and "2 players" in rows["tictactoe"]
    assert "Connect Four" in rows["connect4"]


def test_perft_tictactoe_counts_the_games_that_fill_the_board():
    # 127872 of the 255168 tic-tac-toe games last all nine plies (Henry Bottomley's
    # "How many Tic-Tac-Toe games are possible?", se16.info/hgb/tictactoe.htm).
    result = run("perft", "tictactoe", "9")
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()[:2]
    assert first == "127872"
    assert "nodes/s" in second


def test_perft_from_a_position_text():
    # After "44" every column is still open for four more plies: 7**4 (see test_connect4).
    result = run("perft", "connect4", "4", "--position", "44")
    assert result.stdout.splitlines()[0] == "2401"


def test_perft_reversi_matches_the_published_count():
    # Aart Bik, "Perft for Reversi": 56 leaves at depth 3 from the start.
    assert run("perft", "reversi", "3").stdout.splitlines()[0] == "56"
    with_position = run("perft", "reversi", "3", "--position", START_REVERSI)
    assert with_position.stdout.splitlines()[0] == "56"


def test_unknown_games_and_bad_positions_are_reported_not_raised():
    result = run("perft", "go", "1")
    assert result.returncode == 2 and "unknown_game" in result.stderr
    result = run("perft", "connect4", "1", "--position", "9")
    assert result.returncode == 2 and "invalid_position" in result.stderr


def test_play_tictactoe_to_a_win_from_stdin():
    # x: 0, then o: a2 (=3), x: 1, o: 4, x: c3 (=2) completes the top row.
    # "9" and "b2" (taken) are rejected and asked again; both notation and data work.
    result = run("play", "tictactoe", stdin="0\na2\n9\n1\n4\nb2\nc3\n")
    assert result.returncode == 0, result.stderr
    assert "error: illegal_move" in result.stdout
    assert result.stdout.count("error:") == 2
    assert "position: xxxoo----" in result.stdout
    assert result.stdout.rstrip().endswith("game over: seat 0 wins (three_in_a_row)")


def test_play_handles_resignation_and_draw_offers():
    resigned = run("play", "connect4", stdin="d\nresign\n")
    assert resigned.stdout.rstrip().endswith("game over: seat 0 wins (resignation)")
    agreed = run("play", "connect4", stdin="draw\ny\n")
    assert agreed.stdout.rstrip().endswith("game over: draw (draw_agreed)")
    declined = run("play", "connect4", "--random", "1", stdin="draw\n")
    assert "seat 1 declines the draw" in declined.stdout
    assert declined.returncode == 1 and "end of input" in declined.stdout


def test_random_movers_are_deterministic_for_a_seed():
    first = run("play", "reversi", "--random", "0,1", "--seed", "7")
    again = run("play", "reversi", "--random", "0,1", "--seed", "7")
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout
    assert "game over:" in first.stdout and "scores" in first.stdout
