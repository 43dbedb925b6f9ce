"""Quick match under a burst: many players on two ``boardroom.serve`` processes (one
PostgreSQL database, one Redis) send ``queue`` at the same instant, some of them on both
processes at once (two sockets, one session). Nobody may be matched twice or sit in two
games at once; every game has two different players; one odd player out keeps waiting."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections import defaultdict

import msgpack
import psycopg
import pytest
from websockets.asyncio.client import connect

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

SINGLE_USERS = 24  # one socket each, alternating between the two processes
DOUBLE_USERS = 3  # one socket on each process, same session
POLL_SECONDS = 1.0  # lobby.consumers.poll_seconds(): a waiting ticket's re-match period


def guest_session(server) -> tuple[int, str]:
    """A new guest user (``GET /api/me``): its id and the session cookie."""
    with urllib.request.urlopen(f"{server.url}/api/me", timeout=10) as response:
        cookies = response.headers.get_all("Set-Cookie")
        user = json.loads(response.read())["user"]
    return user["id"], "; ".join(c.split(";", 1)[0] for c in cookies)


class Socket:
    """One lobby socket of a session user that records every message it receives."""

    def __init__(self, server, user_id: int, cookie: str, arrived: asyncio.Event):
        self.server, self.user_id, self.cookie = server, user_id, cookie
        self.arrived = arrived  # set on every message, shared by all sockets of a test
        self.messages: list[dict] = []
        self.ws = None
        self.reader: asyncio.Task | None = None

    async def connect(self) -> Socket:
        self.ws = await connect(
            f"ws://127.0.0.1:{self.server.port}/ws/lobby/",
            origin=self.server.url,
            additional_headers={"Cookie": self.cookie},
            max_queue=None,  # every broadcast is kept, however many arrive at once
        )
        self.reader = asyncio.create_task(self._read())
        welcome = await wait_for(self.arrived, lambda: self.of("welcome"))
        assert welcome[0]["user"]["id"] == self.user_id
        return self

    async def _read(self) -> None:
        async for frame in self.ws:
            self.messages.append(msgpack.unpackb(frame, raw=False))
            self.arrived.set()

    def of(self, kind: str) -> list[dict]:
        return [m for m in self.messages if m["type"] == kind]

    def answers_to_queue(self) -> list[dict]:
        return self.of("queued") + [m for m in self.of("error") if m.get("for") == "queue"]

    async def send(self, message: dict) -> None:
        await self.ws.send(msgpack.packb(message, use_bin_type=True))

    async def close(self) -> None:
        await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


async def wait_for(arrived: asyncio.Event, condition, seconds: float = 15.0):
    """``condition()``'s first true value, checked again whenever a message arrives."""
    async with asyncio.timeout(seconds):
        while not (result := condition()):
            arrived.clear()
            await arrived.wait()
    return result


def database_rows(database_url: str, user_ids: list[int], kind: str):
    """The burst users' tickets, and every seat of every game one of them sits in."""
    with psycopg.connect(database_url) as connection:
        tickets = connection.execute(
            "SELECT user_id, status, game_id, seat, rated FROM lobby_ticket"
            " WHERE user_id = ANY(%s) AND kind = %s",
            (user_ids, kind),
        ).fetchall()
        seats = connection.execute(
            "SELECT g.id, g.status, g.kind, g.num_players, g.rated, s.index, s.user_id"
            " FROM game_server_game g JOIN game_server_seat s ON s.game_id = g.id"
            " WHERE g.id IN (SELECT game_id FROM game_server_seat WHERE user_id = ANY(%s))"
            " ORDER BY g.id, s.index",
            (user_ids,),
        ).fetchall()
    return tickets, seats


