"""Abuse limits of the WebSockets (docs/protocol.md, "Limits"), read from settings.

* **Per-connection buckets** by kind of message, on top of the socket's general message
  bucket (``consumers.BUCKET_SIZE``, ``BUCKET_RATE``): ``move`` (moves and engine actions), ``chat``
  and ``lobby`` (every lobby message but ``ping``). Each is a token bucket of
  ``RATE_LIMITS[kind] = (burst, per_second)``. A message with no token left is dropped
  and answered with the error ``rate_limited``; it counts towards the socket's flood
  limit (close 4008).
* **Chat repetition**: a chat text (compared case- and whitespace-insensitively) sent
  ``CHAT_REPEAT_MAX`` times already within ``CHAT_REPEAT_WINDOW`` seconds on the same
  connection is refused with ``repeated_chat``.
* **Concurrent sockets** per user (game and lobby sockets together,
  ``MAX_SOCKETS_PER_USER``) and per game seat (whoever holds its token or is its user,
  ``MAX_SOCKETS_PER_SEAT``). They are counted in the database (presence rows:
  ``game_server.Connection`` and ``lobby.LobbyConnection``), so the caps hold for any
  number of server processes: a socket first stores its row, then counts, and removes
  its row again when the count is over a cap. Of two sockets racing for the last place,
  at least the later one sees both rows; neither may be admitted over the cap.
"""

from __future__ import annotations

import time
from collections import deque

from django.conf import settings

from .models import Connection

CLOSE_TOO_MANY_SOCKETS = 4429  # over a concurrent-socket cap (after HTTP 429)
REPEATED_CHAT = "repeated_chat"

#: The bucket each message type costs a token of (types not listed cost none).
GAME_BUCKETS = {
    "move": "move",
    "resign": "move",
    "offer_draw": "move",
    "accept_draw": "move",
    "decline_draw": "move",
    "chat": "chat",
}

DEFAULT_RATE_LIMITS = {"move": (20, 5.0), "chat": (5, 0.5), "lobby": (10, 1.0)}


def setting(name: str, default):
    return getattr(settings, name, default)


class TokenBucket:
    """``burst`` tokens at most, refilled at ``rate`` per second."""

    def __init__(self, burst: int, rate: float):
        self.burst = burst
        self.rate = rate
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def normalize_chat(text: str) -> str:
    return " ".join(text.casefold().split())


class ConnectionLimits:
    """The buckets and chat memory of one socket."""

    def __init__(self):
        rates = {**DEFAULT_RATE_LIMITS, **setting("RATE_LIMITS", {})}
        self.buckets = {kind: TokenBucket(*rate) for kind, rate in rates.items()}
        self.repeat_max = setting("CHAT_REPEAT_MAX", 2)
        self.repeat_window = setting("CHAT_REPEAT_WINDOW", 30.0)
        self.chats: deque[tuple[float, str]] = deque()

    def take(self, kind: str | None) -> bool:
        """A token of bucket ``kind`` (always True for None)."""
        return kind is None or self.buckets[kind].take()

    def chat_repeated(self, text: str) -> bool:
        """True (and not remembered) when ``text`` was already sent ``CHAT_REPEAT_MAX``
        times within the window; otherwise remember it."""
        now = time.monotonic()
        while self.chats and self.chats[0][0] < now - self.repeat_window:
            self.chats.popleft()
        key = normalize_chat(text)
        if sum(1 for _, seen in self.chats if seen == key) >= self.repeat_max:
            return True
        self.chats.append((now, key))
        return False


# -- concurrent sockets (run in a worker thread: database_sync_to_async) -----------------------
def user_id_of(user) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def sockets_of_user(user_id: int) -> int:
    from lobby.models import LobbyConnection

    return (
        Connection.objects.filter(user_id=user_id).count()
        + LobbyConnection.objects.filter(user_id=user_id).count()
    )


def over_seat_cap(game_id: str, seat: int | None) -> bool:
    if seat is None:
        return False
    count = Connection.objects.filter(game_id=game_id, seat=seat).count()
    return count > setting("MAX_SOCKETS_PER_SEAT", 4)


def over_user_cap(user_id: int | None) -> bool:
    return user_id is not None and sockets_of_user(user_id) > setting("MAX_SOCKETS_PER_USER", 20)


def admit_game_socket(game_id: str, channel_name: str, seat: int | None, user) -> bool:
    """Store the socket's presence row; False (and no row) when that puts its seat or
    user over a cap."""
    from .services import SERVER_ID

    user_id = user_id_of(user)
    Connection.objects.update_or_create(
        channel_name=channel_name,
        defaults={"game_id": game_id, "seat": seat, "server": SERVER_ID, "user_id": user_id},
    )
    if over_seat_cap(game_id, seat) or over_user_cap(user_id):
        Connection.objects.filter(channel_name=channel_name).delete()
        return False
    return True


def admit_lobby_socket(channel_name: str, user) -> bool:
    """The same for a lobby socket of a logged-in (or guest) user."""
    from lobby.models import LobbyConnection

    from .services import SERVER_ID

    LobbyConnection.objects.update_or_create(
        channel_name=channel_name, defaults={"user": user, "server": SERVER_ID}
    )
    if over_user_cap(user.pk):
        LobbyConnection.objects.filter(channel_name=channel_name).delete()
        return False
    return True
