"""The account pages: sign up, log in and out, change password, the account page (bot
flag, personal API tokens) and public profiles at ``/@/<name>/``.

Django's auth views and forms do the work: passwords hashed by the default hasher and
checked by ``AUTH_PASSWORD_VALIDATORS``, CSRF on every form, the session rotated on log
in (``django.contrib.auth.login``), log out by POST only. Failed log-ins are counted per
account and per address by django-axes (settings ``AXES_*``); :func:`locked_out` is the
page it shows.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from game_server.models import Profile

from . import profiles, tokens
from .forms import SignUpForm, TokenForm
from .models import ApiToken

BACKEND = "django.contrib.auth.backends.ModelBackend"


def guest_of(request):
    """The request's guest user, or None (anonymous, or an account)."""
    user = request.user
    if not user.is_authenticated:
        return None
    profile = Profile.objects.filter(user=user).first()
    return user if profile is not None and profile.guest else None


def is_account(request) -> bool:
    return request.user.is_authenticated and guest_of(request) is None


def account_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_account(request):
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapper


def next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def page(request, template: str, context: dict) -> object:
    return render(request, f"accounts/{template}", {"page": "accounts", **context})


@require_http_methods(["GET", "POST"])
def signup(request):
    if is_account(request):
        return redirect("accounts:account")
    guest = guest_of(request)
    if request.method == "POST":
        form = SignUpForm(request.POST, guest=guest)
        if form.is_valid():
            user = form.save()
            login(request, user, backend=BACKEND)  # a new session key
            messages.success(request, f"Welcome, {user.username}: your account is ready.")
            return redirect(next_url(request, reverse("profile", args=[user.username])))
    else:
        form = SignUpForm()
    return page(
        request, "signup.html", {"form": form, "guest": guest, "next": next_url(request, "")}
    )


class LoginView(auth_views.LoginView):
    """Django's log-in view; a guest who logs in keeps its running games' seats."""

    template_name = "accounts/login.html"
    extra_context = {"page": "accounts"}

    def form_valid(self, form):
        guest = guest_of(self.request)
        response = super().form_valid(form)  # login(): the session is rotated
        if guest is not None and guest.pk != form.get_user().pk:
            profiles.adopt_running_seats(guest, form.get_user())
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "/"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    extra_context = {"page": "accounts"}

    def get_success_url(self):
        messages.success(self.request, "Your password was changed.")
        return reverse("accounts:account")

    def dispatch(self, request, *args, **kwargs):
        if not is_account(request):
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        return super().dispatch(request, *args, **kwargs)


@account_required
@require_http_methods(["GET", "POST"])
def account(request):
    """The account page: the bot flag and the personal API tokens (create, revoke)."""
    user = request.user
    profile, _ = Profile.objects.get_or_create(user=user, defaults={"display_name": user.username})
    form = TokenForm()
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create_token":
            form = TokenForm(request.POST)
            if tokens.active_count(user) >= tokens.MAX_TOKENS:
                form.add_error(None, f"At most {tokens.MAX_TOKENS} active tokens.")
            if form.is_valid():
                _, new_token = tokens.create(
                    user, form.cleaned_data["name"], form.cleaned_data["days"]
                )
                form = TokenForm()
        elif action == "revoke":
            if tokens.revoke(user, request.POST.get("token", "")):
                messages.success(request, "The token was revoked.")
            else:
                messages.error(request, "No such token of yours.")
            return redirect("accounts:account")
        elif action == "mark_bot":
            if request.POST.get("confirm") == "yes":
                Profile.objects.filter(pk=profile.pk).update(bot=True)
                messages.success(request, "This is now a bot account.")
            return redirect("accounts:account")
    rows = ApiToken.objects.filter(user=user)
    return page(
        request,
        "account.html",
        {"profile": profile, "tokens": rows, "form": form, "new_token": new_token},
    )


@require_http_methods(["GET", "HEAD"])
def profile(request, username: str):
    user = profiles.account_named(username)
    if user is None:
        raise Http404("no such account")
    context = {
        "account": user,
        "name": user.profile.display_name if hasattr(user, "profile") else user.username,
        "bot": getattr(getattr(user, "profile", None), "bot", False),
        "ratings": profiles.ratings(user),
        **profiles.games(user),
        "plot": {"width": profiles.PLOT_WIDTH, "height": profiles.PLOT_HEIGHT},
    }
    return page(request, "profile.html", context)


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes' answer once an account or an address failed too often."""
    response = render(request, "accounts/locked_out.html", {"page": "accounts"})
    response.status_code = 429
    return response
