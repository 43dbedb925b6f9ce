"""HTTP routes: the admin, the JSON APIs and the browser client's pages."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from game_server import metrics, views

from . import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("api/games/kinds", views.kinds, name="game-kinds"),
    path("api/games", views.games, name="games"),
    path("api/games/<str:game_id>", views.game_detail, name="game-detail"),
    path("api/games/<str:game_id>/seats", views.seats, name="game-seats"),
    path("api/games/<str:game_id>/record", views.record, name="game-record"),
    path("api/me", views.me, name="me"),
    path("api/lobby/", include("lobby.urls")),
    path("accounts/", include("accounts.urls")),
    path("@/<str:username>/", account_views.profile, name="profile"),
    path("", include("web_client.urls")),
]
