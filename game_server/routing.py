"""WebSocket routes: the live-game sockets and the lobby's."""

from django.urls import re_path

from lobby.routing import websocket_urlpatterns as lobby_websocket_urlpatterns

from . import consumers

# Also used by game_server.security to find the game of a connection without an Origin.
GAME_SOCKET_PATH = r"^/?ws/games/(?P<game_id>[A-Za-z0-9_-]{1,16})/$"

websocket_urlpatterns = [
    re_path(GAME_SOCKET_PATH, consumers.GameConsumer.as_asgi()),
    *lobby_websocket_urlpatterns,
]
