"""Hidden information over the socket: no frame to a spectator or an opponent ever holds
another seat's private data. Every view a connection receives is exactly the engine's
view for its role at that version, and a move is only echoed to the seat that made it."""

from __future__ import annotations

import random

import msgpack
import pytest
from channels.db import database_sync_to_async

import engine
from game_server.models import Move
from tests.server.helpers import anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_hidden_information_game_is_registered():
    """The tests below need one; they must never silently test nothing."""
    assert "liars_dice" in engine.names()
    assert engine.get("liars_dice").rules.hidden_information


def stored_states(game):
    """The state after every stored version, rebuilt independently of the server."""
    game_engine = engine.get(game.kind)
    state = game_engine.initial_state(game.num_players, game.seed, game.options)
    states = [state]
    for move in Move.objects.filter(game=game).order_by("ply"):
        state = game_engine.apply(state, move.data, move.seat)
        states.append(state)
    return states


async def test_no_frame_leaks_another_seats_dice():
    game, tokens = await anew_game("liars_dice", 3, options={"dice": 2}, seed=11)
    players = [await connect(game.pk, token) for token in tokens]
    spectator = await connect(game.pk)
    everyone = [*players, spectator]
    rng = random.Random(5)
    version = 0
    view = players[0].first["view"]
    while view["outcome"] is None and version < 200:
        seat = view["to_move"][0]
        legal = [m for m in players[seat].seen if "view" in m][-1]["view"]["legal_moves"]
        choice = "challenge" if "challenge" in legal and rng.random() < 0.4 else rng.choice(legal)
        await players[seat].send(
            {"type": "move", "move": choice, "version": version, "request_id": f"m{version}"}
        )
        await players[seat].expect("ack", skip=("update",))
        version += 1
        for client in everyone:
            update = await client.expect("update")
            while update["version"] < version:
                update = await client.expect("update")
        view = update["view"]
    assert view["outcome"] is not None, "the game should end within 200 actions"
    # A reconnecting opponent gets the moves as it may see them: its own whole, the
    # others' public part only (engine.public_move: a bid or a challenge, never dice).
    await players[1].send({"type": "resync", "version": 0})
    caught_up = await players[1].expect("moves")
    assert caught_up["seat"] == 1 and len(caught_up["moves"]) == version

    states = await database_sync_to_async(stored_states)(game)
    game_engine = engine.get("liars_dice")
    stored = await database_sync_to_async(list)(Move.objects.filter(game=game).order_by("ply"))
    for move, shown in zip(stored, caught_up["moves"], strict=True):
        public = game_engine.public_move(states[move.ply - 1], move.data, move.seat)
        assert shown["move"] == (move.data if move.seat == 1 else public)
    for role, client in [(0, players[0]), (1, players[1]), (2, players[2]), (None, spectator)]:
        frames = [m for m in client.seen if "view" in m]
        assert len(frames) >= version
        for message in frames:
            expected = game_engine.view(states[message["version"]], role)
            # msgpack turns tuples into lists: compare through the same encoding.
            assert msgpack.unpackb(msgpack.packb(expected)) == message["view"]
            dice = message["view"]["position"]["dice"]
            if role is None:
                assert dice is None
            if message["type"] == "update" and message["seat"] != role:
                # others see the move's public part: a bid or a challenge, never dice
                before = states[message["version"] - 1]
                mover_data = stored[message["version"] - 1].data
                public = game_engine.public_move(before, mover_data, message["seat"])
                assert message["move"] == public
    for client in everyone:
        await client.close()
