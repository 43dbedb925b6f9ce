"""The example of docs/writing-a-bot.md, run as it is printed: two bot accounts (made
in the server's database with ``manage.py shell``) each run the example against a real
daphne server; quick match pairs them into one rated Connect Four game, which they play
to the end with the engine's MCTS, and both are rated and on the leaderboard."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests import servers

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "writing-a-bot.md"

MAKE_BOTS = """
from game_server.models import Profile
from django.contrib.auth import get_user_model
from accounts import tokens
out = []
for name in ("example_bot_a", "example_bot_b"):
    user = get_user_model().objects.create_user(username=name, password="unused-pass-123")
    Profile.objects.create(user=user, display_name=name, bot=True)
    out.append(tokens.create(user, "example")[1])
print(" ".join(out))
"""


def example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.DOTALL)
    assert len(blocks) == 1, "the guide has one Python example"
    assert len(blocks[0].strip().splitlines()) <= 20
    return blocks[0]


def test_the_guide_example_plays_a_rated_game_to_the_end(tmp_path):
    script = tmp_path / "my_bot.py"
    script.write_text(example())
    env = servers.sqlite_env(tmp_path / "db.sqlite3")
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MAKE_BOTS],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    tokens = made.stdout.split("\n")[-2].split()  # the last line (shell prints a banner)
    assert len(tokens) == 2
    server = servers.Server(env, tmp_path / "server.log").start()
    try:
        bots = [
            subprocess.Popen(
                [sys.executable, str(script)],
                cwd=ROOT,
                env={
                    **env,
                    "PYTHONPATH": str(ROOT),
                    "BOARDROOM_URL": server.url,
                    "BOARDROOM_TOKEN": token,
                },
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for token in tokens
        ]
        outputs = [bot.communicate(timeout=240) for bot in bots]
        for bot, (out, err) in zip(bots, outputs, strict=True):
            assert bot.returncode == 0, f"{out}\n{err}\n{server.log_tail()}"
        games = {out.split()[0] for out, _ in outputs}
        assert len(games) == 1, outputs  # matched with each other
        game = games.pop()
        with urllib.request.urlopen(f"{server.url}/api/games/{game}", timeout=10) as answer:
            detail = json.loads(answer.read())
        assert detail["status"] == "finished" and detail["game"]["rated"] is True
        url = f"{server.url}/api/lobby/leaderboard?kind=connect4"
        with urllib.request.urlopen(url, timeout=10) as answer:
            board = json.loads(answer.read())["ratings"]
        assert {row["username"] for row in board} == {"example_bot_a", "example_bot_b"}
        assert all(row["games"] == 1 and row["bot"] for row in board)
        with urllib.request.urlopen(f"{server.url}/@/example_bot_a/", timeout=10) as answer:
            assert f'data-game="{game}"' in answer.read().decode()
    finally:
        server.stop()
    assert not any(token in server.log.read_text() for token in tokens)
