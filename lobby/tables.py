"""Private tables (joined by invite code) and open tables (listed for everyone).

A table starts when its seats are full: the game is created through the service layer,
members sit in the order they joined, and everyone is told through its user group.
Every change to a table locks its row first (``SELECT ... FOR UPDATE``; on SQLite the
transaction's write lock), so a table never starts twice or with too many players.
"""

from __future__ import annotations

from django.db import transaction

from game_server.protocol import Code, Rejected
from game_server.seating import account_name, display_name

from . import notify
from .matchmaking import Request
from .models import Table, TableMember, Ticket
from .seating import Player, start_game


def table_data(table: Table) -> dict:

    members = list(table.members.select_related("user", "user__profile"))
    return {
        "code": table.code,
        "link": f"/?table={table.code}",
        "kind": table.kind,
        "players": table.num_players,
        "options": table.options,
        "rated": table.rated,
        "public": table.public,
        "status": table.status,
        "creator": table.creator_id,
        "members": [
            {"user": m.user_id, "name": display_name(m.user), "username": account_name(m.user)}
            for m in members
        ],
        "game": table.game_id,
    }


def open_tables(limit: int = 50) -> list[dict]:
    tables = Table.objects.filter(public=True, status=Table.Status.OPEN)[:limit]
    return [table_data(table) for table in tables]


def _lock(code) -> Table:
    if not isinstance(code, str):
        raise Rejected(Code.NOT_FOUND, "no such table")
    table = Table.objects.select_for_update().filter(code=code.strip().upper()).first()
    if table is None:
        raise Rejected(Code.NOT_FOUND, f"no table {code!r}")
    return table


def _changed(table: Table, also=()) -> None:
    """Tell the members (and ``also``), and the open-table list if the table is public."""
    message = {"type": "lobby.table", "table": table_data(table)}
    for user_id in {*table.members.values_list("user_id", flat=True), *also}:
        notify.send_user(user_id, message)
    if table.public:
        notify.send(notify.TABLES_GROUP, message)


def _check_free(user) -> None:
    if Ticket.objects.filter(user=user, status=Ticket.Status.WAITING).exists():
        raise Rejected(Code.QUEUEING, "leave the queue before sitting at a table")


def create_table(user, request: Request, public: bool = False) -> Table:
    with transaction.atomic():
        _check_free(user)
        table = Table.objects.create(
            creator=user,
            kind=request.kind,
            num_players=request.num_players,
            options=request.options,
            rated=request.rated,
            public=bool(public),
        )
        TableMember.objects.create(table=table, user=user)
        _changed(table)
    return table


def join_table(user, code) -> Table:
    """Sit ``user`` at the table; the table starts its game when this fills it."""
    with transaction.atomic():
        table = _lock(code)
        if table.members.filter(user=user).exists():
            return table
        if table.status != Table.Status.OPEN:
            raise Rejected(Code.TABLE_NOT_OPEN, f"the table is {table.status}")
        _check_free(user)
        TableMember.objects.create(table=table, user=user)
        members = list(table.members.select_related("user"))
        if len(members) == table.num_players:
            game, _ = start_game(
                table.kind,
                table.options,
                [Player(user=m.user) for m in members],
                rated=table.rated,
                creator=table.creator,
                source="table",
            )
            table.status, table.game = Table.Status.STARTED, game
            table.save(update_fields=["status", "game"])
        _changed(table)
    return table


def leave_table(user, code) -> Table:
    """A member leaves an open table; the creator leaving cancels it."""
    with transaction.atomic():
        table = _lock(code)
        if table.creator_id == user.pk:
            return _cancel(table)
        if table.status != Table.Status.OPEN:
            raise Rejected(Code.TABLE_NOT_OPEN, f"the table is {table.status}")
        table.members.filter(user=user).delete()
        _changed(table, also=[user.pk])
    return table


def cancel_table(user, code) -> Table:
    with transaction.atomic():
        table = _lock(code)
        if table.creator_id != user.pk:
            raise Rejected(Code.NOT_CREATOR, "only the table's creator may cancel it")
        return _cancel(table)


def _cancel(table: Table) -> Table:
    if table.status != Table.Status.OPEN:
        raise Rejected(Code.TABLE_NOT_OPEN, f"the table is {table.status}")
    table.status = Table.Status.CANCELLED
    table.save(update_fields=["status"])
    _changed(table)
    return table
