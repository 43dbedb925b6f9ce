"""HTTP routes: the admin, the JSON APIs and the browser client's pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/lobby/", include("lobby.urls")),
    path("", include("web_client.urls")),
]
