"""The ASGI application daphne serves: HTTP through Django, WebSockets through Channels.

WebSockets are counted and can be closed cleanly (:mod:`game_server.lifecycle`), then
pass the origin check of :mod:`game_server.security` (browsers by Origin,
token clients by seat or account token), then the session/auth middleware (an account
token's user replaces the session's), then the URL router. These middlewares run one
after the other rather than nested (:mod:`boardroom.asgi_stack`): an idle socket then
keeps one coroutine and one scope above its consumer instead of one of each per layer.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boardroom.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddleware  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402

from boardroom.asgi_stack import FlatWebSocketStack, ProtocolRouter  # noqa: E402
from boardroom.routing import websocket_urlpatterns  # noqa: E402
from game_server.lifecycle import TrackConnections  # noqa: E402
from game_server.security import (  # noqa: E402
    BearerUserMiddleware,
    OriginOrSeatTokenValidator,
)

# TrackConnections(OriginOrSeatTokenValidator(AuthMiddlewareStack(BearerUserMiddleware(
# URLRouter(websocket_urlpatterns))))), flattened; AuthMiddlewareStack is Channels'
# cookie, session and auth middlewares.
application = ProtocolRouter(
    {
        "http": django_asgi_app,
        "websocket": TrackConnections(
            FlatWebSocketStack(
                [
                    OriginOrSeatTokenValidator,
                    CookieMiddleware,
                    SessionMiddleware,
                    AuthMiddleware,
                    BearerUserMiddleware,
                ],
                URLRouter(websocket_urlpatterns),
            )
        ),
    }
)
