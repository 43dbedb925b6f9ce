"""WebSocket routes: the live-game sockets and the lobby's."""

from lobby.routing import websocket_urlpatterns as lobby_websocket_urlpatterns

websocket_urlpatterns = [
    *lobby_websocket_urlpatterns,
]
