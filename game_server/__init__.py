"""The Django project: settings, ASGI entry point, HTTP API and the live-game consumers."""
