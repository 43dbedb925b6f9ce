"""Who may open a WebSocket: browsers by Origin, token clients by seat token.

Browsers always send an ``Origin`` header; it is checked against ``ALLOWED_HOSTS`` by
Channels' :class:`AllowedHostsOriginValidator`. Bots and scripts usually send none; such
a connection is let through only on a game socket and only with a seat token
(``Authorization: Bearer`` header or ``?token=``) valid for that game, so the missing
Origin never opens anything to a cross-site page (which could not know the token anyway).
Everything else is refused at the handshake.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from .protocol import GAME_SOCKET_PATH
from .seating import seat_for_token


def has_origin(scope) -> bool:
    return any(name == b"origin" for name, _ in scope.get("headers", ()))


def query_param(scope, name: str) -> str | None:
    # Blank values are kept: an empty ``?token=`` is a (wrong) token, not a spectator.
    query = scope.get("query_string", b"").decode("latin1")
    values = parse_qs(query, keep_blank_values=True).get(name)
    return values[-1] if values else None


def seat_token(scope) -> str | None:
    """The seat token of a connection: the ``Authorization: Bearer <token>`` header, or
    else the ``token`` query parameter. The header is preferred: query strings end up in
    proxies' access logs (daphne's own log prints paths only)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return query_param(scope, "token")


def header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def same_origin(origin: str, host: str) -> bool:
    """Is ``origin`` (``scheme://host[:port]``) the page this server serves as ``host``
    (the Host header, port included), on an allowed host? Any other port of an allowed
    host is another origin (another site), and ``null``/``file://`` are no origin."""
    try:
        parsed = urlsplit(origin)
        hostname = parsed.hostname
    except ValueError:
        return False
    if parsed.scheme not in ("http", "https") or not hostname:
        return False
    if parsed.netloc.lower() != host.lower():
        return False
    return validate_host(split_domain_port(host)[0], settings.ALLOWED_HOSTS)


class OriginOrSeatTokenValidator:
    """Connections with an Origin: the page must be this site (same scheme-less host and
    port as the Host header, on ``ALLOWED_HOSTS``) or one of ``CSRF_TRUSTED_ORIGINS``;
    without a Host header, Channels' ``AllowedHostsOriginValidator`` decides. Connections
    without an Origin: a valid seat token (header or query) on a game socket."""

    def __init__(self, application):
        self.application = application
        self.origin_validator = AllowedHostsOriginValidator(application)

    async def __call__(self, scope, receive, send):
        if has_origin(scope):
            origin, host = header(scope, b"origin"), header(scope, b"host")
            if host is None:
                return await self.origin_validator(scope, receive, send)
            if same_origin(origin, host) or origin in settings.CSRF_TRUSTED_ORIGINS:
                return await self.application(scope, receive, send)
            return await WebsocketDenier()(scope, receive, send)
        if await self.valid_seat_token(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)

    @staticmethod
    async def valid_seat_token(scope) -> bool:
        match = re.match(GAME_SOCKET_PATH, scope.get("path", ""))
        token = seat_token(scope)
        if match is None or token is None:
            return False
        seat = await database_sync_to_async(seat_for_token)(match["game_id"], token)
        return seat is not None
