"""Django admin for the lobby: the queue, tables and ratings (bot seats are on game_server.Seat)."""

from django.contrib import admin

from .models import Rating, RatingChange, Table, TableMember, Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "num_players", "rated", "status", "created_at", "game")
    list_filter = ("status", "kind", "rated")


class TableMemberInline(admin.TabularInline):
    model = TableMember
    extra = 0


@admin.register(Table)
class TableAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "num_players", "public", "status", "creator", "created_at")
    list_filter = ("status", "public", "kind")
    inlines = [TableMemberInline]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "mu", "sigma", "ordinal", "games", "updated_at")
    list_filter = ("kind",)


@admin.register(RatingChange)
class RatingChangeAdmin(admin.ModelAdmin):
    list_display = ("game", "user", "kind", "rank", "mu_before", "mu_after", "created_at")
    list_filter = ("kind",)
