"""Channel-layer groups of the lobby, and sending to them after a transaction commits.

Every notification goes to a *group*, never to one channel name: a user's sockets may be
served by any process (``user.<id>``), and channels-redis shards single-channel sends in
a way that breaks across processes. Messages are sent on commit, so nobody hears of a
match, a table or a game that was rolled back.
"""

from __future__ import annotations

from channels.layers import get_channel_layer
from django.db import transaction

from game_server.from_threads import send_from_thread

DIRECTORY_GROUP = "lobby.directory"  # live games, online counts
TABLES_GROUP = "lobby.tables"  # public open tables


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def send_now(group: str, message: dict) -> None:
    """Send ``message`` to ``group`` from a worker thread (never waiting for the event
    loop: ``game_server.from_threads``)."""
    layer = get_channel_layer()
    if layer is not None:
        send_from_thread(layer.group_send, group, message)


def send(group: str, message: dict) -> None:
    """Send ``message`` to ``group`` once the current transaction commits (now if none)."""
    transaction.on_commit(lambda: send_now(group, message))


def send_user(user_id: int, message: dict) -> None:
    send(user_group(user_id), message)
