"""Go Fish for 2-6 players, drawn in the browser only from its declarative ``render``.

A 52-card deck is shuffled with the game's seeded Rng; each seat is dealt 7 cards (5 with
four or more players) and sees only its own hand. Seat 0 starts. On your turn:

* ``["ask", seat, rank]``: ask another seat that holds cards for a rank you hold. If it
  has any, it hands them all over and you go again. If not, "go fish": you draw the top
  card of the stock; you go again if it is the rank you asked for, else the turn passes.
* ``"draw"``: only when you cannot ask (your hand is empty, or nobody else holds cards)
  and the stock is not empty; you keep the turn.

Four cards of a rank make a book, laid down at once and public. A seat that can neither
ask nor draw is skipped. When every book is down the seats with the most books win
(``most_books``; the outcome carries each seat's count).

Cards are strings: rank ``A 2 3 4 5 6 7 8 9 10 J Q K`` then suit ``C D H S`` (``"10H"``,
``"QS"``). Views (``view``): your hand (``null`` for spectators), everybody's hand size,
the books, the stock's size, whose turn, and the last move's public record (who asked
whom for what, how many cards changed hands, whether the fish was the rank asked for).
The drawn card itself is never public. Asks and draws are said out loud
(``public_move``). Resigning ends the game (the other seats win).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core import Outcome, Rules
from ..errors import MALFORMED_MOVE, EngineError
from ..registry import register
from ..render import seat_name

RANKS = ("A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K")
SUITS = ("C", "D", "H", "S")
DECK = tuple(rank + suit for rank in RANKS for suit in SUITS)
ASK = "ask"
DRAW = "draw"
SUIT_SYMBOLS = {"C": "♣", "D": "♦", "H": "♥", "S": "♠"}
RANK_NAMES = {"A": "aces", "J": "jacks", "Q": "queens", "K": "kings"}


def rank_of(card: str) -> str:
    return card[:-1]


def _sorted(cards) -> tuple:
    return tuple(sorted(cards, key=lambda c: (RANKS.index(rank_of(c)), c[-1])))


@dataclass(frozen=True)
class Pond:
    """A Go Fish position. ``last`` is the public record of the last move, or None:
    ``(seat, asked seat or None, rank or None, cards received from the asked seat,
    fished: whether it drew from the stock, lucky: the fish was the rank asked for)``."""

    hands: tuple[tuple[str, ...], ...]
    stock: tuple[str, ...]  # top first
    books: tuple[tuple[str, ...], ...]  # ranks, per seat, in the order laid down
    turn: int
    last: tuple | None = None


def setup(num_players, options, rng) -> Pond:
    deck = list(DECK)
    rng.shuffle(deck)
    size = 7 if num_players <= 3 else 5
    hands = tuple(_sorted(deck[i * size : (i + 1) * size]) for i in range(num_players))
    pond = Pond(hands, tuple(deck[num_players * size :]), ((),) * num_players, 0)
    return _lay_books(pond, range(num_players))


def _lay_books(pond: Pond, seats) -> Pond:
    hands, books = list(pond.hands), list(pond.books)
    for seat in seats:
        for rank in RANKS:
            if sum(1 for card in hands[seat] if rank_of(card) == rank) == 4:
                hands[seat] = tuple(c for c in hands[seat] if rank_of(c) != rank)
                books[seat] = books[seat] + (rank,)
    return replace(pond, hands=tuple(hands), books=tuple(books))


def _asks(pond: Pond, seat: int) -> list:
    ranks = [r for r in RANKS if any(rank_of(c) == r for c in pond.hands[seat])]
    others = [o for o in range(len(pond.hands)) if o != seat and pond.hands[o]]
    return [(ASK, other, rank) for other in others for rank in ranks]


def _can_act(pond: Pond, seat: int) -> bool:
    return bool(pond.stock) or bool(_asks(pond, seat))


def _over(pond: Pond) -> bool:
    """Nobody can act: in a real game, every book is down (a position dealt by
    ``determinize`` may leave a rank unbooked in one hand; it ends there too)."""
    if pond.stock:
        return False
    holders = sum(1 for hand in pond.hands if hand)
    return holders < 2


def outcome(pond: Pond) -> Outcome | None:
    if not _over(pond):
        return None
    counts = [len(b) for b in pond.books]
    best = max(counts)
    winners = tuple(seat for seat, n in enumerate(counts) if n == best)
    return Outcome(winners, "most_books", tuple(counts))


def to_move(pond: Pond) -> tuple:
    return () if _over(pond) else (pond.turn,)


def legal_moves(pond: Pond) -> list:
    if _over(pond):
        return []
    asks = _asks(pond, pond.turn)
    return asks or ([DRAW] if pond.stock else [])


def _pass_turn(pond: Pond, seat: int) -> Pond:
    """The turn goes to the first seat from ``seat`` on (``seat`` itself first) that can act."""
    n = len(pond.hands)
    for step in range(n):
        candidate = (seat + step) % n
        if _can_act(pond, candidate):
            return replace(pond, turn=candidate)
    return pond  # nobody can act: every book is down


def play(pond: Pond, move, rng) -> Pond:
    seat = pond.turn
    hands = list(pond.hands)
    if move == DRAW:
        hands[seat] = _sorted(hands[seat] + pond.stock[:1])
        pond = replace(pond, hands=tuple(hands), stock=pond.stock[1:])
        pond = replace(_lay_books(pond, [seat]), last=(seat, None, None, 0, True, False))
        return _pass_turn(pond, seat)
    _, other, rank = move
    given = tuple(c for c in hands[other] if rank_of(c) == rank)
    if given:
        hands[other] = tuple(c for c in hands[other] if rank_of(c) != rank)
        hands[seat] = _sorted(hands[seat] + given)
        pond = replace(pond, hands=tuple(hands), last=(seat, other, rank, len(given), False, False))
        return _pass_turn(_lay_books(pond, [seat]), seat)
    fish = pond.stock[:1]
    lucky = bool(fish) and rank_of(fish[0]) == rank
    hands[seat] = _sorted(hands[seat] + fish)
    pond = replace(
        pond,
        hands=tuple(hands),
        stock=pond.stock[1:],
        last=(seat, other, rank, 0, bool(fish), lucky),
    )
    pond = _lay_books(pond, [seat])
    return _pass_turn(pond, seat if lucky else (seat + 1) % len(hands))


def parse_move(data):
    if data == DRAW:
        return DRAW
    if isinstance(data, (list, tuple)) and len(data) == 3 and data[0] == ASK:
        _, other, rank = data
        if isinstance(other, int) and not isinstance(other, bool) and rank in RANKS:
            return (ASK, other, rank)
    raise EngineError(MALFORMED_MOVE, 'a move is ["ask", seat, rank] or "draw"')


def describe_move(pond: Pond, move) -> str:
    if move == DRAW:
        return "draws"
    _, other, rank = move
    return f"asks {seat_name(other)} for {RANK_NAMES.get(rank, rank + 's')}"


def _last_data(last) -> dict | None:
    if last is None:
        return None
    seat, asked, rank, got, fished, lucky = last
    return {
        "seat": seat,
        "asked": asked,
        "rank": rank,
        "got": got,
        "fished": fished,
        "lucky": lucky,
    }


def view(pond: Pond, seat: int | None) -> dict:
    """Your own hand only; hand sizes, books, the stock's size and the last move for all."""
    return {
        "hand": None if seat is None else list(pond.hands[seat]),
        "hand_counts": [len(hand) for hand in pond.hands],
        "books": [list(books) for books in pond.books],
        "stock": len(pond.stock),
        "turn": pond.turn,
        "last": _last_data(pond.last),
    }


