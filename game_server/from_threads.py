"""Channel-layer sends from worker threads that never wait for an event loop.

Code in a ``sync_to_async`` thread (a view, an ``on_commit`` hook, the storing thread)
that sends with asgiref's ``async_to_sync`` hands the send to the event loop that called
the thread in, then *waits* for it. If that loop has stopped but is not closed (a
shutdown; the end of every asyncio test) the send never runs and the thread waits
forever. With Channels' single database thread that is every later
``database_sync_to_async`` of the process (tests/server/test_from_threads.py reproduces
it; a CI run that hung for an hour, every consumer test failing after the first stalled
one and every sync test passing, matches it).

:func:`send_from_thread` hands the send to the calling loop while it runs, in order
(one courier task per loop sends them one after another), and does not wait; a loop
that stops meanwhile drops what it had not sent, as it drops everything else at that
moment. Called from a thread no loop called in (a script, a management command), the
send runs here on a loop of this thread's own.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import SyncToAsync

from .per_loop import PerLoop

logger = logging.getLogger(__name__)

Send = Callable[..., Awaitable[object]]


def calling_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop this code serves: its own, or the one that called it into this
    thread (``sync_to_async``), while it runs."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


def send_from_thread(send: Send, *args) -> None:
    """Run ``send(*args)`` (a coroutine function) for a worker thread: on the loop that
    called this thread in, in order with the thread's other sends, not awaited; with no
    such loop, here and now."""
    loop = calling_loop()
    if loop is None:
        asyncio.run(_send(send, args))
        return
    try:
        loop.call_soon_threadsafe(_hand_over, send, args)
    except RuntimeError:  # closed since: it has no sockets left to send to
        logger.warning("event loop closed; %s not sent", getattr(send, "__name__", send))


class Courier:
    """One loop's sends from threads, sent one after another in the order handed over."""

    def __init__(self):
        self.waiting: collections.deque[tuple[Send, tuple]] = collections.deque()
        self.task: asyncio.Task | None = None

    def add(self, send: Send, args: tuple) -> None:
        self.waiting.append((send, args))
        if self.task is None:
            # A context of its own: not the handing thread's (asgiref's deadlock guard).
            self.task = asyncio.get_running_loop().create_task(
                self.run(), context=contextvars.Context()
            )

    async def run(self) -> None:
        try:
            while self.waiting:
                await _send(*self.waiting.popleft())
        finally:
            self.task = None


async def _send(send: Send, args: tuple) -> None:
    """A failed send is logged, never raised into the thread's work (it happens after
    that work committed)."""
    try:
        await send(*args)
    except Exception:
        logger.exception("a send from a thread failed: %s", getattr(send, "__name__", send))


_couriers: PerLoop[Courier] = PerLoop(lambda loop: Courier())


def _hand_over(send: Send, args: tuple) -> None:
    _couriers.get().add(send, args)
