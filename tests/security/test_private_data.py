"""Hidden information: play Liar's Dice with three seats and two spectators (one
anonymous, one logged in), collect every frame each party receives (snapshots, updates,
moves, presence, chat, errors) and every HTTP answer anyone may fetch about the unfinished
game, and check that none of it depends on dice the party may not see.

The check is by perturbation, stronger than a substring search: for every view a party
got at version ``v``, re-rolling every die the party may not see (each die moved to
another face) must not change that view, and the view must be exactly the engine's.
Outside views, no frame holds another seat's hand at all, and the seed (which predicts
every roll) appears nowhere until the game is over."""

from __future__ import annotations

import dataclasses
import json
import random

import msgpack
import pytest
from channels.db import database_sync_to_async
from django.test import Client as HttpClient

import engine
from game_server.models import Move
from tests.lobby.helpers import make_user, session_cookie
from tests.server.helpers import anew_game, connect
from tests.server.test_hidden import stored_states

pytestmark = pytest.mark.django_db(transaction=True)

if "liars_dice" not in engine.names():  # pragma: no cover
    pytest.skip("liars_dice is not registered", allow_module_level=True)

ENGINE = engine.get("liars_dice")


def plain(value):
    return msgpack.unpackb(msgpack.packb(value))


def perturb(state, keep: int | None):
    """``state`` with every die of every seat but ``keep`` on another face."""
    table = state.position
    dice = tuple(
        hand if seat == keep else tuple(die % 6 + 1 for die in hand)
        for seat, hand in enumerate(table.dice)
    )
    return dataclasses.replace(state, position=dataclasses.replace(table, dice=dice))


def walk(value):
    """Every value nested in ``value`` (lists and dict values), ``value`` included."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from walk(item)


def hidden_hands(states, role) -> list[list[int]]:
    return [
        list(hand)
        for state in states
        for seat, hand in enumerate(state.position.dice)
        if seat != role and hand
    ]


def check_view(view, state, role):
    expected = plain(ENGINE.view(state, role))
    assert view == expected
    assert plain(ENGINE.view(perturb(state, role), role)) == expected, "the view leaks dice"


def http_get(path: str, cookie: bytes | None = None):
    client = HttpClient()
    if cookie:
        name, _, value = cookie.decode().partition("=")
        client.cookies[name] = value
    answer = client.get(path)
    assert answer.status_code == 200, path
    return json.loads(answer.content)


async def test_no_party_ever_sees_dice_it_may_not_see(settings):
    settings.RATE_LIMITS = {"chat": (1000, 1000.0)}  # much chat here (limits: test_limits)
    settings.CHAT_REPEAT_MAX = 1000
    game, tokens = await anew_game("liars_dice", 3, options={"dice": 3}, seed=2024)
    user = await database_sync_to_async(make_user)()
    cookie = await database_sync_to_async(session_cookie)(user)
    players = [await connect(game.pk, token) for token in tokens]
    anonymous = await connect(game.pk)
    parties = {0: players[0], 1: players[1], 2: players[2], None: anonymous}
    rng = random.Random(7)
    version = 0
    late = None
    while version < 14:
        view = [m for m in players[0].seen if "view" in m][-1]["view"]
        if view["outcome"] is not None:
            break
        seat = view["to_move"][0]
        legal = [m for m in players[seat].seen if "view" in m][-1]["view"]["legal_moves"]
        bids = [move for move in legal if move != "challenge"]
        challenge = "challenge" in legal and (version % 5 == 4 or not bids)
        choice = "challenge" if challenge else rng.choice(bids[:4])
        await players[seat].send(
            {"type": "move", "move": choice, "version": version, "request_id": f"m{version}"}
        )
        await players[seat].expect("ack", skip=("update",))
        version += 1
        for party in parties.values():
            while (await party.expect("update"))["version"] < version:
                pass
        # Chat, errors and rejections from everybody, and a logged-in spectator arriving.
        await players[version % 3].send({"type": "chat", "text": f"bid {version}"})
        await anonymous.send({"type": "chat", "text": "hello"})
        await anonymous.expect("reject")
        await players[(seat + 1) % 3].send({"type": "move", "move": "challenge", "version": 0})
        await players[(seat + 1) % 3].expect("reject")
        await players[seat].send({"type": "resync", "version": 0})
        await players[seat].expect("moves")  # public parts of the others' moves only
        if version == 3:
            late = await connect(game.pk, headers=[(b"cookie", cookie)])
            parties["late"] = late
    assert version >= 6, "the game should run for a while"
    for party in parties.values():
        await party.quiet(0.2)
    # A reconnect with ?version= by an opponent gets the moves' public parts.
    again = await connect(game.pk, tokens[1], version=0, first="moves")
    assert again.first["seat"] == 1

    states = await database_sync_to_async(stored_states)(game)
    assert len(states) == version + 1
    stored = await database_sync_to_async(list)(Move.objects.filter(game=game).order_by("ply"))
    public = {m.ply: ENGINE.public_move(states[m.ply - 1], m.data, m.seat) for m in stored}
    for shown in again.first["moves"]:
        assert shown["seat"] == 1 or shown["move"] == public[shown["version"]]
    for role, party in parties.items():
        seat = None if role == "late" else role
        hands = hidden_hands(states, seat)
        for frame in party.seen:
            if "view" in frame:
                check_view(frame["view"], states[frame["version"]], seat)
            if frame["type"] == "update" and frame["seat"] != seat:
                assert frame["move"] == public[frame["version"]]  # a bid, never dice
            rest = {key: value for key, value in frame.items() if key != "view"}
            for value in walk(rest):
                assert value not in hands, (role, frame)
                assert value != game.seed, (role, frame)

    # HTTP: everything anybody may fetch about the unfinished game.
    fetch = database_sync_to_async(http_get)
    current = states[version]
    detail = await fetch(f"/api/games/{game.pk}")
    check_view(detail["view"], current, None)
    record = await fetch(f"/api/games/{game.pk}/record")
    assert record["seed"] is None and record["moves"] is None
    replay = await fetch(f"/games/{game.pk}/replay.json")
    assert len(replay["plies"]) == version + 1
    for ply in replay["plies"]:
        check_view(ply["view"], states[ply["ply"]], None)
        assert ply.get("move") == public.get(ply["ply"])  # public parts only
    directory = await fetch("/api/lobby/directory", cookie)
    # Outside the views (checked above; a past round's dice are public in `last_reveal`),
    # no hand and no seed.
    hands = hidden_hands(states, None)
    replay["plies"] = [{**ply, "view": None} for ply in replay["plies"]]
    for body in ({**detail, "view": None}, record, replay, directory):
        for value in walk(body):
            assert value not in hands and value != game.seed
    for client in [*parties.values(), again]:
        await client.close()
