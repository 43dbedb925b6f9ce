"""Every setting, read from the environment in this one place.

Embedded default (no variables set): SQLite, ``InMemoryChannelLayer``, one process.
Scaled: ``DATABASE_URL=postgres://...`` and ``REDIS_URL=redis://...`` switch the same code
to PostgreSQL and channels-redis (docs/deployment.md).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The development key is only for the embedded default; production sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-key-change-me-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "game_server",
    "lobby",
    "accounts",
    "web_client",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from daphne, in `make run` and in every replica alike.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Account tokens (Authorization: Bearer) on the JSON API: bots act as their account.
    "accounts.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes last: it answers a locked-out log-in (accounts.views.locked_out).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "boardroom.urls"
ASGI_APPLICATION = "boardroom.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (consumers, bots) share the file: wait for the lock instead of failing,
    # and take the write lock when a transaction starts (BEGIN IMMEDIATE) so that two
    # transactions that read the same game version cannot both go on to write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # Write-ahead log: a commit appends to the log and syncs it once, instead
            # of syncing a rollback journal and the database file (still durable).
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
    # Tests get a file too: an in-memory test database is shared-cache SQLite, which
    # fails with "table is locked" instead of waiting, unlike every real deployment.
    # One file per test process, so two test runs never share it; a random part too:
    # Django deletes the file at the end but not its -wal and -shm, and SQLite would
    # replay a stale -wal into a new database of the same name (a process id reused).
    DATABASES["default"]["TEST"] = {
        "NAME": str(
            Path(tempfile.gettempdir())
            / f"boardroom-test-{os.getpid()}-{secrets.token_hex(4)}.sqlite3"
        )
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every HTTP request runs in a thread of its own, so persistent per-thread
    # connections pile up until PostgreSQL refuses more ("too many clients", seen in the
    # throughput benchmark): a pool per process instead, as Django's docs advise. A
    # connection is checked when taken from the pool, so a restarted database only costs
    # a reconnect. A request waits at most DATABASE_POOL_TIMEOUT seconds for a connection
    # (the database is down, or every connection is busy), then is refused as unavailable.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": env_int("DATABASE_POOL_SIZE", 20),
        "timeout": env_float("DATABASE_POOL_TIMEOUT", 3.0),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Threads (each with its own database connection) that store the moves of different
# games in parallel (game_server.actions.in_action_thread). SQLite has one writer at a
# time: there they stay on Channels' one database thread.
ACTION_THREADS = env_int(
    "ACTION_THREADS", 1 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 4
)

REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis pub/sub by default: measured cheaper fan-out to many spectators, and it survives
# a Redis restart by subscribing again (docs/deployment.md, bench/channel_layers.py).
# CHANNEL_LAYER=core selects the list-based RedisChannelLayer instead.
CHANNEL_LAYER = os.environ.get("CHANNEL_LAYER", "pubsub")
# A key/channel prefix per deployment (pub/sub channels ignore the Redis db number).
CHANNEL_PREFIX = os.environ.get("CHANNEL_PREFIX", "asgi")
# Ask every socket of a process to reconnect when the layer's Redis comes back or
# restarts (game_server.lifecycle); 0 turns the watchdog off.
WATCH_CHANNEL_LAYER = env_bool("WATCH_CHANNEL_LAYER", True)
# Seconds a group membership lasts in the layers that expire them (core and in-memory;
# pub/sub does not): each socket renews its own while the client is there
# (game_server.consumers), so a spectator of a correspondence game can stay for weeks.
GROUP_EXPIRY = env_int("GROUP_EXPIRY", 86400)
if REDIS_URL and CHANNEL_LAYER == "core":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": CHANNEL_PREFIX,
                # Over capacity channels-redis drops messages and only logs it: size it
                # for many busy games per process; clients still detect gaps by version.
                "capacity": env_int("CHANNEL_CAPACITY", 5000),
                "expiry": env_int("CHANNEL_EXPIRY", 60),
                "group_expiry": GROUP_EXPIRY,
            },
        }
    }
elif REDIS_URL:
    # No capacity to overflow: each process's per-channel queues are in memory and
    # unbounded; what Redis cannot deliver (a process reconnecting) the clients
    # detect by version and resync, and the watchdog makes them reconnect.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_PREFIX},
        }
    }
else:
    # Channels' in-memory layer with channel names that a seeded global ``random`` cannot
    # repeat (game_server/layers.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "game_server.layers.InMemoryChannelLayer",
            "CONFIG": {
                "capacity": env_int("CHANNEL_CAPACITY", 5000),
                "expiry": 60,
                "group_expiry": GROUP_EXPIRY,
            },
        }
    }

# Abuse limits of the WebSockets (game_server/limits.py, docs/protocol.md "Limits"):
# per-connection token buckets as (burst, refilled per second) ...
RATE_LIMITS = {
    "move": (env_int("RATE_MOVE_BURST", 20), env_float("RATE_MOVE_PER_SECOND", 5.0)),
    "chat": (env_int("RATE_CHAT_BURST", 5), env_float("RATE_CHAT_PER_SECOND", 0.5)),
    "lobby": (env_int("RATE_LOBBY_BURST", 10), env_float("RATE_LOBBY_PER_SECOND", 1.0)),
}
# ... the same chat text at most this many times per window (seconds) and connection ...
CHAT_REPEAT_MAX = env_int("CHAT_REPEAT_MAX", 2)
CHAT_REPEAT_WINDOW = env_float("CHAT_REPEAT_WINDOW", 30.0)
# Connections of an account token (bots) also share one bucket per kind per account and
# process, so more sockets buy no more messages (game_server/limits.py).
ACCOUNT_RATE_LIMITS = {
    "move": (env_int("ACCOUNT_MOVE_BURST", 40), env_float("ACCOUNT_MOVE_PER_SECOND", 10.0)),
    "chat": (env_int("ACCOUNT_CHAT_BURST", 5), env_float("ACCOUNT_CHAT_PER_SECOND", 0.5)),
    "lobby": (env_int("ACCOUNT_LOBBY_BURST", 20), env_float("ACCOUNT_LOBBY_PER_SECOND", 2.0)),
}
# ... and open sockets per user (game + lobby) and per game seat, across all processes.
MAX_SOCKETS_PER_USER = env_int("MAX_SOCKETS_PER_USER", 20)
MAX_SOCKETS_PER_SEAT = env_int("MAX_SOCKETS_PER_SEAT", 4)
# Per client address and process: guest users created (burst, per second) and open
# anonymous sockets (0: no cap). Behind a proxy set PROXY_ADDRESS_HEADER to the header
# in which the proxy alone puts the client's address (X-Real-IP with deploy/nginx.conf),
# so that the address is the client's, not the proxy's.
GUEST_BUDGET = (env_int("GUEST_BURST", 30), env_float("GUEST_PER_SECOND", 0.5))
MAX_ANONYMOUS_SOCKETS_PER_ADDRESS = env_int("MAX_ANONYMOUS_SOCKETS_PER_ADDRESS", 200)
PROXY_ADDRESS_HEADER = os.environ.get("PROXY_ADDRESS_HEADER", "") or None
# Seconds a connection has to send complete request headers (slow-header clients are
# dropped; boardroom/inbound.py), also between two requests on a kept-alive connection.
HEADER_TIMEOUT = env_float("HEADER_TIMEOUT", 20.0)
# What the server holds unsent for a WebSocket that stops reading before dropping it
# (boardroom.inbound): the client reconnects and catches up from its version.
MAX_OUTBOUND_BYTES = env_int("MAX_OUTBOUND_BYTES", 4 * 2**20)

# Time (game_server/timeouts.py): how long a disconnected player has to come back before
# the others may claim the win, and how often each process sweeps for expired clocks.
ABANDON_GRACE = env_float("ABANDON_GRACE", 60.0)
# The live directory lists a game nobody has a socket on for this long after its start.
LOBBY_STARTING_SECONDS = env_float("LOBBY_STARTING_SECONDS", 60.0)
SWEEP_INTERVAL = env_float("SWEEP_INTERVAL", 1.0)
# Fischer clocks start after each side's first move (as on Lichess); a seat has this many
# seconds for its first move, after which a game with fewer than two moves is aborted
# (game_server/clocks.py). 0 turns it off: the clocks run from the start.
FIRST_MOVE_SECONDS = env_float("FIRST_MOVE_SECONDS", 30.0)
# Presence rows name the process that holds the socket (python -m boardroom.serve sets it).
SERVER_ID = os.environ.get("BOARDROOM_SERVER_ID", "local")

# Accounts (accounts/): Django's auth with its default password hasher and validators.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses log-ins of a locked-out account or address.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
# Failed log-ins, counted in the database (so across every server process) per account
# and, separately, per client address: LOGIN_FAILURE_LIMIT failures lock that account or
# address out for LOGIN_COOLOFF_MINUTES. A success resets nothing: axes would reset the
# address's count too, and every new guest session is a log-in (a free reset for an
# attacker); failures simply age out after the cool-off. Only failures are stored.
AXES_ENABLED = env_bool("LOGIN_RATE_LIMIT", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("LOGIN_COOLOFF_MINUTES", 15.0))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# Bots (account tokens): games waiting or running at once, per account (the lobby).
MAX_GAMES_PER_BOT = env_int("MAX_GAMES_PER_BOT", 4)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's output, set where it runs (the Docker image); without it (make run,
# tests) WhiteNoise serves the files straight from the apps through the finders.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
