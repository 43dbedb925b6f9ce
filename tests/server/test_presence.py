"""Presence is coalesced (game_server/presence.py): a burst of joins costs a few frames,
not one per join to everyone, and the last frame always shows the final state."""

from __future__ import annotations

import asyncio

import pytest

from game_server import presence
from tests.server.helpers import anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)

SPECTATORS = 12


async def presence_frames(client, until_spectators: int) -> list[dict]:
    frames = []
    while not frames or frames[-1]["spectators"] != until_spectators:
        message = await client.recv(wait=3)
        if message["type"] == "presence":
            frames.append(message)
    return frames


async def test_a_burst_of_spectators_costs_a_few_presence_frames_ending_with_the_truth():
    game, tokens = await anew_game()
    player = await connect(game.pk, tokens[0])
    await presence_frames(player, 0)
    await asyncio.sleep(presence.INTERVAL)  # a quiet game: the next change goes out at once
    watchers = await asyncio.gather(*(connect(game.pk) for _ in range(SPECTATORS)))
    frames = await presence_frames(player, SPECTATORS)
    # One frame per join would be 12; at most one at once and one per interval after.
    assert len(frames) <= 3, [frame["spectators"] for frame in frames]
    await asyncio.sleep(2 * presence.INTERVAL)
    while not await player.ws.receive_nothing(0.1):  # nothing stale arrives after it
        late = await player.recv()
        assert late["type"] != "presence" or late["spectators"] == SPECTATORS, late
    for watcher in watchers[:5]:
        await watcher.close()
    frames = await presence_frames(player, SPECTATORS - 5)
    assert len(frames) <= 2
    for watcher in watchers[5:]:
        await watcher.close()
    await player.close()


async def test_a_single_change_in_a_quiet_game_is_announced_at_once(monkeypatch):
    waits = []
    send = presence.Coalescer.send

    async def recording_send(self, game_id, layer, wait):
        waits.append(wait)
        await send(self, game_id, layer, wait)

    monkeypatch.setattr(presence.Coalescer, "send", recording_send)
    game, tokens = await anew_game()
    player = await connect(game.pk, tokens[0])
    await presence_frames(player, 0)
    await asyncio.sleep(presence.INTERVAL)  # quiet for a whole interval
    waits.clear()
    watcher = await connect(game.pk)
    await presence_frames(player, 1)
    assert waits == [0]  # scheduled with no wait, not held for the interval
    await watcher.close()
    await player.close()
