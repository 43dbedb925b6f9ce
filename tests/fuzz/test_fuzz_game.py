"""Fuzz the game socket: arbitrary msgpack values (maps with real and made-up ``type``
keys, fields of every type, nesting, huge ints, binary, floats, nil) and raw bytes
(garbage, truncated msgpack, oversized frames, text frames), sent by the seat to move, by
the other seat and by a spectator, many frames per example, on one game and one set of
connections kept across examples.

For every frame: the consumer answers as the protocol says (an ``error``, a ``reject``,
an ``ack`` only for a valid action, ``pong``, ``snapshot``/``moves`` for ``resync``, the
``chat`` broadcast, or one of the documented closes 4003/4009/4403), never crashes, and
the stored move log changes exactly when an independent oracle (the engine) says the frame
was a valid, new action. After every example: the log in the database equals the oracle's,
every sender still answers ``ping`` and a bystander spectator has seen exactly the stored
versions, in order, and nothing else addressed to it."""

from __future__ import annotations

import msgpack
import pytest
from channels.db import database_sync_to_async
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import EngineError
from game_server import actions
from game_server.fanout import fanout
from game_server.models import Game, Move
from tests.fuzz.conftest import fuzz_settings
from tests.server.helpers import anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)

KIND = "tictactoe"
VERSION = "\x00version"  # replaced by the game's current version when the frame is sent
ACTIONS = ["resign", "offer_draw", "accept_draw", "decline_draw"]
TYPES = ["move", *ACTIONS, "resync", "chat", "auth", "ping"]
ANSWERS = {"error", "reject", "ack", "pong", "snapshot", "moves", "chat", "closed"}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.integers(-3, 12)
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=20)
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(TYPES), children, max_size=4)
    ),
    max_leaves=12,
)
versions = st.just(VERSION) | st.integers(-2, 12) | values
request_ids = st.sampled_from(["a", "b", "c", "d", ""]) | st.text(max_size=70) | values
texts = st.sampled_from(["hi", " gg ", ""]) | st.text(max_size=600) | values
maps = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES) | st.text(max_size=10) | values},
    optional={
        "move": st.integers(-1, 9) | values,
        "version": versions,
        "request_id": request_ids,
        "text": texts,
        "token": st.text(max_size=50) | values,
        "seat": values,
    },
)
fresh_ids = st.text("abcdefgh", min_size=1, max_size=10)
valid_looking = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["move"] * 6 + ACTIONS),
        # engine actions as move data too; timeout/abandon/abort are the server's only
        "move": st.integers(0, 8) | st.builds(dict, action=st.sampled_from(engine.ENGINE_ACTIONS)),
        "version": st.sampled_from([VERSION] * 3) | st.integers(0, 9),
        "request_id": fresh_ids,
    }
)
msgpack_frames = st.tuples(st.just("msgpack"), maps | values)
valid_looking_frames = st.tuples(st.just("msgpack"), valid_looking)
frames = st.one_of(
    # one_of picks a branch uniformly: repeat the common kinds to weight them
    *[msgpack_frames] * 6,
    *[valid_looking_frames] * 4,
    st.tuples(st.just("truncated"), maps, st.integers(1, 8)),
    st.tuples(st.just("raw"), st.binary(min_size=0, max_size=64)),
    st.tuples(st.just("deep"), st.integers(1, 3000)),
    st.tuples(st.sampled_from(["big", "text"]), st.integers(16385, 20000) | st.text(max_size=30)),
)
roles = st.sampled_from(["to_move", "to_move", "other", "spectator"])
examples = st.lists(st.tuples(roles, frames), min_size=1, max_size=6)


def substitute(value, version: int):
    if value == VERSION:
        return version
    if isinstance(value, dict):
        return {k: substitute(v, version) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, version) for v in value]
    return value