def encode(pond: Pond) -> dict:
    return {
        "hands": [list(hand) for hand in pond.hands],
        "stock": list(pond.stock),
        "books": [list(books) for books in pond.books],
        "turn": pond.turn,
        "last": None if pond.last is None else list(pond.last),
    }


def decode(data) -> Pond:
    return Pond(
        hands=tuple(tuple(hand) for hand in data["hands"]),
        stock=tuple(data["stock"]),
        books=tuple(tuple(books) for books in data["books"]),
        turn=data["turn"],
        last=None if data["last"] is None else tuple(data["last"]),
    )


def _unseen(pond_hands_of_seat, books) -> list:
    booked = {rank for seat_books in books for rank in seat_books}
    own = set(pond_hands_of_seat)
    return [c for c in DECK if c not in own and rank_of(c) not in booked]


def perturb_private(pond: Pond, seat: int, rng) -> Pond:
    """Swap one of ``seat``'s cards with a card of the stock (which nobody sees): only that
    seat's view changes. With the stock used up nothing is hidden from the other seats
    (the hands are each other's complement), so nothing changes then."""
    hand = pond.hands[seat]
    if not hand or not pond.stock:
        return pond
    i, j = rng.below(len(hand)), rng.below(len(pond.stock))
    new_hand = list(hand)
    new_hand[i], stock = pond.stock[j], list(pond.stock)
    stock[j] = hand[i]
    hands = pond.hands[:seat] + (_sorted(new_hand),) + pond.hands[seat + 1 :]
    swapped = replace(pond, hands=hands, stock=tuple(stock))
    # A swap that completes a book would change what others see.
    if _lay_books(swapped, [seat]) != swapped:
        return pond
    return swapped


