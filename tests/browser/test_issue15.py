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


# ---------------------------------------------------------------------------- 5, 10, 12
@pytest.fixture(scope="module")
def quick_directory_url(tmp_path_factory):
    """A server whose directory drops a game nobody plays one second after its start."""
    directory = tmp_path_factory.mktemp("directory-db")
    env = {**sqlite_env(directory / "db.sqlite3"), "LOBBY_STARTING_SECONDS": "1"}
    server = Server(env, directory / "server.log").start()
    yield server.url
    server.stop()


def test_bot_answers_a_draw_offer_and_an_abandoned_game_leaves_playing_now(
    new_page, quick_directory_url
):
    player = new_page(base_url=quick_directory_url)
    watcher = new_page(base_url=quick_directory_url)
    player.goto("/")
    expect(player.locator("#conn")).to_have_attribute("data-state", "open")
    player.click(".game-card[data-game=chess]")
    player.select_option("#bot-level", "random")
    player.click("#play-bot")
    player.wait_for_url(GAME_URL)
    wait_ready(player)
    game_id = GAME_URL.search(player.url)[0].split("/")[2]
    # The computer's presence dot is "there" (it has no socket of its own).
    bot_seat = 1 - seat_of(player)
    dot = player.locator(f'.player[data-seat="{bot_seat}"] .presence')
    expect(dot).to_have_attribute("data-connected", "1")
    expect(dot).to_have_class(re.compile(r"\bbot\b"))
    # A draw offer is answered at once, and the button comes back.
    wait_my_turn(player)
    player.click("#btn-draw")
    expect(player.locator("#chat-log")).to_contain_text("declined the draw")
    expect(player.locator("#btn-draw")).to_be_visible()
    expect(player.locator(".player .tag", has_text="offers a draw")).to_have_count(0)

    watcher.goto("/")
    expect(watcher.locator("#conn")).to_have_attribute("data-state", "open")
    expect(watcher.locator(f'#live-games li[data-game="{game_id}"]')).to_be_visible()
    # Past the server's starting window (LOBBY_STARTING_SECONDS=1 here), during which a
    # game is listed whoever is connected: on a fast run the steps above take less.
    player.wait_for_timeout(1200)
    player.close()  # walks away from the bot game
    expect(watcher.locator(f'#live-games li[data-game="{game_id}"]')).to_have_count(0)
    expect(watcher.locator("#online")).to_contain_text("0 playing")


def test_lobby_titles_leaderboard_phone_strip_and_rematch_message(new_page, artifacts):
    x, o = new_page(), new_page()
    start_table(x, o, "connect4")
    red, yellow = by_seat(x, o)
    for number, (page, column) in enumerate(
        [(red, 0), (yellow, 0), (red, 1), (yellow, 1), (red, 2), (yellow, 2), (red, 3)], start=1
    ):
        wait_my_turn(page)
        page.mouse.click(*centre(page, f'.c4-col[data-col="{column}"]'))
        wait_version(red, number)
    expect(red.locator(".c4-cell.win")).to_have_count(4)  # the winning four stand out
    # The loser offers a rematch: the winner is told so, in words.
    yellow.click("#btn-rematch")
    expect(red.locator("#message")).to_contain_text("wants a rematch")
    expect(red.locator("#btn-rematch")).to_have_text("Accept rematch")

    for width, height in ((1200, 860), (390, 844)):
        lobby = new_page(width=width, height=height, is_mobile=width < 500, has_touch=width < 500)
        lobby.goto("/")
        expect(lobby.locator("#conn")).to_have_attribute("data-state", "open")
        title = lobby.locator("#finished-games li .entry-title").first
        expect(title).to_have_text("Connect Four")
        assert title.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), width  # whole
        players = lobby.locator("#finished-games li .entry-players").first
        expect(players).to_contain_text(" vs ")
        assert players.bounding_box()["width"] > 150, (width, players.bounding_box())
        lobby.screenshot(path=str(artifacts / f"lobby-{width}.png"), full_page=True)
    # The players' lobby opens the leaderboard on the game they played.
    red.goto("/")
    expect(red.locator("#board-game")).to_have_value("connect4")
    expect(red.locator(".game-card[data-game=connect4]")).to_have_attribute("aria-checked", "true")

    # On a phone the side to move is readable and the Lobby link is there.
    phone = new_page(width=390, height=844, is_mobile=True, has_touch=True)
    game = start_table(phone, new_page(), "chess")
    expect(phone.locator(".topnav a", has_text="Lobby")).to_be_visible()
    tag = phone.locator(".player.to-move .to-move-tag")
    expect(tag).to_be_visible()
    # Read from the page until it holds: the strips are drawn again as the opponent's
    # presence arrives, and a box read between two drawings is None (a CI run saw it).
    phone.wait_for_function(
        """() => {
            const tag = document.querySelector('.player.to-move .to-move-tag');
            const box = tag && tag.getBoundingClientRect();
            return Boolean(box && box.width > 0 && box.right <= 390);
        }"""
    )
    assert game


