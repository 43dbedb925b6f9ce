"""The channel layer of the embedded default (one process, no Redis).

Channels' ``InMemoryChannelLayer.new_channel`` draws each consumer's channel name from the
*global* ``random`` module. Whoever seeds that module (``random.seed(n)`` in any library
or bot, and Hypothesis, which reseeds it to 0 before every example) makes later consumers
get names that live consumers already hold. Two sockets on one name share one queue (each
gets a random half of the other's group messages) and one group entry: when either leaves,
``group_discard`` takes the survivor out of its game's group, and that socket stays open
but never receives another update. channels-redis had the same bug and switched to
``uuid4`` (channels_redis #173); the in-memory layer of channels 4.3 still has it.

Its clean-up of expired messages is changed too (see ``_clean_expired``), after the
fan-out benchmark (docs/benchmarks.md) lost every update to 1,000 spectators.
"""

from __future__ import annotations

import secrets
import time

from channels.layers import InMemoryChannelLayer as BaseInMemoryChannelLayer

CLEAN_INTERVAL = 1.0  # seconds between two clean-ups of expired messages


class InMemoryChannelLayer(BaseInMemoryChannelLayer):
    """``channels.layers.InMemoryChannelLayer`` with channel names from the OS's random
    source, independent of the global ``random`` state."""

    async def new_channel(self, prefix="specific."):
        return f"{prefix}.inmemory!{secrets.token_hex(12)}"

    _cleaned_at = 0.0

    def _clean_expired(self):
        """Drop messages older than ``expiry``, at most once per ``CLEAN_INTERVAL``.

        The base class scans every queue and group on every ``receive`` (17% of the CPU
        per delivery with many spectators), and takes any channel holding an expired
        message out of *all* its groups: a live consumer that fell behind for a minute
        (a burst of joins) then stays connected but never hears of its game again. Here
        the expired messages are dropped and the memberships kept: the consumer notices
        the gap by version and resyncs. Memberships still end after ``group_expiry``.
        """
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_INTERVAL:
            return
        self._cleaned_at = now
        cutoff = time.time()
        for channel, queue in list(self.channels.items()):
            expired = False
            while not queue.empty() and queue._queue[0][0] < cutoff:
                queue.get_nowait()
                expired = True
            if expired and queue.empty():  # nobody waits on a queue that held messages
                self.channels.pop(channel, None)
        oldest_join = int(cutoff) - self.group_expiry
        for members in self.groups.values():
            for name, joined in list(members.items()):
                if joined and joined < oldest_join:
                    members.pop(name, None)
