"""Accounts over HTTP with Django's test client: sign-up (a guest becomes the account),
log-in, log-out, password change, names, profiles and the leaderboard, and every bad
input refused with a clear error and nothing changed."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model

from game_server import seating
from game_server.models import Game, Profile, Seat
from lobby import ratings
from tests.lobby.helpers import play_randomly

from .helpers import PASSWORD, browser, log_in, make_account, post_form, sign_up

pytestmark = pytest.mark.django_db
User = get_user_model()


def guest_in_a_rated_game(client):
    """The client's guest plays a rated tic-tac-toe game to the end, and sits in a
    second, running game. Returns (guest, finished game, running game)."""
    guest = User.objects.get(pk=client.session[SESSION_KEY])
    other = make_account("opponent")
    done = seating.create_game("tictactoe", 2, rated=True)
    seating.take_seat(done, guest)
    seating.take_seat(done, other)
    play_randomly(done.pk)
    ratings.apply_game(done.pk)
    running = seating.create_game("tictactoe", 2)
    seating.take_seat(running, guest)
    seating.take_seat(running, other)
    return guest, done, running


def test_a_guest_who_signs_up_becomes_the_account_keeping_everything():
    client = browser()
    guest, done, running = guest_in_a_rated_game(client)
    session_before = client.cookies["sessionid"].value
    response = sign_up(client, "alice", email="alice@example.com")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/@/alice/"
    user = User.objects.get(username="alice")
    assert user.pk == guest.pk  # the same user: nothing copied
    assert user.email == "alice@example.com"
    assert user.password.startswith("pbkdf2_sha256$")  # Django's default hasher
    assert user.check_password(PASSWORD)
    assert user.profile.guest is False and user.profile.display_name == "alice"
    assert client.cookies["sessionid"].value != session_before  # rotated
    assert Seat.objects.filter(user=user, game__in=[done, running]).count() == 2
    assert ratings.current(user, "tictactoe") is not None
    me = client.get("/api/me").json()["user"]
    assert me == {"id": guest.pk, "name": "alice", "guest": False, "username": "alice"}
    page = client.get("/@/alice/").content.decode()
    assert f'data-game="{done.pk}"' in page and f'data-game="{running.pk}"' in page
    assert f"/games/{done.pk}/replay/" in page and 'class="rating-plot"' in page
    # The leaderboard lists accounts only, with their profile names.
    board = client.get("/api/lobby/leaderboard?kind=tictactoe").json()["ratings"]
    assert {row["username"] for row in board} == {"alice", "opponent"}


def test_guests_are_rated_but_not_listed():
    client = browser()
    guest, _, _ = guest_in_a_rated_game(client)
    assert ratings.current(guest, "tictactoe") is not None
    board = client.get("/api/lobby/leaderboard?kind=tictactoe").json()["ratings"]
    assert [row["username"] for row in board] == ["opponent"]


def test_a_guest_who_logs_in_mid_game_keeps_its_seat():
    make_account("bob")
    client = browser()
    guest, done, running = guest_in_a_rated_game(client)
    response = log_in(client, "bob")
    assert response.status_code == 302
    bob = User.objects.get(username="bob")
    assert client.session[SESSION_KEY] == str(bob.pk)
    assert Seat.objects.get(game=running, index=0).user == bob  # the running game's seat
    assert Seat.objects.get(game=done, index=0).user == guest  # finished games stay
    assert seating.seat_for_user(running.pk, bob) == 0


def test_log_out_and_change_password():
    make_account("carol")
    client = browser()
    log_in(client, "carol")
    assert client.get("/accounts/").status_code == 200
    response = post_form(
        client,
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-pass-77",
            "new_password2": "another-long-pass-77",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="carol").check_password("another-long-pass-77")
    assert client.get("/accounts/").status_code == 200  # still logged in (hash updated)
    response = post_form(client, "/accounts/logout/", {})
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get("/accounts/").status_code == 302  # to the log-in page


@pytest.mark.parametrize(
    ("username", "password", "password2", "error"),
    [
        ("dave", "short", "short", "too short"),
        ("dave", "password123", "password123", "too common"),
        ("dave", "83749203845", "83749203845", "entirely numeric"),
        ("dave", PASSWORD, PASSWORD + "x", "didn’t match"),
        ("taken", PASSWORD, PASSWORD, "already exists"),
        ("TAKEN", PASSWORD, PASSWORD, "already exists"),
        ("x", PASSWORD, PASSWORD, "3-30 letters"),
        ("has space", PASSWORD, PASSWORD, "3-30 letters"),
    ],
)
def test_bad_sign_ups_are_refused_and_change_nothing(username, password, password2, error):
    make_account("taken")
    client = browser()
    guest_id = client.session[SESSION_KEY]
    users = User.objects.count()
    response = post_form(
        client,
        "/accounts/signup/",
        {"username": username, "password1": password, "password2": password2},
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert User.objects.count() == users
    assert Profile.objects.get(user_id=guest_id).guest is True


def test_wrong_password_and_unknown_user_are_refused():
    make_account("erin")
    for username, password in (("erin", "wrong-password-1"), ("nobody", PASSWORD)):
        client = browser()
        response = log_in(client, username, password)
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
        assert Profile.objects.get(user_id=client.session[SESSION_KEY]).guest  # still a guest


def test_forms_without_csrf_are_refused():
    make_account("frank")
    client = browser()
    for path, data in (
        ("/accounts/login/", {"username": "frank", "password": PASSWORD}),
        ("/accounts/signup/", {"username": "gina", "password1": PASSWORD, "password2": PASSWORD}),
    ):
        response = post_form(client, path, data, with_csrf=False)
        assert response.status_code == 403
    assert not User.objects.filter(username="gina").exists()
    assert Profile.objects.get(user_id=client.session[SESSION_KEY]).guest


def test_log_ins_are_rate_limited_per_account_and_per_address(settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_account("hank")
    make_account("ivy")
    first = browser("10.0.0.1")
    assert [log_in(first, "hank", "wrong-password-1").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    # The account is locked: even the right password from another address is refused.
    response = log_in(browser("10.0.0.2"), "hank")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    # An address that failed on several accounts is locked too, for every account.
    third = browser("10.0.0.3")
    for name in ("nobody1", "nobody2", "nobody3"):
        log_in(third, name, "wrong-password-1")
        browser("10.0.0.3")  # a new guest session is a log-in: it must reset nothing
    assert log_in(third, "ivy").status_code == 429
    assert log_in(browser("10.0.0.4"), "ivy").status_code == 302


def test_display_names_are_unique_among_accounts():
    make_account("jack")
    client = browser()
    for name in ("jack", "JACK"):
        response = client.post(
            "/api/me",
            {"display_name": name},
            content_type="application/json",
            headers={"X-CSRFToken": client.cookies["csrftoken"].value},
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "name_taken"
    # Guests may share names among themselves.
    for other in (browser(), browser()):
        response = other.post(
            "/api/me",
            {"display_name": "Same Guest"},
            content_type="application/json",
            headers={"X-CSRFToken": other.cookies["csrftoken"].value},
        )
        assert response.status_code == 200


def test_profile_pages_of_accounts_only():
    make_account("kate", bot=True)
    client = browser()
    guest = User.objects.get(pk=client.session[SESSION_KEY])
    assert client.get("/@/kate/").status_code == 200
    assert "BOT" in client.get("/@/kate/").content.decode()
    assert client.get(f"/@/{guest.username}/").status_code == 404
    assert client.get("/@/nobody/").status_code == 404
    assert Game.objects.count() == 0
