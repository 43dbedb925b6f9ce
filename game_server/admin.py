"""Django admin for games, seats and the move log (read-only: the log is the truth)."""

from django.contrib import admin

from .models import Connection, Game, Move, Profile, Seat


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 0
    fields = ("index", "user", "name", "bot", "joined_at")
    readonly_fields = ("joined_at",)


class MoveInline(admin.TabularInline):
    model = Move
    extra = 0
    fields = ("ply", "seat", "data", "description", "request_id", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Game)
class GameAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "num_players", "version", "rated", "created_at")
    list_filter = ("status", "kind", "rated")
    search_fields = ("id",)
    readonly_fields = ("id", "kind", "seed", "num_players", "version", "created_at", "outcome")
    inlines = [SeatInline, MoveInline]


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    list_display = ("game", "index", "user", "name", "bot", "joined_at")
    search_fields = ("game__id", "user__username", "name")
    readonly_fields = ("joined_at",)


@admin.register(Move)
class MoveAdmin(admin.ModelAdmin):
    list_display = ("game", "ply", "seat", "description", "created_at")
    search_fields = ("game__id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "guest", "bot")
    search_fields = ("user__username", "display_name")


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ("game", "seat", "server", "created_at")
