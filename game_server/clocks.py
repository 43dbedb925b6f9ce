"""Time controls: what a game's clocks are and how a stored action moves them.

Pure arithmetic over plain data, no database: ``actions`` and ``seating`` call it
inside the move transaction and stores the result on the game row, so the database
(never a process's memory) holds every clock and the server's clock is the authority.

Kinds (``Game.time_control``; ``None`` is "no clock"):

* ``{"kind": "move", "seconds": S}``: at most S seconds for each move;
* ``{"kind": "fischer", "initial": S, "increment": I}``: a bank of S seconds per seat,
  I seconds added after each of the seat's own moves (chess clocks, Fischer mode);
* ``{"kind": "correspondence", "days": D}``: at most D days for each move.

Stored clock (``Game.clock``): ``{"remaining": [seconds per seat], "running": [seats],
"since": epoch seconds}``: ``remaining`` is what each seat had at ``since``, and the
seats in ``running`` (the seats to move) have been using theirs since then.
``Game.deadline`` is the first moment a running clock reaches zero (``None``: no clock
runs), which the sweeper (``game_server.timeouts``) looks for.

A per-move limit restarts when a seat's turn begins (it was not to move before, or it
just made a game move); engine actions such as a draw offer never restart it. A Fischer
bank only gets the increment for a game move the seat made while its clock ran.

First moves (Fischer clocks, as on Lichess; ``start(..., first_move=S)``): a seat's
bank does not run until that seat has made its first game move. Meanwhile the stored
clock has ``"first_move": {"seats": [seats that have not moved yet], "waiting": [those
of them to move now], "seconds": S, "deadline": epoch seconds or None}``: when the turn
of a seat that has not moved yet begins, it gets S seconds (``deadline``) for that
first move; engine actions do not restart it. ``Game.deadline`` is the earlier of that
deadline and the running banks'. Once every seat has moved (or the game is over)
``first_move`` is gone. A first-move deadline that passes is an *expiry* like a bank
running out (:func:`expired_seats`); the caller (``actions.apply_timeout``) aborts the
game when fewer than two seats have moved (:func:`aborts_on_expiry`), and times the
seat out otherwise (many-player games).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

MOVE = "move"
FISCHER = "fischer"
CORRESPONDENCE = "correspondence"
KINDS = ("none", MOVE, FISCHER, CORRESPONDENCE)
DAY = 86400.0
MAX_SECONDS = 7 * DAY  # a per-move limit, a Fischer bank or increment
MAX_DAYS = 60
MAX_SPECTATOR_DELAY = 3600


class InvalidTimeControl(ValueError):
    """A time control or spectator delay that cannot be used (``invalid_time_control``)."""


def _number(value, name: str, low: float, high: float, zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidTimeControl(f"{name!r} must be a number")
    if not (low <= value <= high) or (value == 0 and not zero):
        raise InvalidTimeControl(f"{name!r} must be {'>=' if zero else '>'} 0 and <= {high:g}")
    return value


def parse(value) -> dict | None:
    """A normalised time control, or None for no clock; raises :class:`InvalidTimeControl`."""
    if value is None or value == "none":
        return None
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        raise InvalidTimeControl("a time control is an object with a 'kind'")
    kind = value["kind"]
    fields = {
        "none": (),
        MOVE: ("seconds",),
        FISCHER: ("initial", "increment"),
        CORRESPONDENCE: ("days",),
    }.get(kind)
    if fields is None:
        raise InvalidTimeControl(f"time control kinds: {', '.join(KINDS)}")
    unknown = set(value) - {"kind", *fields}
    if unknown:
        raise InvalidTimeControl(f"unknown time control fields: {', '.join(sorted(unknown))}")
    if kind == "none":
        return None
    if kind == MOVE:
        return {"kind": MOVE, "seconds": _number(value.get("seconds"), "seconds", 0, MAX_SECONDS)}
    if kind == FISCHER:
        return {
            "kind": FISCHER,
            "initial": _number(value.get("initial"), "initial", 0, MAX_SECONDS),
            "increment": _number(value.get("increment", 0), "increment", 0, MAX_SECONDS, True),
        }
    return {"kind": CORRESPONDENCE, "days": _number(value.get("days"), "days", 0, MAX_DAYS)}


def parse_delay(value) -> float:
    if value is None:
        return 0.0
    return float(_number(value, "spectator_delay", 0, MAX_SPECTATOR_DELAY, zero=True))


def move_limit(time_control: dict) -> float | None:
    """Seconds per move for ``move`` and ``correspondence``; None for a Fischer bank."""
    if time_control["kind"] == MOVE:
        return float(time_control["seconds"])
    if time_control["kind"] == CORRESPONDENCE:
        return float(time_control["days"]) * DAY
    return None


def is_correspondence(time_control: dict | None) -> bool:
    return time_control is not None and time_control["kind"] == CORRESPONDENCE


def epoch(moment: datetime.datetime) -> float:
    return moment.timestamp()


def _deadline(remaining, running, now: float, first_move=None) -> datetime.datetime | None:
    moments = [now + remaining[seat] for seat in running]
    if first_move and first_move["deadline"] is not None:
        moments.append(first_move["deadline"])
    if not moments:
        return None
    return datetime.datetime.fromtimestamp(min(moments), tz=datetime.UTC)


def _first_move(first_move, to_move, now: float, restart: bool) -> dict | None:
    """The ``first_move`` entry for the seats ``to_move`` next (None once nobody owes one
    or nobody is to move); ``restart``: a game move was just made, so a new turn began."""
    if not first_move or not first_move["seats"] or not to_move:
        return None
    waiting = [seat for seat in to_move if seat in first_move["seats"]]
    deadline = None
    if waiting:
        kept = first_move.get("deadline")
        deadline = kept if kept is not None and not restart else now + first_move["seconds"]
    return {
        "seats": list(first_move["seats"]),
        "waiting": waiting,
        "seconds": first_move["seconds"],
        "deadline": deadline,
    }


def start(
    time_control: dict | None,
    num_players: int,
    running: Iterable[int],
    now: float,
    first_move: float | None = None,
):
    """``(clock, deadline)`` for a game that starts at ``now`` (epoch seconds).
    ``first_move``: seconds for each seat's first move of a Fischer game, whose bank only
    runs after it (None or 0: the banks run from the start)."""
    if time_control is None:
        return None, None
    limit = move_limit(time_control)
    bank = float(time_control["initial"]) if limit is None else limit
    remaining = [bank] * num_players
    to_move = sorted(running)
    clock = {"remaining": remaining, "running": to_move, "since": now}
    if first_move and time_control["kind"] == FISCHER:
        pending = {
            "seats": list(range(num_players)),
            "seconds": float(first_move),
            "deadline": None,
        }
        clock["first_move"] = _first_move(pending, to_move, now, restart=True)
        clock["running"] = [seat for seat in to_move if seat not in clock["first_move"]["seats"]]
    return clock, _deadline(remaining, clock["running"], now, clock.get("first_move"))


def advance(
    time_control: dict | None,
    clock: dict | None,
    seat: int,
    game_move: bool,
    running_after: Iterable[int],
    now: float,
):
    """``(clock, deadline)`` after ``seat`` acted at ``now`` (a game move or an engine
    action); ``running_after``: the seats to move afterwards (empty once it is over)."""
    if time_control is None or clock is None:
        return clock, None
    elapsed = max(0.0, now - clock["since"])
    before = set(clock["running"])
    remaining = list(clock["remaining"])
    for running_seat in before:
        remaining[running_seat] = max(0.0, remaining[running_seat] - elapsed)
    limit = move_limit(time_control)
    after = sorted(set(running_after))
    first_move = clock.get("first_move")
    if first_move:
        owing = [s for s in first_move["seats"] if not (game_move and s == seat)]
        first_move = _first_move({**first_move, "seats": owing}, after, now, restart=game_move)
    if limit is None:
        if game_move and seat in before:
            remaining[seat] += float(time_control["increment"])
    else:
        for index in range(len(remaining)):
            turn_begins = index not in before or (index == seat and game_move)
            if index not in after or turn_begins:
                remaining[index] = limit
    running = [s for s in after if not (first_move and s in first_move["seats"])]
    clock = {"remaining": remaining, "running": running, "since": now}
    if first_move:
        clock["first_move"] = first_move
    return clock, _deadline(remaining, running, now, first_move)


def remaining_at(clock: dict, now: float) -> list[float]:
    """Each seat's remaining seconds at ``now``."""
    elapsed = max(0.0, now - clock["since"])
    running = set(clock["running"])
    return [
        max(0.0, value - elapsed) if seat in running else value
        for seat, value in enumerate(clock["remaining"])
    ]


