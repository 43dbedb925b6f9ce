"""Accounts in tests: browsers (Django's test client with CSRF checks), accounts, tokens."""

from __future__ import annotations

import re

from django.test import Client as HttpClient

from accounts import tokens
from game_server.models import Profile
from tests.lobby.helpers import make_user

PASSWORD = "correct-horse-battery-9"


def browser(address: str = "127.0.0.1") -> HttpClient:
    """A browser at ``address`` with a guest session (``GET /api/me``) that enforces
    CSRF."""
    client = HttpClient(enforce_csrf_checks=True, REMOTE_ADDR=address)
    client.get("/api/me")
    return client


def csrf(client: HttpClient) -> str:
    return client.cookies["csrftoken"].value


def post_form(client: HttpClient, path: str, data: dict, with_csrf: bool = True):
    client.get(path)  # the form page sets the CSRF cookie
    if with_csrf:
        data = {**data, "csrfmiddlewaretoken": csrf(client)}
    return client.post(path, data)


def sign_up(client: HttpClient, username: str, password: str = PASSWORD, **extra):
    return post_form(
        client,
        "/accounts/signup/",
        {"username": username, "password1": password, "password2": password, **extra},
    )


def log_in(client: HttpClient, username: str, password: str = PASSWORD):
    return post_form(client, "/accounts/login/", {"username": username, "password": password})


def make_account(name: str, password: str = PASSWORD, bot: bool = False):
    user = make_user(name)
    user.set_password(password)
    user.save()
    Profile.objects.create(user=user, display_name=name, bot=bot)
    return user


def new_token(user, name: str = "bot") -> str:
    return tokens.create(user, name)[1]


def created_token(response) -> str:
    """The token shown once on the account page after creating it."""
    found = re.search(r'id="new-token">(bdr_[A-Za-z0-9_-]+)<', response.content.decode())
    assert found, "no new token on the page"
    return found[1]
