"""The lobby: matchmaking, private and open tables, the live-game directory, bots, ratings."""

from django.apps import AppConfig


class LobbyConfig(AppConfig):
    name = "lobby"

    def ready(self):
        # The game server shows each player's rating through this hook; it never imports
        # the lobby (dependencies run one way).
        from game_server import presence

        from . import ratings, signals

        signals.connect()
        if ratings.player_ratings not in presence.PLAYER_RATINGS:
            presence.PLAYER_RATINGS.append(ratings.player_ratings)
