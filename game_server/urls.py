"""HTTP routes: the admin, the JSON API and the browser client's pages."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
