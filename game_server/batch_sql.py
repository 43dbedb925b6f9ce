"""The SQL of group commit (``game_server.commits``): a batch's moves inserted and its
games' rows updated in as few statements as the database allows, on the driver's own
cursor.

Every write is conditional: a move is inserted ``ON CONFLICT DO NOTHING`` (the unique
``(game, ply)`` and ``(game, seat, request_id)``) and a game row is updated ``WHERE
version = <before> AND status = 'active'``; how many rows each statement changed is
compared with how many it must change (by the caller on SQLite, by the statement itself
on PostgreSQL, :func:`checked`), and a batch with any difference is rolled back whole.
"""

from __future__ import annotations

import contextlib
import datetime

import psycopg
from django.db import DEFAULT_DB_ALIAS, DataError, IntegrityError, connections

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
# (measured in the throughput benchmark); one statement is one step. A whole batch
# (commits.MAX_BATCH) is one statement: 2,304 parameters at most, under SQLite's limit
# of 32,766 (since SQLite 3.32).
ROWS_PER_STATEMENT = 256
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


def columns(rows: list[list]) -> list[list]:
    """PostgreSQL: rows as one array parameter per column (for ``unnest``)."""
    return [list(column) for column in zip(*rows, strict=True)]


def sqlite_inserts(moves: list[list]) -> list[tuple[str, list, int]]:
    """SQLite: the statements inserting ``moves`` (rows of :data:`INSERT_MOVE`), each with
    its parameters and how many rows it inserts when none was taken."""
    statements = []
    for chunk in _chunks(moves):
        rows = ", ".join([_MOVE_ROW] * len(chunk))
        text = f"INSERT INTO {_MOVE_TABLE} ({_MOVE_COLUMNS}) VALUES {rows} ON CONFLICT DO NOTHING"
        params = [value for move in chunk for value in move]
        statements.append((text.replace("%s", "?"), params, len(chunk)))
    return statements


def sqlite_updates(updates: list[list]) -> list[tuple[str, list, int]]:
    """SQLite: the statements writing ``updates`` (rows of :data:`UPDATE_GAME`), each
    with its parameters and how many rows match their check."""
    statements = []
    for chunk in _chunks(updates):
        text = UPDATE_GAMES.replace("{rows}", ", ".join([_GAME_ROW] * len(chunk)))
        params = [value for update in chunk for value in update]
        statements.append((text.replace("%s", "?"), params, len(chunk)))
    return statements


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

    def execute(self, text: str, params, shown=None, rows: int = 1) -> int:
        if self.qmark:
            self.cursor.execute(text.replace("%s", "?"), params)
        else:
            self.cursor.execute(text, params, prepare=False)
        self.logged(shown or text, rows)
        return self.cursor.rowcount

    def insert_moves(self, moves: list[list]) -> int:
        """Insert ``moves`` (rows of :data:`INSERT_MOVE`): how many were new."""
        if not self.qmark:
            return self.execute(INSERT_MOVES_POSTGRESQL, columns(moves), INSERT_MOVE, len(moves))
        return sum(
            self.execute(text, params, INSERT_MOVE, rows)
            for text, params, rows in sqlite_inserts(moves)
        )

    def update_games(self, updates: list[list]) -> int:
        """Write the rows of :data:`UPDATE_GAME`: how many matched their check."""
        if not self.qmark:
            params = columns(updates)
            return self.execute(UPDATE_GAMES_POSTGRESQL, params, UPDATE_GAME, len(updates))
        return sum(
            self.execute(text, params, UPDATE_GAME, rows)
            for text, params, rows in sqlite_updates(updates)
        )

    def logged(self, text: str, rows: int) -> None:
        logged(self.db, [(text, None, rows)])


def logged(db, statements) -> None:
    """Shown where Django shows queries (``DEBUG``, ``CaptureQueriesContext``): each
    statement and how many rows went in one go."""
    if db.queries_logged:
        for text, _params, rows in statements:
            db.queries_log.append({"sql": f"{text} ({rows}x)", "time": "0.000"})


def game_updates(values: Values, before: dict[str, int], rows: dict) -> list[list]:
    """The rows of :data:`UPDATE_GAME` writing ``rows`` (game id: row after the batch)
    over the versions in ``before``."""
    return [
        [
            row.version,
            values.json(row.clock),
            values.when(row.deadline),
            row.status,
            values.json(row.outcome),
            values.when(row.finished_at),
            game_id,
            before[game_id],
            Game.Status.ACTIVE,
        ]
        for game_id, row in rows.items()
    ]