# ---------------------------------------------------------------------------- missing
def test_flip_browse_the_moves_and_mute(new_page):
    a, b = new_page(), new_page()
    start_table(a, b, "chess")
    white, black = by_seat(a, b)
    socket_moves([white, black], ["e2e4", "e7e5", "g1f3"])
    first = white.locator(".sq8 .cell").first
    expect(first).to_have_attribute("data-square", "a8")
    white.click("#btn-flip")
    expect(first).to_have_attribute("data-square", "h1")
    expect(white.locator(".player-strip.top .pname")).to_have_text(
        white.locator(".player-strip.top .you").locator("..").locator(".pname").inner_text()
    )
    white.keyboard.press("f")  # F turns it back
    expect(first).to_have_attribute("data-square", "a8")
    # Click a move in the list: that position, then the arrow keys, then back to live.
    white.locator('#moves .mv[data-ply="1"]').click()
    expect(white.locator("#game-page")).to_have_attribute("data-browsing", "1")
    expect(white.locator('[data-square="e5"]')).to_have_attribute("data-piece", "")
    white.keyboard.press("ArrowRight")
    expect(white.locator("#game-page")).to_have_attribute("data-browsing", "2")
    expect(white.locator('[data-square="e5"]')).to_have_attribute("data-piece", "p")
    expect(white.locator("#browse-bar")).to_be_visible()
    white.click("#btn-live")
    expect(white.locator("#game-page")).to_have_attribute("data-browsing", "")
    expect(white.locator('[data-square="f3"]')).to_have_attribute("data-piece", "N")
    # Sounds: a move sounds, the switch is remembered after a reload.
    assert any(s["kind"] == "move" for s in black.evaluate("window.boardroom.sounds.log"))
    black.click("#btn-mute")
    expect(black.locator("#btn-mute")).to_have_text("Sound off")
    black.reload()
    wait_ready(black)
    expect(black.locator("#btn-mute")).to_have_text("Sound off")
    expect(black.locator("#announce")).to_be_attached()


# ---------------------------------------------------------------------------- premoves
def premove_squares(page) -> list[str]:
    cells = page.locator(".sq8 .cell.premove")
    return sorted(cells.evaluate_all("cs => cs.map((c) => c.dataset.square)"))


