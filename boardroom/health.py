"""``GET /healthz``: is this replica able to serve games?

200 ``{"status": "ok", "database": "ok", "channel_layer": "ok"}`` when a ``SELECT 1``
succeeds on the database and a ``group_send`` through the channel layer succeeds;
otherwise 503 with ``"status": "unavailable"`` and the failing part's error in its
field (e.g. ``"database": "error: connection refused"``), within 2 s even when a backend
does not answer at all. Load balancers and the
docker-compose healthchecks use it; it is cheap enough to call every few seconds.
"""

from __future__ import annotations

import asyncio

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse

TIMEOUT = 2.0  # seconds for each check
HEALTH_GROUP = "health.check"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not reachable"
        connection.close_if_unusable_or_obsolete()
        return f"error: {exc}".strip()[:200]
    return "ok"


async def check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        return "error: no channel layer configured"
    try:
        async with asyncio.timeout(TIMEOUT):
            # A group nobody joins: one round trip to Redis with either Redis layer, and
            # nothing left behind (a new channel would stay subscribed with pub/sub).
            await layer.group_send(HEALTH_GROUP, {"type": "health.check"})
    except Exception as exc:  # timeouts and any client error
        return f"error: {type(exc).__name__} {exc}".strip()[:200]
    return "ok"


async def check_database_in_time() -> str:
    """The database check within :data:`TIMEOUT`: a stalled database (packets dropped,
    a lock) must not hold the answer for longer. The check runs on a thread of its own,
    not Channels' shared database thread, which a stalled query would block for all."""
    try:
        async with asyncio.timeout(TIMEOUT):
            return await sync_to_async(check_database, thread_sensitive=False)()
    except TimeoutError:
        return f"error: no answer within {TIMEOUT:g} s"


async def healthz(request):
    database, channel_layer = await asyncio.gather(check_database_in_time(), check_channel_layer())
    ok = database == "ok" and channel_layer == "ok"
    body = {"status": "ok" if ok else "unavailable", "database": database}
    body["channel_layer"] = channel_layer
    return JsonResponse(body, status=200 if ok else 503)