def write_games(writer: Writer, before: dict[str, int], rows: dict) -> None:
    updates = game_updates(writer, before, rows)
    if updates and writer.update_games(updates) != len(updates):
        # Only this path writes an active game's row; a failed check is a bug or a
        # concurrent writer: the whole batch is refused (and tried one by one).
        raise IntegrityError("a game changed under the batch")


def statements(values: Values, moves: list[list], updates: list[list]) -> list:
    """A batch's statements, built ahead (on the event loop) for :func:`run`: its moves'
    INSERT and its games' UPDATE, each with its parameters and the rows it must change."""
    if values.qmark:
        return sqlite_inserts(moves) + sqlite_updates(updates)
    return [
        (text, columns(rows), len(rows))
        for text, rows in ((INSERT_MOVES_POSTGRESQL, moves), (UPDATE_GAMES_POSTGRESQL, updates))
        if rows
    ]


def run(statements: list) -> bool:
    """Run a batch's :func:`statements` in one transaction: False, rolled back with
    nothing written, when one of them changed fewer rows than it must (a move taken
    meanwhile, a row that changed)."""
    if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        return run_sqlite(statements)
    return run_postgresql(statements)


_OPEN = (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR)


def run_postgresql(statements: list) -> bool:
    """PostgreSQL: ``BEGIN``, the statements and ``COMMIT`` in one pipeline, one round
    trip a batch. Each statement checks on the server how many rows it changed
    (:func:`checked`): a mismatch is an error there, so the transaction never commits
    and the pipeline skips what follows; the transaction is then rolled back here."""
    db = connections[DEFAULT_DB_ALIAS]
    if not db.get_autocommit() or db.in_atomic_block:
        raise RuntimeError("a batch is written in a transaction of its own")
    db.ensure_connection()
    connection = db.connection
    try:
        with db.wrap_database_errors:
            try:
                with connection.pipeline():
                    cursor = psycopg.Cursor(connection)
                    cursor.execute("BEGIN")
                    for text, params, rows in statements:
                        cursor.execute(checked(text), [*params, rows], prepare=False)
                    cursor.execute("COMMIT")
            except BaseException:
                if connection.info.transaction_status in _OPEN:  # not when the link broke
                    with contextlib.suppress(psycopg.Error):  # the first error is the one
                        connection.execute("ROLLBACK")
                raise
        logged(db, statements)
    except DataError as exc:
        if isinstance(exc.__cause__, psycopg.errors.DivisionByZero):
            return False
        raise
    return True


def checked(text: str) -> str:
    """``text`` (an INSERT or UPDATE) failing on the server unless it changed exactly the
    number of rows given as its last parameter (a division by zero: SQL has no other way
    to raise outside a function)."""
    return f"WITH changed AS ({text} RETURNING 1) SELECT 1 / (count(*) = %s)::int FROM changed"


def run_sqlite(statements: list[tuple[str, list, int]]) -> bool:
    """SQLite: run a batch's statements, built ahead on the event loop
    (:func:`sqlite_inserts`, :func:`sqlite_updates`), in one transaction on the driver's
    cursor and commit. False, rolled back with nothing written, when one of them changed
    fewer rows than it must (a move taken meanwhile, a row that changed). Database
    errors are Django's, as from its own cursors; nothing stays open.

    Why no ``transaction.atomic`` and no Python between the statements: the storing
    thread gives up the GIL around every statement and waits to win it back from the
    busy event loop each time; under load a statement SQLite runs in 0.3-0.8 ms took up
    to 12 ms, and a batch that takes ~3 ms alone took 15-20 ms. Two statements and the
    commit, with nothing between them, wait fewer times (throughput benchmark, 500
    games: write 14.6 ms median, docs/benchmarks.md "sixth pass").
    """
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    cursor = db.connection.cursor()
    try:
        with db.wrap_database_errors:
            cursor.execute("BEGIN")
            for text, params, rows in statements:
                cursor.execute(text, params)
                if cursor.rowcount != rows:
                    db.rollback()
                    return False
        logged(db, statements)
        db.commit()
    except BaseException:
        if db.connection is not None and db.connection.in_transaction:
            try:
                db.rollback()
            except Exception:  # the connection is gone: so is what it held
                db.close()
        raise
    return True
