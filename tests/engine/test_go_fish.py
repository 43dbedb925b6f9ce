"""Go Fish: dealing, asking, fishing, books, the end, secrecy, and its declarative render."""

import dataclasses

import pytest

import engine
from engine import EngineError
from engine import render as render_vocabulary
from engine.games.go_fish import DECK, Pond, rank_of

FISH = engine.get("go_fish")


def with_hands(hands, stock=(), turn=0, books=None, seed=0):
    state = FISH.initial_state(len(hands), seed=seed)
    books = books or ((),) * len(hands)
    pond = Pond(tuple(map(tuple, hands)), tuple(stock), tuple(map(tuple, books)), turn)
    return dataclasses.replace(state, position=pond)


def test_deal_seven_each_or_five_from_four_players():
    for players, size in ((2, 7), (3, 7), (4, 5), (6, 5)):
        state = FISH.initial_state(players, seed=4)
        pond = state.position
        dealt = [len(h) + 4 * len(b) for h, b in zip(pond.hands, pond.books, strict=True)]
        assert dealt == [size] * players
        cards = [c for h in pond.hands for c in h] + list(pond.stock)
        booked = [r for b in pond.books for r in b]
        assert len(cards) + 4 * len(booked) == 52 and len(set(cards)) == len(cards)
        assert FISH.to_move(state) == (0,)
    with pytest.raises(EngineError):
        FISH.initial_state(7)


def test_a_good_ask_takes_every_card_of_the_rank_and_goes_again():
    state = with_hands([["7C", "2D"], ["7H", "7S", "9C"]], stock=["KD", "KS"])
    state = FISH.apply(state, ["ask", 1, "7"])
    assert state.position.hands == (("2D", "7C", "7H", "7S"), ("9C",))
    assert FISH.to_move(state) == (0,)
    assert FISH.view(state, 1)["position"]["last"] == {
        "seat": 0,
        "asked": 1,
        "rank": "7",
        "got": 2,
        "fished": False,
        "lucky": False,
    }


def test_go_fish_passes_the_turn_unless_the_fish_is_the_rank_asked():
    state = with_hands([["7C"], ["9C"]], stock=["KD", "7D"])
    after = FISH.apply(state, ["ask", 1, "7"])
    assert after.position.hands[0] == ("7C", "KD") and FISH.to_move(after) == (1,)
    lucky = FISH.apply(with_hands([["7C"], ["9C"]], stock=["7D", "KD"]), ["ask", 1, "7"])
    assert FISH.to_move(lucky) == (0,) and lucky.position.last[-1] is True


def test_four_of_a_rank_make_a_book_and_the_most_books_win():
    hands = [["7C", "7D", "7H", "2C", "2H", "2S"], ["7S", "2D"]]
    state = with_hands(hands, books=[("K",), ("A", "Q")])
    state = FISH.apply(state, ["ask", 1, "7"])
    assert state.position.books[0] == ("K", "7")
    assert state.position.hands[0] == ("2C", "2H", "2S")
    state = FISH.apply(state, ["ask", 1, "2"])  # the last cards: every book is down
    assert FISH.outcome(state) == engine.Outcome((0,), "most_books", (3, 2))
    assert FISH.legal_moves(state) == [] and FISH.to_move(state) == ()


def test_asks_only_for_ranks_held_and_of_seats_with_cards():
    state = with_hands([["7C", "9D"], [], ["2S"]], stock=["KD"])
    assert FISH.legal_moves(state) == [("ask", 2, "7"), ("ask", 2, "9")]
    with pytest.raises(EngineError) as info:
        FISH.apply(state, ["ask", 1, "7"])
    assert info.value.code == "illegal_move"
    with pytest.raises(EngineError) as info:
        FISH.apply(state, ["ask", 2, "Z"])
    assert info.value.code == "malformed_move"
    # An empty hand draws, and keeps the turn.
    empty = with_hands([[], ["2S"]], stock=["KD", "QD"])
    assert FISH.legal_moves(empty) == ["draw"]
    after = FISH.apply(empty, "draw")
    assert after.position.hands[0] == ("KD",) and FISH.to_move(after) == (0,)


def test_views_hide_other_hands_and_the_stock():
    state = FISH.initial_state(3, seed=9)
    spectator = FISH.view(state, None)
    seat1 = FISH.view(state, 1)
    assert spectator["position"]["hand"] is None
    assert seat1["position"]["hand"] == list(state.position.hands[1])
    shown = repr(seat1)
    for other in (0, 2):
        for card in state.position.hands[other]:
            assert f"'{card}'" not in shown
    # The render names no card of another hand, not even with suit symbols.
    faces = [
        c["face"]
        for _, item in render_vocabulary.walk(seat1["render"])
        if item["type"] == "cards"
        for c in item["cards"]
        if c["face"]
    ]
    assert len(faces) == len(state.position.hands[1])


def test_render_offers_each_ask_and_only_to_the_seat_to_move():
    state = FISH.initial_state(3, seed=2)
    mine = FISH.view(state, 0)
    offered = render_vocabulary.targets(mine["render"])
    assert {str(m) for m in offered} == {str(m) for m in mine["legal_moves"]}
    assert render_vocabulary.problems(mine["render"]) == []
    assert render_vocabulary.targets(FISH.view(state, 1)["render"]) == []
    assert render_vocabulary.targets(FISH.view(state, None)["render"]) == []


def test_deck_is_52_distinct_cards():
    assert len(DECK) == len(set(DECK)) == 52
    assert {rank_of(c) for c in DECK} == {
        "A",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
        "J",
        "Q",
        "K",
    }
