"""Liar's Dice for 2-6 players: bid on everyone's hidden dice, or call the last bid a lie.

Each seat starts with five six-sided dice (option ``dice``), rolled from the game's
seeded Rng, and sees only its own. Seat 0 opens the first round. On your turn you either
bid or, once somebody has bid this round, challenge the last bid.

* A bid ``("bid", quantity, face)`` claims that at least ``quantity`` dice on the whole
  table show ``face``. There are no wild faces: 1s count only as 1s.
* Bids must rise in (quantity, face) order: a higher quantity with any face, or the same
  quantity with a higher face. A bid may not name more dice than are on the table.
* ``"challenge"`` reveals every die. If the table holds at least ``quantity`` dice
  showing ``face`` the challenger loses a die, otherwise the bidder does. The loser opens
  the next round (or, if that was their last die, the next seat still playing), and
  every remaining die is re-rolled.
* A seat with no dice is out; the last seat with dice wins (``last_player_standing``).

The last challenge stays public in ``last_reveal`` (all dice as they were, the bid, who
bid, who challenged, who lost) so everybody can see what happened.

A resigning or timed-out seat is removed and play goes on: its dice leave the table and,
since the bids so far may have counted on them, bidding in the current round starts
over with the dice already rolled; the turn passes on if it was that seat's. When only
one seat would remain, the game ends instead and the engine declares it the winner.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core import Outcome, Rules, win
from ..errors import INVALID_OPTIONS, MALFORMED_MOVE, EngineError
from ..registry import register

FACES = 6
MAX_DICE_PER_SEAT = 10
BID = "bid"
CHALLENGE = "challenge"


@dataclass(frozen=True)
class Reveal:
    """The outcome of a challenge, shown to everybody."""

    dice: tuple[tuple[int, ...], ...]
    bidder: int
    quantity: int
    face: int
    challenger: int
    loser: int
    count: int  # how many dice actually showed ``face``

    def to_data(self) -> dict:
        return {
            "dice": [list(hand) for hand in self.dice],
            "bidder": self.bidder,
            "quantity": self.quantity,
            "face": self.face,
            "challenger": self.challenger,
            "loser": self.loser,
            "count": self.count,
        }

    @classmethod
    def from_data(cls, data) -> Reveal:
        return cls(
            dice=tuple(tuple(hand) for hand in data["dice"]),
            bidder=data["bidder"],
            quantity=data["quantity"],
            face=data["face"],
            challenger=data["challenger"],
            loser=data["loser"],
            count=data["count"],
        )


@dataclass(frozen=True)
class Table:
    """A Liar's Dice position. ``dice[seat]`` is that seat's hand (empty once it is out)."""

    dice: tuple[tuple[int, ...], ...]
    turn: int
    bids: tuple[tuple[int, int, int], ...] = ()  # (seat, quantity, face), this round only
    round_number: int = 1
    last_reveal: Reveal | None = None

    @property
    def dice_counts(self) -> tuple[int, ...]:
        return tuple(len(hand) for hand in self.dice)

    @property
    def total_dice(self) -> int:
        return sum(self.dice_counts)


def _roll_hand(count: int, rng) -> tuple[int, ...]:
    return tuple(sorted(rng.roll(FACES) for _ in range(count)))


def _roll_all(counts, rng) -> tuple[tuple[int, ...], ...]:
    return tuple(_roll_hand(count, rng) for count in counts)


def active_seats(table: Table) -> tuple[int, ...]:
    return tuple(seat for seat, hand in enumerate(table.dice) if hand)


def _next_active(dice, seat: int) -> int:
    """The first seat after ``seat``, going round the table, that still has dice."""
    seats = len(dice)
    for step in range(1, seats + 1):
        candidate = (seat + step) % seats
        if dice[candidate]:
            return candidate
    raise AssertionError("no seat has dice")


# -- the rules ---------------------------------------------------------------------------


def validate_options(options, num_players) -> None:
    if not 1 <= options["dice"] <= MAX_DICE_PER_SEAT:
        raise EngineError(INVALID_OPTIONS, f"dice must be 1-{MAX_DICE_PER_SEAT} per player")


def setup(num_players, options, rng) -> Table:
    return Table(dice=_roll_all([options["dice"]] * num_players, rng), turn=0)


def outcome(table: Table) -> Outcome | None:
    seats = active_seats(table)
    if len(seats) == 1:
        return win(seats[0], "last_player_standing")
    return None


def to_move(table: Table) -> tuple:
    return () if outcome(table) else (table.turn,)


def legal_moves(table: Table) -> list:
    if outcome(table):
        return []
    floor = table.bids[-1][1:] if table.bids else (0, FACES)
    moves: list = [
        (BID, quantity, face)
        for quantity in range(floor[0], table.total_dice + 1)
        for face in range(1, FACES + 1)
        if (quantity, face) > floor
    ]
    if table.bids:
        moves.append(CHALLENGE)
    return moves


def play(table: Table, move, rng) -> Table:
    if move == CHALLENGE:
        return _challenge(table, rng)
    _, quantity, face = move
    return replace(
        table,
        bids=table.bids + ((table.turn, quantity, face),),
        turn=_next_active(table.dice, table.turn),
    )


def _challenge(table: Table, rng) -> Table:
    bidder, quantity, face = table.bids[-1]
    count = sum(hand.count(face) for hand in table.dice)
    loser = table.turn if count >= quantity else bidder
    reveal = Reveal(table.dice, bidder, quantity, face, table.turn, loser, count)
    counts = list(table.dice_counts)
    counts[loser] -= 1
    dice = _roll_all(counts, rng)
    opener = loser if dice[loser] else _next_active(dice, loser)
    return Table(
        dice=dice,
        turn=opener,
        bids=(),
        round_number=table.round_number + 1,
        last_reveal=reveal,
    )


def forfeit(table: Table, seat: int) -> Table | None:
    dice = table.dice[:seat] + ((),) + table.dice[seat + 1 :]
    if sum(1 for hand in dice if hand) <= 1:
        return None  # the engine ends the game and the last seat wins
    turn = _next_active(dice, seat) if table.turn == seat else table.turn
    return replace(table, dice=dice, turn=turn, bids=())


def perturb_private(table: Table, seat: int, rng) -> Table:
    """Re-roll only ``seat``'s current dice: no other seat's view may change."""
    hand = _roll_hand(len(table.dice[seat]), rng)
    return replace(table, dice=table.dice[:seat] + (hand,) + table.dice[seat + 1 :])


def determinize(view_data, seat: int, rng) -> Table:
    """A table ``seat`` cannot tell from the one it sees: its own dice as shown, every other
    seat's dice rolled afresh (what a bot searches)."""
    reveal = view_data["last_reveal"]
    return Table(
        dice=tuple(
            tuple(view_data["dice"]) if other == seat else _roll_hand(count, rng)
            for other, count in enumerate(view_data["dice_counts"])
        ),
        turn=view_data["turn"],
        bids=tuple((bid["seat"], bid["quantity"], bid["face"]) for bid in view_data["bids"]),
        round_number=view_data["round"],
        last_reveal=None if reveal is None else Reveal.from_data(reveal),
    )


