"""A clock that runs out with nobody connected is applied exactly once, though every
server process sweeps for expired clocks: two daphne processes on one PostgreSQL."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from game_server.client import api, create_game, take_seat

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

GAMES = 6
CLOCK = {"kind": "move", "seconds": 1}


def stored_actions(database_url: str, game_ids: list[str]) -> dict[str, list[tuple]]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT game_id, ply, seat, data FROM game_server_move"
            " WHERE game_id = ANY(%s) ORDER BY game_id, ply",
            (game_ids,),
        ).fetchall()
    actions: dict[str, list[tuple]] = {game_id: [] for game_id in game_ids}
    for game_id, ply, seat, data in rows:
        actions[game_id].append((ply, seat, data))
    return actions


async def test_two_processes_sweep_but_each_timeout_is_stored_once(
    scale_database, redis_url, start_servers
):
    a, b = start_servers(2, scale_database.url, redis_url, SWEEP_INTERVAL="0.05")
    game_ids = []
    for index in range(GAMES):
        server = (a, b)[index % 2]
        game = await create_game(server.url, "tictactoe", options={"time_control": CLOCK})
        game_ids.append(game["id"])
        for name in ("x", "o"):  # the clock starts with the last seat: x has 1 s to move
            await take_seat(server.url, game["id"], name=name)
    # Nobody ever connects: both processes' sweepers find the same expired deadlines.
    for game_id in game_ids:
        for _ in range(100):
            detail = await api(a.url, "GET", f"/api/games/{game_id}")
            if detail["status"] == "finished":
                break
            await asyncio.sleep(0.1)
        assert detail["outcome"] == {
            "winners": [1],
            "draw": False,
            "reason": "timeout",
            "scores": None,
        }
    await asyncio.sleep(0.5)  # time for a late second timeout to show up, if any
    for game_id, actions in stored_actions(scale_database.url, game_ids).items():
        assert actions == [(1, 0, {"action": "timeout"})], (game_id, actions)
