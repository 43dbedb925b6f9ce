"""Creating games and taking seats; who a user or a token is.

* Identity: display names, guests (users with a generated name and no password).
* Seat tokens: shown once when a seat is taken, stored as a SHA-256 hash, compared in
  constant time.
* Games start in ``waiting`` and become ``active`` when the last seat is taken, with
  their clocks started (``game_server.clocks``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

import engine
from engine import EngineError

from . import clocks, state
from .models import Game, Profile, Seat
from .protocol import (
    MAX_REQUEST_ID,
    Code,
    Rejected,
    clean_text,
    has_control_characters,
    is_identifier,
)

MAX_NAME = 40


# -- identity --------------------------------------------------------------------------
def display_name(user) -> str:
    if user is None or not user.is_authenticated:
        return "Anonymous"
    try:
        return user.profile.display_name
    except Profile.DoesNotExist:
        return user.get_username()


def account_name(user) -> str | None:
    """The username of an account (its profile page is ``/@/<username>/``); None for
    guests and for nobody."""
    if user is None or not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)
    return None if profile is not None and profile.guest else user.get_username()


def create_guest():
    """A new guest user with a generated display name (no password, cannot log in)."""
    suffix = secrets.token_hex(4)
    user = get_user_model().objects.create_user(username=f"guest-{suffix}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Profile.objects.create(user=user, display_name=f"Guest {suffix[:4]}", guest=True)
    return user


def is_guest(user) -> bool:
    return Profile.objects.filter(user=user, guest=True).exists()


def name_taken(name: str, user=None) -> bool:
    """Whether an account (a user who is not a guest) other than ``user`` is called
    ``name`` (case-insensitively), by display name or by username."""
    accounts = get_user_model().objects.exclude(profile__guest=True)
    if user is not None:
        accounts = accounts.exclude(pk=user.pk)
    return (
        accounts.filter(username__iexact=name).exists()
        or accounts.filter(profile__display_name__iexact=name).exists()
    )


def set_display_name(user, name) -> str:
    """Rename ``user``: display names are unique among accounts (case-insensitively), and
    nobody may take an account's name; guests may share names among themselves."""
    try:
        name = clean_text(name, "display_name", MAX_NAME)
    except Exception:
        raise Rejected(Code.MALFORMED, "a display name has 1-40 printable characters") from None
    if name_taken(name, user):
        raise Rejected(Code.NAME_TAKEN, "an account has this name")
    Profile.objects.update_or_create(user=user, defaults={"display_name": name})
    return name


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def seat_for_token(game_id: str, token: str) -> int | None:
    """The seat index ``token`` was issued for in this game, or None."""
    if not is_identifier(token) or not is_identifier(game_id, 16):
        return None
    digest = hash_token(token)
    found = None
    for index, stored in Seat.objects.filter(game_id=game_id).values_list("index", "token_hash"):
        if hmac.compare_digest(stored, digest):
            found = index
    return found


def seat_for_user(game_id: str, user) -> int | None:
    if user is None or not user.is_authenticated or not is_identifier(game_id, 16):
        return None
    return Seat.objects.filter(game_id=game_id, user=user).values_list("index", flat=True).first()


# -- creating and joining ----------------------------------------------------------------
def create_game(
    kind,
    num_players,
    options=None,
    seed=None,
    rated=False,
    creator=None,
    time_control=None,
    spectator_delay=None,
) -> Game:
    """A new game in ``waiting`` status. Options are validated (and defaults filled in)
    by the engine; raises :class:`Rejected` with the engine's code when they are bad.
    ``time_control`` / ``spectator_delay`` (``game_server.clocks``) may also come as
    ``options`` entries of those names (how the lobby passes them)."""
    options = dict(options or {})
    time_control = options.pop("time_control", time_control)
    spectator_delay = options.pop("spectator_delay", spectator_delay)
    try:
        time_control = clocks.parse(time_control)
        spectator_delay = clocks.parse_delay(spectator_delay)
    except clocks.InvalidTimeControl as exc:
        raise Rejected(Code.INVALID_TIME_CONTROL, str(exc)) from exc
    try:
        game_engine = engine.get(kind)
        resolved = game_engine.resolve_options(options, num_players)
        initial = game_engine.initial_state(num_players, 0, resolved)
    except EngineError as exc:
        raise Rejected(exc.code, exc.message) from exc
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise Rejected(Code.MALFORMED, "the seed must be an integer")
    fields = {"seed": seed} if seed is not None else {}
    return Game.objects.create(
        kind=kind,
        num_players=initial.num_players,
        options=resolved,
        rated=bool(rated),
        created_by=creator if creator is not None and creator.is_authenticated else None,
        time_control=time_control,
        spectator_delay=spectator_delay,
        **fields,
    )


