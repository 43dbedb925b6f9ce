"""The lobby: matchmaking, private and open tables, the live-game directory, bots, ratings."""

from django.apps import AppConfig


class LobbyConfig(AppConfig):
    name = "lobby"

    def ready(self):
        from . import signals

        signals.connect()
