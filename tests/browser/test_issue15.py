"""Issue #15, "Browser play that a lichess player would keep using": each test acts as a
person does (the pointer at the squares' coordinates, touch on a phone-sized page, the
keyboard) and failed before its fix."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.servers import Server, sqlite_env

from .conftest import watch_page
from .helpers import move_list, start_table, wait_my_turn, wait_ready, wait_version, watch
from .test_clocks import create_game

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GAME_URL = re.compile(r"/games/[A-Za-z0-9_-]+/$")
# White promotes on b7: 1. a4 b5 2. axb5 a6 3. bxa6 Bb7 4. axb7 Nc6, then b7b8 or b7xa8.
TO_PROMOTION = ["a2a4", "b7b5", "a4b5", "a7a6", "b5a6", "c8b7", "a6b7", "b8c6"]


def centre(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def square(page, name) -> tuple[float, float]:
    return centre(page, f'[data-square="{name}"]')


def seat_of(page) -> int:
    return int(page.locator("#game-page").get_attribute("data-seat"))


def by_seat(a, b):
    return (a, b) if seat_of(a) == 0 else (b, a)


def socket_moves(players, moves, start=0):
    """Set-up moves through the page's own socket (what a click sends), alternating."""
    for number, move in enumerate(moves, start=start + 1):
        page = players[(number - 1) % 2]
        wait_my_turn(page)
        page.evaluate("(m) => window.boardroom.socket.move(m)", move)
        for p in players:
            wait_version(p, number)


def drag(page, origin, target, steps=8):
    x, y = square(page, origin)
    tx, ty = square(page, target)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(tx, ty, steps=steps)
    page.mouse.up()


def touch_drag(page, origin, target, steps=6):
    """A finger dragged from one square to another (CDP touch events: Chromium turns them
    into pointer events with pointerType "touch", as on a phone)."""
    cdp = page.context.new_cdp_session(page)
    x, y = square(page, origin)
    tx, ty = square(page, target)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, steps + 1):
        point = {"x": x + (tx - x) * i / steps, "y": y + (ty - y) * i / steps}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


# ---------------------------------------------------------------------------- 1. promotion
def test_promotion_by_mouse_drag_and_click_and_the_picker_closes(new_page, artifacts):
    a, b = new_page(), new_page()
    start_table(a, b, "chess")
    white, black = by_seat(a, b)
    socket_moves([white, black], TO_PROMOTION)
    wait_my_turn(white)

    # Click-click at the squares' coordinates opens the picker; Escape closes it.
    white.mouse.click(*square(white, "b7"))
    expect(white.locator('[data-square="b8"]')).to_have_class(re.compile(r"\btarget\b"))
    white.mouse.click(*square(white, "b8"))
    picker = white.locator(".promotion")
    expect(picker).to_be_visible()
    white.keyboard.press("Escape")
    expect(picker).to_have_count(0)
    # Again, then a click outside the four choices closes it too; nothing was sent.
    white.mouse.click(*square(white, "b7"))
    white.mouse.click(*square(white, "b8"))
    expect(picker).to_be_visible()
    box = picker.bounding_box()
    white.mouse.click(box["x"] + 10, box["y"] + 10)
    expect(picker).to_have_count(0)
    wait_version(white, len(TO_PROMOTION))

    # A drag with the mouse from b7 to a8 (a capture), then a real click on the knight.
    drag(white, "b7", "a8")
    expect(picker).to_be_visible()
    white.screenshot(path=str(artifacts / "promotion-picker.png"))
    white.mouse.click(*centre(white, '.promotion [data-promote="n"]'))
    for page in (white, black):
        wait_version(page, len(TO_PROMOTION) + 1)
        expect(page.locator('[data-square="a8"]')).to_have_attribute("data-piece", "N")
    assert move_list(black)[-1] == "bxa8=N"


