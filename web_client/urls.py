"""The browser client's pages, mounted at the site root."""

urlpatterns = []
