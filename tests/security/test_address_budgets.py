"""Per-address budgets (game_server.limits): what one address can make the server create
or hold without limit otherwise: guest users and anonymous sockets."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient

from boardroom.asgi import application
from game_server import limits
from tests.server.helpers import ORIGIN, anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)


def test_cookie_less_guest_creation_is_budgeted_per_address(settings):
    settings.GUEST_BUDGET = (5, 0.001)
    users = get_user_model().objects.count()
    answers = [HttpClient().get("/api/me") for _ in range(8)]  # no cookie: a new guest each
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert get_user_model().objects.count() == users + 5
    other = HttpClient(REMOTE_ADDR="10.0.0.9").get("/api/me")  # another address is not hit
    assert other.status_code == 200
    known = HttpClient()
    known.cookies = answers[0].cookies  # an existing guest is no new guest
    assert known.get("/api/me").status_code == 200


async def test_anonymous_sockets_are_capped_per_address(settings):
    settings.MAX_ANONYMOUS_SOCKETS_PER_ADDRESS = 3
    game, tokens = await anew_game()
    watchers = [await connect(game.pk) for _ in range(3)]
    refused = WebsocketCommunicator(application, f"/ws/games/{game.pk}/", headers=[ORIGIN])
    connected, _ = await refused.connect(timeout=5)
    assert connected
    closed = await refused.receive_output(3)
    assert closed == {"type": "websocket.close", "code": 4429}
    player = await connect(game.pk, tokens[0])  # a seat token is not anonymous
    await watchers[0].close()
    again = await connect(game.pk)  # a place is free again
    for client in [*watchers[1:], player, again]:
        await client.close()
    assert limits.ANONYMOUS_SOCKETS.open.get(None, 0) == 0  # every place given back
