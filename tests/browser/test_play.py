"""Two players and a spectator in real headless Chromium, against a real daphne server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import (
    move_list,
    record_actions,
    recorded_actions,
    start_table,
    wait_my_turn,
    wait_ready,
    wait_version,
    watch,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def play_clicks(players, moves, click):
    """Alternate ``moves`` between the two pages, each after its turn comes."""
    for number, move in enumerate(moves, start=1):
        page = players[(number - 1) % 2]
        wait_my_turn(page)
        click(page, move)
        for p in players:
            wait_version(p, number)


def test_connect4_full_game_reload_reconnect_and_spectator(new_page, artifacts):
    red, yellow, spectator = new_page(), new_page(), new_page()
    game = start_table(red, yellow, "connect4")
    watch(spectator, game)
    record_actions(spectator)
    expect(spectator.locator("#spectators")).to_have_text("1 watching")

    def drop(page, column):
        page.click(f'.c4-col[data-col="{column}"]')

    play_clicks([red, yellow], [3, 3, 2], drop)

    # A reload mid-game restores the position and the move list.
    yellow.reload()
    wait_ready(yellow)
    wait_version(yellow, 3)
    expect(yellow.locator('.c4-cell[data-seat="0"]')).to_have_count(2)
    expect(yellow.locator('.c4-cell[data-seat="1"]')).to_have_count(1)
    # The moves before the snapshot come from the record, one HTTP request later.
    expect(yellow.locator("#moves")).to_have_attribute("data-count", "3")
    assert move_list(yellow) == ["d", "d", "c"]

    # A dropped connection comes back by itself and catches up without duplicates.
    red.evaluate("window.boardroom.socket.drop()")
    wait_my_turn(yellow)
    drop(yellow, 2)
    wait_version(red, 4)
    expect(red.locator("#conn")).to_have_attribute("data-state", "open")
    assert move_list(red) == ["d", "d", "c", "c"]

    # Red completes c-d-e-f on the bottom row; yellow stacks on top.
    for number, (page, column) in enumerate([(red, 4), (yellow, 4), (red, 5)], start=5):
        wait_my_turn(page)
        drop(page, column)
        wait_version(red, number)
        wait_version(yellow, number)

    for page in (red, yellow, spectator):
        wait_version(page, 7)
        expect(page.locator("#banner")).to_be_visible()
        expect(page.locator("#banner .reason")).to_contain_text("four in a row")
    expect(red.locator("#banner .result")).to_have_text("You won!")
    expect(yellow.locator("#banner .result")).to_have_text("You lost")
    expect(spectator.locator("#banner .result")).to_contain_text("won")

    expected = ["d", "d", "c", "c", "e", "e", "f"]
    # The spectator saw every move, live, once and in order.
    assert recorded_actions(spectator) == [[i + 1, m] for i, m in enumerate(expected)]
    assert move_list(spectator) == expected
    red.screenshot(path=str(artifacts / "game-connect4.png"))

    # The finished game replays move by move.
    spectator.goto(game + "replay/")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ready", "1")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ply", "7")
    spectator.click("#rp-first")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ply", "0")
    expect(spectator.locator('.c4-cell[data-seat="0"]')).to_have_count(0)
    spectator.click("#rp-next")
    spectator.click("#rp-next")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ply", "2")
    expect(spectator.locator('.c4-cell[data-seat="0"]')).to_have_count(1)
    expect(spectator.locator('.c4-cell[data-seat="1"]')).to_have_count(1)
    spectator.locator("#rp-scrub").fill("5")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ply", "5")
    spectator.screenshot(path=str(artifacts / "replay-connect4.png"))


def test_chess_fools_mate_by_clicks_with_spectator(new_page, artifacts):
    white, black, spectator = new_page(), new_page(), new_page()
    game = start_table(white, black, "chess")
    watch(spectator, game)
    record_actions(spectator)
    # Black sees the board from its side: h1 in the top-left corner.
    expect(black.locator(".sq8 .cell").first).to_have_attribute("data-square", "h1")
    expect(white.locator(".sq8 .cell").first).to_have_attribute("data-square", "a8")

    def click_move(page, uci):
        page.click(f'[data-square="{uci[:2]}"]')
        expect(page.locator(f'[data-square="{uci[2:4]}"]')).to_have_class(re.compile(r"\btarget\b"))
        page.click(f'[data-square="{uci[2:4]}"]')

    play_clicks([white, black], ["f2f3", "e7e5", "g2g4", "d8h4"], click_move)

    for page in (white, black, spectator):
        expect(page.locator("#banner .reason")).to_contain_text("checkmate")
        assert move_list(page) == ["f3", "e5", "g4", "Qh4#"]
    expect(black.locator("#banner .result")).to_have_text("You won!")
    expect(white.locator("#banner .result")).to_have_text("You lost")
    expect(white.locator('[data-square="e1"]')).to_have_class(re.compile("check"))
    assert recorded_actions(spectator) == [[1, "f3"], [2, "e5"], [3, "g4"], [4, "Qh4#"]]
    white.screenshot(path=str(artifacts / "game-chess.png"))

    spectator.goto(game + "replay/")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ready", "1")
    spectator.click("#rp-first")
    spectator.click("#rp-next")
    expect(spectator.locator('[data-square="f3"]')).to_have_attribute("data-piece", "P")
    expect(spectator.locator('[data-square="d8"]')).to_have_attribute("data-piece", "q")
    spectator.click("#rp-last")
    expect(spectator.locator('[data-square="h4"]')).to_have_attribute("data-piece", "q")
    spectator.screenshot(path=str(artifacts / "replay-chess.png"))


def test_illegal_click_is_refused_and_changes_nothing(new_page):
    x, o, spectator = new_page(), new_page(), new_page()
    game = start_table(x, o, "tictactoe")
    watch(spectator, game)

    wait_my_turn(x)
    x.click('[data-square="4"]')
    wait_version(o, 1)

    # O clicks the occupied centre: the server refuses, the board stays as it was.
    wait_my_turn(o)
    o.click('[data-square="4"]')
    expect(o.locator("#message")).to_be_visible()
    expect(o.locator("#message")).to_have_attribute("data-code", "illegal_move")
    expect(o.locator("#message")).to_contain_text("not legal")
    expect(o.locator('[data-square="4"]')).to_have_attribute("data-mark", "x")
    expect(o.locator('.ttt .cell[data-mark="o"]')).to_have_count(0)
    wait_version(o, 1)

    # X clicks while it is O's turn: refused with a message too.
    x.click('[data-square="0"]')
    expect(x.locator("#message")).to_contain_text("not your turn")
    expect(x.locator('[data-square="0"]')).to_have_attribute("data-mark", "-")

    # A spectator cannot move.
    spectator.click('[data-square="8"]')
    expect(spectator.locator("#message")).to_contain_text("watching")

    # The game goes on normally afterwards.
    o.click('[data-square="0"]')
    for page in (x, o, spectator):
        wait_version(page, 2)
        expect(page.locator('[data-square="0"]')).to_have_attribute("data-mark", "o")
