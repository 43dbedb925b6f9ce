"""Django admin: accounts with their profile (display name, guest and bot flags) and
personal API tokens, whose hashes only are stored and shown."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from game_server.models import Profile

from .models import ApiToken


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("display_name", "guest", "bot")


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    fields = (
        "name",
        "prefix",
        "token_hash",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request, obj=None):
        return False  # tokens are made by their owners, shown to them once


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    inlines = [ProfileInline, ApiTokenInline]
    list_display = ("username", "display_name", "is_guest", "is_bot", "email", "date_joined")
    list_filter = ("profile__guest", "profile__bot", "is_staff", "is_active")
    list_select_related = ("profile",)

    @admin.display(description="display name")
    def display_name(self, user):
        return getattr(getattr(user, "profile", None), "display_name", "")

    @admin.display(boolean=True, description="guest")
    def is_guest(self, user):
        return getattr(getattr(user, "profile", None), "guest", False)

    @admin.display(boolean=True, description="bot")
    def is_bot(self, user):
        return getattr(getattr(user, "profile", None), "bot", False)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "name",
        "prefix",
        "token_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    readonly_fields = ("user", "prefix", "token_hash", "created_at", "last_used_at")
    search_fields = ("user__username", "name", "prefix")

    def has_add_permission(self, request):
        return False
