"""Quick match in the database: queueing, cancelling, 2- and N-player matches, rating
windows, bot fallback, and concurrent matchers that never match anybody twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from game_server import protocol
from game_server.models import Game, Seat
from lobby import matchmaking
from lobby.models import Ticket
from tests.lobby.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def queue(user, kind="tictactoe", players=None, rated=False, **kwargs):
    request = matchmaking.parse_request(kind, players, None, rated)
    return matchmaking.join_queue(user, request, **kwargs)


def test_queue_and_leave():
    user = make_user()
    ticket = queue(user)
    assert ticket.status == Ticket.Status.WAITING
    assert matchmaking.match(ticket.bucket) == []
    assert matchmaking.leave_queue(user) == 1
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED


def test_queueing_again_replaces_the_ticket():
    user = make_user()
    first = queue(user)
    second = queue(user, "connect4")
    first.refresh_from_db()
    assert first.status == Ticket.Status.CANCELLED
    assert Ticket.objects.filter(user=user, status="waiting").get() == second


def test_bad_requests_are_rejected():
    with pytest.raises(protocol.Rejected) as info:
        matchmaking.parse_request("nosuchgame")
    assert info.value.code == "unknown_game"
    with pytest.raises(protocol.Rejected) as info:
        matchmaking.parse_request("tictactoe", 3)
    assert info.value.code == "invalid_players"


def test_two_players_are_matched_into_one_game():
    a, b = make_user(), make_user()
    queue(a)
    ticket = queue(b)
    [game] = matchmaking.match(ticket.bucket)
    assert game.status == Game.Status.ACTIVE
    seats = {seat.user_id: seat.index for seat in Seat.objects.filter(game=game)}
    assert set(seats) == {a.pk, b.pk} and sorted(seats.values()) == [0, 1]
    for ticket in Ticket.objects.all():
        assert ticket.status == Ticket.Status.MATCHED
        assert ticket.game_id == game.pk and ticket.seat == seats[ticket.user_id]


def test_n_player_match_waits_for_a_full_table():
    users = [make_user() for _ in range(4)]
    tickets = [queue(user, "liars_dice", 3) for user in users[:2]]
    assert matchmaking.match(tickets[0].bucket) == []
    queue(users[2], "liars_dice", 3)
    queue(users[3], "liars_dice", 2)  # another bucket: not in this game
    [game] = matchmaking.match(tickets[0].bucket)
    assert game.num_players == 3
    assert set(Seat.objects.filter(game=game).values_list("user_id", flat=True)) == {
        u.pk for u in users[:3]
    }
    assert Ticket.objects.get(user=users[3]).status == Ticket.Status.WAITING


def test_rated_window_widens_with_waiting():
    a, b = make_user(), make_user()
    from lobby.models import Rating

    Rating.objects.create(user=a, kind="tictactoe", mu=1500, sigma=100, ordinal=1200)
    Rating.objects.create(user=b, kind="tictactoe", mu=1900, sigma=100, ordinal=1600)
    queue(a, rated=True)
    ticket = queue(b, rated=True)
    assert matchmaking.match(ticket.bucket) == []  # 400 apart, windows of 100
    Ticket.objects.update(created_at=timezone.now() - timedelta(seconds=20))
    [game] = matchmaking.match(ticket.bucket)  # windows of 600 now
    assert game.rated


def test_pick_group_prefers_the_closest_ratings():
    now = timezone.now()
    tickets = [Ticket(pk=i, rating=r, created_at=now) for i, r in enumerate([1500, 1900, 1520])]
    group = matchmaking.pick_group(tickets, 2, now, rated=True)
    assert [t.rating for t in group] == [1500, 1520]


def test_bot_fallback_after_the_timeout():
    user = make_user()
    ticket = queue(user, "connect4", bot_after=5, bot_level="random")
    assert matchmaking.poll(ticket.pk).status == Ticket.Status.WAITING
    Ticket.objects.update(created_at=timezone.now() - timedelta(seconds=6))
    ticket = matchmaking.poll(ticket.pk)
    assert ticket.status == Ticket.Status.MATCHED
    game = Game.objects.get(pk=ticket.game_id)
    assert game.status == Game.Status.ACTIVE and not game.rated
    assert Seat.objects.filter(game=game).exclude(bot="").count() == 1
    assert Seat.objects.get(game=game, user=user).index == ticket.seat


def test_threads_matching_at_once_never_match_anybody_twice():
    users = [make_user() for _ in range(12)]
    bucket = matchmaking.parse_request("tictactoe").bucket
    barrier = threading.Barrier(len(users))
    errors = []

    def join(user):
        try:
            barrier.wait()
            queue(user)
            matchmaking.match(bucket)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    matchmaking.match(bucket)  # whoever is left
    seats = list(Seat.objects.values_list("user_id", "game_id"))
    assert sorted(user for user, _ in seats) == sorted(u.pk for u in users)  # each once
    assert Game.objects.count() == 6
    per_game = Seat.objects.values("game").annotate(n=Count("id")).values_list("n", flat=True)
    assert sorted(per_game) == [2] * 6
    assert not Ticket.objects.filter(status="waiting").exists()
