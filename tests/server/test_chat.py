"""Chat channels and the recent chat in snapshots (issue #15): players' chat and
spectators' chat are separate; spectators read both; a reload gets the recent chat."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from game_server import seating
from tests.server.helpers import connect
from tests.server.test_consumer import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_channels_and_history():
    def setup():
        game = seating.create_game("tictactoe", 2, rated=True)
        tokens = [seating.take_seat(game, None, name=name)[1] for name in ("Ada", "Bob")]
        watcher = seating.create_guest()
        seating.set_display_name(watcher, "Kibitzer")
        return game, tokens, session_cookie_for(watcher)

    game, tokens, cookie = await database_sync_to_async(setup)()
    ada, bob = [await connect(game.pk, token) for token in tokens]
    watcher = await connect(game.pk, headers=[cookie])
    assert ada.first["chat"] == [] and watcher.first["chat"] == []

    await ada.send({"type": "chat", "text": "good luck"})
    for client in (ada, bob, watcher):
        chat = await client.expect("chat")
        assert (chat["channel"], chat["name"], chat["text"]) == ("players", "Ada", "good luck")
    await watcher.send({"type": "chat", "text": "e4 wins"})
    chat = await watcher.expect("chat")
    assert (chat["channel"], chat["seat"], chat["text"]) == ("spectators", None, "e4 wins")
    for player in (ada, bob):
        assert await player.quiet(0.3)  # never the spectators' channel
        assert not [m for m in player.seen if m.get("text") == "e4 wins"]

    # A reload: the snapshot carries the recent chat this role may read, oldest first.
    again = await connect(game.pk, tokens[1])
    assert [(c["name"], c["text"]) for c in again.first["chat"]] == [("Ada", "good luck")]
    late = await connect(game.pk, headers=[cookie])
    assert [(c["channel"], c["text"]) for c in late.first["chat"]] == [
        ("players", "good luck"),
        ("spectators", "e4 wins"),
    ]
    for client in (ada, bob, watcher, again, late):
        await client.close()
