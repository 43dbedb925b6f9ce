"""Group commit (game_server.commits): moves of many games arriving together are stored
in one transaction and acknowledged only after it commits."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, OperationalError, connections

from game_server import actions, batch_sql, commits, state
from game_server.models import Move
from tests.server.helpers import anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)

GAMES = 6


def move(square, version, request_id):
    return {"type": "move", "move": square, "version": version, "request_id": request_id}


async def tables(count: int = GAMES):
    """``count`` started tic-tac-toe games: (game, mover at seat 0, spectator) each."""
    made = []
    for _ in range(count):
        game, tokens = await anew_game()
        made.append((game, await connect(game.pk, tokens[0]), await connect(game.pk)))
    return made


def batches_held_until_all_wait(monkeypatch, batcher: actions.Batcher, count: int):
    """Record the size of every batch; the first waits (in its thread) until all
    ``count`` actions are in it or waiting behind it, so that the others are sure to
    form one next batch."""
    sizes: list[int] = []
    original = actions.store_actions

    def store_actions(requests, prepared=None):
        if not sizes:
            deadline = time.monotonic() + 5
            while len(requests) + len(batcher.waiting) < count and time.monotonic() < deadline:
                time.sleep(0.005)
        sizes.append(len(requests))
        return original(requests, prepared)

    monkeypatch.setattr(actions, "store_actions", store_actions)
    return sizes


async def test_moves_of_many_games_arriving_together_share_one_commit(monkeypatch):
    made = await tables()
    sizes = batches_held_until_all_wait(monkeypatch, actions.batcher(), GAMES)
    for index, (_, mover, _) in enumerate(made):
        await mover.send(move(index % 9, 0, f"m{index}"))
    for index, (_, mover, watcher) in enumerate(made):
        ack = await mover.expect("ack")
        assert ack["request_id"] == f"m{index}" and ack["version"] == 1
        update = await watcher.expect("update")
        assert update["version"] == 1 and update["move"] == index % 9
    # Six moves, one or two commits: those that came while the first was stored all
    # went into the second.
    assert sum(sizes) == GAMES and len(sizes) <= 2, sizes
    stored = Move.objects.filter(request_id__startswith="m")
    assert await stored.acount() == GAMES
    for _, mover, watcher in made:
        await mover.close()
        await watcher.close()


async def test_a_failed_group_commit_answers_every_mover_unavailable_and_stores_nothing(
    monkeypatch,
):
    made = await tables()
    sizes = batches_held_until_all_wait(monkeypatch, actions.batcher(), GAMES)
    failing = threading.Event()
    wrapper = type(connections["default"])
    commit = wrapper._commit

    def broken_commit(self):
        if failing.is_set():
            raise OperationalError("disk I/O error")
        return commit(self)

    monkeypatch.setattr(wrapper, "_commit", broken_commit)
    failing.set()
    for index, (_, mover, _) in enumerate(made):
        await mover.send(move(index % 9, 0, f"m{index}"))
    for index, (_, mover, _) in enumerate(made):
        reject = await mover.expect("reject", wait=10)
        assert reject["request_id"] == f"m{index}" and reject["code"] == "unavailable"
    failing.clear()
    assert max(sizes) > 1, sizes  # movers waited in a batch, and it failed whole
    assert await Move.objects.acount() == 0
    for _, _, watcher in made:
        assert await watcher.quiet(0.3)  # nothing broadcast
    # Nothing was stored: the same requests are stored now, once.
    for index, (_, mover, _) in enumerate(made):
        await mover.send(move(index % 9, 0, f"m{index}"))
        ack = await mover.expect("ack")
        assert ack["version"] == 1 and ack["duplicate"] is False
    for _, mover, watcher in made:
        assert (await watcher.expect("update"))["version"] == 1
        await mover.close()
        await watcher.close()


def test_a_move_taken_meanwhile_sends_the_batch_back_one_move_at_a_time():
    """The batch's moves are inserted in one statement; when one of them was taken by
    another process meanwhile, the batch is stored again one move at a time: the others
    are stored, the late one is checked anew on the database's row."""
    from django.test.utils import CaptureQueriesContext

    from game_server import state
    from tests.server.helpers import new_game

    games = [new_game()[0] for _ in range(3)]
    for game in games:
        actions.submit_action(game.pk, 0, 4, 0, "first", broadcast=False)
    # Another process stores the middle game's next move; this one still remembers ply 1.
    late = games[1]
    remembered, known = state.live.get(late.pk), state.cache.get(late.pk)
    actions.submit_action(late.pk, 1, 0, 1, "elsewhere", broadcast=False)
    state.live.forget(late.pk)
    state.live.put(remembered)
    state.cache.put(late.pk, known)
    requests = [
        actions.checked(games[0].pk, 1, 0, 1, "a"),
        # Legal on the remembered row (ply 1, seat 1 to move): its ply 2 is taken.
        actions.checked(late.pk, 1, 8, None, "b"),
        actions.checked(games[2].pk, 1, 0, 1, "c"),
        actions.checked(late.pk, 0, 1, 2, "d"),  # stale on the remembered row: read again
    ]
    with CaptureQueriesContext(connections["default"]) as queries:
        answers = commits.store_batch(requests)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert inserts[0].endswith("(4x)") and len(inserts) == 5, inserts  # grouped, then 1 by 1
    assert [answers[i].result.version for i in (0, 2, 3)] == [2, 2, 3]
    assert answers[1].code == "not_your_turn"  # checked anew on the database's row
    plies = Move.objects.filter(game=late).order_by("ply").values_list("ply", "request_id")
    assert list(plies) == [(1, "first"), (2, "elsewhere"), (3, "d")]
    assert Move.objects.filter(request_id__in=["a", "c"]).count() == 2
    assert state.live.get(late.pk).version == 3


