"""The lobby's HTTP routes (JSON API), mounted at /api/lobby/."""

from django.urls import path

from . import views

urlpatterns = [
    path("leaderboard", views.leaderboard, name="lobby-leaderboard"),
    path("ratings/<int:user_id>", views.rating_history, name="lobby-rating-history"),
    path("games/<str:game_id>/ratings", views.game_ratings, name="lobby-game-ratings"),
    path("directory", views.live_directory, name="lobby-directory"),
    path("tables", views.open_tables, name="lobby-tables"),
    path("tables/<str:code>", views.table, name="lobby-table"),
]
