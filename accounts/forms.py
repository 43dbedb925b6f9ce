"""The account forms, on Django's own auth forms (password hashing, validators, CSRF)."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.forms import UserCreationForm

from game_server.models import Profile
from game_server.seating import name_taken

USERNAME = re.compile(r"^[A-Za-z0-9_]{3,30}$")


class SignUpForm(UserCreationForm):
    """Username (3-30 letters, digits, underscores; unique among accounts, case-
    insensitively, and not another account's display name), an optional email and a
    password checked by ``AUTH_PASSWORD_VALIDATORS``. With ``guest`` the guest user itself
    becomes the account: same user, so its games, seats and ratings stay its own."""

    email = forms.EmailField(required=False, help_text="Optional.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def __init__(self, *args, guest=None, **kwargs):
        if guest is not None:
            kwargs["instance"] = guest
        super().__init__(*args, **kwargs)
        self.guest = guest
        self.fields["username"].help_text = "3-30 letters, digits or underscores."

    def clean_username(self):
        username = self.cleaned_data.get("username", "")
        if not USERNAME.match(username):
            raise forms.ValidationError("Use 3-30 letters, digits or underscores.")
        username = super().clean_username()
        if name_taken(username, self.guest):
            raise forms.ValidationError("An account already has this name.")
        return username

    def save(self, commit=True):
        user = super().save(commit=False)
        user.is_active = True
        user.save()
        Profile.objects.update_or_create(
            user=user, defaults={"display_name": user.username, "guest": False}
        )
        return user


class TokenForm(forms.Form):
    name = forms.CharField(max_length=40, help_text="What this token is for, e.g. my-bot.")
    days = forms.IntegerField(
        required=False, min_value=1, max_value=3650, help_text="Expires after (days); empty: never."
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name.isprintable():
            raise forms.ValidationError("Printable characters only.")
        return name
