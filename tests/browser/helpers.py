"""Steps shared by the browser tests: start a private table, join it, click moves."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def start_table(creator: Page, joiner: Page, kind: str) -> str:
    """The creator makes a private table of ``kind`` in the lobby and the joiner opens its
    invitation link; both land on the new game. Returns the game's path (/games/<id>/)."""
    for page in (creator, joiner):
        page.goto("/")
        expect(page.locator("#conn")).to_have_attribute("data-state", "open")
    creator.click(f".game-card[data-game={kind}]")
    creator.click("#create-table")
    expect(creator.locator("#share")).to_be_visible()
    link = creator.input_value("#share-link")
    assert re.search(r"/\?table=\w+", link), link
    joiner.goto(link)
    for page in (creator, joiner):
        page.wait_for_url(re.compile(r"/games/[A-Za-z0-9_-]+/$"))
        wait_ready(page)
    assert creator.url == joiner.url
    return re.search(r"(/games/[A-Za-z0-9_-]+/)", creator.url)[1]


def join(page: Page, game_path: str) -> None:
    """Open a waiting game and take a free seat with the "Join this game" button."""
    page.goto(game_path)
    wait_ready(page)
    page.click("#btn-join")
    expect(page.locator("#game-page")).to_have_attribute("data-seat", re.compile(r"\d"))


def watch(page: Page, game_path: str) -> None:
    page.goto(game_path)
    wait_ready(page)


def wait_ready(page: Page) -> None:
    expect(page.locator("#game-page")).to_have_attribute("data-version", re.compile(r"\d+"))
    expect(page.locator("#conn")).to_have_attribute("data-state", "open")


def wait_version(page: Page, version: int) -> None:
    expect(page.locator("#game-page")).to_have_attribute("data-version", str(version))


def wait_my_turn(page: Page) -> None:
    expect(page.locator("#status")).to_have_attribute("data-turn", "mine")


def record_actions(page: Page) -> None:
    """Remember every live action the page's socket reports, in arrival order."""
    page.evaluate(
        """() => {
          window.__actions = [];
          window.boardroom.socket.addEventListener("action", (e) => {
            window.__actions.push([e.detail.version, e.detail.description]);
          });
        }"""
    )


def recorded_actions(page: Page) -> list:
    return page.evaluate("() => window.__actions")


def move_list(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("#moves .mv").all_inner_texts() if t.strip()]
