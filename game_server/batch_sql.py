"""The SQL of group commit (``game_server.commits``): a batch's moves inserted and its
games' rows updated in as few statements as the database allows, on the driver's own
cursor.

Every write is conditional: a move is inserted ``ON CONFLICT DO NOTHING`` (the unique
``(game, ply)`` and ``(game, seat, request_id)``) and the caller compares how many went
in; a game row is updated ``WHERE version = <before> AND status = 'active'``.
"""

from __future__ import annotations

import datetime

import psycopg
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections

from .models import Game, Move

_MOVE_TABLE = Move._meta.db_table
_GAME_TABLE = Game._meta.db_table
_MOVE_COLUMNS = "game_id, ply, seat, data, description, public, request_id, created_at"
_MOVE_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s)"
INSERT_MOVE = (
    f"INSERT INTO {_MOVE_TABLE} ({_MOVE_COLUMNS}) VALUES {_MOVE_ROW} ON CONFLICT DO NOTHING"
)
UPDATE_GAME = (
    f"UPDATE {_GAME_TABLE} SET version = %s, clock = %s, deadline = %s, status = %s,"
    " outcome = %s, finished_at = %s WHERE id = %s AND version = %s AND status = %s"
)
# SQLite: many rows per statement. Its driver lets go of the GIL around every step of a
# statement, so an executemany of 240 moves handed the GIL to the event loop 240 times
# and waited to get it back each time: ~30 us of CPU per row and a batch that took 50 ms
# (measured in the throughput benchmark); one statement is one step.
ROWS_PER_STATEMENT = 100
_GAME_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s, %s)"
UPDATE_GAMES = (
    f"UPDATE {_GAME_TABLE} SET version = v.column1, clock = v.column2, deadline = v.column3,"
    " status = v.column4, outcome = v.column5, finished_at = v.column6 FROM (VALUES {rows}) AS v"
    f" WHERE {_GAME_TABLE}.id = v.column7 AND {_GAME_TABLE}.version = v.column8"
    f" AND {_GAME_TABLE}.status = v.column9"
)
# PostgreSQL: one statement per batch whatever its size, each column one array parameter,
# bound on the server. psycopg's pipelined executemany had PostgreSQL parse and plan
# every row's statement (Django binds on the client: each row is a new query text), and
# composing a multi-row VALUES on the client took psycopg a fifth of the samples.
INSERT_MOVES_POSTGRESQL = (
    f"INSERT INTO {_MOVE_TABLE} ({_MOVE_COLUMNS}) SELECT * FROM unnest(%s::varchar[],"
    " %s::integer[], %s::smallint[], %s::jsonb[], %s::varchar[], %s::jsonb[], %s::varchar[],"
    " %s::timestamptz[]) ON CONFLICT DO NOTHING"
)
UPDATE_GAMES_POSTGRESQL = (
    f"UPDATE {_GAME_TABLE} AS g SET version = v.version, clock = v.clock,"
    " deadline = v.deadline, status = v.status, outcome = v.outcome,"
    " finished_at = v.finished_at FROM unnest(%s::integer[], %s::jsonb[], %s::timestamptz[],"
    " %s::varchar[], %s::jsonb[], %s::timestamptz[], %s::varchar[], %s::integer[],"
    " %s::varchar[]) AS v(version, clock, deadline, status, outcome, finished_at, id,"
    " before, active) WHERE g.id = v.id AND g.version = v.before AND g.status = v.active"
)


def _chunks(rows: list) -> list[list]:
    return [rows[i : i + ROWS_PER_STATEMENT] for i in range(0, len(rows), ROWS_PER_STATEMENT)]


class Values:
    """A batch's time and the database's value adapters, looked up once (no connection
    needed: the event loop prepares batches with them, :func:`prepare`)."""

    def __init__(self, now: datetime.datetime):
        db = connections[DEFAULT_DB_ALIAS]
        self.ops = db.ops
        self.qmark = db.vendor == "sqlite"
        self.now = now
        self.created_at = self.when(now)

    def json(self, value):
        if value is None:
            return None
        if self.qmark and type(value) is int:  # most moves: the text is the number
            return str(value)
        return self.ops.adapt_json_value(value, None)

    def when(self, value):
        return self.ops.adapt_datetimefield_value(value)


class Writer(Values):
    """The batch's way to the database: the driver's own cursor (Django's wrapper converts
    the SQL's placeholders and wraps errors on every statement; here errors are wrapped
    once per batch, by the caller)."""

    def __init__(self, now: datetime.datetime):
        super().__init__(now)
        db = connections[DEFAULT_DB_ALIAS]
        db.ensure_connection()
        self.db = db
        # PostgreSQL: parameters bound on the server (Django's own cursors bind on the
        # client), never prepared by name (a pooler in transaction mode may stand between).
        self.cursor = db.connection.cursor() if self.qmark else psycopg.Cursor(db.connection)

    def sql(self, text: str) -> str:
        return text.replace("%s", "?") if self.qmark else text

    def execute(self, text: str, params, shown=None, rows: int = 1) -> int:
        if self.qmark:
            self.cursor.execute(self.sql(text), params)
        else:
            self.cursor.execute(text, params, prepare=False)
        self.logged(shown or text, rows)
        return self.cursor.rowcount

    def insert_moves(self, moves: list[list]) -> int:
        """Insert ``moves`` (rows of :data:`INSERT_MOVE`): how many were new."""
        if not self.qmark:
            columns = [list(column) for column in zip(*moves, strict=True)]
            return self.execute(INSERT_MOVES_POSTGRESQL, columns, INSERT_MOVE, len(moves))
        inserted = 0
        for chunk in _chunks(moves):
            rows = ", ".join([_MOVE_ROW] * len(chunk))
            text = (
                f"INSERT INTO {_MOVE_TABLE} ({_MOVE_COLUMNS}) VALUES {rows} ON CONFLICT DO NOTHING"
            )
            params = [value for move in chunk for value in move]
            inserted += self.execute(text, params, INSERT_MOVE, len(chunk))
        return inserted

    def update_games(self, updates: list[list]) -> int:
        """Write the rows of :data:`UPDATE_GAME`: how many matched their check."""
        if not self.qmark:
            columns = [list(column) for column in zip(*updates, strict=True)]
            return self.execute(UPDATE_GAMES_POSTGRESQL, columns, UPDATE_GAME, len(updates))
        updated = 0
        for chunk in _chunks(updates):
            text = UPDATE_GAMES.replace("{rows}", ", ".join([_GAME_ROW] * len(chunk)))
            params = [value for update in chunk for value in update]
            updated += self.execute(text, params, UPDATE_GAME, len(chunk))
        return updated

    def logged(self, text: str, rows: int) -> None:
        """Shown where Django shows queries (``DEBUG``, ``CaptureQueriesContext``), as
        the one-row statement and how many rows went in one go."""
        if self.db.queries_logged:
            self.db.queries_log.append({"sql": f"{text} ({rows}x)", "time": "0.000"})


def write_games(writer: Writer, before: dict[str, int], rows: dict) -> None:
    updates = [
        [
            row.version,
            writer.json(row.clock),
            writer.when(row.deadline),
            row.status,
            writer.json(row.outcome),
            writer.when(row.finished_at),
            game_id,
            before[game_id],
            Game.Status.ACTIVE,
        ]
        for game_id, row in rows.items()
    ]
    if updates and writer.update_games(updates) != len(updates):
        # Only this path writes an active game's row; a failed check is a bug or a
        # concurrent writer: the whole batch is refused (and tried one by one).
        raise IntegrityError("a game changed under the batch")