def test_a_batch_larger_than_one_statement_is_stored_whole(monkeypatch):
    """Rows go in several statements of ``ROWS_PER_STATEMENT``; every move and every
    game row is written, and a game row that changed under the batch still fails it."""
    from game_server.models import Game
    from tests.server.helpers import new_game

    monkeypatch.setattr(batch_sql, "ROWS_PER_STATEMENT", 2)
    games = [new_game()[0] for _ in range(5)]
    answers = commits.store_batch(
        [actions.checked(g.pk, 0, 4, 0, f"r{i}") for i, g in enumerate(games)]
    )
    assert [a.result.version for a in answers] == [1] * 5
    assert Move.objects.filter(request_id__startswith="r").count() == 5
    assert set(
        Game.objects.filter(pk__in=[g.pk for g in games]).values_list("version", flat=True)
    ) == {1}
    # Another writer moved the last game's row on: the batch is refused whole.
    Game.objects.filter(pk=games[-1].pk).update(version=5)
    requests = [actions.checked(g.pk, 1, 0, 1, f"s{i}") for i, g in enumerate(games)]
    with pytest.raises(IntegrityError):
        commits.store_batch(requests)
    assert not Move.objects.filter(request_id__startswith="s").exists()


def test_a_prepared_batch_that_the_database_overtook_is_stored_the_long_way():
    """The event loop prepares a batch from memory (actions.prepare); when another writer
    stored a move of one of its games in between, nothing of the prepared batch is
    written: it is stored again from the database's rows, each move once."""
    from game_server.models import Game
    from tests.server.helpers import new_game

    games = [new_game()[0] for _ in range(3)]
    for game in games:
        actions.submit_action(game.pk, 0, 4, 0, "first", broadcast=False)
    requests = [
        actions.checked(games[0].pk, 1, 0, 1, "a"),
        actions.checked(games[1].pk, 1, 8, None, "b"),
        actions.checked(games[2].pk, 1, 0, 1, "c"),
    ]
    prepared = actions.prepare(requests)
    assert prepared is not None and len(prepared.messages) == 3
    # Meanwhile another writer stores the middle game's ply 2 (its seat 1 moves).
    late = games[1]
    actions.submit_action(late.pk, 1, 0, 1, "elsewhere", broadcast=False)
    answers = actions.store_actions(requests, prepared)
    assert [answers[i].version for i in (0, 2)] == [2, 2]
    assert answers[1].code == "not_your_turn"  # checked on the database's row: seat 0 is to move
    plies = Move.objects.filter(game=late).order_by("ply").values_list("ply", "request_id")
    assert list(plies) == [(1, "first"), (2, "elsewhere")]
    assert Game.objects.get(pk=late.pk).version == 2
    assert Move.objects.filter(request_id__in=["a", "c"]).count() == 2