def encode(frame, version: int) -> tuple[bytes | None, str | None]:
    """The frame's bytes (or text for a text frame)."""
    kind = frame[0]
    if kind == "msgpack":
        return msgpack.packb(substitute(frame[1], version), use_bin_type=True), None
    if kind == "truncated":
        packed = msgpack.packb(substitute(frame[1], version), use_bin_type=True)
        return packed[: max(0, len(packed) - frame[2])] or b"\xc1", None
    if kind == "raw":
        return frame[1], None
    if kind == "deep":  # {"type": "move", "version": v, "request_id": "deep", "move": [[[...]]]}
        head = msgpack.packb({"type": "move", "version": version, "request_id": "deep"})
        head = bytes([0x84]) + head[1:] + msgpack.packb("move")
        return head + b"\x91" * frame[1] + b"\x00", None
    if kind == "big" and isinstance(frame[1], int):
        return b"\x81" + b"\x00" * frame[1], None
    return None, str(frame[1])


def decode(data: bytes):
    """What the server reads from the frame (None when it cannot)."""
    try:
        return msgpack.unpackb(data, raw=False)
    except Exception:
        return None


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Fuzz:
    """One game, its two seats' connections, a spectator and a bystander spectator, and
    the oracle: the engine state and move log the server must hold."""

    def __init__(self):
        self.stats = {"examples": 0, "frames": 0, "valid": 0, "closes": 0, "games": 0}
        self.over_anyway = False

    async def start(self):
        self.game, self.tokens = await anew_game(KIND)
        self.engine = engine.get(KIND)
        self.state = self.engine.initial_state(2, self.game.seed, self.game.options)
        self.log: list[tuple[int, object]] = []
        self.states = [self.state]  # the state after each version
        self.used: set[tuple[int, str]] = set()
        self.clients = {0: None, 1: None, None: None}
        for role in self.clients:
            await self.reconnect(role)
        self.bystander = await connect(self.game.pk)
        self.bystander_version = 0
        self.stats["games"] += 1

    async def reconnect(self, seat):
        old = self.clients.get(seat)
        if old is not None:
            await old.close()
        token = None if seat is None else self.tokens[seat]
        self.clients[seat] = await connect(self.game.pk, token)

    async def stop(self):
        for client in [*self.clients.values(), self.bystander]:
            await client.close()

    @property
    def over(self) -> bool:
        return self.engine.outcome(self.state) is not None

    def seat_of(self, role: str) -> int | None:
        if role == "spectator":
            return None
        to_move = self.engine.to_move(self.state)[0]
        return to_move if role == "to_move" else 1 - to_move

    def oracle(self, message, seat):
        """(expected answer types, the state after it when it is a valid new action)."""
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return {"error"}, None
        kind = message["type"]
        if kind not in TYPES:
            return {"error"}, None
        if kind == "ping":
            return {"pong"}, None
        if kind == "resync":
            return ({"moves", "snapshot"} if is_int(message.get("version")) else {"error"}), None
        if kind == "auth":
            return ({"closed"} if isinstance(message.get("token"), str) else {"error"}), None
        if kind == "chat":
            text = message.get("text")
            if not isinstance(text, str) or not 1 <= len(text.strip()) <= 500:
                return {"error"}, None
            return ({"reject"} if seat is None else {"chat"}), None
        return {"reject", "ack"}, self.valid_action(message, seat)

    def valid_action(self, message, seat):
        request_id = message.get("request_id")
        if seat is None or not isinstance(request_id, str) or not 1 <= len(request_id) <= 64:
            return None
        if (seat, request_id) in self.used or self.over:
            return None
        version = message.get("version")
        if message["type"] == "move":
            if "move" not in message or not is_int(version):
                return None
            data = message["move"]
        else:
            if version is not None and not is_int(version):
                return None
            data = {"action": message["type"]}
        if version is not None and version != len(self.log):
            return None
        if not actions.is_plain_data(data):
            return None
        if isinstance(data, dict) and data["action"] in actions.SERVER_ACTIONS:
            return None  # refused with server_only
        try:
            return self.engine.apply(self.state, data, seat), data
        except EngineError:
            return None

    async def answer(self, client, sender: int | None | str = "nobody"):
        """The next frame that answers a frame of ``sender`` (a seat, None for the
        spectator). Updates, presence and the chat of others are broadcasts to the whole
        game, not answers; a valid chat is answered by its own broadcast."""
        while True:
            message = await client.recv(5)
            if message["type"] in ("update", "presence"):
                continue
            if message["type"] == "chat" and message.get("seat") != sender:
                continue
            return message

    async def send(self, role, frame):
        seat = self.seat_of(role)
        client = self.clients[seat]
        data, text = encode(frame, len(self.log))
        # Straight to the application: the communicator refuses empty frames.
        event = {"type": "websocket.receive", "bytes": data, "text": text}
        await client.ws.send_input({k: v for k, v in event.items() if v is not None})
        self.stats["frames"] += 1
        try:
            answer = await self.answer(client, seat)
        except TimeoutError:
            raise AssertionError(f"no answer to {frame!r} from {role}") from None
        assert answer["type"] in ANSWERS, answer
        if text is not None:
            expected, valid, code = {"closed"}, None, 4003
        elif len(data) > 16384:
            expected, valid, code = {"closed"}, None, 4009
        else:
            expected, valid = self.oracle(decode(data), seat)
            code = 4403
        assert answer["type"] in expected, (role, frame, answer, expected)
        if answer["type"] == "closed":
            assert answer["code"] == code, (frame, answer)
            self.stats["closes"] += 1
            await self.reconnect(seat)
            return
        if answer["type"] == "ack":
            assert valid is not None or answer["duplicate"], (frame, answer)
            if valid is not None:
                assert not answer["duplicate"] and answer["version"] == len(self.log) + 1
                self.state, stored = valid
                self.log.append((seat, stored))
                self.states.append(self.state)
                self.used.add((seat, decode(data)["request_id"]))
                self.stats["valid"] += 1
        else:
            assert valid is None, (frame, answer, "the oracle says this action is valid")
        await self.ping(client)

    async def ping(self, client):
        await client.send({"type": "ping"})
        assert (await self.answer(client))["type"] == "pong"

    @database_sync_to_async
    def stored(self):
        moves = Move.objects.filter(game=self.game).order_by("ply")
        version = Game.objects.get(pk=self.game.pk).version
        return version, [(move.seat, move.data) for move in moves]

    async def check(self):
        version, moves = await self.stored()
        assert version == len(self.log)
        assert moves == [(seat, msgpack.unpackb(msgpack.packb(d))) for seat, d in self.log]
        # The bystander sees every stored version once, in order, and nothing else for it
        # (updates may trail the actor's ack: wait for them), and still answers a ping.
        pinged = False
        while True:
            if not pinged and self.bystander_version == len(self.log):
                await self.bystander.send({"type": "ping"})
                pinged = True
            try:
                message = await self.bystander.recv(5)
            except TimeoutError:
                members = len(fanout().local.get(self.game.pk, ()))
                raise AssertionError(
                    f"the bystander missed an update: it is at version "
                    f"{self.bystander_version}, the log at {len(self.log)}; the game's group "
                    f"has {members} local sockets (4 expected); {self.stats}"
                ) from None
            if message["type"] == "pong":
                break
            assert message["type"] in ("update", "presence", "chat"), message
            if message["type"] == "update":
                self.bystander_version += 1
                assert message["version"] == self.bystander_version
                expected = self.engine.view(self.states[message["version"]], None)
                assert message["view"] == msgpack.unpackb(msgpack.packb(expected))
        assert self.bystander_version == len(self.log)
        for client in [*self.clients.values(), self.bystander]:
            client.seen.clear()


def test_fuzz_game_socket(runner, no_rate_limits):
    fuzz = Fuzz()
    runner.run(fuzz.start())

    @fuzz_settings
    @given(example=examples)
    def run(example):
        async def play():
            fuzz.stats["examples"] += 1
            try:
                for role, frame in example:
                    await fuzz.send(role, frame)
                    if fuzz.over:
                        break
                await fuzz.check()
            except BaseException:
                fuzz.over_anyway = True  # a failure: start the next example afresh
                raise
            finally:
                if fuzz.over or fuzz.over_anyway:
                    fuzz.over_anyway = False
                    await fuzz.stop()
                    await fuzz.start()

        runner.run(play())

    run()
    print(f"game fuzz: {fuzz.stats}")
    runner.run(fuzz.stop())
