"""Prometheus metrics of one server process, served at ``GET /metrics``.

Every daphne process is its own process on its own port and exposes its own figures
(no multiprocess mode): Prometheus scrapes each replica and sums with ``sum()``.

* ``boardroom_open_connections{socket}``: WebSockets open on this process (``game`` or
  ``lobby``), kept by :mod:`game_server.lifecycle`.
* ``boardroom_games_in_progress``: games with status ``active`` in the database (the
  same figure on every replica: take ``max()``, not ``sum()``).
* ``boardroom_moves_total``: actions stored by this process; ``rate(...[1m])`` is moves
  per second.
* ``boardroom_broadcast_seconds``: from the move's transaction commit to the end of its
  ``group_send`` (frames encoded and handed to the channel layer).
* ``boardroom_broadcast_failures_total``: broadcasts the channel layer refused (Redis
  down); the clients catch up when they reconnect (see docs/deployment.md).
* ``boardroom_unavailable_total``: actions rejected with ``unavailable`` (database down).
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

OPEN_CONNECTIONS = Gauge(
    "boardroom_open_connections", "WebSockets open on this process", ["socket"]
)
MOVES = Counter("boardroom_moves", "Actions (moves, resignations, draw answers) stored")
BROADCAST_SECONDS = Histogram(
    "boardroom_broadcast_seconds",
    "Time from a stored action's commit to the end of its group_send",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
BROADCAST_FAILURES = Counter(
    "boardroom_broadcast_failures", "Stored actions whose broadcast the channel layer refused"
)
REFUSED = Counter(
    "boardroom_refused_connections",
    "WebSockets closed at connect because a backend was unreachable",
    ["reason"],
)
SLOW_READERS = Counter(
    "boardroom_slow_readers", "WebSockets dropped for leaving too much unread output"
)
FLOODS = Counter(
    "boardroom_floods", "WebSockets closed with 4008 for frames queued faster than read"
)
UNAVAILABLE = Counter(
    "boardroom_unavailable", "Actions rejected with 'unavailable' (database unreachable)"
)


class GamesInProgress:
    """``boardroom_games_in_progress``, counted in the database at scrape time."""

    def describe(self):
        # Without describe() registering would call collect(): a query at import time.
        return [GaugeMetricFamily("boardroom_games_in_progress", "")]

    def collect(self):
        from django.db import DatabaseError

        from .models import Game

        metric = GaugeMetricFamily(
            "boardroom_games_in_progress", "Games with status 'active' (database-wide)"
        )
        try:
            metric.add_metric([], Game.objects.filter(status=Game.Status.ACTIVE).count())
        except DatabaseError:
            return  # /healthz reports the database; the other metrics still render
        yield metric


_collector = GamesInProgress()
REGISTRY.register(_collector)


def metrics_view(request):
    from django.http import HttpResponse

    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
