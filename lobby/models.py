"""What the lobby stores. Everything that matters between two messages lives here, never
only in one process's memory, so several server processes share one lobby.

* :class:`Ticket`: a player waiting in quick match for one *bucket* (kind, player count,
  options, rated). A ticket leaves ``waiting`` exactly once, by a conditional update
  (see ``lobby.matchmaking``); a user has at most one waiting ticket (a partial unique
  constraint), so nobody is ever matched twice.
* :class:`Table` / :class:`TableMember`: a private (invite code) or public table that
  starts a game when its seats are full.
* :class:`Rating` / :class:`RatingChange`: one rating per user and game kind, and its
  history; ``(game, user)`` is unique in the history, so a game is rated once.
* :class:`Rematch` / :class:`RematchOffer`: players of a finished game asking for another.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 6


def new_table_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Ticket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting"
        MATCHED = "matched"
        CANCELLED = "cancelled"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lobby_tickets"
    )
    channel_name = models.CharField(max_length=200, blank=True)  # the socket that queued
    kind = models.CharField(max_length=40)
    num_players = models.PositiveSmallIntegerField()
    options = models.JSONField(default=dict, blank=True)
    bucket = models.CharField(max_length=300)  # who may be matched together
    rated = models.BooleanField(default=False)
    rating = models.FloatField(default=0.0)  # the player's rating when queueing
    bot_after = models.FloatField(null=True, blank=True)  # seconds; None: never
    bot_level = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    game = models.ForeignKey(
        "game_server.Game", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seat = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["bucket", "status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="waiting"),
                name="lobby_one_waiting_ticket_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.bucket} {self.status}"


class Table(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        STARTED = "started"
        CANCELLED = "cancelled"

    code = models.CharField(max_length=12, unique=True, default=new_table_code)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lobby_tables"
    )
    kind = models.CharField(max_length=40)
    num_players = models.PositiveSmallIntegerField()
    options = models.JSONField(default=dict, blank=True)
    rated = models.BooleanField(default=False)
    public = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    game = models.ForeignKey(
        "game_server.Game", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["public", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} table {self.code} ({self.status})"


class TableMember(models.Model):
    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["table", "user"], name="lobby_table_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.table}"


class Rating(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lobby_ratings"
    )
    kind = models.CharField(max_length=40)
    mu = models.FloatField()
    sigma = models.FloatField()
    ordinal = models.FloatField()  # mu - 3 sigma: the conservative rating the board sorts by
    games = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "-ordinal"]
        indexes = [models.Index(fields=["kind", "-ordinal"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="lobby_rating_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.mu:.0f}±{self.sigma:.0f}"


class RatingChange(models.Model):
    game = models.ForeignKey(
        "game_server.Game", on_delete=models.CASCADE, related_name="rating_changes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lobby_rating_changes"
    )
    kind = models.CharField(max_length=40)
    rank = models.PositiveSmallIntegerField()  # 1 for the winners (or everyone in a draw)
    mu_before = models.FloatField()
    sigma_before = models.FloatField()
    mu_after = models.FloatField()
    sigma_after = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "kind", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["game", "user"], name="lobby_rated_once_per_game")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.mu_before:.0f} -> {self.mu_after:.0f}"


class Rematch(models.Model):
    """A finished game's rematch, once created (one per game)."""

    game = models.OneToOneField(
        "game_server.Game", on_delete=models.CASCADE, primary_key=True, related_name="rematch"
    )
    new_game = models.ForeignKey(
        "game_server.Game", on_delete=models.CASCADE, related_name="rematch_of"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"rematch of {self.game_id}: {self.new_game_id}"


class RematchOffer(models.Model):
    game = models.ForeignKey(
        "game_server.Game", on_delete=models.CASCADE, related_name="rematch_offers"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["game", "user"], name="lobby_rematch_offer_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} offers a rematch of {self.game_id}"
