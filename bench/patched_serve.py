"""``python -m bench.patched_serve --port N``: ``boardroom.serve`` with candidate fixes
applied in memory (``BENCH_PATCHES``, comma-separated), to measure what a server-side
change would gain before anyone edits game_server/. Nothing here is used in production.

* ``dispatch``: ``GameConsumer`` forwards ``game.update`` / ``game.frame`` group messages
  without Channels' per-message ``aclose_old_connections()`` (a hop to the one
  thread-sensitive executor thread for every delivery; these handlers touch no database).
* ``clean_expired``: ``InMemoryChannelLayer._clean_expired`` (a scan of every channel and
  group member on *every* ``receive``) runs at most once per second.
"""

from __future__ import annotations

import os
import sys
import time


def apply(patches: set[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boardroom.settings")
    if "clean_expired" in patches:
        from channels.layers import InMemoryChannelLayer

        original = InMemoryChannelLayer._clean_expired

        def clean_expired(self):
            now = time.monotonic()
            if now - getattr(self, "_cleaned_at", 0.0) >= 1.0:
                self._cleaned_at = now
                original(self)

        InMemoryChannelLayer._clean_expired = clean_expired
    if "dispatch" in patches:
        import django

        django.setup()
        from game_server.consumers import GameConsumer

        direct = {"game.update": "game_update", "game.frame": "game_frame"}
        base_dispatch = GameConsumer.dispatch

        async def dispatch(self, message):
            name = direct.get(message["type"])
            if name is None:
                return await base_dispatch(self, message)
            return await getattr(self, name)(message)

        GameConsumer.dispatch = dispatch


if __name__ == "__main__":
    # daphne.server installs Twisted's asyncio reactor: before anything imports asyncio's
    # event loop machinery the way boardroom.serve expects.
    import daphne.server  # noqa: F401

    apply({p for p in os.environ.get("BENCH_PATCHES", "").split(",") if p})
    from boardroom.serve import main

    sys.exit(main())
