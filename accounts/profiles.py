"""What a profile page shows: ratings per game with their history as a small SVG plot,
win/draw/loss counts, the games with links to replays, the games being played now."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

import engine
from game_server.models import Game, Seat
from game_server.seating import display_name
from lobby.models import Rating, RatingChange, Ticket

PLOT_WIDTH, PLOT_HEIGHT, PAD = 300, 80, 4
MAX_GAMES = 50


def account_named(username: str):
    """The account (never a guest) called ``username``, case-insensitively, or None."""
    users = get_user_model().objects.exclude(profile__guest=True).select_related("profile")
    return users.filter(username__iexact=username, is_active=True).first()


def plot(values: list[float]) -> str:
    """SVG polyline points for ``values`` scaled into the plot box."""
    if len(values) < 2:
        values = values * 2
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (PLOT_WIDTH - 2 * PAD) / (len(values) - 1)
    return " ".join(
        f"{PAD + i * step:.1f},{PAD + (high - v) / span * (PLOT_HEIGHT - 2 * PAD):.1f}"
        for i, v in enumerate(values)
    )


def ratings(user) -> list[dict]:
    rows = []
    for rating in Rating.objects.filter(user=user).order_by("kind"):
        changes = list(
            RatingChange.objects.filter(user=user, kind=rating.kind).order_by("created_at", "id")
        )
        values = [changes[0].mu_before] + [c.mu_after for c in changes] if changes else []
        rows.append(
            {
                "kind": rating.kind,
                "title": _title(rating.kind),
                "rating": round(rating.mu),
                "deviation": round(rating.sigma),
                "games": rating.games,
                "history": [round(v) for v in values],
                "points": plot(values) if values else "",
            }
        )
    return rows


def _title(kind: str) -> str:
    try:
        return engine.get(kind).title
    except engine.EngineError:
        return kind


def result_for(game: Game, seat: int) -> str:
    """``win``, ``draw`` or ``loss`` of a finished game for ``seat``; "" otherwise."""
    if game.status != Game.Status.FINISHED or not game.outcome:
        return ""
    if game.outcome.get("draw") or not game.outcome.get("winners"):
        return "draw"
    return "win" if seat in game.outcome["winners"] else "loss"


def games(user) -> dict:
    seats = Seat.objects.filter(user=user).select_related("game").order_by("-game__created_at")
    counts = {"win": 0, "draw": 0, "loss": 0}
    for game_id, status, outcome, index in seats.filter(
        game__status=Game.Status.FINISHED
    ).values_list("game_id", "game__status", "game__outcome", "index"):
        result = result_for(Game(pk=game_id, status=status, outcome=outcome), index)
        if result:
            counts[result] += 1
    listed = []
    for seat in seats[:MAX_GAMES]:
        game = seat.game
        others = Seat.objects.filter(game=game).exclude(pk=seat.pk).select_related("user")
        listed.append(
            {
                "id": game.pk,
                "kind": game.kind,
                "title": _title(game.kind),
                "status": game.status,
                "rated": game.rated,
                "result": result_for(game, seat.index),
                "opponents": [_player(other) for other in others],
                "created_at": game.created_at,
            }
        )
    playing = [g for g in listed if g["status"] in (Game.Status.ACTIVE, Game.Status.WAITING)]
    return {"counts": counts, "games": listed, "playing": playing}


def _player(seat: Seat) -> dict:
    if seat.user is None:
        return {"name": seat.name or f"Player {seat.index + 1}", "username": None}
    profile = getattr(seat.user, "profile", None)
    guest = profile is not None and profile.guest
    return {
        "name": display_name(seat.user),
        "username": None if guest else seat.user.username,
        "bot": profile is not None and profile.bot,
    }


def adopt_running_seats(guest, account) -> int:
    """A guest who logs into an account mid-game keeps its seats: the guest's seats in
    games still waiting or running become the account's (unless the account already
    sits in that game). Returns how many moved."""
    moved = 0
    with transaction.atomic():
        Ticket.objects.filter(user=guest, status=Ticket.Status.WAITING).update(
            status=Ticket.Status.CANCELLED
        )
        running = Seat.objects.filter(
            user=guest, game__status__in=(Game.Status.WAITING, Game.Status.ACTIVE)
        )
        for seat in running:
            if not Seat.objects.filter(game_id=seat.game_id, user=account).exists():
                seat.user = account
                seat.save(update_fields=["user"])
                moved += 1
    return moved
