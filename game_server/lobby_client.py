"""The lobby client of ``game_server.client``: a bot's account in the lobby, by its
personal API token (docs/writing-a-bot.md). ``from game_server.client import LobbyClient``."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

import msgpack
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


class LobbyError(Exception):
    """The lobby answered with an ``error`` (``code`` as in docs/protocol.md)."""

    def __init__(self, message: dict):
        super().__init__(f"{message.get('code')}: {message.get('message')}")
        self.code = message.get("code")
        self.message = message


class LobbyClient:
    """The lobby socket (``/ws/lobby/``) as the account of a personal API token, sent in
    the ``Authorization: Bearer`` header (with no Origin, as token clients do).

    :meth:`quick_match`, :meth:`join_table`, :meth:`create_table`, :meth:`play_bot` and
    :meth:`rematch` return the lobby's ``match`` message: ``{"game", "seat", "token",
    "kind", "players", "rated", "source"}``; play it with
    ``GameClient(base_url, match["game"], match["token"])``. Refusals raise
    :class:`LobbyError`. Everything else the lobby sends is kept in ``messages``.
    """

    def __init__(self, base_url: str, token: str, timeout: float = 10.0):
        parts = urlsplit(base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.url = f"{scheme}://{parts.netloc}/ws/lobby/"
        self.token = token
        self.timeout = timeout
        self.user: dict | None = None
        self.online: dict | None = None
        self.messages: asyncio.Queue[dict] = asyncio.Queue()
        self.close_code: int | None = None
        self._ws = None
        self._reader: asyncio.Task | None = None

    async def connect(self) -> LobbyClient:
        self._ws = await connect(
            self.url,
            additional_headers={"Authorization": f"Bearer {self.token}"},
            max_size=None,
            open_timeout=self.timeout,
        )
        self._reader = asyncio.create_task(self._read())
        welcome = await self.expect("welcome")
        self.user, self.online = welcome["user"], welcome["online"]
        return self

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def __aenter__(self) -> LobbyClient:
        return await self.connect()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def send(self, message: dict) -> None:
        await self._ws.send(msgpack.packb(message, use_bin_type=True))

    async def expect(self, *types: str, wait: float | None = None) -> dict:
        """The next message of one of ``types`` (others are dropped); an ``error``
        raises :class:`LobbyError`."""
        async with asyncio.timeout(wait or self.timeout):
            while True:
                message = await self.messages.get()
                if message.get("type") == "closed":
                    raise ConnectionError(f"lobby connection closed ({message['code']})")
                if message.get("type") == "error":
                    raise LobbyError(message)
                if message.get("type") in types:
                    return message

    async def quick_match(
        self,
        kind: str,
        rated: bool = False,
        players: int | None = None,
        time_control: dict | None = None,
        options: dict | None = None,
        wait: float = 300.0,
    ) -> dict:
        """Queue for ``kind`` and wait (up to ``wait`` seconds) for the match."""
        options = dict(options or {})
        if time_control is not None:
            options["time_control"] = time_control
        message = {"type": "queue", "kind": kind, "rated": rated, "options": options}
        if players is not None:
            message["players"] = players
        await self.send(message)
        await self.expect("queued")
        return await self.expect("match", wait=wait)

    async def tables(self) -> list[dict]:
        """The open public tables."""
        await self.send({"type": "tables"})
        return (await self.expect("tables"))["tables"]

    async def create_table(self, kind: str, rated=False, public=True, players=None, options=None):
        """Open a table and return its ``TABLE`` (wait for the match with :meth:`match`)."""
        message = {"type": "create_table", "kind": kind, "rated": rated, "public": public}
        if players is not None:
            message["players"] = players
        if options:
            message["options"] = options
        await self.send(message)
        return (await self.expect("table"))["table"]

    async def join_table(self, code: str, wait: float = 300.0) -> dict:
        await self.send({"type": "join_table", "code": code})
        return await self.expect("match", wait=wait)

    async def match(self, wait: float = 300.0) -> dict:
        return await self.expect("match", wait=wait)

    async def play_bot(self, kind: str, level: str = "random", **extra) -> dict:
        await self.send({"type": "play_bot", "kind": kind, "level": level, **extra})
        return await self.expect("match")

    async def rematch(self, game_id: str, wait: float = 300.0) -> dict:
        """Offer a rematch of a finished game; the match once every player agreed."""
        await self.send({"type": "rematch", "game": game_id})
        return await self.expect("match", wait=wait)

    async def _read(self) -> None:
        try:
            async for frame in self._ws:
                if isinstance(frame, bytes):
                    self.messages.put_nowait(msgpack.unpackb(frame, raw=False))
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self._ws.close_code
            self.messages.put_nowait({"type": "closed", "code": self._ws.close_code})