def public_move(table: Table, move, seat: int):
    """Bids and challenges are made out loud: everybody hears them."""
    return move if move == CHALLENGE else list(move)


def view(table: Table, seat: int | None) -> dict:
    """Own dice only; everybody's dice counts, this round's bids and the last reveal."""
    return {
        "dice": None if seat is None else list(table.dice[seat]),
        "dice_counts": list(table.dice_counts),
        "total_dice": table.total_dice,
        "bids": [
            {"seat": bidder, "quantity": quantity, "face": face}
            for bidder, quantity, face in table.bids
        ],
        "turn": table.turn,
        "round": table.round_number,
        "last_reveal": None if table.last_reveal is None else table.last_reveal.to_data(),
        "faces": FACES,
    }


def parse_move(data):
    """``"challenge"`` or ``["bid", quantity, face]`` (a tuple once read)."""
    if data == CHALLENGE:
        return CHALLENGE
    if isinstance(data, (list, tuple)) and len(data) == 3 and data[0] == BID:
        _, quantity, face = data
        if all(isinstance(n, int) and not isinstance(n, bool) for n in (quantity, face)):
            if quantity >= 1 and 1 <= face <= FACES:
                return (BID, quantity, face)
    raise EngineError(MALFORMED_MOVE, f'a move is "challenge" or ["bid", quantity, face 1-{FACES}]')


