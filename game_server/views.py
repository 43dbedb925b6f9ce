"""The JSON HTTP API (docs/protocol.md, "HTTP API"): game kinds, the current identity,
creating games, taking seats, game snapshots and records.

Two kinds of callers. A request with a session cookie is a *browser*: it must pass
Django's CSRF check on POST and acts as its session user (a guest user is created for a
browser without one). A request without a session cookie is a *token client* (bot,
script): anonymous, no session, no CSRF; the seat token it gets is its credential.
"""

from __future__ import annotations

import json
import logging
from functools import wraps

from django.conf import settings
from django.contrib.auth import login
from django.db import DatabaseError
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

import engine

from . import frames, limits, metrics, presence, seating
from .models import Game, Move
from .protocol import Code, Rejected, is_identifier

STATUS = {
    Code.NOT_FOUND: 404,
    Code.NAME_TAKEN: 409,
    Code.INVALID_TOKEN: 401,
    Code.TOKEN_FROM_BROWSER: 403,
    Code.SEAT_TAKEN: 409,
    Code.GAME_FULL: 409,
    Code.UNAVAILABLE: 503,
    Code.RATE_LIMITED: 429,
}
logger = logging.getLogger(__name__)
_csrf = CsrfViewMiddleware(lambda request: None)


def error(code: str, message: str, status: int | None = None) -> JsonResponse:
    body = {"error": {"code": code, "message": message}}
    return JsonResponse(body, status=status or STATUS.get(code, 400))


def token_user(request):
    """The account of a request authenticated by an account token (``Authorization:
    Bearer``; set by the accounts app's middleware), or None."""
    return getattr(request, "token_user", None)


def is_browser(request) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES and token_user(request) is None


def api(*methods):
    """A JSON view: allowed methods, CSRF for browsers only, ``Rejected`` as JSON errors,
    the parsed body as ``request.json``. Ids in the path that no game can have (control
    characters) are 404 before any query; a database that cannot be reached is a JSON
    503 ``unavailable``, never Django's HTML page."""

    def decorate(view):
        @csrf_exempt
        @require_http_methods(methods)
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if is_browser(request) and _csrf.process_view(request, None, (), {}) is not None:
                return error(Code.CSRF_FAILED, "missing or wrong X-CSRFToken header", 403)
            request.json = {}
            if request.method == "POST" and request.body:
                try:
                    request.json = json.loads(request.body)
                except ValueError:
                    return error(Code.MALFORMED, "the body is not JSON")
                if not isinstance(request.json, dict):
                    return error(Code.MALFORMED, "the body is a JSON object")
            if not all(is_identifier(v) for v in kwargs.values() if isinstance(v, str)):
                return error(Code.NOT_FOUND, "no such object")
            try:
                return view(request, *args, **kwargs)
            except Rejected as exc:
                return error(exc.code, exc.message)
            except Game.DoesNotExist:
                return error(Code.NOT_FOUND, "no such game")
            except DatabaseError:
                metrics.UNAVAILABLE.inc()
                logger.warning("database unavailable for %s", request.path, exc_info=True)
                return error(Code.UNAVAILABLE, "the database is unavailable; retry shortly")

        return wrapper

    return decorate


def acting_user(request, browser: bool = False):
    """The browser's user (a new guest when it has none); None for a token client.
    ``browser=True`` treats the request as a browser's even without a session cookie.
    A request with an account token acts as that account."""
    if token_user(request) is not None:
        return token_user(request)
    if not (browser or is_browser(request)):
        return None
    if not request.user.is_authenticated:
        if not limits.GUESTS.take(request.META.get("REMOTE_ADDR")):
            raise Rejected(Code.RATE_LIMITED, "too many new guests from your address; retry later")
        login(request, seating.create_guest(), backend="django.contrib.auth.backends.ModelBackend")
    return request.user


def user_data(user) -> dict:
    guest = getattr(getattr(user, "profile", None), "guest", False)
    return {
        "id": user.pk,
        "name": seating.display_name(user),
        "guest": guest,
        "username": None if guest else user.get_username(),  # the profile page's name
    }


@api("GET")
def kinds(request):
    return JsonResponse({"kinds": [game.metadata() for game in engine.all_games()]})


@ensure_csrf_cookie
@api("GET", "POST")
def me(request):
    user = acting_user(request, browser=True)
    if request.method == "POST":
        seating.set_display_name(user, request.json.get("display_name"))
    return JsonResponse({"user": user_data(user)})


@api("POST")
def games(request):
    body = request.json
    kind = body.get("kind")
    if not isinstance(kind, str):
        return error(Code.MALFORMED, "'kind' is required")
    num_players = body.get("num_players")
    if num_players is None:
        num_players = engine.get(kind).min_players if kind in engine.names() else 2
    options = body.get("options") or {}
    if not isinstance(options, dict):
        return error(Code.MALFORMED, "'options' is an object")
    game = seating.create_game(
        kind,
        num_players,
        options,
        rated=body.get("rated") is True,
        creator=acting_user(request),
        time_control=body.get("time_control"),
        spectator_delay=body.get("spectator_delay"),
    )
    return JsonResponse({"game": frames.game_summary(game)}, status=201)


@api("POST")
def seats(request, game_id):
    game = Game.objects.get(pk=game_id)
    name = request.json.get("name") or ""
    if not isinstance(name, str):
        return error(Code.MALFORMED, "'name' is a string")
    user = acting_user(request)
    if token_user(request) is not None and seating.seat_for_user(game.pk, user) is None:
        seating.check_games_cap(user)  # a new seat for a bot account
    seat, token = seating.take_seat(
        game,
        user,
        request.json.get("index"),
        name.strip(),
        request_id=request.json.get("request_id"),
    )
    game.refresh_from_db()
    body = {
        "seat": seat.index,
        "token": token,
        "game": frames.game_summary(game),
        "ws_url": f"/ws/games/{game.pk}/",
    }
    return JsonResponse(body, status=201)


@api("GET")
def game_detail(request, game_id):
    snapshot = frames.snapshot(game_id, None)
    keys = ("game", "version", "players", "spectators", "view", "status", "outcome")
    return JsonResponse({key: snapshot[key] for key in keys})


@api("GET")
def record(request, game_id):
    game = Game.objects.get(pk=game_id)
    finished = game.status == Game.Status.FINISHED
    hidden = engine.get(game.kind).rules.hidden_information
    visible = frames.visible_version(game, None)  # a spectator delay holds moves back
    game.version = visible  # ... and the move count the summary shows
    moves = None
    if finished or not hidden:
        moves = [
            {
                "ply": move.ply,
                "seat": move.seat,
                "data": move.data,
                "description": move.description,
                "created_at": move.created_at.isoformat(),
            }
            for move in Move.objects.filter(game=game, ply__lte=visible).order_by("ply")
        ]
    body = {
        "game": frames.game_summary(game),
        "players": presence.players(game.pk),
        "options": game.options,
        "outcome": game.outcome,
        "seed": game.seed if finished else None,
        "moves": moves,
    }
    return JsonResponse(body)