def test_chess_premove_is_sent_on_your_turn_and_cancelled_by_a_click_or_right_click(
    new_page, artifacts
):
    a, b = new_page(), new_page()
    start_table(a, b, "chess")
    white, black = by_seat(a, b)
    wait_my_turn(white)
    white.mouse.click(*square(white, "e2"))
    white.mouse.click(*square(white, "e4"))
    wait_version(black, 1)

    # While Black thinks, White queues Ng1-f3 with two clicks: drawn, not sent.
    white.mouse.click(*square(white, "g1"))
    white.mouse.click(*square(white, "f3"))
    assert premove_squares(white) == ["f3", "g1"]
    white.screenshot(path=str(artifacts / "premove.png"))
    wait_my_turn(black)
    black.mouse.click(*square(black, "e7"))
    black.mouse.click(*square(black, "e5"))
    # Black's move arrives: the premove goes out at once, and it is Black's turn again.
    for page in (white, black):
        wait_version(page, 3)
    assert move_list(white)[-1] == "Nf3"
    assert premove_squares(white) == []

    # A premove dragged with the mouse, then cancelled by a right-click.
    drag(white, "f1", "c4")
    assert premove_squares(white) == ["c4", "f1"]
    white.mouse.click(*square(white, "h4"), button="right")
    assert premove_squares(white) == []
    # One by clicks, cancelled by a click elsewhere (an empty square).
    white.mouse.click(*square(white, "d2"))
    white.mouse.click(*square(white, "d4"))
    assert premove_squares(white) == ["d2", "d4"]
    white.mouse.click(*square(white, "a6"))
    assert premove_squares(white) == []
    # A premove that is not legal when the turn comes (e4-e5 is blocked) is dropped.
    white.mouse.click(*square(white, "e4"))
    white.mouse.click(*square(white, "e5"))
    assert premove_squares(white) == ["e4", "e5"]
    wait_my_turn(black)
    black.mouse.click(*square(black, "b8"))
    black.mouse.click(*square(black, "c6"))
    wait_version(white, 4)
    wait_my_turn(white)
    white.wait_for_timeout(500)
    wait_version(white, 4)  # nothing was sent
    assert premove_squares(white) == []
    expect(white.locator("#message")).to_be_hidden()
    # The turn is White's: moving works as usual.
    white.mouse.click(*square(white, "f1"))
    white.mouse.click(*square(white, "c4"))
    for page in (white, black):
        wait_version(page, 5)
    assert move_list(black)[-1] == "Bc4"


# ---------------------------------------------------------------------------- ratings
def test_ratings_beside_the_names_profile_links_and_the_rating_change(new_page, artifacts):
    import secrets

    from .test_accounts import PASSWORD, play_first_mover_wins

    alice, bob = new_page(), new_page()
    username = f"ann_{secrets.token_hex(3)}"
    alice.goto("/")  # a guest session first
    expect(alice.locator("#conn")).to_have_attribute("data-state", "open")
    alice.goto("/accounts/signup/")
    alice.fill("#id_username", username)
    alice.fill("#id_password1", PASSWORD)
    alice.fill("#id_password2", PASSWORD)
    alice.click("#signup-form button[type=submit]")
    alice.wait_for_url(re.compile(r"/$"))
    start_table(alice, bob, "tictactoe")  # rated: the lobby's default
    alice_seat, bob_seat = seat_of(alice), seat_of(bob)
    for page in (alice, bob):
        for seat in (0, 1):
            expect(page.locator(f'.rating[data-rating="{seat}"]')).to_have_text("1500")
        # The account's name links to its profile; the guest's is plain text.
        link = page.locator(f'.player[data-seat="{alice_seat}"] a.pname')
        expect(link).to_have_attribute("href", f"/@/{username}/")
        expect(link).to_have_text(username)
        expect(page.locator(f'.player[data-seat="{bob_seat}"] a.pname')).to_have_count(0)
    play_first_mover_wins([alice, bob])
    winner = alice if alice_seat == 0 else bob
    loser = bob if winner is alice else alice
    for page in (alice, bob):
        expect(page.locator("#banner .rating-line")).to_have_count(2)
        expect(page.locator('.rating-change[data-rating-change="0"]')).to_have_text(
            re.compile(r"^\+\d+$")
        )
        expect(page.locator('.rating-change[data-rating-change="1"]')).to_have_text(
            re.compile(r"^−\d+$")
        )
    expect(winner.locator("#banner .rating-line", has_text="Your rating")).to_have_text(
        re.compile(r"^Your rating: 1500 → 1\d{3} \(\+\d+\)$")
    )
    expect(loser.locator("#banner .rating-line", has_text="Your rating")).to_contain_text("−")
    winner.screenshot(path=str(artifacts / "rating-change.png"))
