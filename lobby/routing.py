"""The lobby's WebSocket routes."""

websocket_urlpatterns = []
