"""Group commit's SQL on PostgreSQL (``game_server.batch_sql``): one ``INSERT ... SELECT
FROM unnest(...)`` and one ``UPDATE ... FROM unnest(...)`` per batch, parameters bound on
the server. The pytest-django database is SQLite, so this runs in a subprocess on the
session's PostgreSQL database: a batch of several games and several moves of one game
(one ending it: outcome and finish time written), a clock game (its deadline written),
columns all NULL, a batch the database overtook (its statement's own row check fails on
the server: nothing written, None, no transaction left open), a retried request id found
as a duplicate, and a batch whose statement fails (nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.slow

SCRIPT = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boardroom.settings")
import django
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from game_server import actions, commits, seating
from game_server.models import Game, Move

def new_game(**options):
    game = seating.create_game("connect4", 2, **options)
    for seat in range(2):
        seating.take_seat(game, name=f"p{seat}")
    actions.submit_action(game.pk, 0, 0, 0, f"first-{game.pk}")  # the long way: read, store
    return game

fischer = {"kind": "fischer", "initial": 60, "increment": 1}
plain, clocked, overtaken = new_game(), new_game(time_control=fischer), new_game()
# Plain: six more plies in one batch, seat 0 winning in column 0 at ply 7.
plies = [(1, 1), (0, 0), (1, 1), (0, 0), (1, 1), (0, 0)]
requests = [actions.checked(plain.pk, seat, column, None, None) for seat, column in plies]
requests.append(actions.checked(clocked.pk, 1, 3, 1, "clocked-2"))
prepared = commits.prepare(requests)
with CaptureQueriesContext(connection) as queries:
    written = commits.write(prepared)
result = {"written": [s.result.version for s in written] if written else None}
result["statements"] = [
    q["sql"].split()[0] + " " + q["sql"].split()[-1] for q in queries
    if q["sql"].split()[0] not in ("BEGIN", "COMMIT")]
plain_row, clocked_row = Game.objects.get(pk=plain.pk), Game.objects.get(pk=clocked.pk)
result["plain"] = [plain_row.version, plain_row.status, plain_row.outcome["winners"],
                   plain_row.finished_at is not None]
result["clocked"] = [clocked_row.version, clocked_row.deadline is not None,
                     sorted(clocked_row.clock)]
result["moves"] = list(Move.objects.filter(game=plain).order_by("ply").values_list(
    "ply", "seat", "data", "request_id"))
# A batch prepared, then overtaken by another writer: nothing of it is written.
late = commits.prepare([actions.checked(overtaken.pk, 1, 5, 1, "late")])
actions.submit_action(overtaken.pk, 1, 6, 1, "elsewhere")
result["overtaken"] = commits.write(late)
result["overtaken_left"] = connection.connection.info.transaction_status.name
result["overtaken_moves"] = list(Move.objects.filter(game=overtaken).order_by("ply")
    .values_list("ply", "request_id"))
result["duplicate"] = actions.submit_action(clocked.pk, 1, 3, None, "clocked-2").duplicate
# A statement of the pipeline fails after the moves went in: nothing of the batch stays,
# no transaction is left open, and the batch is then written as prepared.
from django.db import DatabaseError
from game_server import batch_sql
broken = commits.prepare([actions.checked(clocked.pk, 0, 4, 2, "broken")])
insert, update = broken.statements
try:
    batch_sql.run([insert, (update[0].replace("UPDATE", "UPDATE no_such_table", 1), *update[1:])])
    result["broken"] = "ran"
except DatabaseError:
    result["broken"] = "raised"
result["broken_left"] = [connection.in_atomic_block,
                         connection.connection.info.transaction_status.name,
                         Move.objects.filter(request_id="broken").count()]
result["broken_then"] = [s.result.version for s in commits.write(broken)]
# The session's other tests share this database: a game left active with a clock would
# have its timeout stored by their servers' sweepers a minute later (counted in their
# metrics: test_scale_out once saw 5 moves stored where it played 4).
Game.objects.filter(pk__in=[plain.pk, clocked.pk, overtaken.pk]).delete()
result["left"] = Game.objects.filter(pk__in=[plain.pk, clocked.pk, overtaken.pk]).count()
print(json.dumps(result, default=str))
"""


def test_a_batch_is_written_in_two_statements_on_postgresql(scale_database):
    env = {**os.environ, "DATABASE_URL": scale_database.url}
    env.pop("REDIS_URL", None)
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["written"] == [2, 3, 4, 5, 6, 7, 2]
    assert result["statements"] == ["INSERT (7x)", "UPDATE (2x)"]  # one each, whole batch
    assert result["plain"] == [7, "finished", [0], True]
    assert result["clocked"][:2] == [2, True]
    assert [ply for ply, *_ in result["moves"]] == list(range(1, 8))
    assert [data for _, _, data, _ in result["moves"]] == [0, 1, 0, 1, 0, 1, 0]
    assert [rid for *_, rid in result["moves"]][1:] == [None] * 6
    assert result["overtaken"] is None
    assert result["overtaken_left"] == "IDLE"  # its transaction rolled back, none open
    assert result["overtaken_moves"] == [[1, result["overtaken_moves"][0][1]], [2, "elsewhere"]]
    assert result["duplicate"] is True
    assert result["broken"] == "raised"
    assert result["broken_left"] == [False, "IDLE", 0]
    assert result["broken_then"] == [3]
    assert result["left"] == 0
