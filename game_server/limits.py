"""Abuse limits of the WebSockets (docs/protocol.md, "Limits"), read from settings.

* **Per-connection buckets** by kind of message, on top of the socket's general message
  bucket (``protocol.BUCKET_SIZE``, ``BUCKET_RATE``): ``move`` (moves and engine actions), ``chat``
  and ``lobby`` (every lobby message but ``ping``). Each is a token bucket of
  ``RATE_LIMITS[kind] = (burst, per_second)``. A message with no token left is dropped
  and answered with the error ``rate_limited``; it counts towards the socket's flood
  limit (close 4008).
* **Chat repetition**: a chat text (compared case- and whitespace-insensitively) sent
  ``CHAT_REPEAT_MAX`` times already within ``CHAT_REPEAT_WINDOW`` seconds on the same
  connection is refused with ``repeated_chat``.
* **Concurrent sockets** per user and per seat are counted with the presence rows
  (``game_server.presence``).
* **Per address** (this process; the address is daphne's client address, taken from
  the header ``PROXY_ADDRESS_HEADER`` names behind a proxy): guest users
  created (``GUEST_BUDGET``, a token bucket; over it HTTP 429 ``rate_limited``) and open
  anonymous sockets (``MAX_ANONYMOUS_SOCKETS_PER_ADDRESS``; over it close 4429).
* **Per account** (connections authenticated by an account token: bots): every socket of
  the account in this process shares one more bucket per kind, ``ACCOUNT_RATE_LIMITS``,
  so opening more sockets buys no more moves or lobby requests.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque

from django.conf import settings

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
DEFAULT_ACCOUNT_RATE_LIMITS = {"move": (40, 10.0), "chat": (5, 0.5), "lobby": (20, 2.0)}
_account_buckets: dict[tuple[int, str], TokenBucket] = {}


def setting(name: str, default):
    return getattr(settings, name, default)


class TokenBucket:
    """``burst`` tokens at most, refilled at ``rate`` per second."""

    __slots__ = ("burst", "rate", "tokens", "stamp")

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
    """The buckets and chat memory of one socket, each made when first needed: most
    sockets (spectators) never use them, and a full bucket made at a socket's first
    message of its kind is the one it would have had since it connected."""

    __slots__ = ("buckets", "chats")

    def __init__(self):
        self.buckets: dict[str, TokenBucket] | None = None
        self.chats: deque[tuple[float, str]] | None = None

    def take(self, kind: str | None) -> bool:
        """A token of bucket ``kind`` (always True for None)."""
        if kind is None:
            return True
        if self.buckets is None:
            self.buckets = {}
        bucket = self.buckets.get(kind)
        if bucket is None:
            rates = {**DEFAULT_RATE_LIMITS, **setting("RATE_LIMITS", {})}
            bucket = self.buckets[kind] = TokenBucket(*rates[kind])
        return bucket.take()

    def chat_repeated(self, text: str) -> bool:
        """True (and not remembered) when ``text`` was already sent ``CHAT_REPEAT_MAX``
        times within the window; otherwise remember it."""
        if self.chats is None:
            self.chats = deque()
        chats, now = self.chats, time.monotonic()
        window = setting("CHAT_REPEAT_WINDOW", 30.0)
        while chats and chats[0][0] < now - window:
            chats.popleft()
        key = normalize_chat(text)
        if sum(1 for _, seen in chats if seen == key) >= setting("CHAT_REPEAT_MAX", 2):
            return True
        chats.append((now, key))
        return False


# -- per-address budgets (this process) ---------------------------------------------------------
class AddressBuckets:
    """A token bucket per client address for one costly thing (creating a guest user),
    ``(burst, per_second)`` read from the setting ``name``; at most ``keep`` addresses
    are remembered (the least recently seen are forgotten: a fresh full bucket)."""

    def __init__(self, name: str, default: tuple[int, float], keep: int = 10_000):
        self.name = name
        self.default = default
        self.keep = keep
        self.buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, address: str | None) -> bool:
        burst, rate = setting(self.name, self.default)
        if burst <= 0:
            return True  # no budget
        bucket = self.buckets.pop(address, None) or TokenBucket(burst, rate)
        self.buckets[address] = bucket
        while len(self.buckets) > self.keep:
            self.buckets.popitem(last=False)
        return bucket.take()

    def clear(self) -> None:
        self.buckets.clear()


class AddressCounter:
    """Open things (anonymous sockets) per client address, capped by the setting
    ``name`` (0: no cap)."""

    def __init__(self, name: str, default: int):
        self.name = name
        self.default = default
        self.open: dict[str | None, int] = {}

    def acquire(self, address: str | None) -> bool:
        cap = setting(self.name, self.default)
        if cap and self.open.get(address, 0) >= cap:
            return False
        self.open[address] = self.open.get(address, 0) + 1
        return True

    def release(self, address: str | None) -> None:
        left = self.open.get(address, 0) - 1
        if left > 0:
            self.open[address] = left
        else:
            self.open.pop(address, None)


GUESTS = AddressBuckets("GUEST_BUDGET", (30, 0.5))
ANONYMOUS_SOCKETS = AddressCounter("MAX_ANONYMOUS_SOCKETS_PER_ADDRESS", 200)


def take_for_account(user_id: int, kind: str | None) -> bool:
    """A token of the account's shared bucket ``kind`` in this process (always True for
    None)."""
    if kind is None:
        return True
    bucket = _account_buckets.get((user_id, kind))
    if bucket is None:
        rates = {**DEFAULT_ACCOUNT_RATE_LIMITS, **setting("ACCOUNT_RATE_LIMITS", {})}
        bucket = _account_buckets[(user_id, kind)] = TokenBucket(*rates[kind])
    return bucket.take()
