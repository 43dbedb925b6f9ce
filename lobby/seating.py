"""Starting a game from the lobby: create it and fill every seat through the service
layer, then tell each seated player (on commit, through its user group) where to go.

Quick match, tables, "play the computer" and rematches all start their games here.
"""

from __future__ import annotations

from dataclasses import dataclass

from game_server import seating

from . import notify

BOT_NAMES = {"random": "Computer (random)", "mcts": "Computer (MCTS)"}


@dataclass(frozen=True)
class Player:
    """Who sits at one seat: a user, or a bot of ``level``."""

    user: object = None
    bot: str = ""


def start_game(kind, options, players: list[Player], rated=False, creator=None, source="queue"):
    """A new game with ``players[i]`` at seat ``i``; returns ``(game, {user_id: seat})``.

    Must run inside the caller's transaction: if it rolls back, nobody is notified.
    Bot seats make a game unrated.
    """
    rated = rated and not any(player.bot for player in players)
    game = seating.create_game(kind, len(players), options, rated=rated, creator=creator)
    seats = {}
    for index, player in enumerate(players):
        if player.bot:
            name = BOT_NAMES.get(player.bot, player.bot)
            seating.take_seat(game, None, index, name=name, bot=player.bot)
            continue
        seat, token = seating.take_seat(game, player.user, index)
        seats[player.user.pk] = seat.index
        notify.send_user(
            player.user.pk,
            {
                "type": "lobby.match",
                "game": game.pk,
                "kind": kind,
                "players": len(players),
                "seat": seat.index,
                "token": token,
                "rated": rated,
                "source": source,
            },
        )
    game.refresh_from_db()
    return game, seats
