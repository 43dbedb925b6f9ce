"""Clocks in real headless Chromium (docs/protocol.md "Time"): a per-move limit that runs
out for one player while both players and a spectator watch, the lobby's time-control
picker, and an away opponent's grace countdown followed by "Claim the win"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.servers import Server, sqlite_env

from .helpers import join, wait_ready, wait_version, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GAME_URL = re.compile(r"/games/[A-Za-z0-9_-]+/$")
TENTHS = re.compile(r"^0:0\d\.\d$")


def create_game(page, base: str, **body) -> str:
    """A guest session on ``page`` creates a game through the HTTP API and takes seat 0;
    returns the game's URL."""
    page.goto(f"{base}/")
    game = page.evaluate(
        """async (body) => {
          const post = async (path, data) => {
            const token = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
            const response = await fetch(path, {
              method: "POST",
              headers: {"Content-Type": "application/json",
                        "X-CSRFToken": decodeURIComponent(token.split("=")[1])},
              body: JSON.stringify(data),
            });
            if (!response.ok) throw new Error(`${path}: ${response.status}`);
            return response.json();
          };
          await fetch("/api/me");
          const {game} = await post("/api/games", body);
          await post(`/api/games/${game.id}/seats`, {index: 0});
          return game.id;
        }""",
        body,
    )
    return f"{base}/games/{game}/"


def clock(page, seat: int):
    return page.locator(f'.clock[data-clock="{seat}"]')


def seconds(text: str) -> float:
    minutes, rest = text.strip().split(":")
    return int(minutes) * 60 + float(rest)


def record_clock(page, seat: int) -> None:
    """Sample ``seat``'s clock reading every 50 ms from now on (window.__clock)."""
    page.evaluate(
        """(seat) => {
          window.__clock = [];
          setInterval(() => {
            const el = document.querySelector(`.clock[data-clock="${seat}"] .clock-time`);
            if (el) window.__clock.push(el.textContent);
          }, 50);
        }""",
        seat,
    )


def test_move_clock_runs_out_for_both_players_and_a_spectator(new_page, server_url, artifacts):
    x, o, spectator = new_page(), new_page(), new_page()
    url = create_game(
        x, server_url, kind="tictactoe", time_control={"kind": "move", "seconds": 11.5}
    )
    x.goto(url)
    wait_ready(x)
    # Waiting for an opponent: the full allowance is shown, nothing runs yet.
    expect(clock(x, 0)).to_have_text("0:11")
    expect(clock(x, 0)).to_have_attribute("data-running", "0")
    expect(x.locator("#status .tc")).to_have_text("11.5 s per move")

    join(o, url.removeprefix(server_url))  # the last seat: the game and X's clock start
    for page in (x, o):
        expect(clock(page, 0)).to_have_attribute("data-running", "1")
        expect(clock(page, 1)).to_have_attribute("data-running", "0")
        expect(clock(page, 1)).to_have_text("0:11")
    before = seconds(clock(x, 0).inner_text())
    x.wait_for_timeout(1100)
    assert seconds(clock(x, 0).inner_text()) < before  # counting down for the side to move
    expect(x.locator(".player-strip.bottom .player")).to_have_class(re.compile("to-move"))

    x.click('[data-square="4"]')
    for page in (x, o):
        wait_version(page, 1)
    watch(spectator, url.removeprefix(server_url))
    for page in (x, o, spectator):
        expect(clock(page, 1)).to_have_attribute("data-running", "1")
        expect(clock(page, 0)).to_have_attribute("data-running", "0")
        expect(clock(page, 0)).to_have_text("0:11")  # a per-move limit starts afresh
    record_clock(spectator, 1)

    # Under ten seconds: the low-time warning and tenths.
    for page in (x, o, spectator):
        expect(clock(page, 1)).to_have_attribute("data-state", "low")
        expect(clock(page, 1)).to_have_text(TENTHS)
    o.locator("#strip-top").screenshot(path=str(artifacts / "clocks-strip-top.png"))
    o.screenshot(path=str(artifacts / "clocks-running.png"))

    # O lets the clock run out: the server's sweeper stores the timeout for everybody.
    for page in (x, o, spectator):
        expect(page.locator("#banner")).to_be_visible()
        expect(page.locator("#banner")).to_have_attribute("data-reason", "timeout")
        expect(page.locator("#game-page")).to_have_attribute("data-status", "finished")
    o_name = x.locator('.player[data-seat="1"] .pname').inner_text()
    x_name = o.locator('.player[data-seat="0"] .pname').inner_text()
    expect(x.locator("#banner .result")).to_have_text("You won!")
    expect(x.locator("#banner .reason")).to_have_text(f"{o_name} ran out of time")
    expect(o.locator("#banner .result")).to_have_text("You lost")
    expect(o.locator("#banner .reason")).to_have_text("You ran out of time")
    expect(spectator.locator("#banner .result")).to_have_text(f"{x_name} won")
    expect(spectator.locator("#banner .reason")).to_have_text(f"{o_name} ran out of time")
    for page in (x, o, spectator):
        expect(clock(page, 1)).to_have_text("0:00.0")
        expect(clock(page, 1)).to_have_attribute("data-state", "flag")
        expect(clock(page, 1)).to_have_attribute("data-running", "0")
    spectator.screenshot(path=str(artifacts / "clocks-timeout.png"))

    # The spectator's countdown went down smoothly and never below zero.
    readings = [seconds(t) for t in spectator.evaluate("window.__clock")]
    assert len(readings) > 50
    assert all(r >= 0 for r in readings)
    assert all(b <= a + 1e-9 for a, b in zip(readings, readings[1:], strict=False)), readings
    assert len(set(readings)) > 30  # tenths, updated many times a second
    pairs = zip(readings, readings[1:], strict=False)
    big_steps = [(a, b) for a, b in pairs if a < 10 and a - b > 0.35]  # tenths under 10 s
    assert not big_steps, big_steps


