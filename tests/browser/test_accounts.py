"""Accounts in real headless Chromium: a guest wins a rated game, sits in a running one,
signs up (and stays in its seat, with its rating), sees its profile, logs out and logs
in again; a wrong password is refused on the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import start_table, wait_my_turn, wait_ready, wait_version

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct-horse-battery-9"


def seat_of(page) -> int:
    return int(page.locator("#game-page").get_attribute("data-seat"))


def play_first_mover_wins(pages) -> None:
    """Tic-tac-toe: seat 0 takes the top row while seat 1 plays the middle row."""
    players = sorted(pages, key=seat_of)
    for number, square in enumerate([0, 3, 1, 4, 2], start=1):
        page = players[(number - 1) % 2]
        wait_my_turn(page)
        page.click(f'[data-square="{square}"]')
        for p in players:
            wait_version(p, number)
    for p in players:
        expect(p.locator("#game-page")).to_have_attribute("data-status", "finished")


def test_a_guest_signs_up_mid_game_keeps_seat_and_rating_then_logs_out_and_in(new_page):
    alice, bob = new_page(), new_page()
    finished = start_table(alice, bob, "tictactoe")  # rated (the lobby's default)
    won = seat_of(alice) == 0  # seat 0 wins; the creator's seat is drawn at random
    play_first_mover_wins([alice, bob])
    running = start_table(alice, bob, "tictactoe")
    seat = seat_of(alice)

    # Sign up from the game page: back on it, same seat, now as the account.
    alice.click("#signup-link")
    alice.wait_for_url(re.compile(r"/accounts/signup/"))
    expect(alice.locator("#keeps-games")).to_be_visible()
    alice.fill("#id_username", "alice_b")
    alice.fill("#id_password1", PASSWORD)
    alice.fill("#id_password2", PASSWORD)
    alice.click("#signup-form button[type=submit]")
    alice.wait_for_url(re.compile(re.escape(running) + "$"))
    wait_ready(alice)
    assert seat_of(alice) == seat
    expect(alice.locator("#profile-link")).to_have_text("alice_b")
    expect(bob.locator(".player-strip .pname", has_text="alice_b")).to_have_count(1)

    # The profile: the rating of the finished game with its plot, both games.
    alice.click("#profile-link")
    alice.wait_for_url(re.compile(r"/@/alice_b/$"))
    expect(alice.locator('#ratings li[data-kind="tictactoe"] .rating-plot')).to_be_visible()
    finished_id = finished.strip("/").split("/")[-1]
    running_id = running.strip("/").split("/")[-1]
    replay = alice.locator(f'#games li[data-game="{finished_id}"] a[href$="/replay/"]')
    expect(replay).to_be_visible()
    expect(alice.locator(f'#playing li[data-game="{running_id}"]')).to_be_visible()
    expect(alice.locator("#wins")).to_have_text("1" if won else "0")
    expect(alice.locator("#losses")).to_have_text("0" if won else "1")

    # The leaderboard lists the account (not the guest bob), linked to the profile.
    alice.goto("/")
    alice.select_option("#board-game", "tictactoe")
    link = alice.locator('#leaderboard a.name-link[href="/@/alice_b/"]')
    expect(link).to_have_text("alice_b")
    expect(alice.locator("#leaderboard li")).to_have_count(1)

    # Log out: a guest again.
    alice.click("#logout")
    alice.wait_for_url(re.compile(r"/$"))
    expect(alice.locator("#login-link")).to_be_visible()

    # A wrong password is refused on the page; the right one logs in.
    alice.click("#login-link")
    alice.fill("#id_username", "alice_b")
    alice.fill("#id_password", "not-the-password")
    alice.click("#login-form button[type=submit]")
    expect(alice.locator(".errorlist")).to_contain_text("correct username and password")
    alice.fill("#id_username", "alice_b")
    alice.fill("#id_password", PASSWORD)
    alice.click("#login-form button[type=submit]")
    alice.wait_for_url(re.compile(r"/$"))
    expect(alice.locator("#profile-link")).to_have_text("alice_b")
    alice.goto(running)
    wait_ready(alice)
    assert seat_of(alice) == seat
