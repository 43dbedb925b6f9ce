"""Nothing secret reaches a log: seat tokens, session ids and CSRF tokens never appear in
any log record (every logger at DEBUG, in process) nor in a real daphne server's output
at verbosity 2 with ``LOG_LEVEL=DEBUG`` (the HTTP access log included; WebSocket upgrades
are logged without their query string), through a game played
by token clients (token in the header and, the legacy way, in the query string), a
browser session, and error paths (stolen token, bad frames, CSRF failure)."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request
from pathlib import Path

import msgpack
import pytest
from channels.db import database_sync_to_async
from django.test import Client as HttpClient
from websockets.asyncio.client import connect as ws_connect

from game_server.client import GameClient, create_game, take_seat
from tests import servers
from tests.server.helpers import anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)


def secrets_in(text: str, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret and secret in text]


def browser_session() -> tuple[list[str], int]:
    browser = HttpClient(enforce_csrf_checks=True)
    browser.get("/api/me")
    secrets = [browser.cookies["sessionid"].value, browser.cookies["csrftoken"].value]
    refused = browser.post("/api/games", "{}", content_type="application/json")
    return secrets, refused.status_code


@pytest.fixture
def every_logger_at_debug(caplog):
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield caplog
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


async def test_no_secret_in_any_log_record(every_logger_at_debug):
    caplog = every_logger_at_debug
    game, tokens = await anew_game()
    other, other_tokens = await anew_game()
    secrets, status = await database_sync_to_async(browser_session)()
    assert status == 403
    header = (b"authorization", f"Bearer {tokens[0]}".encode())
    player0 = await connect(game.pk, origin=False, headers=[header])
    player1 = await connect(game.pk, tokens[1])
    await player0.send({"type": "move", "move": 4, "version": 0, "request_id": "a"})
    await player0.expect("ack", skip=("update",))
    await player1.send({"type": "move", "move": 4, "version": 1, "request_id": "b"})
    await player1.expect("reject", skip=("update",))
    await player1.send_raw(b"\xc1garbage")
    await player1.expect("error", skip=("update",))  # player 0's update may come late
    await player1.send({"type": "auth", "token": other_tokens[0]})  # a stolen token
    assert (await player1.recv())["type"] in ("closed", "update", "presence")
    stranger = await connect(game.pk, other_tokens[1], first=None)
    while (await stranger.recv())["type"] != "closed":
        pass
    await player0.close()
    await player1.ws.disconnect()
    await stranger.ws.disconnect()
    records = caplog.records
    assert records, "nothing was logged: the capture is not working"
    text = caplog.text + "\n".join(repr(r.args) + repr(r.__dict__) for r in records)
    assert not secrets_in(text, [*tokens, *other_tokens, *secrets])


def http_json(url: str, method: str = "GET", body: dict | None = None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, {}


@pytest.mark.slow
async def test_no_secret_in_a_real_servers_output(tmp_path: Path):
    env = servers.sqlite_env(tmp_path / "db.sqlite3")
    env["LOG_LEVEL"] = "DEBUG"
    server = servers.Server(env, tmp_path / "server.log").start()
    try:
        url = server.url
        game = await create_game(url, "tictactoe")
        seats = [await take_seat(url, game["id"], name=f"p{i}") for i in range(2)]
        tokens = [seat["token"] for seat in seats]
        # A browser: session and CSRF cookies, and a refused POST without the header.
        status, headers, _ = await asyncio.to_thread(http_json, f"{url}/api/me")
        cookies = [h.split(";")[0] for h in headers.get_all("Set-Cookie")]
        secrets = [cookie.split("=", 1)[1] for cookie in cookies]
        status, _, _ = await asyncio.to_thread(
            http_json, f"{url}/api/games", "POST", {"kind": "tictactoe"},
            {"Cookie": "; ".join(cookies)},
        )  # fmt: skip
        assert status == 403 and len(secrets) == 2
        # Seat 0 with the header (the client library), seat 1 the legacy way (?token=).
        client0 = await GameClient(url, game["id"], tokens[0]).connect()
        ws_base = url.replace("http", "ws") + f"/ws/games/{game['id']}/"
        async with ws_connect(f"{ws_base}?token={tokens[1]}") as legacy:
            snapshot = msgpack.unpackb(await legacy.recv())
            assert snapshot["seat"] == 1
            await client0.move(4)
            await legacy.send(b"\xc1")  # a bad frame: an error
        await client0.close()
        # A stolen token and a forged one: refused at the handshake.
        other = await create_game(url, "tictactoe")
        stolen = (await take_seat(url, other["id"], name="x"))["token"]
        for bad in (stolen, "forged-" + tokens[0][:20]):
            with pytest.raises(Exception):  # noqa: B017 - any refusal
                async with ws_connect(f"{ws_base}?token={bad}"):
                    pass
        tokens.append(stolen)
    finally:
        server.stop()
    log = server.log.read_text()
    # The output was captured: the HTTP access log and daphne's WebSocket debug lines.
    assert f'"POST /api/games/{game["id"]}/seats HTTP/1.1" 201' in log
    assert "to WebSocket" in log and "accepted by application" in log
    assert not secrets_in(log, [*tokens, *secrets]), "a secret reached the server's output"


def account_secrets() -> tuple[str, list[str]]:
    """Sign up, log in (right and wrong password), change the password, create a token
    and use it on the API (valid, then revoked); every secret met along the way."""
    from django.contrib.auth import get_user_model

    from accounts.models import ApiToken
    from tests.accounts.helpers import PASSWORD, browser, created_token, csrf, log_in, sign_up

    client = browser()
    secrets = [client.cookies["sessionid"].value, PASSWORD, "wrong-password-42"]
    sign_up(client, "logged_bot")
    secrets.append(client.cookies["sessionid"].value)
    log_in(browser(), "logged_bot", "wrong-password-42")
    response = client.post(
        "/accounts/", {"action": "create_token", "name": "t", "csrfmiddlewaretoken": csrf(client)}
    )
    token = created_token(response)
    user = get_user_model().objects.get(username="logged_bot")
    secrets += [token, user.password, user.password.split("$")[-1], csrf(client)]
    secrets.append(ApiToken.objects.get(user=user).token_hash)
    api = HttpClient()
    assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    api.post("/api/games", "{}", content_type="application/json", headers={"Origin": "x"})
    row = ApiToken.objects.get(user=user)
    client.post(
        "/accounts/", {"action": "revoke", "token": row.pk, "csrfmiddlewaretoken": csrf(client)}
    )
    refused = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    other = browser()
    secrets.append(other.cookies["sessionid"].value)
    log_in(other, "logged_bot")
    secrets.append(other.cookies["sessionid"].value)
    return token, secrets


async def test_no_account_secret_in_any_log_record(every_logger_at_debug):
    caplog = every_logger_at_debug
    token, secrets = await database_sync_to_async(account_secrets)()
    # The revoked token on the lobby socket: refused.
    refused = await connect_lobby(token)
    assert refused == 4401
    records = caplog.records
    assert any("AXES" in r.getMessage() for r in records), "the failed log-in was not logged"
    text = caplog.text + "\n".join(repr(r.args) + repr(r.__dict__) for r in records)
    assert not secrets_in(text, secrets)


async def connect_lobby(token: str) -> int | None:
    from channels.testing import WebsocketCommunicator

    from boardroom.asgi import application

    headers = [(b"authorization", f"Bearer {token}".encode())]
    communicator = WebsocketCommunicator(application, "/ws/lobby/", headers=headers)
    await communicator.connect(timeout=5)
    while True:
        event = await communicator.receive_output(3)
        if event["type"] == "websocket.close":
            return event.get("code")