def test_lobby_time_control_picker_goes_with_the_table(new_page, artifacts):
    creator, joiner = new_page(), new_page()
    for page in (creator, joiner):
        page.goto("/")
        expect(page.locator("#conn")).to_have_attribute("data-state", "open")
    picker = creator.locator("#time-control")
    expect(picker).to_have_value("none")  # "No clock" by default
    creator.click(".game-card[data-game=tictactoe]")
    assert "f3_2" not in picker.locator("option").evaluate_all("os => os.map((o) => o.value)")
    creator.click(".game-card[data-game=chess]")
    labels = picker.locator("option").all_inner_texts()
    assert labels[0] == "No clock" and "3+2 · Blitz" in labels, labels
    assert "Correspondence: 3 days per move" in labels
    picker.select_option("f3_2")
    creator.click("#create-table")
    expect(creator.locator("#match-status")).to_contain_text("Chess · 3+2 table")
    joiner.goto(creator.input_value("#share-link"))
    for page in (creator, joiner):
        page.wait_for_url(GAME_URL)
        wait_ready(page)
        expect(page.locator("#status .tc")).to_have_text("3+2")
        # As on Lichess, no bank runs before the first moves (docs/protocol.md "First
        # moves"): White has a first-move countdown instead.
        expect(clock(page, 0)).to_have_attribute("data-running", "0")
        expect(clock(page, 1)).to_have_text("3:00")
        expect(clock(page, 0)).to_have_text("3:00")
        expect(page.locator('.tag.first-move[data-first-move="0"]')).to_be_visible()
    # White moves: Black gets its first-move countdown; still no bank runs.
    creator.click('[data-square="e2"]')
    creator.click('[data-square="e4"]')
    for page in (creator, joiner):
        wait_version(page, 1)
        expect(clock(page, 1)).to_have_attribute("data-running", "0")
        expect(clock(page, 0)).to_have_attribute("data-running", "0")
        expect(clock(page, 0)).to_have_text("3:00")
        expect(page.locator('.tag.first-move[data-first-move="1"]')).to_be_visible()
        expect(page.locator('.tag.first-move[data-first-move="0"]')).to_be_hidden()
    # Black replies: White's bank starts.
    joiner.click('[data-square="e7"]')
    joiner.click('[data-square="e5"]')
    for page in (creator, joiner):
        wait_version(page, 2)
        expect(clock(page, 0)).to_have_attribute("data-running", "1")
        expect(clock(page, 1)).to_have_attribute("data-running", "0")
        expect(page.locator(".tag.first-move:visible")).to_have_count(0)
    joiner.wait_for_timeout(1200)
    joiner.screenshot(path=str(artifacts / "game-clocks.png"))
    # The choice is remembered for the next visit.
    creator.goto("/")
    creator.click(".game-card[data-game=chess]")
    expect(creator.locator("#time-control")).to_have_value("f3_2")


