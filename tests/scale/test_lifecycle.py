"""/healthz, /metrics and asking sockets to reconnect, in one process (SQLite and the
in-memory channel layer): the parts of the scale-out work that need no services."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from django.db import OperationalError
from django.test import AsyncClient

from boardroom import health
from game_server import actions, lifecycle, metrics, presence, protocol
from tests.server.helpers import anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)


async def test_healthz_reports_each_part():
    response = await AsyncClient().get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "channel_layer": "ok",
    }


async def test_healthz_is_503_naming_the_failed_part(monkeypatch):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("redis is gone")

    monkeypatch.setattr(health, "get_channel_layer", lambda: BrokenLayer())
    response = await AsyncClient().get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503 and body["status"] == "unavailable"
    assert body["database"] == "ok" and "redis is gone" in body["channel_layer"]


async def test_healthz_answers_within_its_limit_when_the_database_stalls(monkeypatch):
    release = threading.Event()

    def stalled():
        release.wait(30)  # a query that never returns (packets dropped, a lock)
        return "ok"

    monkeypatch.setattr(health, "TIMEOUT", 0.5)
    monkeypatch.setattr(health, "check_database", stalled)
    loop = asyncio.get_running_loop()
    start = loop.time()
    response = await AsyncClient().get("/healthz")
    waited = loop.time() - start
    release.set()
    body = json.loads(response.content)
    assert response.status_code == 503 and "no answer within" in body["database"]
    assert body["channel_layer"] == "ok"
    assert waited < 5  # the limit (0.5 s here) plus scheduling, never the stall (30 s)


async def test_metrics_count_sockets_and_moves():
    game, tokens = await anew_game("tictactoe")
    before = metrics.MOVES._value.get()
    client = await connect(game.pk, tokens[0])
    page = (await AsyncClient().get("/metrics")).content.decode()
    assert 'boardroom_open_connections{socket="game"} 1.0' in page
    assert "boardroom_games_in_progress 1.0" in page
    await client.send({"type": "move", "move": 4, "version": 0, "request_id": "m1"})
    await client.expect("ack")
    await client.expect("update")
    assert metrics.MOVES._value.get() == before + 1
    page = (await AsyncClient().get("/metrics")).content.decode()
    assert "boardroom_broadcast_seconds_count" in page
    await client.close()
    await asyncio.sleep(0.1)
    page = (await AsyncClient().get("/metrics")).content.decode()
    assert 'boardroom_open_connections{socket="game"} 0.0' in page


async def test_close_all_closes_sockets_with_4012_after_cleaning_up():
    game, tokens = await anew_game("tictactoe")
    player = await connect(game.pk, tokens[0])
    spectator = await connect(game.pk)
    assert await lifecycle.close_all(wait=5) == 2
    for client in (player, spectator):
        assert (await client.expect("closed", skip=("presence",)))["code"] == 4012
    assert not lifecycle.connections
    # the consumers' disconnect ran: no presence rows are left
    assert (await services_presence(game.pk))["spectators"] == 0


async def services_presence(game_id):
    from channels.db import database_sync_to_async

    return await database_sync_to_async(presence.presence)(game_id)


def test_database_errors_in_the_move_path_become_unavailable(monkeypatch):
    calls = []

    @actions.unavailable_on_database_errors
    def failing():
        calls.append(1)
        raise OperationalError("connection refused")

    with pytest.raises(protocol.Rejected) as rejected:
        failing()
    assert rejected.value.code == protocol.Code.UNAVAILABLE
    assert len(calls) == 2  # once more on a fresh connection, then unavailable