def test_promotion_by_touch_on_a_phone(new_page, server_url):
    a = new_page(width=390, height=844, is_mobile=True, has_touch=True)
    b = new_page()
    start_table(a, b, "chess")
    white, black = by_seat(a, b)
    assert white is a  # the table's creator sits first: the phone plays White
    socket_moves([white, black], TO_PROMOTION)
    wait_my_turn(white)
    touch_drag(white, "b7", "b8")
    expect(white.locator(".promotion")).to_be_visible()
    white.touchscreen.tap(*centre(white, '.promotion [data-promote="q"]'))
    for page in (white, black):
        wait_version(page, len(TO_PROMOTION) + 1)
    expect(black.locator('[data-square="b8"]')).to_have_attribute("data-piece", "Q")
    # Taps (no drag) work too: the black knight c6 to d4 on the other page is by mouse.
    wait_my_turn(black)
    black.mouse.click(*square(black, "c6"))
    black.mouse.click(*square(black, "d4"))
    wait_version(white, len(TO_PROMOTION) + 2)
    # And a tap-tap on the phone: the new queen from b8 to c8 (empty since Bb7).
    wait_my_turn(white)
    white.touchscreen.tap(*square(white, "b8"))
    white.touchscreen.tap(*square(white, "c8"))
    wait_version(black, len(TO_PROMOTION) + 3)
    expect(black.locator('[data-square="c8"]')).to_have_attribute("data-piece", "Q")


# ---------------------------------------------------------------------------- 2, 9, 11
def test_liars_dice_bids_are_public_and_chat_channels_survive_a_reload(new_page):
    a, b, spectator = new_page(), new_page(), new_page()
    game = start_table(a, b, "liars_dice")
    watch(spectator, game)
    first, second = by_seat(a, b)
    for number, page in enumerate((first, second), start=1):
        wait_my_turn(page)
        page.select_option("select[aria-label=quantity]", str(number + 1))
        page.click(".dice-controls button:text('Bid')")
        for p in (first, second, spectator):
            wait_version(p, number)
    for page in (first, second, spectator):
        texts = move_list(page)
        assert len(texts) == 2 and all(re.search(r"bid \dx\d$", t) for t in texts), texts
        assert not any("hidden" in t for t in texts)
    # Chat: the players' channel reaches everybody, the spectators' only spectators.
    first.fill("#chat-input", "good luck")
    first.press("#chat-input", "Enter")
    spectator.fill("#chat-input", "bold bid")
    spectator.press("#chat-input", "Enter")
    expect(spectator.locator("#chat-log li")).to_have_count(2)
    expect(second.locator("#chat-log li", has_text="good luck")).to_have_count(1)
    second.wait_for_timeout(500)
    expect(second.locator("#chat-log li", has_text="bold bid")).to_have_count(0)
    # A reload keeps the game's chat and the public bids.
    second.reload()
    wait_ready(second)
    expect(second.locator("#chat-log li", has_text="good luck")).to_have_count(1)
    expect(second.locator("#chat-log li", has_text="bold bid")).to_have_count(0)
    expect(second.locator("#moves")).to_have_attribute("data-count", "2")
    expect(second.locator("#moves .mv.current")).to_contain_text("bid ")
    spectator.reload()
    wait_ready(spectator)
    expect(spectator.locator('#chat-log li[data-channel="spectators"]')).to_contain_text("bold bid")


# ---------------------------------------------------------------------------- 3, 12
def test_replay_counts_moves_not_draw_offers_and_fits_the_screen(new_page):
    a, b = new_page(), new_page()
    game = start_table(a, b, "chess")
    white, black = by_seat(a, b)
    socket_moves([white, black], ["e2e4"])
    black.click("#btn-draw")  # Black offers, White declines, then the game goes on
    wait_version(white, 2)
    white.click("#btn-decline")
    wait_version(black, 3)
    black.evaluate("() => window.boardroom.socket.move('e7e5')")
    wait_version(white, 4)
    white.evaluate("() => window.boardroom.socket.move('g1f3')")
    wait_version(black, 5)
    black.once("dialog", lambda d: d.accept())
    black.click("#btn-resign")
    wait_version(white, 6)

    viewer = new_page(width=1280, height=860)
    viewer.goto(game + "replay/")
    expect(viewer.locator("#replay-page")).to_have_attribute("data-ready", "1")
    nums = viewer.locator("#moves .num").all_inner_texts()
    assert nums == ["1.", "2."], nums
    notes = viewer.locator("#moves .note").all_inner_texts()
    assert [n.split(" ", 2)[-1] for n in notes] == [
        "offers a draw",
        "declined the draw",
        "resigned",
    ], notes
    expect(viewer.locator("#rp-position")).to_have_text(re.compile(r"^Guest \w+ resigned$"))
    box = viewer.locator("#strip-bottom").bounding_box()
    assert box["y"] + box["height"] <= 860, box  # the result banner no longer pushes it off
    expect(viewer.locator("#rp-result")).to_contain_text("won")
    viewer.click("#rp-first")
    viewer.click("#rp-next")
    viewer.click("#rp-next")
    expect(viewer.locator("#rp-position")).to_contain_text("offers a draw")
    viewer.click("#rp-next")
    viewer.click("#rp-next")
    expect(viewer.locator("#rp-position")).to_have_text("Move 1 · Black · e5")
    # The game downloads as PGN with its headers.
    with viewer.expect_download() as info:
        viewer.click("#dl-pgn")
    pgn = open(info.value.path()).read()
    assert '[Result "1-0"]' in pgn and "1. e4 e5 2. Nf3 1-0" in pgn, pgn
    assert f'[White "{white.locator(".player-strip.bottom .pname").inner_text()}"]' in pgn
    with viewer.expect_download() as info:
        viewer.click("#dl-json")
    record = json.loads(open(info.value.path()).read())
    assert len(record["moves"]) == 6


