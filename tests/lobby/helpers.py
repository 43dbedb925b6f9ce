"""Users, sessions and lobby sockets driven through the whole ASGI application."""

from __future__ import annotations

import itertools

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore

from boardroom.asgi import application
from game_server import actions
from game_server.models import Game
from game_server.state import load_state
from tests.server.helpers import ORIGIN, Client

_names = itertools.count()


def make_user(name: str | None = None):
    name = name or f"player{next(_names)}"
    return get_user_model().objects.create_user(username=name)


def session_cookie(user) -> bytes:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}".encode()


def _user_and_cookie(name=None):
    user = make_user(name)
    return user, session_cookie(user)


async def lobby(name: str | None = None, anonymous: bool = False) -> Client:
    """A connected lobby socket of a new user (``client.user``), welcome message read."""
    headers = [ORIGIN]
    user = None
    if not anonymous:
        user, cookie = await database_sync_to_async(_user_and_cookie)(name)
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, "/ws/lobby/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    assert connected, code
    client = Client(communicator)
    client.user = user
    welcome = await client.expect("welcome", skip=("online", "directory_update"))
    assert (welcome["user"] is None) == anonymous
    return client


async def expect(client: Client, *types: str, wait: float = 5) -> dict:
    """The next message of ``types``, skipping the lobby's broadcasts."""
    return await client.expect(
        *types, skip=("online", "directory_update", "table", "queued"), wait=wait
    )


async def drain(client: Client, wait: float = 0.2) -> list[dict]:
    """Every message that arrives within ``wait`` seconds of silence."""
    messages = []
    while not await client.ws.receive_nothing(wait):
        messages.append(await client.recv())
    return messages


def play_randomly(game_id: str) -> Game:
    """Play random legal moves for every human seat (bots are played by the runner)."""
    import engine
    from engine import bots as engine_bots
    from lobby import bots

    for _ in range(2000):
        game = Game.objects.get(pk=game_id)
        if game.over:
            return game
        if bots.play_turn(game_id):
            continue
        state = load_state(game)
        game_engine = engine.get(game.kind)
        seat = game_engine.to_move(state)[0]
        move = engine_bots.random_move(game_engine, state, state.ply, seat)
        actions.submit_action(game_id, seat, move, game.version, None)
    raise AssertionError("the game did not end")