def determinize(view_data, seat: int, rng) -> Pond:
    """A position ``seat`` cannot tell from the one it sees: its own hand as shown, the
    cards it cannot see dealt at random to the other hands (by their sizes) and the stock."""
    own = tuple(view_data["hand"])
    books = tuple(tuple(b) for b in view_data["books"])
    unseen = _unseen(own, books)
    rng.shuffle(unseen)
    hands = []
    for other, count in enumerate(view_data["hand_counts"]):
        if other == seat:
            hands.append(own)
        else:
            hands.append(_sorted(unseen[:count]))
            unseen = unseen[count:]
    last = view_data["last"]
    return Pond(
        hands=tuple(hands),
        stock=tuple(unseen),
        books=books,
        turn=view_data["turn"],
        last=None
        if last is None
        else (
            last["seat"],
            last["asked"],
            last["rank"],
            last["got"],
            last["fished"],
            last["lucky"],
        ),
    )


def public_move(pond: Pond, move, seat: int):
    """Asks and draws are made out loud (the card drawn is not)."""
    return move if move == DRAW else list(move)


# -- the declarative view (engine.render): the browser draws Go Fish from this alone ------
def _card(card: str, **extra) -> dict:
    rank, suit = rank_of(card), card[-1]
    return {"face": rank + SUIT_SYMBOLS[suit], "color": "red" if suit in "DH" else "black", **extra}


def _last_text(last) -> str:
    if last is None:
        return "{seat:0} starts. Ask another player for a rank you hold."
    who = seat_name(last["seat"])
    if last["asked"] is None:
        return f"{who} drew a card from the stock."
    rank = RANK_NAMES.get(last["rank"], last["rank"] + "s")
    asked = seat_name(last["asked"])
    if last["got"]:
        return f"{who} asked {asked} for {rank} and got {last['got']}."
    if not last["fished"]:
        return f"{who} asked {asked} for {rank}: go fish, but the stock is empty."
    if last["lucky"]:
        return f"{who} asked {asked} for {rank}: go fish, and fished one!"
    return f"{who} asked {asked} for {rank}: go fish."


