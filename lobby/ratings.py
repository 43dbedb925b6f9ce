"""Ratings per game kind, updated once when a rated game ends.

The system is OpenSkill's Plackett-Luce model (the ``openskill`` package), scaled to
familiar numbers: a new player is 1500 ± 500 and the leaderboard sorts by the
conservative rating ``mu - 3 sigma``.

Why not Glicko-2 through the ``glicko2`` package (2.1.0): it is a 2009 port whose
volatility step reads the player's *rating* where Glickman's formula has the rating
*deviation* (``Player._f``), so its results are only right for players rated exactly
1500 (the paper's worked example happens to be one); it has no tests and no releases
fixing it. OpenSkill is maintained, typed and tested, and it rates many-player games
(liars_dice and friends) natively with ranks, where Glicko-2 would need every game split
into pairwise results. Its ``mu``/``sigma`` play the roles of Glicko's rating and RD.

:func:`apply_game` is idempotent: it locks the game row, and the history's unique
``(game, user)`` makes a second application impossible even without the lock.
"""

from __future__ import annotations

from django.db import transaction
from openskill.models import PlackettLuce

from game_server.models import Game, Seat
from game_server.seating import display_name

from .models import Rating, RatingChange

SCALE = 60.0  # openskill's defaults (25 ± 8.33) times 60
MODEL = PlackettLuce(
    mu=25.0 * SCALE, sigma=25.0 / 3 * SCALE, beta=25.0 / 6 * SCALE, tau=25.0 / 300 * SCALE
)


def initial() -> tuple[float, float]:
    return MODEL.mu, MODEL.sigma


def ordinal(mu: float, sigma: float) -> float:
    return mu - 3 * sigma


def current(user, kind: str) -> Rating | None:
    if user is None or not user.is_authenticated:
        return None
    return Rating.objects.filter(user=user, kind=kind).first()


def current_mu(user, kind: str) -> float:
    rating = current(user, kind)
    return rating.mu if rating is not None else MODEL.mu


def ranks_for(outcome: dict, num_players: int) -> list[int]:
    """1 for each winner and 2 for everyone else; everyone 1 in a draw."""
    winners = set(outcome.get("winners") or ())
    if not winners:
        return [1] * num_players
    return [1 if seat in winners else 2 for seat in range(num_players)]


def rated_seats(game: Game) -> list[Seat]:
    """The human seats of a rated game, or [] when the game cannot be rated."""
    if not game.rated or game.status != Game.Status.FINISHED or not game.outcome:
        return []  # aborted games (status aborted) are never rated
    if game.has_bots:
        return []
    seats = list(Seat.objects.filter(game=game).order_by("index"))
    if len(seats) != game.num_players or any(seat.user_id is None for seat in seats):
        return []
    if len({seat.user_id for seat in seats}) != len(seats):
        return []
    return seats


def apply_game(game_id: str) -> list[RatingChange]:
    """Rate a finished rated game (once): returns its rating changes, new or earlier."""
    with transaction.atomic():
        game = Game.objects.select_for_update().filter(pk=game_id).first()
        if game is None:
            return []
        done = list(RatingChange.objects.filter(game=game).order_by("id"))
        if done:
            return done
        seats = rated_seats(game)
        if not seats:
            return []
        mu, sigma = initial()
        ratings = [
            Rating.objects.select_for_update().get_or_create(
                user_id=seat.user_id,
                kind=game.kind,
                defaults={"mu": mu, "sigma": sigma, "ordinal": ordinal(mu, sigma)},
            )[0]
            for seat in seats
        ]
        ranks = ranks_for(game.outcome, game.num_players)
        teams = [[MODEL.rating(mu=r.mu, sigma=r.sigma)] for r in ratings]
        new = MODEL.rate(teams, ranks=[ranks[seat.index] for seat in seats])
        changes = []
        for seat, rating, [after] in zip(seats, ratings, new, strict=True):
            changes.append(
                RatingChange.objects.create(
                    game=game,
                    user_id=seat.user_id,
                    kind=game.kind,
                    rank=ranks[seat.index],
                    mu_before=rating.mu,
                    sigma_before=rating.sigma,
                    mu_after=after.mu,
                    sigma_after=after.sigma,
                )
            )
            rating.mu, rating.sigma = after.mu, after.sigma
            rating.ordinal = ordinal(after.mu, after.sigma)
            rating.games += 1
            rating.save()
    return changes


def player_ratings(kind: str, user_ids: list[int]) -> dict[int, int]:
    """``{user id: rating}`` in ``kind`` (1500 for a user never rated in it): the
    ``rating`` beside each name on the game page (``game_server.presence.PLAYER_RATINGS``)."""
    rows = Rating.objects.filter(kind=kind, user_id__in=user_ids).values_list("user_id", "mu")
    found = dict(rows)
    return {uid: round(found.get(uid, MODEL.mu)) for uid in user_ids}


def game_changes(game_id: str) -> dict | None:
    """The rating changes of a game by seat (``GET /api/lobby/games/<id>/ratings``); a
    finished rated game not rated yet is rated now (:func:`apply_game` is idempotent).
    None for an unknown game."""
    game = Game.objects.filter(pk=game_id).first()
    if game is None:
        return None
    changes = list(RatingChange.objects.filter(game=game))
    if not changes and rated_seats(game):
        changes = apply_game(game.pk)
    seats = dict(Seat.objects.filter(game=game).values_list("user_id", "index"))
    entries = [
        {
            "seat": seats.get(change.user_id),
            "user": change.user_id,
            "before": round(change.mu_before),
            "after": round(change.mu_after),
            "change": round(change.mu_after) - round(change.mu_before),
        }
        for change in changes
    ]
    entries.sort(key=lambda entry: (entry["seat"] is None, entry["seat"]))
    return {"game": game.pk, "rated": game.rated, "status": game.status, "changes": entries}


def rating_data(rating: Rating, position: int | None = None) -> dict:

    profile = getattr(rating.user, "profile", None)
    data = {
        "user": rating.user_id,
        "name": display_name(rating.user),
        # The profile page's name (/@/<username>/); null for guests, who have none.
        "username": None if profile is not None and profile.guest else rating.user.username,
        "bot": profile is not None and profile.bot,
        "kind": rating.kind,
        "rating": round(rating.mu),
        "deviation": round(rating.sigma),
        "conservative": round(rating.ordinal),
        "games": rating.games,
    }
    if position is not None:
        data["rank"] = position
    return data


def leaderboard(kind: str, limit: int = 50) -> list[dict]:
    """The best accounts of ``kind``: guests may be rated but are not listed."""
    rows = (
        Rating.objects.filter(kind=kind)
        .exclude(user__profile__guest=True)
        .select_related("user", "user__profile")
    )
    return [
        rating_data(rating, position)
        for position, rating in enumerate(rows.order_by("-ordinal", "id")[:limit], 1)
    ]


def history(user_id: int, kind: str, limit: int = 100) -> list[dict]:
    rows = RatingChange.objects.filter(user_id=user_id, kind=kind)[:limit]
    return [
        {
            "game": change.game_id,
            "rank": change.rank,
            "before": round(change.mu_before),
            "after": round(change.mu_after),
            "deviation": round(change.sigma_after),
            "at": change.created_at.isoformat(),
        }
        for change in rows
    ]
