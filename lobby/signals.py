"""What the lobby does when the game server stores something (connected in ``apps``).

The service layer stores moves, starts and finishes games, and records game sockets;
the lobby reacts after the transaction commits, in whichever process stored it:

* a move stored or a game started: the bot runner checks for a bot turn (``lobby.bots``);
* a rated game finished: its ratings are updated, once (``lobby.ratings``);
* a game started or ended, or its presence changed (coalesced, ``game_server.presence``):
  the directory hears of it.

Every reaction is ``robust``: a failure is logged and never reaches the move path.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save

from game_server import actions, presence
from game_server.models import Game

from . import bots, directory, ratings


def _later(function, *args) -> None:
    transaction.on_commit(lambda: function(*args), robust=True)


def action_stored(sender, game_id: str, game: Game, ended: bool, **kwargs) -> None:
    """After the action's transaction committed (``game_server.actions``). ``game`` is
    the row after the action; whether it has bots is on it (``Game.has_bots``): no query
    on the move path (one per game and process had cost 17% of the moves/s at 500 games
    starting together)."""
    if game.has_bots:
        bots.poke(game_id)
    if ended:
        game_ended(game)


def game_saved(sender, instance: Game, created: bool, update_fields=None, **kwargs) -> None:
    """A game saved through the ORM: seating starts games (actions are stored in SQL and
    arrive through :func:`action_stored`)."""
    if created or (update_fields is not None and "status" not in update_fields):
        return
    if instance.status == Game.Status.ACTIVE:
        if instance.has_bots:
            _later(bots.poke, instance.pk)
        _later(directory.announce, instance.pk, "started")
    elif instance.over:
        _later(game_ended, instance)


def game_ended(game: Game) -> None:
    if game.rated and game.status == Game.Status.FINISHED:
        ratings.apply_game(game.pk)
    directory.announce(game.pk, "ended")


def presence_changed(sender, game_id: str, **kwargs) -> None:
    directory.announce(game_id, "spectators")


def connect() -> None:
    actions.action_stored.connect(action_stored, dispatch_uid="lobby.action_stored")
    post_save.connect(game_saved, sender=Game, dispatch_uid="lobby.game_saved")
    presence.presence_changed.connect(presence_changed, dispatch_uid="lobby.presence_changed")
