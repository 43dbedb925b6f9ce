"""Personal API tokens: create, authenticate, revoke.

A token is ``bdr_`` + 43 URL-safe characters (32 random bytes). Seat tokens have no
prefix and are 43 characters long, so the two never look alike. The plain token is
returned once by :func:`create`; only its SHA-256 hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from game_server.security import InvalidBearer

from .models import ApiToken

PREFIX = "bdr_"
TOKEN_LENGTH = len(PREFIX) + 43
MAX_TOKENS = 20  # active tokens per account
LAST_USED_EVERY = timedelta(seconds=30)  # how often last_used_at is written


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return isinstance(token, str) and token.startswith(PREFIX) and len(token) == TOKEN_LENGTH


def create(user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token of ``user`` named ``name`` (expiring after ``days``, or never)."""
    token = PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=days) if days else None
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=token[: len(PREFIX) + 4],
            token_hash=hash_token(token),
            expires_at=expires,
        )
    return row, token


def active_count(user) -> int:
    now = timezone.now()
    rows = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    return rows.exclude(expires_at__lte=now).count()


def authenticate(token: str):
    """The account of ``token``; None when it is not an account token at all (a seat
    token); :class:`InvalidBearer` when it is one but unknown, revoked or expired."""
    if not looks_like_token(token):
        return None
    row = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
    if row is None:
        raise InvalidBearer("unknown token")
    if row.revoked_at is not None:
        raise InvalidBearer("this token was revoked")
    now = timezone.now()
    if row.expires_at is not None and row.expires_at <= now:
        raise InvalidBearer("this token expired")
    if not row.user.is_active:
        raise InvalidBearer("this account is disabled")
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def revoke(user, token_id) -> bool:
    """Revoke one of ``user``'s tokens (False: no such token of this account)."""
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return updated == 1
