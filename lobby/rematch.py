"""Rematches: when every human player of a finished game has offered one, a new game
starts with the same kind, options, rating mode and players (bots too), each seat moved
one place on (seat ``i`` plays seat ``i + 1``, the last plays seat 0).

Offers are serialized on the old game's row lock, and a game has at most one
:class:`~lobby.models.Rematch` (its primary key is the old game), so two players
offering at the same instant still start exactly one new game.
"""

from __future__ import annotations

from django.db import transaction

from game_server.models import Game
from game_server.protocol import Code, Rejected
from game_server.seating import bot_seats

from . import notify
from .models import Rematch, RematchOffer
from .seating import Player, start_game


def offer(user, game_id) -> dict:
    """Offer a rematch; returns ``{"game", "offers", "needed", "new_game"}``."""
    with transaction.atomic():
        game = Game.objects.select_for_update().filter(pk=game_id).first()
        if game is None or not isinstance(game_id, str):
            raise Rejected(Code.NOT_FOUND, f"no game {game_id!r}")
        seats = list(game.seats.order_by("index"))
        humans = {seat.user_id for seat in seats if seat.user_id is not None}
        if user.pk not in humans:
            raise Rejected(Code.NOT_A_PLAYER, "only the game's players may ask for a rematch")
        if not game.over:
            raise Rejected(Code.NOT_OVER, "the game is not over")
        existing = Rematch.objects.filter(game=game).first()
        if existing is None:
            RematchOffer.objects.get_or_create(game=game, user=user)
            offered = set(RematchOffer.objects.filter(game=game).values_list("user_id", flat=True))
            if humans <= offered:
                existing = _start(game, seats)
        status = {
            "type": "lobby.rematch",
            "game": game.pk,
            "offers": sorted(
                RematchOffer.objects.filter(game=game).values_list("user_id", flat=True)
            ),
            "needed": sorted(humans),
            "new_game": existing.new_game_id if existing else None,
        }
        for user_id in humans:
            notify.send_user(user_id, status)
    return status


def _start(game: Game, seats) -> Rematch:
    bots = bot_seats(game.pk)
    players = [None] * game.num_players
    for seat in seats:
        player = Player(bot=bots[seat.index]) if seat.index in bots else Player(user=seat.user)
        players[(seat.index + 1) % game.num_players] = player
    new_game, _ = start_game(
        game.kind,
        {**game.options, "time_control": game.time_control}
        | ({"spectator_delay": game.spectator_delay} if game.spectator_delay else {}),
        players,
        rated=game.rated,
        creator=game.created_by,
        source="rematch",
    )
    return Rematch.objects.create(game=game, new_game=new_game)
