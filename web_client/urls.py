"""The browser client's pages, mounted at the site root."""

from django.contrib.staticfiles.views import serve as serve_static
from django.urls import path, re_path

from . import views

app_name = "web_client"

urlpatterns = [
    path("", views.lobby, name="lobby"),
    path("games/<str:game_id>/", views.game, name="game"),
    path("games/<str:game_id>/replay/", views.replay, name="replay"),
    path("games/<str:game_id>/replay.json", views.replay_data, name="replay-data"),
    # daphne serves Django without a static file server: serve the client's assets here
    # (found by the staticfiles finders, so `npm run build` output is live at once).
    re_path(r"^static/(?P<path>.+)$", serve_static, {"insecure": True}),
]