@pytest.fixture(scope="module")
def short_grace_url(tmp_path_factory):
    """A server of its own whose abandonment grace period is 2 seconds."""
    directory = tmp_path_factory.mktemp("grace-db")
    env = {**sqlite_env(directory / "db.sqlite3"), "ABANDON_GRACE": "2"}
    server = Server(env, directory / "server.log").start()
    yield server.url
    server.stop()


def test_grace_countdown_then_claim_the_win(new_page, short_grace_url, artifacts):
    x, o, spectator = new_page(), new_page(), new_page()
    url = create_game(x, short_grace_url, kind="tictactoe")
    x.goto(url)
    wait_ready(x)
    o.goto(url)
    wait_ready(o)
    o.click("#btn-join")
    expect(o.locator("#game-page")).to_have_attribute("data-seat", "1")
    for number, (page, square) in enumerate([(x, 4), (o, 0)], start=1):
        expect(page.locator("#status")).to_have_attribute("data-turn", "mine")
        page.click(f'[data-square="{square}"]')
        wait_version(x, number)
        wait_version(o, number)
    watch(spectator, url)
    expect(x.locator("#away")).to_be_hidden()

    o.close()  # O walks out
    away = x.locator("#away")
    expect(away).to_be_visible()
    expect(away).to_contain_text("disconnected")
    expect(x.locator('.tag.away[data-grace="1"]')).to_be_visible()
    expect(x.locator("#btn-claim")).to_have_count(0)  # not while O may still come back
    expect(spectator.locator("#away")).to_be_visible()

    claim = x.locator("#btn-claim")
    expect(claim).to_have_text("Claim the win")
    expect(away).to_contain_text("has left the game")
    x.screenshot(path=str(artifacts / "clocks-claim.png"))
    expect(spectator.locator("#btn-claim")).to_have_count(0)  # spectators never claim
    claim.click()
    for page in (x, spectator):
        expect(page.locator("#banner")).to_have_attribute("data-reason", "abandonment")
        expect(page.locator("#banner .reason")).to_contain_text(
            "left the game and did not come back"
        )
        expect(page.locator("#away")).to_be_hidden()
    expect(x.locator("#banner .result")).to_have_text("You won!")


@pytest.fixture(scope="module")
def short_first_move_url(tmp_path_factory):
    """A server of its own where a first move must be made within 4 seconds."""
    directory = tmp_path_factory.mktemp("first-move-db")
    env = {**sqlite_env(directory / "db.sqlite3"), "FIRST_MOVE_SECONDS": "4"}
    server = Server(env, directory / "server.log").start()
    yield server.url
    server.stop()


def test_the_clock_waits_for_the_first_move_then_the_game_is_aborted(
    new_page, short_first_move_url, artifacts
):
    white, black = new_page(), new_page()
    tc = {"kind": "fischer", "initial": 60, "increment": 1}
    url = create_game(white, short_first_move_url, kind="chess", time_control=tc)
    white.goto(url)
    wait_ready(white)
    black.goto(url)
    wait_ready(black)
    black.click("#btn-join")
    for page in (white, black):
        expect(page.locator("#game-page")).to_have_attribute("data-status", "active")
        countdown = page.locator('.tag.first-move[data-first-move="0"]')
        expect(countdown).to_be_visible()
        expect(countdown).to_contain_text("first move")
    white.wait_for_timeout(1500)
    for page in (white, black):  # nobody's clock ran while White thought
        for seat in (0, 1):
            expect(clock(page, seat)).to_have_text("1:00")
            expect(clock(page, seat)).to_have_attribute("data-running", "0")
    white.screenshot(path=str(artifacts / "clocks-first-move.png"))
    # White never moves: the server aborts the game (no result, not rated).
    for page in (white, black):
        expect(page.locator("#game-page")).to_have_attribute("data-status", "aborted")
        expect(page.locator("#banner .result")).to_have_text("Game aborted")
        expect(page.locator("#banner .reason")).to_contain_text("did not make a first move")
        expect(page.locator(".tag.first-move:visible")).to_have_count(0)
    expect(white.locator("#banner .reason")).to_contain_text("You did not make a first move")
