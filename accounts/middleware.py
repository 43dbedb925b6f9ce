"""Account tokens on the HTTP API: ``Authorization: Bearer bdr_...`` under ``/api/``.

A valid token makes the request act as its account (``request.user`` and
``request.token_user``, read by ``game_server.views``), with no session and no CSRF
check: nothing ambient is at stake, a cross-site page cannot know the token. A browser
never sends one: a request that carries an ``Origin`` or ``Sec-Fetch-Mode`` header with
an account token is refused (403 ``token_from_browser``); an unknown, revoked or expired
token is 401 ``invalid_token``. Other paths (the pages) ignore the header.
"""

from __future__ import annotations

from game_server.protocol import Code
from game_server.security import InvalidBearer
from game_server.views import error

from . import tokens


def bearer(request) -> str | None:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and tokens.looks_like_token(token) else None


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = bearer(request) if request.path.startswith("/api/") else None
        if token is None:
            return self.get_response(request)
        if "HTTP_ORIGIN" in request.META or "HTTP_SEC_FETCH_MODE" in request.META:
            return error(
                Code.TOKEN_FROM_BROWSER, "account tokens are for bots and scripts, not pages"
            )
        try:
            user = tokens.authenticate(token)
        except InvalidBearer as exc:
            return error(Code.INVALID_TOKEN, str(exc))
        request.user = user
        request.token_user = user
        request._dont_enforce_csrf_checks = True
        return self.get_response(request)
