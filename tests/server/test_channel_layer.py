"""The embedded default's channel layer (game_server/layers.py): a seeded global ``random``
(any library's ``random.seed``, or Hypothesis, which reseeds it before every example) must
not give two live sockets one channel name. With Channels' own in-memory layer it did:
the fuzzer's bystander spectator shared its name with a reconnected client, and when that
client left, ``group_discard`` took the bystander out of the game's group."""

from __future__ import annotations

import random

import pytest
from channels.layers import get_channel_layer

from game_server import services
from tests.server.helpers import anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)


async def test_channel_names_do_not_follow_the_global_random_state():
    layer = get_channel_layer()
    names = set()
    for _ in range(3):
        random.seed(0)
        names.add(await layer.new_channel())
    assert len(names) == 3
    for name in names:
        layer.require_valid_channel_name(name)


async def test_a_spectator_keeps_its_updates_when_another_socket_made_under_the_same_seed_leaves():
    game, tokens = await anew_game()
    player = await connect(game.pk, tokens[0])
    random.seed(0)
    bystander = await connect(game.pk)
    random.seed(0)
    passerby = await connect(game.pk)
    await passerby.close()
    group = get_channel_layer().groups[services.group_name(game.pk)]
    assert len(group) == 2  # the player and the bystander
    await player.send({"type": "move", "move": 4, "version": 0, "request_id": "r0"})
    assert (await player.expect("ack", skip=("update",)))["version"] == 1
    update = await bystander.expect("update")
    assert update["version"] == 1
    await player.close()
    await bystander.close()
