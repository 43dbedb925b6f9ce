"""Games with no board of their own, drawn from their declarative ``render``
(web_client/src/declarative.js): a game fresh from ``python -m engine new`` played to the
end by two people through the rendered targets (pointer clicks at the elements'
coordinates), watched and replayed; and Go Fish, whose hidden hands no other page shows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from engine.scaffold import new_game
from tests.servers import Server, sqlite_env

from .helpers import start_table, wait_ready, wait_version

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUITS = {"C": "♣", "D": "♦", "H": "♥", "S": "♠"}


@pytest.fixture(scope="module")
def nim_url(tmp_path_factory):
    """A server that also knows "nim", a game written by ``python -m engine new`` and
    registered through BOARDROOM_GAMES: its rules and its template ``render``, no board."""
    directory = tmp_path_factory.mktemp("nim")
    new_game("nim", directory, "nim")
    env = sqlite_env(directory / "db.sqlite3")
    env["BOARDROOM_GAMES"] = "nim"
    env["PYTHONPATH"] = f"{directory}:{env.get('PYTHONPATH', '')}".rstrip(":")
    server = Server(env, directory / "server.log").start()
    yield server.url
    server.stop()


def click_at(page, locator) -> None:
    """A real pointer click at the middle of the element, once it is drawn and still: the
    page may know it is its turn a moment before the targets are on screen, and a
    presence frame redraws the board (the element is then replaced)."""
    for _ in range(100):
        try:
            expect(locator).to_be_visible()
            locator.scroll_into_view_if_needed(timeout=1000)
            box = locator.bounding_box(timeout=1000)
        except PlaywrightError:  # replaced while we looked: look again
            box = None
        if box is not None:
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{locator} never stood still")


def mover(pages):
    for _ in range(200):
        for page in pages:
            if page.locator("#status").get_attribute("data-turn") == "mine":
                return page
        pages[0].wait_for_timeout(50)
    raise AssertionError("nobody's turn")


def version(page) -> int:
    return int(page.locator("#game-page").get_attribute("data-version"))


def test_a_new_game_is_played_to_the_end_watched_and_replayed(new_page, nim_url, artifacts):
    a, b = new_page(base_url=nim_url), new_page(base_url=nim_url)
    game = start_table(a, b, "nim")  # the lobby lists it like the built-in games
    for page in (a, b):
        expect(page.locator(".decl-board")).to_be_visible()
        expect(page.locator(".decl-counter-value")).to_have_text("15")
        expect(page.locator(".decl-grid .decl-piece.disc")).to_have_count(15)
        expect(page.locator("#status .sub")).to_have_text(re.compile(r"seat [01]$"))
    seats = {page: int(page.locator("#game-page").get_attribute("data-seat")) for page in (a, b)}
    assert sorted(seats.values()) == [0, 1]
    spectator = new_page(base_url=nim_url)
    first = mover([a, b])
    click_at(first, first.locator(".decl-button.target", has_text="Take 3"))
    for page in (a, b):
        wait_version(page, 1)
    spectator.goto(game)
    wait_ready(spectator)
    expect(spectator.locator(".decl-counter-value")).to_have_text("12")
    expect(spectator.locator(".decl-board .target")).to_have_count(0)
    expect(spectator.locator("#status .sub")).to_have_text("You are watching")
    taken = 3
    while taken < 15:
        page = mover([a, b])
        other = b if page is a else a
        expect(other.locator(".decl-board .target")).to_have_count(0)  # not its turn
        buttons = page.locator(".decl-button.target")
        expect(buttons.first).to_be_visible()
        take = min(buttons.count(), 2 if taken % 2 else 1)
        before = version(page)
        click_at(page, buttons.nth(take - 1))
        taken += take
        for p in (a, b, spectator):
            wait_version(p, before + 1)
            expect(p.locator(".decl-counter-value")).to_have_text(str(15 - taken))
    plies = version(a)
    winner = [p for p in (a, b) if p.locator("#banner .result").inner_text() == "You won!"]
    assert len(winner) == 1
    for page in (a, b, spectator):
        expect(page.locator("#game-page")).to_have_attribute("data-status", "finished")
        expect(page.locator(".decl-board")).to_contain_text("took the last counter")
        expect(page.locator(".decl-board .target")).to_have_count(0)
        expect(page.locator("#moves .mv[data-ply]")).to_have_count(plies + (plies % 2))
    expect(spectator.locator("#banner .result")).to_have_text(re.compile(r" won$"))
    a.screenshot(path=str(artifacts / "game-declarative-nim.png"))
    # Replayed from the spectators' views, the same way.
    spectator.goto(game + "replay/")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ready", "1")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ply", str(plies))
    expect(spectator.locator(".decl-counter-value")).to_have_text("0")
    spectator.click("#rp-first")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ply", "0")
    expect(spectator.locator(".decl-counter-value")).to_have_text("15")
    spectator.click("#rp-next")
    expect(spectator.locator(".decl-counter-value")).to_have_text("12")
    expect(spectator.locator(".decl-board .target")).to_have_count(0)


def test_a_press_on_a_target_survives_a_presence_frame(new_page, nim_url):
    """A spectator arriving while a player presses a target (between pointerdown and
    pointerup) redraws the page with the new count: the target under the pointer must
    still be the element released on, so the click, the move, happens."""
    a, b = new_page(base_url=nim_url), new_page(base_url=nim_url)
    game = start_table(a, b, "nim")
    player = mover([a, b])
    other = b if player is a else a
    target = player.locator(".decl-button.target", has_text="Take 1")
    expect(target).to_be_visible()
    box = target.bounding_box()
    player.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    player.mouse.down()
    spectator = new_page(base_url=nim_url)
    spectator.goto(game)
    wait_ready(spectator)
    expect(player.locator("#spectators")).to_have_attribute("data-count", "1")
    player.mouse.up()
    for page in (player, other, spectator):
        wait_version(page, 1)
        expect(page.locator(".decl-counter-value")).to_have_text("14")


def faces(cards) -> set[str]:
    return {card[:-1] + SUITS[card[-1]] for card in cards}


def shown_faces(page) -> set[str]:
    return set(
        page.locator(".decl-card:not(.down)").evaluate_all("els => els.map(e => e.dataset.face)")
    )


def hand(page) -> list[str]:
    return page.evaluate("() => window.boardroom.store.state.view.position.hand")


def assert_no_other_hand(page, others) -> None:
    html = page.content()
    for card in others:
        assert card not in shown_faces(page), card
        assert f">{card}<" not in html and f'"{card}"' not in html, card


def test_go_fish_hands_stay_hidden_from_every_other_page(new_page, artifacts):
    a, b = new_page(), new_page()
    game = start_table(a, b, "go_fish")
    spectator = new_page()
    spectator.goto(game)
    wait_ready(spectator)
    for turn in range(6):
        hands = {page: faces(hand(page)) for page in (a, b)}
        for page, own in hands.items():
            other = hands[b if page is a else a]
            expect(page.locator(".decl-card:not(.down)")).to_have_count(len(own))
            assert shown_faces(page) == own
            assert_no_other_hand(page, other)
        expect(spectator.locator(".decl-card:not(.down)")).to_have_count(0)
        counts = spectator.evaluate("() => window.boardroom.store.state.view.position.hand_counts")
        expect(spectator.locator(".decl-card.down")).to_have_count(sum(counts))
        assert_no_other_hand(spectator, hands[a] | hands[b])
        page = mover([a, b])
        targets = page.locator(".decl-card.target, .decl-button.target")
        expect(targets.first).to_be_visible()
        before = version(page)
        click_at(page, targets.nth(turn % targets.count()))
        for p in (a, b, spectator):
            wait_version(p, before + 1)
    expect(a.locator("#moves .mv[data-ply]").first).to_contain_text(re.compile(r"asks|draws"))
    a.screenshot(path=str(artifacts / "game-go-fish.png"))
    spectator.screenshot(path=str(artifacts / "game-go-fish-spectator.png"))
    # The replay (spectators' views) shows no card face either.
    spectator.goto(game + "replay/")
    expect(spectator.locator("#replay-page")).to_have_attribute("data-ready", "1")
    expect(spectator.locator(".decl-card.down").first).to_be_visible()
    expect(spectator.locator(".decl-card:not(.down)")).to_have_count(0)
