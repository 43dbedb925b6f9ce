"""Steps shared by the browser tests: start a private table, join it, click moves."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def create_table(page: Page, kind: str) -> str:
    """From the lobby, create a private table of ``kind`` and go to it; returns the
    game's path (``/games/<id>/``). The creator sits at seat 0."""
    page.goto("/")
    page.click(f".game-card[data-game={kind}]")
    page.click("#create-table")
    expect(page.locator("#share")).to_be_visible()
    link = page.input_value("#share-link")
    game_path = re.search(r"(/games/[A-Za-z0-9_-]+/)", link)[1]
    page.click("#open-table")
    wait_ready(page)
    return game_path


def join(page: Page, game_path: str) -> None:
    """Open the game and take the free seat with the page's "Join this game" button."""
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