# ---------------------------------------------------------------------------- 7, 8
def test_tictactoe_cells_are_square(new_page):
    x, o = new_page(), new_page()
    start_table(x, o, "tictactoe")
    x, o = by_seat(x, o)
    for number in range(3):
        boxes = [x.locator(f'[data-square="{i}"]').bounding_box() for i in range(9)]
        for box in boxes:
            assert abs(box["width"] - box["height"]) <= 2, boxes
        assert max(b["height"] for b in boxes) - min(b["height"] for b in boxes) <= 2, boxes
        if number < 2:
            page = (x, o)[number]
            wait_my_turn(page)
            page.mouse.click(*square(page, [4, 0][number]))
            wait_version(x, number + 1)


def test_refusals_are_in_words(new_page):
    a, b = new_page(), new_page()
    start_table(a, b, "chess")
    white, _ = by_seat(a, b)
    wait_my_turn(white)
    white.mouse.click(*square(white, "b1"))
    white.mouse.click(*square(white, "b3"))
    expect(white.locator("#message")).to_have_text(
        "That move is not legal: the knight on b1 cannot move to b3."
    )

    c, d = new_page(), new_page()
    start_table(c, d, "reversi")
    black, _ = by_seat(c, d)
    wait_my_turn(black)
    black.mouse.click(*square(black, 56))  # a8
    expect(black.locator("#message")).to_contain_text(
        "a disc on a8 would not turn over any of your opponent's discs"
    )
    expect(black.locator("#message")).not_to_contain_text("(56")

    e, f = new_page(), new_page()
    start_table(e, f, "checkers")
    first, second = by_seat(e, f)
    wait_my_turn(first)
    first.mouse.click(*square(first, 1))  # a man on the back row: blocked
    expect(first.locator("#message")).to_contain_text("no legal move")
    expect(first.locator("#message")).not_to_contain_text("could not read")
    # 11-15, 22-18: now Black must take 15x22.
    socket_moves([first, second], ["11-15", "22-18"])
    wait_my_turn(first)
    first.mouse.click(*square(first, 9))
    expect(first.locator("#message")).to_contain_text("A capture is compulsory")
    drag(first, "15", "22")  # a drag plays the capture
    wait_version(second, 3)
    assert move_list(second)[-1] == "15x22"


# ---------------------------------------------------------------------------- 6
def test_no_false_away_while_the_opponent_is_still_arriving(new_page, server_url):
    x = new_page()
    url = create_game(x, server_url, kind="tictactoe")
    game_id = url.rstrip("/").split("/")[-1]
    # The opponent takes the seat (as a match does) but its page has not connected yet.
    request = urllib.request.Request(
        f"{server_url}/api/games/{game_id}/seats",
        data=json.dumps({"name": "Late"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # a token client, no cookie
        assert response.status == 201
    x.goto(url)
    wait_ready(x)
    expect(x.locator("#game-page")).to_have_attribute("data-status", "active")
    for _ in range(8):
        x.wait_for_timeout(400)
        expect(x.locator("#away")).to_be_hidden()
        expect(x.locator(".tag.away:visible")).to_have_count(0)