@pytest.mark.parametrize("rated", [False, True], ids=["casual", "rated"])
async def test_a_burst_of_queues_on_two_processes_matches_everybody_once(
    scale_database, redis_url, start_servers, rated
):
    a, b = start_servers(2, scale_database.url, redis_url)
    servers = (a, b)
    sessions = await asyncio.gather(
        *(
            asyncio.to_thread(guest_session, servers[i % 2])
            for i in range(SINGLE_USERS + DOUBLE_USERS)
        )
    )
    sockets: dict[int, list[Socket]] = defaultdict(list)
    arrived = asyncio.Event()
    for i, (user_id, cookie) in enumerate(sessions):
        on = servers if i >= SINGLE_USERS else (servers[i % 2],)
        for server in on:
            sockets[user_id].append(Socket(server, user_id, cookie, arrived))
    everyone = [socket for user_sockets in sockets.values() for socket in user_sockets]
    user_ids = list(sockets)
    assert len(user_ids) == SINGLE_USERS + DOUBLE_USERS  # distinct sessions, distinct users
    await asyncio.gather(*(socket.connect() for socket in everyone))
    try:
        # Everybody at the same instant; ratings are equal (new players), so rated pairs too.
        request = {"type": "queue", "kind": "connect4", "rated": rated}
        await asyncio.gather(*(socket.send(request) for socket in everyone))
        for socket in everyone:  # each socket's queue is answered: queued, or refused
            await wait_for(arrived, socket.answers_to_queue, seconds=30)

        def settled() -> bool:
            # every user was told of a match, except at most one still waiting
            unmatched = [u for u, own in sockets.items() if not any(s.of("match") for s in own)]
            return len(unmatched) <= len(user_ids) % 2

        await wait_for(arrived, settled, seconds=30)
        # Leave room for a wrong second match: waiting tickets re-match every poll period.
        await asyncio.sleep(3 * POLL_SECONDS)
        tickets, seats = await asyncio.to_thread(
            database_rows, scale_database.url, user_ids, "connect4"
        )
    finally:
        await asyncio.gather(*(socket.close() for socket in everyone), return_exceptions=True)

    # -- what the sockets were told -------------------------------------------------------
    told: dict[int, set[str]] = {}  # user -> the games its match messages name
    matches: dict[int, dict] = {}
    for user_id, own in sockets.items():
        answers = [m for s in own for m in s.answers_to_queue()]
        # A user's second socket may lose the race: its ticket is refused because the
        # first one is still waiting (already_queued) or was matched meanwhile (in_a_game).
        refusals = ("already_queued", "in_a_game")
        assert all(m["type"] == "queued" or m["code"] in refusals for m in answers), answers
        assert len(answers) == len(own), answers  # each queue answered once
        assert any(m["type"] == "queued" for m in answers), answers  # queued at least once
        for socket in own:  # one match per socket (both sockets of a user hear it)
            assert len(socket.of("match")) <= 1, (user_id, socket.of("match"))
        games = {m["game"] for s in own for m in s.of("match")}
        assert len(games) <= 1, (user_id, games)  # never told of two games
        told[user_id] = games
        if games:
            matches[user_id] = next(m for s in own for m in s.of("match"))
    matched_users = [u for u, games in told.items() if games]
    leftover = [u for u, games in told.items() if not games]
    assert len(leftover) == len(user_ids) % 2, leftover
    by_game: dict[str, list[int]] = defaultdict(list)
    for user_id in matched_users:
        match = matches[user_id]
        assert match["kind"] == "connect4" and match["players"] == 2
        assert match["rated"] is rated and match["source"] == "queue"
        by_game[match["game"]].append(user_id)
    assert all(len(set(users)) == 2 == len(users) for users in by_game.values()), by_game
    assert len(by_game) == len(matched_users) // 2

    # -- what the database holds ------------------------------------------------------------
    games: dict[str, list[tuple]] = defaultdict(list)
    for game_id, status, kind, num_players, game_rated, index, user_id in seats:
        games[game_id].append((status, kind, num_players, game_rated, index, user_id))
    assert set(games) == set(by_game), (sorted(games), sorted(by_game))
    unfinished = defaultdict(set)  # user -> its waiting/active games
    for game_id, game_seats in games.items():
        assert [index for *_, index, _ in game_seats] == [0, 1], game_seats
        assert {(kind, n, r) for _, kind, n, r, _, _ in game_seats} == {("connect4", 2, rated)}
        players = [user_id for *_, user_id in game_seats]
        assert None not in players and len(set(players)) == 2, game_seats
        assert sorted(players) == sorted(by_game[game_id])
        for status, *_, index, user_id in game_seats:
            assert matches[user_id]["seat"] == index  # the seat it was told is the one held
            if status in ("waiting", "active"):
                unfinished[user_id].add(game_id)
    assert all(len(held) == 1 for held in unfinished.values()), unfinished
    assert sorted(unfinished) == sorted(matched_users)
    assert len(games) == len(matched_users) // 2
    by_user = defaultdict(list)
    for user_id, status, game_id, seat, ticket_rated in tickets:
        assert ticket_rated is rated
        by_user[user_id].append((status, game_id, seat))
    for user_id in user_ids:
        held = by_user[user_id]
        matched = [t for t in held if t[0] == "matched"]
        waiting = [t for t in held if t[0] == "waiting"]
        if user_id in matches:
            assert len(matched) == 1 and not waiting, (user_id, held)
            assert matched[0][1:] == (matches[user_id]["game"], matches[user_id]["seat"])
        else:  # the odd one out: still in the queue (and was told "queued")
            assert not matched and len(waiting) == 1, (user_id, held)


async def test_a_queue_arriving_after_its_users_match_does_not_start_a_second_game(
    scale_database, redis_url, start_servers
):
    # The interleaving the burst finds by chance, made deterministic: a user's socket on
    # process b sends ``queue`` just after the user's ticket from process a was matched.
    a, b = start_servers(2, scale_database.url, redis_url)
    arrived = asyncio.Event()
    (x, x_cookie), (y, y_cookie), (z, z_cookie) = await asyncio.gather(
        *(asyncio.to_thread(guest_session, server) for server in (a, b, b))
    )
    x_on_a, x_on_b = Socket(a, x, x_cookie, arrived), Socket(b, x, x_cookie, arrived)
    y_on_b, z_on_b = Socket(b, y, y_cookie, arrived), Socket(b, z, z_cookie, arrived)
    everyone = [x_on_a, x_on_b, y_on_b, z_on_b]
    await asyncio.gather(*(socket.connect() for socket in everyone))
    try:
        request = {"type": "queue", "kind": "connect4"}
        for socket in (x_on_a, y_on_b):
            await socket.send(request)
        matched = await wait_for(arrived, lambda: x_on_b.of("match"))
        await z_on_b.send(request)  # somebody for a second game to pair x with
        await wait_for(arrived, lambda: z_on_b.of("queued"))
        await x_on_b.send(request)
        answer = (await wait_for(arrived, x_on_b.answers_to_queue))[0]
        assert answer["type"] == "error" and answer["code"] == "in_a_game", answer
        await asyncio.sleep(2 * POLL_SECONDS)  # z's socket re-matches meanwhile
        tickets, seats = await asyncio.to_thread(
            database_rows, scale_database.url, [x, y, z], "connect4"
        )
    finally:
        await asyncio.gather(*(socket.close() for socket in everyone), return_exceptions=True)
    assert [m["game"] for m in x_on_a.of("match")] == [matched[0]["game"]]
    assert not z_on_b.of("match")
    assert sorted(status for user, status, *_ in tickets if user == x) == ["matched"]
    assert [status for user, status, *_ in tickets if user == z] == ["waiting"]
    assert sorted(user for *_, user in seats) == sorted([x, y])  # one game: x and y