def describe_move(table: Table, move) -> str:
    if move == CHALLENGE:
        if not table.bids:
            return CHALLENGE
        _, quantity, face = table.bids[-1]
        return f"challenge {quantity}x{face}"
    _, quantity, face = move
    return f"bid {quantity}x{face}"


def encode(table: Table) -> dict:
    return {
        "dice": [list(hand) for hand in table.dice],
        "turn": table.turn,
        "bids": [list(bid) for bid in table.bids],
        "round": table.round_number,
        "last_reveal": None if table.last_reveal is None else table.last_reveal.to_data(),
    }


def decode(data) -> Table:
    reveal = data["last_reveal"]
    return Table(
        dice=tuple(tuple(hand) for hand in data["dice"]),
        turn=data["turn"],
        bids=tuple(tuple(bid) for bid in data["bids"]),
        round_number=data["round"],
        last_reveal=None if reveal is None else Reveal.from_data(reveal),
    )


# Formats (engine.schema; docs/games.md is generated from these).
MOVE_SCHEMA = {
    "one_of": [
        {"tuple": [{"const": BID}, {"int": [1, None]}, {"int": [1, FACES]}]},
        {"const": CHALLENGE},
    ],
    "doc": '["bid", quantity, face]: at least quantity dice on the table show face;'
    ' "challenge": call the last bid a lie',
}
_SEAT = {"int": [0, 5]}
_FACE = {"int": [1, FACES]}
POSITION_SCHEMA = {
    "map": {
        "dice": {
            "nullable": {"list": _FACE},
            "doc": "your own dice (null for spectators); nobody sees another seat's",
        },
        "dice_counts": {"list": {"int": [0, MAX_DICE_PER_SEAT]}, "doc": "dice left, per seat"},
        "total_dice": {"int": [0, None], "doc": "dice on the table"},
        "bids": {
            "list": {"map": {"seat": _SEAT, "quantity": {"int": [1, None]}, "face": _FACE}},
            "doc": "this round's bids, oldest first",
        },
        "turn": {**_SEAT, "doc": "the seat to bid or challenge"},
        "round": {"int": [1, None], "doc": "the round, from 1"},
        "last_reveal": {
            "nullable": {
                "map": {
                    "dice": {"list": {"list": _FACE}},
                    "bidder": _SEAT,
                    "quantity": {"int": [1, None]},
                    "face": _FACE,
                    "challenger": _SEAT,
                    "loser": _SEAT,
                    "count": {"int": [0, None]},
                }
            },
            "doc": "the last challenge, public: every seat's dice as they were, the bid, who"
            " bid, who challenged, who lost a die, how many dice showed the face",
        },
        "faces": {"const": FACES, "doc": "faces of a die"},
    }
}

GAME = register(
    Rules(
        name="liars_dice",
        title="Liar's Dice",
        min_players=2,
        max_players=6,
        setup=setup,
        to_move=to_move,
        legal_moves=legal_moves,
        play=play,
        outcome=outcome,
        default_options={"dice": 5},
        validate_options=validate_options,
        view=view,
        encode=encode,
        decode=decode,
        parse_move=parse_move,
        forfeit=forfeit,
        active_seats=active_seats,
        describe_move=describe_move,
        perturb_private=perturb_private,
        determinize=determinize,
        public_move=public_move,
        hidden_information=True,
        move_schema=MOVE_SCHEMA,
        position_schema=POSITION_SCHEMA,
        description=(
            "Bid on how many dice show a face across everyone's hidden hands, or call the "
            "last bid a lie; each lost challenge costs a die. No wild faces."
        ),
    )
)
