"""The lobby's HTTP routes (JSON API), mounted at /api/lobby/."""

urlpatterns = []
