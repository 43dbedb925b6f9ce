"""What the server stores. The move log is the truth: a game's state is always
``engine.replay(initial_state(seed, options), moves)``; ``Game.version`` is the number of
stored moves (the engine's ``ply``) and nothing else about the position is stored.

* :class:`Game`: kind, options, seed, seats count, status, outcome, version.
* :class:`Seat`: who plays seat ``index``: a user and/or the hash of a seat token, or a
  computer player (``bot``).
* :class:`Move`: one stored action. ``(game, ply)`` is unique, so two writers (in one
  process or several) can never both store the same ply; ``(game, seat, request_id)``
  is unique, so a retried request is never applied twice.
* :class:`Connection`: one open WebSocket (game or lobby), for presence and socket caps.
* :class:`ServerLease`: the heartbeat of a serving process (its rows die with it).
* :class:`Profile`: a user's display name; guests are users with ``guest=True``; bot
  accounts (``bot=True``, set by their owners in the accounts app) are marked as bots.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

GAME_ID_BYTES = 6  # 8 URL-safe characters


def new_game_id() -> str:
    return secrets.token_urlsafe(GAME_ID_BYTES)


def new_seed() -> int:
    return secrets.randbits(63)


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=40)
    guest = models.BooleanField(default=False)
    bot = models.BooleanField(default=False)  # a bot account (as on Lichess)

    def __str__(self) -> str:
        return self.display_name


class Game(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting"  # seats still free; no move accepted yet
        ACTIVE = "active"
        FINISHED = "finished"  # the engine reported an outcome
        ABORTED = "aborted"  # stopped by staff or the lobby; no outcome

    id = models.CharField(primary_key=True, max_length=16, default=new_game_id, editable=False)
    kind = models.CharField(max_length=40)
    options = models.JSONField(default=dict, blank=True)
    seed = models.BigIntegerField(default=new_seed)
    num_players = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    rated = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_games",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    # Time controls (game_server.clocks): None is "no clock". ``deadline`` is when the
    # first running clock reaches zero; the sweeper (game_server.timeouts) looks for it.
    time_control = models.JSONField(null=True, blank=True)
    clock = models.JSONField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    spectator_delay = models.FloatField(default=0.0)  # seconds spectators see moves late
    # A computer player sits here (a seat with ``bot``). Bot seats are taken while the
    # game waits, so this is settled before any move: the lobby's bot runner reads it from
    # the row after each stored move instead of querying the seats.
    has_bots = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["status", "deadline"], name="game_status_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"

    @property
    def over(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.ABORTED)


class Seat(models.Model):
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="seats")
    index = models.PositiveSmallIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seats",
    )
    # Token-only players (bots, scripts) have no user: they are known by this name.
    name = models.CharField(max_length=40, blank=True)
    # A computer player's level ("random", "mcts"); empty for people. Bot seats are never
    # away (game_server.presence), and the lobby runs them (lobby/bots.py).
    bot = models.CharField(max_length=20, blank=True, default="")
    token_hash = models.CharField(max_length=64, editable=False)  # sha256 hex of the token
    # The client's id for the request that took the seat: a retry after a lost answer gets
    # the same seat (and a new token) instead of a second seat or game_full.
    request_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    joined_at = models.DateTimeField(auto_now_add=True)
    # When the seat's last connection closed (abandonment grace); None while connected.
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["game", "index"]
        constraints = [
            models.UniqueConstraint(fields=["game", "index"], name="seat_unique_index"),
            models.UniqueConstraint(fields=["game", "user"], name="seat_unique_user"),
            models.UniqueConstraint(fields=["game", "request_id"], name="seat_unique_request"),
        ]

    def __str__(self) -> str:
        return f"{self.game_id} seat {self.index}"


class Move(models.Model):
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="moves")
    ply = models.PositiveIntegerField()  # 1 for the first action; the version after it
    seat = models.PositiveSmallIntegerField()
    data = models.JSONField()  # a game move or an engine action {"action": ...}
    description = models.CharField(max_length=100, blank=True)
    # Hidden-information games: what every seat but the mover may see of the move
    # (engine ``public_move``: Liar's Dice bids are public, dice never); NULL for nothing,
    # and unused in perfect-information games, whose moves are public as they are.
    public = models.JSONField(null=True, blank=True)
    # NULL when the caller gave no request id: NULLs never collide in move_unique_request.
    request_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["game", "ply"]
        constraints = [
            models.UniqueConstraint(fields=["game", "ply"], name="move_unique_ply"),
            models.UniqueConstraint(
                fields=["game", "seat", "request_id"], name="move_unique_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.game_id} #{self.ply} seat {self.seat}: {self.description or self.data}"


class ServerLease(models.Model):
    """A serving process's heartbeat. Connection rows of a process whose lease expired
    (killed, frozen, its host gone) are removed by the others (``game_server.presence``)."""

    server = models.CharField(primary_key=True, max_length=40)
    heartbeat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.server} (alive at {self.heartbeat_at:%H:%M:%S})"


class Connection(models.Model):
    """One open WebSocket: on a game, or (``game`` null) a lobby socket. Rows are removed
    on disconnect and, for a server that died, when ``python -m boardroom.serve`` starts
    again (``game_server.presence``)."""

    channel_name = models.CharField(primary_key=True, max_length=200)
    game = models.ForeignKey(
        Game, null=True, blank=True, on_delete=models.CASCADE, related_name="connections"
    )
    seat = models.PositiveSmallIntegerField(null=True, blank=True)  # null: a spectator
    # The session user (null for token clients and anonymous spectators): per-user caps.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    server = models.CharField(max_length=40)  # the id of the serving process
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["game", "seat"])]

    def __str__(self) -> str:
        return f"{self.game_id} {'spectator' if self.seat is None else self.seat}"


class ChatLine(models.Model):
    """A chat message of a game, kept so a page that reloads gets the game's recent chat
    (``frames.chat_history``). ``channel`` is ``players`` (a seat wrote it) or
    ``spectators``: players never see the spectators' chat; spectators see both."""

    PLAYERS, SPECTATORS = "players", "spectators"

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="chat_lines")
    channel = models.CharField(max_length=10, default=PLAYERS)
    seat = models.PositiveSmallIntegerField(null=True, blank=True)  # null: a spectator
    name = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    ts = models.FloatField()  # Unix time, as in the chat frame

    class Meta:
        indexes = [models.Index(fields=["game", "channel", "ts"])]

    def __str__(self) -> str:
        return f"{self.game_id} {self.channel} {self.name}: {self.text[:40]}"
