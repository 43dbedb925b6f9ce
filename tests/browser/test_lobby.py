"""The lobby in real headless Chromium: the computer opponent, quick match, the live
directory, and screenshots of the lobby (desktop and phone)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import wait_ready, wait_version

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GAME_URL = re.compile(r"/games/[A-Za-z0-9_-]+/$")


def open_lobby(page):
    page.goto("/")
    expect(page.locator("#conn")).to_have_attribute("data-state", "open")


def test_play_the_computer_to_the_end_then_rematch(new_page, artifacts):
    page = new_page()
    open_lobby(page)
    page.click(".game-card[data-game=tictactoe]")
    page.select_option("#bot-level", "random")
    page.click("#play-bot")
    page.wait_for_url(GAME_URL)
    wait_ready(page)
    first_game = page.url
    game_page = page.locator("#game-page")
    first_seat = int(game_page.get_attribute("data-seat"))  # the lobby picks it at random
    for _ in range(9):
        # Either it is our turn, or the game is over (the bot may have won or drawn).
        expect(
            page.locator("#status[data-turn=mine], #game-page[data-status=finished]").first
        ).to_be_attached()
        if game_page.get_attribute("data-status") == "finished":
            break
        version = int(game_page.get_attribute("data-version"))
        page.locator(".ttt .cell.legal").first.click()
        # Our move, then (unless it ended the game) the computer's reply.
        expect(game_page).not_to_have_attribute("data-version", str(version))
    expect(game_page).to_have_attribute("data-status", "finished")
    expect(page.locator("#banner")).to_be_visible()
    expect(page.locator("#banner .result")).to_have_text(re.compile("You won!|You lost|Draw"))
    expect(page.locator(".player-strip .pname").first).to_contain_text("Computer")

    # A rematch against the computer starts at once, with the seats swapped.
    page.click("#banner-rematch")
    page.wait_for_url(lambda url: GAME_URL.search(url) and url != first_game)
    wait_ready(page)
    expect(game_page).to_have_attribute("data-seat", str(1 - first_seat))


def test_quick_match_directory_and_lobby_screenshots(new_page, artifacts):
    alice, bob, watcher = new_page(), new_page(), new_page()
    for page in (alice, bob, watcher):
        open_lobby(page)
    for page in (alice, bob):
        page.click(".game-card[data-game=connect4]")
        page.click("#quick-match")
    for page in (alice, bob):
        page.wait_for_url(GAME_URL)
        wait_ready(page)
    assert alice.url == bob.url
    game_id = GAME_URL.search(alice.url)[0].split("/")[2]

    # The watcher's lobby lists the new game live, and "Watch" opens it read-only.
    entry = watcher.locator(f'#live-games li[data-game="{game_id}"]')
    expect(entry).to_be_visible()
    watcher.screenshot(path=str(artifacts / "lobby.png"))
    entry.locator("a", has_text="Watch").click()
    wait_ready(watcher)
    expect(watcher.locator("#status .sub")).to_have_text("You are watching")
    first = alice if alice.locator("#game-page").get_attribute("data-seat") == "0" else bob
    first.click('.c4-col[data-col="3"]')
    wait_version(watcher, 1)

    phone = new_page(width=390, height=844, is_mobile=True, has_touch=True)
    open_lobby(phone)
    phone.screenshot(path=str(artifacts / "lobby-phone.png"), full_page=True)
    phone.goto(alice.url)
    wait_ready(phone)
    expect(phone.locator("#moves .mv.current")).to_have_text("d")
    phone.screenshot(path=str(artifacts / "game-phone.png"), full_page=True)
