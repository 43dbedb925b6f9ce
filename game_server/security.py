"""Who may open a WebSocket: browsers by Origin, token clients by seat or account token.

Browsers always send an ``Origin`` header; it is checked against ``ALLOWED_HOSTS`` by
Channels' :class:`AllowedHostsOriginValidator`. Bots and scripts usually send none; such
a connection is let through only on a game socket and only with a seat token
(``Authorization: Bearer`` header or ``?token=``) valid for that game, so the missing
Origin never opens anything to a cross-site page (which could not know the token anyway).
Everything else is refused at the handshake.

**Account tokens.** A higher app (``accounts``) appends *bearer authenticators* to
:data:`BEARER_AUTHENTICATORS` in its ``AppConfig.ready``: callables ``(token) -> user |
None`` that recognise its own personal API tokens (None: not one of theirs) and raise
:class:`InvalidBearer` for one of theirs that is unknown, revoked or expired. A connection
whose ``Authorization: Bearer`` header holds a valid account token is let in without an
Origin, on any socket, as that user (:class:`BearerUserMiddleware` puts the user in
``scope["user"]`` under the session middleware); with a browser Origin it is closed with
4400, and an invalid account token with 4401. This module never imports the app that
registers them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from .protocol import GAME_SOCKET_PATH, CloseCode
from .seating import seat_for_token

#: ``(token) -> user | None`` callables registered by higher apps (see the docstring).
BEARER_AUTHENTICATORS: list = []


class InvalidBearer(Exception):
    """An account token that an authenticator recognises but refuses (unknown, revoked,
    expired); its message says which, for the HTTP error (never the token itself)."""


def has_origin(scope) -> bool:
    return any(name == b"origin" for name, _ in scope.get("headers", ()))


def query_param(scope, name: str) -> str | None:
    # Blank values are kept: an empty ``?token=`` is a (wrong) token, not a spectator.
    query = scope.get("query_string", b"").decode("latin1")
    values = parse_qs(query, keep_blank_values=True).get(name)
    return values[-1] if values else None


def bearer_token(scope) -> str | None:
    """The ``Authorization: Bearer <token>`` header's token, or None."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def seat_token(scope) -> str | None:
    """The seat token of a connection: the ``Authorization: Bearer <token>`` header, or
    else the ``token`` query parameter. The header is preferred: query strings end up in
    proxies' access logs (daphne's own log prints paths only). A header that held an
    account token (``scope["bearer_user"]``) is not a seat token."""
    token = None if "bearer_user" in scope else bearer_token(scope)
    return token if token is not None else query_param(scope, "token")


def authenticate_bearer(token: str):
    """The user of an account token (None: no authenticator knows it); raises
    :class:`InvalidBearer`."""
    for authenticator in BEARER_AUTHENTICATORS:
        user = authenticator(token)
        if user is not None:
            return user
    return None


class WebsocketCloser:
    """Accept the handshake, then close with ``code``: a refusal the client can read
    (a denied handshake is only an HTTP 403)."""

    def __init__(self, code: int):
        self.code = code

    async def __call__(self, scope, receive, send):
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": self.code})


class BearerUserMiddleware:
    """Inside Channels' auth middleware: the user of a valid account token (found by
    :class:`OriginOrSeatTokenValidator`) replaces the session user."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope.get("bearer_user") is not None:
            scope = {**scope, "user": scope["bearer_user"]}
        return await self.application(scope, receive, send)


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
        token = bearer_token(scope)
        if token is not None and BEARER_AUTHENTICATORS:
            try:
                user = await database_sync_to_async(authenticate_bearer)(token)
            except InvalidBearer:
                return await WebsocketCloser(CloseCode.INVALID_TOKEN)(scope, receive, send)
            if user is not None:
                if has_origin(scope):
                    # A browser page never holds an account token: refuse it loudly.
                    return await WebsocketCloser(CloseCode.TOKEN_FROM_BROWSER)(scope, receive, send)
                scope = {**scope, "bearer_user": user}
                return await self.application(scope, receive, send)
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
