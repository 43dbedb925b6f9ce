"""A small asyncio client for Boardroom's live-game protocol (docs/protocol.md).

For bots, scripts, load tests and the real-socket tests::

    from game_server.client import GameClient, create_game, take_seat

    game = await create_game("http://127.0.0.1:8000", "tictactoe")
    seat = await take_seat("http://127.0.0.1:8000", game["id"], name="bot")
    async with GameClient("http://127.0.0.1:8000", game["id"], seat["token"]) as client:
        while client.status != "finished":
            if client.my_turn:
                await client.move(client.view["legal_moves"][0])   # the ack, or Rejected
            else:
                await client.next_update()

The client keeps ``version``, ``view``, ``status``, ``outcome``, ``players`` and
``spectators`` up to date from ``snapshot``, ``update``, ``moves`` and ``presence``
messages. It notices gaps (an update that is not ``version + 1``) and asks for the
missed moves itself. :meth:`GameClient.reconnect` reconnects with ``?version=N`` and
sends the actions still waiting for an answer again under their request ids, which the
server acknowledges without applying twice; with ``auto_reconnect=True`` the client does
that by itself whenever the server drops it or asks it to come back.

Bots with an account (docs/writing-a-bot.md) use the lobby as that account with a
personal API token, then play the game they were matched into with :class:`GameClient`::

    async with LobbyClient("http://127.0.0.1:8000", token) as lobby:
        match = await lobby.quick_match("connect4", rated=True)
    async with GameClient("http://127.0.0.1:8000", match["game"], match["token"]) as game:
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

import msgpack
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from .lobby_client import LobbyClient, LobbyError

__all__ = ["ApiError", "GameClient", "LobbyClient", "LobbyError", "Rejected", "api"]


class Rejected(Exception):
    """The server rejected an action (``code`` as in docs/protocol.md)."""

    def __init__(self, message: dict):
        super().__init__(f"{message.get('code')}: {message.get('message')}")
        self.code = message.get("code")
        self.message = message


class ApiError(Exception):
    def __init__(self, status: int, body: dict):
        error = body.get("error", {})
        super().__init__(f"HTTP {status} {error.get('code')}: {error.get('message')}")
        self.status = status
        self.code = error.get("code")


# -- HTTP API (token client: no cookies, so no CSRF) ---------------------------------------
def _request(
    base_url: str, method: str, path: str, body: dict | None = None, token: str | None = None
) -> dict:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:  # an account token: act as the account (docs/protocol.md, "Accounts")
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        base_url.rstrip("/") + path, data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ApiError(exc.code, json.loads(exc.read() or b"{}")) from None


async def api(
    base_url: str, method: str, path: str, body: dict | None = None, token: str | None = None
) -> dict:
    """Call the JSON HTTP API (in a thread, to keep the event loop free); with an account
    ``token``, as that account."""
    return await asyncio.to_thread(_request, base_url, method, path, body, token)


async def create_game(
    base_url: str, kind: str, num_players=None, options=None, token=None, rated=False
) -> dict:
    body = {"kind": kind, "num_players": num_players, "options": options or {}}
    if rated:
        body["rated"] = True
    return (await api(base_url, "POST", "/api/games", body, token))["game"]


async def take_seat(
    base_url: str, game_id: str, name: str = "", index=None, token=None, attempts: int = 3
) -> dict:
    """``{"seat", "token", "game", "ws_url"}``; with an account ``token``, as the account.
    The request carries a fresh request id, so when an answer is lost (the connection
    dropped, or the server answered 503) the retry gets the same seat and a working
    token, never a second seat or ``game_full``."""
    body = {"name": name, "index": index, "request_id": uuid.uuid4().hex}
    for attempt in range(attempts):
        try:
            return await api(base_url, "POST", f"/api/games/{game_id}/seats", body, token)
        except (OSError, ApiError) as exc:
            retry = isinstance(exc, OSError) or exc.status == 503
            if not retry or attempt + 1 == attempts:
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


# -- WebSocket ------------------------------------------------------------------------------
# Close codes after which the server wants the client back (docs/protocol.md): going away,
# dropped without a close frame, internal error, restart, try again later, and Boardroom's
# own 4012 (this server is shutting down, reconnect).
RECONNECT_CODES = frozenset({1001, 1006, 1011, 1012, 1013, 4012})


class GameClient:
    """One connection to one game, as a seat (with ``token``) or a spectator.

    With ``auto_reconnect``, a connection the server dropped or closed with a reconnect
    code (:data:`RECONNECT_CODES`) is opened again in the background, with backoff, for up
    to ``reconnect_for`` seconds: from ``version`` on, and the actions still waiting for an
    answer are sent again under their request ids (acknowledged, never applied twice).
    """

    def __init__(
        self,
        base_url: str,
        game_id: str,
        token: str | None = None,
        origin=None,
        timeout=10.0,
        auto_reconnect: bool = False,
        reconnect_for: float = 60.0,
    ):
        parts = urlsplit(base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.ws_base = f"{scheme}://{parts.netloc}/ws/games/{game_id}/"
        self.game_id = game_id
        self.token = token
        self.origin = origin  # browsers send one; token clients need not
        self.timeout = timeout  # seconds to wait for any answer
        self.seat: int | None = None
        self.version = -1
        self.view: dict = {}
        self.status: str | None = None
        self.outcome: dict | None = None
        self.players: list = []
        self.spectators = 0
        self.updates: asyncio.Queue[dict] = asyncio.Queue()  # update/moves/snapshot, in order
        self.chats: asyncio.Queue[dict] = asyncio.Queue()
        self.errors: list[dict] = []
        self.close_code: int | None = None
        self._pending: dict[str, tuple[dict, asyncio.Future]] = {}
        self._version_waiters: list[asyncio.Future] = []
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._ready: asyncio.Future | None = None
        self.auto_reconnect = auto_reconnect
        self.reconnect_for = reconnect_for
        self.reconnects = 0  # connections opened again by auto_reconnect
        self._closing = False
        self._reconnecting: asyncio.Task | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    async def connect(self, resume: bool = False, automatic: bool = False) -> GameClient:
        """Open the socket and wait for the first ``snapshot`` (or ``moves`` when
        ``resume``: reconnecting with ``?version=``). ``automatic``: a reconnection of
        ``auto_reconnect``, counted in ``reconnects`` as soon as the socket is open
        (before any message of the new connection can be seen)."""
        self._closing = False
        query = {}
        if resume and self.version >= 0:
            query["version"] = self.version
        url = self.ws_base + (f"?{urlencode(query)}" if query else "")
        # The token goes in a header, not the query string: proxies log query strings.
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        self._ready = asyncio.get_running_loop().create_future()
        self._ws = await connect(
            url,
            origin=self.origin,
            additional_headers=headers,
            max_size=None,
            open_timeout=self.timeout,
        )
        if automatic:
            self.reconnects += 1
        self._reader = asyncio.create_task(self._read(self._ws))
        async with asyncio.timeout(self.timeout):
            await self._ready
        return self

    async def close(self) -> None:
        self._closing = True
        if self._reconnecting is not None and self._reconnecting is not asyncio.current_task():
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def reconnect(self) -> None:
        """Drop the connection, connect again from ``version`` and resend the actions
        still waiting for an answer (same request ids: never applied twice)."""
        await self.close()
        await self._resume()

    async def _resume(self, automatic: bool = False) -> None:
        await self.connect(resume=True, automatic=automatic)
        for message, _ in list(self._pending.values()):
            await self._send(message)

    def _reconnect_wanted(self, close_code: int | None) -> bool:
        code = 1006 if close_code is None else close_code
        return self.auto_reconnect and not self._closing and code in RECONNECT_CODES

    async def _reconnect_loop(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_for
        delay = 0.1
        while True:
            await asyncio.sleep(delay)
            try:
                await self._resume(automatic=True)
            except Exception as exc:  # refused, closed during the handshake, timed out
                delay = min(delay * 2, 2.0)
                if loop.time() + delay < deadline and self._reconnect_wanted(self.close_code):
                    continue
                self._fail_pending(ConnectionError(f"could not reconnect: {exc!r}"))
            return

    async def __aenter__(self) -> GameClient:
        return await self.connect()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def my_turn(self) -> bool:
        return self.seat is not None and self.seat in self.view.get("to_move", ())

    # -- actions ------------------------------------------------------------------------------
    async def move(self, move: Any, version: int | None = None, request_id=None) -> dict:
        """Play ``move`` at ``version`` (default: the latest known). Returns the ``ack``;
        raises :class:`Rejected`."""
        version = self.version if version is None else version
        return await self.request({"type": "move", "move": move, "version": version}, request_id)

    async def act(self, action: str, request_id=None) -> dict:
        """``resign``, ``offer_draw``, ``accept_draw`` or ``decline_draw``."""
        return await self.request({"type": action, "version": self.version}, request_id)

    async def request(self, message: dict, request_id=None) -> dict:
        request_id = request_id or f"{self._prefix}-{next(self._ids)}"
        message = {**message, "request_id": request_id}
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = (message, future)
        try:
            try:
                await self._send(message)
            except ConnectionClosed:
                if not self._reconnect_wanted(self.close_code or self._ws.close_code):
                    raise
                # Sent again once the connection is back (_resume).
            async with asyncio.timeout(self.timeout):
                answer = await future
            # Ack first, then the update: return once the state has it (``my_turn`` after
            # the action, not before it); the ack stands if the update is late.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timeout):
                    await self._reach(answer.get("version"))
            return answer
        finally:
            self._pending.pop(request_id, None)

    async def _reach(self, version: int | None) -> None:
        """Until the state is at ``version`` or later (:attr:`updates` untouched)."""
        while isinstance(version, int) and self.version < version:
            waiter = asyncio.get_running_loop().create_future()
            self._version_waiters.append(waiter)
            await waiter

    async def chat(self, text: str) -> None:
        await self._send({"type": "chat", "text": text})

    async def resync(self) -> None:
        await self._send({"type": "resync", "version": self.version})

    async def send_raw(self, data) -> None:
        """Send bytes or text as they are (for tests of the server's input checks)."""
        await self._ws.send(data)

    async def next_update(self) -> dict:
        """The next ``update``, ``moves`` or ``snapshot`` (after it was applied)."""
        async with asyncio.timeout(self.timeout):
            return await self.updates.get()

    async def wait_for_version(self, version: int) -> None:
        async with asyncio.timeout(self.timeout):
            while self.version < version:
                await self.updates.get()

    async def _send(self, message: dict) -> None:
        await self._ws.send(msgpack.packb(message, use_bin_type=True))

    # -- reading ------------------------------------------------------------------------------
    async def _read(self, ws) -> None:
        try:
            async for frame in ws:
                if isinstance(frame, bytes):
                    await self._handle(msgpack.unpackb(frame, raw=False))
        except ConnectionClosed:
            pass
        finally:
            self.close_code = ws.close_code
            error = ConnectionError(f"connection closed ({ws.close_code})")
            if self._ready is not None and not self._ready.done():
                self._ready.set_exception(error)
            if self._reconnect_wanted(ws.close_code):
                # The pending actions wait for the connection to come back.
                if self._reconnecting is None or self._reconnecting.done():
                    self._reconnecting = asyncio.create_task(self._reconnect_loop())
            else:
                self._fail_pending(error)

    def _fail_pending(self, error: Exception) -> None:
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(error)

    async def _handle(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            self.seat = message["seat"]
            self.players = message["players"]
            self.spectators = message["spectators"]
            self._set_state(message)
        elif kind == "moves":
            self.seat = message["seat"]
            self._set_state(message)
        elif kind == "update":
            if message["version"] <= self.version:
                return
            if message["version"] != self.version + 1:
                await self.resync()  # a gap: the answer brings everything missed
                return
            self._set_state(message)
        elif kind in ("ack", "reject"):
            entry = self._pending.get(message.get("request_id"))
            if entry is not None and not entry[1].done():
                if kind == "ack":
                    entry[1].set_result(message)
                else:
                    entry[1].set_exception(Rejected(message))
            return
        elif kind == "presence":
            self.players = message["players"]
            self.spectators = message["spectators"]
            return
        elif kind == "chat":
            self.chats.put_nowait(message)
            return
        elif kind == "error":
            self.errors.append(message)
            return
        else:
            return
        self.updates.put_nowait(message)
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(message)

    def _set_state(self, message: dict) -> None:
        self.version = message["version"]
        self.view = message["view"]
        self.status = message["status"]
        self.outcome = message["outcome"]
        waiters, self._version_waiters = self._version_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
