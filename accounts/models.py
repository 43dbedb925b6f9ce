"""What accounts store besides Django's users: personal API tokens.

An account is a Django user that is not a guest (``game_server.Profile.guest`` false);
the bot flag is ``Profile.bot``. :class:`ApiToken` is a named, revocable credential of
an account for bots and scripts: shown once, stored as a SHA-256 hash (the token is 32
random bytes, so a plain hash is enough: nothing to brute-force), looked up by that
hash, listed with its last use.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=40)
    prefix = models.CharField(max_length=12, editable=False)  # shown to tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True, editable=False)  # sha256 hex
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        from django.utils import timezone

        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
