"""The live directory lists games someone is playing (issue #15: abandoned games stayed in
"Playing now" for ever while the counter said "0 playing")."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from game_server.models import Connection, Game
from lobby import bots, directory, matchmaking
from tests.lobby.helpers import make_user
from tests.server.helpers import new_game

pytestmark = pytest.mark.django_db(transaction=True)


def started_long_ago(game):
    Game.objects.filter(pk=game.pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=directory.STARTING_SECONDS + 5)
    )


def listed():
    return [entry["game"] for entry in directory.live()]


def test_a_game_nobody_plays_leaves_playing_now():
    game, _ = new_game()
    assert listed() == [game.pk]  # just started: the players' pages are connecting
    started_long_ago(game)
    assert listed() == []  # both players gone (no clock: it stays active)
    Connection.objects.create(channel_name="x!1", game=game, seat=1, server="t")
    assert listed() == [game.pk]
    assert directory.online()["playing"] == 1


def test_lobby_sockets_are_not_counted_as_spectators():
    """Lobby sockets are presence rows without a game: "in the lobby", never "watching"."""
    game, _ = new_game()
    user = make_user()
    Connection.objects.create(channel_name="lobby!1", game=None, seat=None, user=user, server="t")
    Connection.objects.create(channel_name="watch!1", game=game, seat=None, server="t")
    assert directory.online() == {"lobby": 1, "playing": 0, "spectating": 1}


def test_a_bot_game_walked_away_from_is_not_listed():
    game = bots.start_bot_game(make_user(), matchmaking.parse_request("chess", 2), "random", 0)
    started_long_ago(game)
    assert listed() == []
    assert Game.objects.get(pk=game.pk).status == Game.Status.ACTIVE


def test_changes_of_many_games_are_read_together():
    """Each announced change gets its message, but the reads do not grow with the number
    of games: games ending together once cost ten queries each on the storing thread."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def reads(count):
        games = [new_game()[0] for _ in range(count)]
        started_long_ago(games[0])  # walked away from: no longer listed
        changes = [(game.pk, "ended") for game in games] + [("nope", "started")]
        with CaptureQueriesContext(connection) as queries:
            found = directory.messages(changes)
        assert [m["game"]["game"] for m in found] == [game.pk for game in games]
        assert [m["live"] for m in found] == [False] + [True] * (count - 1)
        assert all(m["event"] == "ended" and m["online"] == found[0]["online"] for m in found)
        return len(queries.captured_queries)

    assert reads(2) == reads(6)
