"""Accounts on Django's own auth; registers its token check with the game server."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # The game server's socket validator asks its registered authenticators about
        # Bearer tokens; it never imports this app (dependencies run one way).
        from game_server import security

        from . import tokens

        if tokens.authenticate not in security.BEARER_AUTHENTICATORS:
            security.BEARER_AUTHENTICATORS.append(tokens.authenticate)