def first_move_late(clock: dict | None, now: float) -> list[int]:
    """The seats to move whose first-move deadline passed at ``now``."""
    first_move = (clock or {}).get("first_move")
    if not first_move or first_move["deadline"] is None or first_move["deadline"] > now:
        return []
    return list(first_move["waiting"])


def expired_seats(clock: dict | None, now: float) -> list[int]:
    """The seats whose time is up at ``now`` (a running bank or limit at zero, or a
    first-move deadline passed), the first to run out first."""
    if not clock:
        return []
    remaining = remaining_at(clock, now)
    out = [seat for seat in clock["running"] if remaining[seat] <= 0]
    out = sorted(out, key=lambda seat: clock["since"] + clock["remaining"][seat])
    late = first_move_late(clock, now)
    if late and (
        not out or clock["first_move"]["deadline"] <= clock["since"] + clock["remaining"][out[0]]
    ):
        return late + out
    return out + late


def aborts_on_expiry(clock: dict | None, seat: int, num_players: int) -> bool:
    """Whether ``seat``'s expiry aborts the game (it missed its first-move deadline while
    fewer than two seats had moved) instead of timing it out."""
    first_move = (clock or {}).get("first_move")
    if not first_move or seat not in first_move["seats"]:
        return False
    return num_players - len(first_move["seats"]) < 2


def data(time_control: dict | None, clock: dict | None, deadline, now: float) -> dict | None:
    """The ``clock`` field of snapshots and updates (None: the game has no clock)."""
    if time_control is None:
        return None
    if clock is None:  # not started yet
        limit = move_limit(time_control)
        return {
            "time_control": time_control,
            "remaining": None,
            "running": [],
            "deadline": None,
            "initial": float(time_control["initial"]) if limit is None else limit,
        }
    first_move = clock.get("first_move")
    return {
        "time_control": time_control,
        "remaining": [round(value, 3) for value in remaining_at(clock, now)],
        "running": list(clock["running"]),
        "deadline": None if deadline is None else epoch(deadline),
        "first_move": (
            {"seats": sorted(first_move["seats"]), "deadline": first_move["deadline"]}
            if first_move
            else None
        ),
    }
