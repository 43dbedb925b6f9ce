"""A presence row never outlives its socket (game_server.presence, protocol base).

Ghost rows once kept a seat "connected" for good after its socket died without running
``disconnect`` (daphne's close timeout after a flood, a crash while sending, Redis or
PostgreSQL failing at the wrong moment): the opponent could not claim the win and the
owner was locked out with 4429. Each way a socket can die is tried here, and the
sweeper's reconciliation and the reaping of dead processes' rows.
"""

from __future__ import annotations

import asyncio
import datetime

import pytest
import redis.exceptions
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from boardroom.asgi import application
from game_server import consumers, presence, protocol
from game_server.layers import InMemoryChannelLayer
from game_server.models import Connection, Seat, ServerLease
from tests.server.helpers import ORIGIN, anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)


async def rows(game_id) -> int:
    return await database_sync_to_async(Connection.objects.filter(game_id=game_id).count)()


async def settle(game_id, expected: int, seconds: float = 3.0) -> int:
    for _ in range(int(seconds / 0.05)):
        if await rows(game_id) == expected:
            break
        await asyncio.sleep(0.05)
    return await rows(game_id)


async def test_a_consumer_that_crashes_leaves_no_row(monkeypatch):
    game, tokens = await anew_game()

    async def crash(self, message):
        raise RuntimeError("a crash while handling a frame")

    monkeypatch.setitem(consumers.GameConsumer.handlers, "ping", crash)
    player = await connect(game.pk, tokens[0])
    assert await rows(game.pk) == 1
    await player.send({"type": "ping"})
    with pytest.raises(RuntimeError):
        await player.ws.wait(2)
    assert await settle(game.pk, 0) == 0
    seat = await database_sync_to_async(Seat.objects.get)(game=game, index=0)
    assert seat.disconnected_at is not None  # the abandonment grace runs


async def test_a_cancelled_consumer_leaves_no_row():
    """What daphne does to an application that did not finish after the client left."""
    game, tokens = await anew_game()
    player = await connect(game.pk, tokens[0])
    assert await rows(game.pk) == 1
    player.ws.future.cancel()
    await asyncio.sleep(0)
    assert await settle(game.pk, 0) == 0


async def test_a_channel_layer_failing_at_connect_closes_with_4012(monkeypatch):
    game, tokens = await anew_game()

    async def unreachable(self, *args, **kwargs):
        raise redis.exceptions.ConnectionError("Redis is down")

    monkeypatch.setattr(InMemoryChannelLayer, "group_add", unreachable)
    before = protocol.metrics.REFUSED.labels(reason="channel_layer")._value.get()
    communicator = WebsocketCommunicator(
        application, f"/ws/games/{game.pk}/?token={tokens[0]}", headers=[ORIGIN]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    output = await communicator.receive_output(3)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(3)
    assert output["code"] == 4012
    assert protocol.metrics.REFUSED.labels(reason="channel_layer")._value.get() == before + 1
    assert await settle(game.pk, 0) == 0


def test_reconcile_removes_rows_of_sockets_this_process_no_longer_has():
    game, _ = new_started_game()
    old = timezone.now() - datetime.timedelta(seconds=60)
    for name, seat in (("gone", 0), ("live", 1)):
        Connection.objects.create(
            channel_name=name, game=game, seat=seat, server=presence.SERVER_ID
        )
    Connection.objects.update(created_at=old)
    Connection.objects.create(channel_name="young", game=game, seat=None, server=presence.SERVER_ID)
    assert presence.reconcile(live={"live"}) == 1
    assert set(Connection.objects.values_list("channel_name", flat=True)) == {"live", "young"}
    assert Seat.objects.get(game=game, index=0).disconnected_at is not None
    assert Seat.objects.get(game=game, index=1).disconnected_at is None
    assert ServerLease.objects.filter(server=presence.SERVER_ID).exists()


def test_rows_of_a_dead_process_are_reaped_by_the_others(settings):
    settings.SERVER_LEASE_SECONDS = 30
    game, _ = new_started_game()
    long_ago = timezone.now() - datetime.timedelta(seconds=31)
    ServerLease.objects.create(server="dead:8000", heartbeat_at=long_ago)
    ServerLease.objects.create(server="alive:8000", heartbeat_at=timezone.now())
    Connection.objects.create(channel_name="a", game=game, seat=0, server="dead:8000")
    Connection.objects.create(channel_name="b", game=game, seat=None, server="dead:8000")
    Connection.objects.create(channel_name="c", game=game, seat=1, server="alive:8000")
    assert presence.reconcile(live=set()) == 2
    assert list(Connection.objects.values_list("channel_name", flat=True)) == ["c"]
    assert Seat.objects.get(game=game, index=0).disconnected_at is not None
    assert not ServerLease.objects.filter(server="dead:8000").exists()
    assert presence.presence(game.pk)["spectators"] == 0


def new_started_game():
    from tests.server.helpers import new_game

    return new_game()
