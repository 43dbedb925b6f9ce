"""The queue daphne hands each application instance, without daphne (importable anywhere:
:mod:`boardroom.inbound` installs it, and that module needs Twisted's asyncio reactor)."""

from __future__ import annotations

import asyncio
from collections import deque


class InboundQueue:
    """What daphne hands one application instance (``receive`` is its ``get``): the part
    of :class:`asyncio.Queue` that daphne, :mod:`boardroom.inbound` and
    :mod:`game_server.lifecycle` use, with nothing allocated while it is empty. An
    :class:`asyncio.Queue` creates three deques and an :class:`asyncio.Event` up front,
    about 3 KiB per idle socket.

    Unbounded, as daphne's own (``boardroom.inbound.BoundedWebSocketProtocol`` bounds the
    frames). An item is taken off only when its reader resumes, so a reader cancelled
    while waiting loses nothing."""

    __slots__ = ("_items", "_getters")

    def __init__(self):
        self._items: deque | None = None
        self._getters: list[asyncio.Future] | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        for getter in self._getters or ():
            if not getter.done():
                getter.set_result(None)
                break

    def get_nowait(self):
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    async def get(self):
        while not self._items:
            getter = asyncio.get_running_loop().create_future()
            if self._getters is None:
                self._getters = []
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                if getter.done() and not getter.cancelled() and self._items:
                    self.wake_next(getter)  # it was woken for an item it will not take
                raise
            finally:
                self._getters.remove(getter)
                if not self._getters:
                    self._getters = None
        return self.get_nowait()

    def wake_next(self, woken) -> None:
        for getter in self._getters or ():
            if getter is not woken and not getter.done():
                getter.set_result(None)
                return
