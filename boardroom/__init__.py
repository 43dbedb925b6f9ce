"""The Django project: settings, ASGI application, URL and WebSocket routes, the server command."""
