from django.apps import AppConfig


class GameServerConfig(AppConfig):
    name = "game_server"