def test_a_batch_prepared_from_memory_is_written_as_prepared():
    from tests.server.helpers import new_game

    games = [new_game()[0] for _ in range(2)]
    for game in games:
        actions.submit_action(game.pk, 0, 4, 0, "first", broadcast=False)
    requests = [actions.checked(g.pk, 1, 0, 1, f"p{i}") for i, g in enumerate(games)]
    prepared = actions.prepare(requests)
    assert prepared is not None
    answers = actions.store_actions(requests, prepared)
    assert answers == [s.result for s in prepared.batch.stored]
    assert [m["version"] for m in prepared.messages] == [2, 2]
    # A game this process does not remember is not prepared: the long way reads it.
    state.live.forget(games[0].pk)
    assert actions.prepare([actions.checked(games[0].pk, 0, 1, 2, "x")]) is None


async def test_a_player_connecting_has_the_game_remembered_for_its_first_move():
    """A seat's snapshot remembers the game's row and state (``state.remember``), so the
    very first move of a game is prepared from memory like the later ones; a spectator's
    connection does not."""
    game, tokens = await anew_game()
    state.live.clear()
    state.cache.clear()
    spectator = await connect(game.pk)
    first = [actions.checked(game.pk, 0, 4, 0, "first")]
    assert actions.prepare(first) is None  # a spectator connecting remembers nothing
    player = await connect(game.pk, tokens[0])
    prepared = actions.prepare(first)
    assert prepared is not None and [s.result.version for s in prepared.batch.stored] == [1]
    await player.send(move(4, 0, "first"))
    ack = await player.expect("ack", skip=("update", "presence"))
    assert ack["version"] == 1 and not ack["duplicate"]
    for client in (player, spectator):
        await client.close()


def test_sqlite_runs_a_prepared_batch_as_one_insert_and_one_update(monkeypatch):
    """On SQLite the event loop builds the batch's statements (``batch_sql.run_sqlite``):
    the thread runs one INSERT and one UPDATE and commits. A statement that fails rolls
    the batch back whole and leaves no transaction open; the batch is then stored the
    long way, each move once."""
    from django.db import DatabaseError
    from django.test.utils import CaptureQueriesContext

    from tests.server.helpers import new_game

    games = [new_game()[0] for _ in range(3)]
    for game in games:
        actions.submit_action(game.pk, 0, 4, 0, "first", broadcast=False)
    requests = [actions.checked(g.pk, 1, 0, 1, f"q{i}") for i, g in enumerate(games)]
    prepared = actions.prepare(requests)
    statements = prepared.batch.statements
    assert [text.split()[0] for text, _, _ in statements] == ["INSERT", "UPDATE"]
    assert [rows for _, _, rows in statements] == [3, 3]
    with CaptureQueriesContext(connections["default"]) as queries:
        answers = actions.store_actions(requests, prepared)
    assert [a.version for a in answers] == [2, 2, 2]
    ran = [q["sql"].split()[0] for q in queries.captured_queries]
    assert ran == ["INSERT", "UPDATE", "COMMIT"]
    assert Move.objects.filter(request_id__startswith="q").count() == 3

    # The game rows' statement fails after the moves went in: nothing of it stays.
    requests = [actions.checked(g.pk, 0, 1, 2, f"w{i}") for i, g in enumerate(games)]
    prepared = actions.prepare(requests)
    insert, update = prepared.batch.statements
    broken = [insert, (update[0].replace("UPDATE", "UPDATE no_such_table", 1), *update[1:])]
    with pytest.raises(DatabaseError):
        batch_sql.run_sqlite(broken)
    assert not connections["default"].connection.in_transaction
    assert not Move.objects.filter(request_id__startswith="w").exists()
    answers = actions.store_actions(requests, prepared)  # as prepared, this time
    assert [a.version for a in answers] == [3, 3, 3]
    assert Move.objects.filter(request_id__startswith="w").count() == 3
