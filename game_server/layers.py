"""The channel layer of the embedded default (one process, no Redis).

Channels' ``InMemoryChannelLayer.new_channel`` draws each consumer's channel name from the
*global* ``random`` module. Whoever seeds that module (``random.seed(n)`` in any library
or bot, and Hypothesis, which reseeds it to 0 before every example) makes later consumers
get names that live consumers already hold. Two sockets on one name share one queue (each
gets a random half of the other's group messages) and one group entry: when either leaves,
``group_discard`` takes the survivor out of its game's group, and that socket stays open
but never receives another update. channels-redis had the same bug and switched to
``uuid4`` (channels_redis #173); the in-memory layer of channels 4.3 still has it.
"""

from __future__ import annotations

import secrets

from channels.layers import InMemoryChannelLayer as BaseInMemoryChannelLayer


class InMemoryChannelLayer(BaseInMemoryChannelLayer):
    """``channels.layers.InMemoryChannelLayer`` with channel names from the OS's random
    source, independent of the global ``random`` state."""

    async def new_channel(self, prefix="specific."):
        return f"{prefix}.inmemory!{secrets.token_hex(12)}"
