"""The live-game socket's route (the project's ``boardroom.routing`` mounts it)."""

from django.urls import re_path

from .consumers import GameConsumer
from .protocol import GAME_SOCKET_PATH

websocket_urlpatterns = [re_path(GAME_SOCKET_PATH, GameConsumer.as_asgi())]
