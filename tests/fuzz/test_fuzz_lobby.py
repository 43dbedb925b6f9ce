"""Fuzz the lobby socket like the game socket (tests/fuzz/test_fuzz_game.py), as a
logged-in user and as an anonymous socket, with one set of connections kept across
examples. Each frame is followed by a ``ping``: everything up to its ``pong`` is the
frame's answer, which must be at most one documented direct answer (exactly one for the
types that always answer) plus the lobby's events. A frame answered with an ``error``
changes none of the user's tickets or tables; an anonymous socket changes nothing at all;
a bystander user never hears about the fuzzing user's matches and still answers."""

from __future__ import annotations

import msgpack
import pytest
from channels.db import database_sync_to_async
from hypothesis import given
from hypothesis import strategies as st

import engine
from game_server.models import Game
from lobby.models import Table, Ticket
from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.test_fuzz_game import decode, values
from tests.lobby.helpers import lobby

pytestmark = pytest.mark.django_db(transaction=True)

TYPES = [
    "queue",
    "leave_queue",
    "create_table",
    "join_table",
    "leave_table",
    "cancel_table",
    "tables",
    "directory",
    "play_bot",
    "rematch",
    "ping",
]
DIRECT = {"error", "queued", "left_queue", "tables", "directory", "pong"}
ALWAYS_ANSWERED = {"queue", "leave_queue", "tables", "directory", "ping"}
EVENTS = {"online", "directory_update", "table", "match", "rematch"}

kinds = st.sampled_from(engine.names()) | st.text(max_size=12) | values
maps = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES) | st.text(max_size=10) | values},
    optional={
        "kind": kinds,
        "players": st.integers(-1, 8) | values,
        "options": st.just({}) | values,
        "rated": st.booleans() | values,
        "public": st.booleans() | values,
        "bot_after": st.none() | values,
        "bot_level": st.sampled_from(["random", "mcts"]) | values,
        "level": st.sampled_from(["random", "mcts"]) | values,
        "seat": st.integers(-1, 4) | values,
        "code": st.text("ABCDEFGHJK", max_size=8) | values,
        "game": st.text(max_size=10) | values,
    },
)
frames = st.one_of(
    *[st.tuples(st.just("msgpack"), maps | values)] * 8,
    st.tuples(st.just("truncated"), maps, st.integers(1, 8)),
    st.tuples(st.just("raw"), st.binary(max_size=64)),
    st.tuples(st.just("big"), st.integers(16385, 20000)),
    st.tuples(st.just("text"), st.text(max_size=30)),
)
examples = st.lists(st.tuples(st.booleans(), frames), min_size=1, max_size=5)


def encode(frame) -> tuple[bytes | None, str | None]:
    kind = frame[0]
    if kind == "msgpack":
        return msgpack.packb(frame[1], use_bin_type=True), None
    if kind == "truncated":
        packed = msgpack.packb(frame[1], use_bin_type=True)
        return packed[: max(0, len(packed) - frame[2])] or b"\xc1", None
    if kind == "raw":
        return frame[1], None
    if kind == "big":
        return b"\x81" + b"\x00" * frame[1], None
    return None, frame[1]


@database_sync_to_async
def footprint(user) -> tuple:
    """What a frame of ``user`` (None: anybody) could change."""
    tickets = Ticket.objects.all() if user is None else Ticket.objects.filter(user=user)
    tables = Table.objects.all() if user is None else Table.objects.filter(creator=user)
    return (
        list(tickets.values_list("pk", "status")),
        list(tables.values_list("pk", "status")),
        Game.objects.count() if user is None else None,
    )


class Fuzz:
    def __init__(self):
        self.stats = {"examples": 0, "frames": 0, "errors": 0, "closes": 0}
        self.sockets = {}

    async def start(self):
        self.sockets[True] = await lobby()
        self.user = self.sockets[True].user
        self.sockets[False] = await lobby(anonymous=True)
        self.bystander = await lobby()

    async def reconnect(self, logged_in: bool):
        await self.sockets[logged_in].close()
        if logged_in:
            from tests.lobby.helpers import ORIGIN, Client, session_cookie
            from tests.lobby.helpers import application as app

            cookie = await database_sync_to_async(session_cookie)(self.user)
            from channels.testing import WebsocketCommunicator

            communicator = WebsocketCommunicator(
                app, "/ws/lobby/", headers=[ORIGIN, (b"cookie", cookie)]
            )
            assert (await communicator.connect(timeout=5))[0]
            client = Client(communicator)
            client.user = self.user
            await client.expect("welcome", skip=tuple(EVENTS))
            self.sockets[True] = client
        else:
            self.sockets[False] = await lobby(anonymous=True)

    async def stop(self):
        for client in [*self.sockets.values(), self.bystander]:
            await client.close()

    async def send(self, logged_in: bool, frame):
        client = self.sockets[logged_in]
        data, text = encode(frame)
        before = await footprint(self.user if logged_in else None)
        event = {"type": "websocket.receive", "bytes": data, "text": text}
        await client.ws.send_input({k: v for k, v in event.items() if v is not None})
        self.stats["frames"] += 1
        if text is not None or len(data) > 16384:
            answer = await client.recv(5)
            while answer["type"] in EVENTS:
                answer = await client.recv(5)
            assert answer == {"type": "closed", "code": 4003 if text is not None else 4009}
            self.stats["closes"] += 1
            await self.reconnect(logged_in)
            return
        message = decode(data)
        kind = message.get("type") if isinstance(message, dict) else None
        await client.send({"type": "ping"})
        answers = []
        while True:
            answer = await client.recv(5)
            assert answer["type"] != "closed", (frame, answer)
            if answer["type"] == "pong" and (kind != "ping" or answers):
                break  # the pong of our ping (a ping frame gets its own first)
            assert answer["type"] in DIRECT | EVENTS, (frame, answer)
            if answer["type"] in DIRECT:
                answers.append(answer)
        answered_always = not isinstance(kind, str) or kind not in TYPES or kind in ALWAYS_ANSWERED
        assert len(answers) == (1 if answered_always else len(answers)) and len(answers) <= 1, (
            frame,
            answers,
        )
        if answers and answers[0]["type"] == "error":
            self.stats["errors"] += 1
            assert await footprint(self.user if logged_in else None) == before, frame
        if not logged_in:
            assert await footprint(None) == before, frame  # anonymous: nothing changes

    async def check(self):
        await self.bystander.send({"type": "ping"})
        while (message := await self.bystander.recv(5))["type"] != "pong":
            assert message["type"] in EVENTS - {"match", "rematch"}, message
        for client in [*self.sockets.values(), self.bystander]:
            client.seen.clear()


def test_fuzz_lobby_socket(runner, no_rate_limits):
    no_rate_limits.LOBBY_BOTS_AUTOPLAY = False
    no_rate_limits.LOBBY_BOT_BUDGETS = {"random": {}, "mcts": {"iterations": 10}}
    fuzz = Fuzz()
    runner.run(fuzz.start())

    @fuzz_settings
    @given(example=examples)
    def run(example):
        async def play():
            fuzz.stats["examples"] += 1
            try:
                for logged_in, frame in example:
                    await fuzz.send(logged_in, frame)
                await fuzz.check()
            except BaseException:
                await fuzz.stop()  # a failure: start the next example afresh
                await fuzz.start()
                raise

        runner.run(play())

    run()
    print(f"lobby fuzz: {fuzz.stats}")
    runner.run(fuzz.stop())