def render(view: dict, seat: int | None) -> dict:
    """Every hand (yours face up, the others face down), the books, the stock, what just
    happened; for the seat to move, each card of its hand asks for its rank (choosing whom
    to ask when there are several players) and a button draws when that is the move."""
    position = view["position"]
    legal = view.get("legal_moves") or []
    asks: dict[str, list] = {}
    for move in legal:
        if isinstance(move, list):
            asks.setdefault(move[2], []).append(move)
    items: list[dict] = [
        {"type": "text", "text": _last_text(position["last"])},
        {"type": "counter", "label": "Stock", "value": position["stock"]},
    ]
    for other, count in enumerate(position["hand_counts"]):
        if other == seat:
            continue
        items.append(_seat_group(position, other, [{"face": None}] * count, view))
    if seat is not None:
        cards = []
        for card in position["hand"]:
            moves = asks.get(rank_of(card), [])
            extra: dict = {}
            if len(moves) == 1:
                extra["move"] = moves[0]
            elif moves:
                extra["moves"] = [{"label": "Ask " + seat_name(m[1]), "move": m} for m in moves]
            cards.append(_card(card, **extra))
        items.append(_seat_group(position, seat, cards, view, label="Your hand"))
    if DRAW in legal:
        items.append({"type": "buttons", "buttons": [{"label": "Draw a card", "move": DRAW}]})
    return {"items": items}


def _seat_group(position, seat, cards, view, label=None) -> dict:
    books = position["books"][seat]
    to_move = seat in view["to_move"]
    return {
        "type": "group",
        "seat": seat,
        "direction": "column",
        "highlight": to_move,
        "items": [
            {"type": "text", "text": label or seat_name(seat), "style": "strong"},
            {"type": "cards", "seat": seat, "cards": cards},
            {
                "type": "text",
                "style": "muted",
                "text": f"Books: {' '.join(books)}" if books else "No books yet",
            },
        ],
    }


# -- formats (engine.schema; docs/games.md is generated from these) ------------------------
_SEAT = {"int": [0, 5]}
_RANK = {"enum": list(RANKS)}
CARD_SCHEMA = {"str": "(A|[2-9]|10|J|Q|K)[CDHS]", "doc": 'rank then suit: "10H", "QS"'}
MOVE_SCHEMA = {
    "one_of": [{"tuple": [{"const": ASK}, _SEAT, _RANK]}, {"const": DRAW}],
    "doc": '["ask", seat, rank]: ask that seat for every card of a rank you hold;'
    ' "draw": draw from the stock when you cannot ask',
}
POSITION_SCHEMA = {
    "map": {
        "hand": {"nullable": {"list": CARD_SCHEMA}, "doc": "your own cards (null for spectators)"},
        "hand_counts": {"list": {"int": [0, 52]}, "doc": "cards in each seat's hand"},
        "books": {"list": {"list": _RANK}, "doc": "per seat, the ranks of its books"},
        "stock": {"int": [0, 52], "doc": "cards left in the stock"},
        "turn": {**_SEAT, "doc": "the seat to move"},
        "last": {
            "nullable": {
                "map": {
                    "seat": _SEAT,
                    "asked": {"nullable": _SEAT},
                    "rank": {"nullable": _RANK},
                    "got": {"int": [0, 3]},
                    "fished": "bool",
                    "lucky": "bool",
                }
            },
            "doc": "the last move, public: who asked whom (null: a plain draw) for which"
            " rank, how many cards it got, whether it fished, whether the fish was that rank",
        },
    }
}

GAME = register(
    Rules(
        name="go_fish",
        title="Go Fish",
        min_players=2,
        max_players=6,
        setup=setup,
        to_move=to_move,
        legal_moves=legal_moves,
        play=play,
        outcome=outcome,
        view=view,
        encode=encode,
        decode=decode,
        parse_move=parse_move,
        describe_move=describe_move,
        perturb_private=perturb_private,
        determinize=determinize,
        public_move=public_move,
        render=render,
        move_schema=MOVE_SCHEMA,
        position_schema=POSITION_SCHEMA,
        hidden_information=True,
        description="Ask the others for cards of a rank you hold, or go fish; four of a"
        " rank make a book, and the most books win.",
    )
)
