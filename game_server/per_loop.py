"""One object per event loop: its batcher, fan-out, presence coalescer, spectators' row
batch, and the lobby's directory announcer.

Consumers ask for their loop's batcher and fan-out on every move. A WeakKeyDictionary
alone (a loop's objects go with the loop: tests run many loops) costs a weak reference
and a Python-level lookup per call; the loop asked about last is kept at hand (weakly
too), so the usual case, one serving loop, is a comparison.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def _nothing():
    return None


class PerLoop(Generic[T]):
    """``make(loop)`` once per event loop, found again by :meth:`get`."""

    def __init__(self, make: Callable[[asyncio.AbstractEventLoop], T]):
        self.make = make
        self.objects: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.last: tuple[Callable, T | None] = (_nothing, None)

    def get(self, loop: asyncio.AbstractEventLoop | None = None) -> T:
        """The running (or given) loop's object, made on first use."""
        loop = loop or asyncio.get_running_loop()
        ref, current = self.last
        if ref() is loop:
            return current
        current = self.objects.get(loop)
        if current is None:
            current = self.objects[loop] = self.make(loop)
        self.last = (weakref.ref(loop), current)
        return current

    def replace(self, current: T, loop: asyncio.AbstractEventLoop | None = None) -> T:
        """Make ``current`` the running (or given) loop's object from now on."""
        loop = loop or asyncio.get_running_loop()
        self.objects[loop] = current
        self.last = (weakref.ref(loop), current)
        return current
