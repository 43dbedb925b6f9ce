"""Fixtures of the scale-out tests: one fresh PostgreSQL database per session, a private
channel prefix on the shared Redis, and several ``boardroom.serve`` processes."""

from __future__ import annotations

import os

import pytest

from tests.servers import PostgresDatabase, RedisServer, Server, migrate, scaled_env


@pytest.fixture(scope="session")
def scale_database(postgres_url):
    """A migrated ``boardroom_scale_<random>`` database, dropped at the end."""
    database = PostgresDatabase(postgres_url).create()
    try:
        env = {**os.environ, "DATABASE_URL": database.url}
        env.pop("REDIS_URL", None)
        migrate(env)
        yield database
    finally:
        database.drop()


@pytest.fixture
def start_servers(tmp_path):
    """``start_servers(n, database_url, redis_url)``: n serve processes sharing a fresh
    channel prefix; stopped (SIGKILL if need be) at the end of the test."""
    started: list[Server] = []

    def start(count: int, database_url: str, redis_url: str, **extra: str) -> list[Server]:
        env = {**scaled_env(database_url, redis_url), **extra}
        servers = []
        for _ in range(count):
            server = Server(env, tmp_path / f"server{len(started)}.log").start()
            started.append(server)
            servers.append(server)
        return servers

    yield start
    for server in started:
        try:
            server.stop()
        except AssertionError:
            pass


@pytest.fixture
def private_redis(tmp_path):
    if not RedisServer.available():
        pytest.fail("redis-server is not installed")
    redis = RedisServer(tmp_path).start()
    yield redis
    redis.stop()
