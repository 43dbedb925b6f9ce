"""WebSocket routes: the live-game sockets and the lobby's."""

from game_server.routing import websocket_urlpatterns as game_websocket_urlpatterns
from lobby.routing import websocket_urlpatterns as lobby_websocket_urlpatterns

websocket_urlpatterns = [*game_websocket_urlpatterns, *lobby_websocket_urlpatterns]
