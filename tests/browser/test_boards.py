"""Every other board renders and takes a first move by clicks: checkers, reversi and
liar's dice (chess, connect4 and tic-tac-toe are played in full in test_play.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import move_list, start_table, wait_version

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def first_mover(a, b):
    """The page whose turn it is (who starts depends on the seats the table gave)."""
    for _ in range(150):
        for page in (a, b):
            if page.locator("#status").get_attribute("data-turn") == "mine":
                return page
        a.wait_for_timeout(100)
    raise AssertionError("nobody's turn")


@pytest.mark.parametrize("kind", ["checkers", "reversi", "liars_dice"])
def test_board_takes_a_first_move(new_page, artifacts, kind):
    a, b = new_page(), new_page()
    start_table(a, b, kind)
    mover = first_mover(a, b)
    if kind == "checkers":
        expect(mover.locator(".checkers .man")).to_have_count(24)
        mover.locator(".checkers .cell.movable").first.click()
        mover.locator(".checkers .cell.target").first.click()
    elif kind == "reversi":
        expect(mover.locator(".reversi .disc")).to_have_count(4)
        expect(mover.locator(".reversi .cell.target")).to_have_count(4)
        mover.locator('.reversi .cell[data-square="19"]').click()  # d3
    else:
        expect(mover.locator(".die.own")).to_have_count(5)
        expect(mover.locator(".die.hidden")).to_have_count(5)
        mover.select_option("select[aria-label=quantity]", "2")
        mover.click(".dice-controls button:text('Bid')")
    for page in (a, b):
        wait_version(page, 1)
    other = b if mover is a else a
    if kind == "reversi":
        expect(other.locator(".reversi .disc.black")).to_have_count(4)
        assert move_list(other) == ["d3"]
    elif kind == "liars_dice":
        expect(other.locator("[data-testid=current-bid]")).to_contain_text("2 ×")
    else:
        assert len(move_list(other)) == 1
    other.screenshot(path=str(artifacts / f"game-{kind}.png"))