def take_seat(
    game: Game, user=None, index=None, name="", bot="", request_id=None
) -> tuple[Seat, str]:
    """Seat ``user`` (or a token-only player called ``name``; a computer player of level
    ``bot``) at ``index`` (or the first free seat) and return the seat and its token. The
    token is shown once; only its hash is stored. A user who already has a seat in this
    game, or a request whose ``request_id`` already took one, gets that seat with a new
    token (the old one stops working): taking a seat is safe to retry. The game starts
    when the last seat is taken."""
    user = user if user is not None and user.is_authenticated else None
    if name and (not isinstance(name, str) or has_control_characters(name)):
        raise Rejected(Code.MALFORMED, "a seat name has printable characters only")
    if request_id is not None and not is_identifier(request_id, MAX_REQUEST_ID):
        raise Rejected(Code.MALFORMED, f"a request id has 1-{MAX_REQUEST_ID} printable characters")
    with transaction.atomic():
        game = Game.objects.select_for_update().get(pk=game.pk)
        token = secrets.token_urlsafe(32)
        if user is not None or request_id is not None:
            mine = Seat.objects.filter(game=game)
            mine = (
                mine.filter(user=user) if user is not None else mine.filter(request_id=request_id)
            )
            existing = mine.first()
            if existing is not None:
                existing.token_hash = hash_token(token)
                existing.save(update_fields=["token_hash"])
                return existing, token
        if game.status != Game.Status.WAITING:
            raise Rejected(Code.GAME_FULL, "this game is not waiting for players")
        taken = set(Seat.objects.filter(game=game).values_list("index", flat=True))
        if index is None:
            free = [i for i in range(game.num_players) if i not in taken]
            if not free:
                raise Rejected(Code.GAME_FULL, "every seat is taken")
            index = free[0]
        elif not isinstance(index, int) or isinstance(index, bool):
            raise Rejected(Code.MALFORMED, "the seat index must be an integer")
        elif not 0 <= index < game.num_players:
            raise Rejected(engine.errors.INVALID_SEAT, f"there is no seat {index}")
        elif index in taken:
            raise Rejected(Code.SEAT_TAKEN, f"seat {index} is taken")
        seat = Seat.objects.create(
            game=game,
            index=index,
            user=user,
            name=(name or "").strip()[:MAX_NAME] if user is None else "",
            bot=bot,
            token_hash=hash_token(token),
            request_id=request_id,
        )
        if bot and not game.has_bots:
            game.has_bots = True
            game.save(update_fields=["has_bots"])
        if len(taken) + 1 == game.num_players:
            game.status = Game.Status.ACTIVE
            game.started_at = timezone.now()
            running = engine.get(game.kind).to_move(state.load_state(game))
            game.clock, game.deadline = clocks.start(
                game.time_control,
                game.num_players,
                running,
                game.started_at.timestamp(),
                first_move=settings.FIRST_MOVE_SECONDS,
            )
            game.save(update_fields=["status", "started_at", "clock", "deadline"])
    return seat, token


def check_games_cap(user) -> None:
    """A token client (bot account) has at most ``MAX_GAMES_PER_BOT`` games waiting or
    running at once, whether it joins them through the lobby or the HTTP API;
    ``too_many_games`` beyond."""
    cap = getattr(settings, "MAX_GAMES_PER_BOT", 4)
    running = Seat.objects.filter(
        user=user, game__status__in=(Game.Status.WAITING, Game.Status.ACTIVE)
    ).count()
    if running >= cap:
        raise Rejected(Code.TOO_MANY_GAMES, f"at most {cap} games at once for a token client")


def bot_seats(game_id: str) -> dict[int, str]:
    """``{seat: level}`` of the computer players of a game."""
    return dict(Seat.objects.filter(game_id=game_id).exclude(bot="").values_list("index", "bot"))
