"""engine.bots: legal, deterministic moves for every registered game, and no peeking."""

from __future__ import annotations

import dataclasses

import pytest

import engine
from engine import bots
from engine.rng import Rng

GAMES = engine.names()


def counts(game):
    return sorted({game.min_players, min(game.max_players, 3)})


def play_out(game, num_players, levels, seed=0, max_plies=400):
    state = game.initial_state(num_players, seed)
    for ply in range(max_plies):
        if game.is_over(state):
            return state
        seat = game.to_move(state)[0]
        move = bots.choose_move(game, state, levels[seat], seed + ply, seat, iterations=12)
        state = game.apply(state, move, seat)  # raises if the bot's move were illegal
    return state


@pytest.mark.parametrize("name", GAMES)
def test_random_bots_finish_every_game(name):
    game = engine.get(name)
    for num_players in counts(game):
        state = play_out(game, num_players, ["random"] * num_players, max_plies=3000)
        assert game.is_over(state), (name, num_players)


@pytest.mark.parametrize("name", GAMES)
def test_mcts_plays_legal_moves(name):
    game = engine.get(name)
    for num_players in counts(game):
        levels = ["mcts", *["random"] * (num_players - 1)]
        play_out(game, num_players, levels, max_plies=30)


@pytest.mark.parametrize("name", GAMES)
def test_mcts_is_deterministic_for_a_seed(name):
    game = engine.get(name)
    state = game.initial_state(game.min_players, 3)
    first = bots.mcts_move(game, state, seed=5, iterations=40)
    assert bots.mcts_move(game, state, seed=5, iterations=40) == first


def test_mcts_takes_a_win_and_blocks_a_loss():
    game = engine.get("tictactoe")
    win = game.state_from_text("xx-oo----")  # x to move wins at 2
    assert bots.mcts_move(game, win, iterations=300) == 2
    block = game.state_from_text("oo-x---x-")  # x to move must stop o at 2
    assert bots.mcts_move(game, block, iterations=300) == 2


def test_mcts_beats_random_at_connect4():
    game = engine.get("connect4")
    wins = 0
    for seed in range(4):
        state = play_out(game, 2, ["mcts", "random"], seed=seed)
        wins += game.outcome(state).winners == (0,)
    assert wins >= 3


@pytest.mark.parametrize("name", [n for n in GAMES if engine.get(n).rules.hidden_information])
def test_hidden_information_bots_never_peek(name):
    """The bot's move does not change when another seat's private data does."""
    game = engine.get(name)
    for num_players in (2, 3):
        state = game.initial_state(num_players, 11)
        for ply in range(6):
            if game.is_over(state):
                break
            seat = game.to_move(state)[0]
            move = bots.mcts_move(game, state, seed=ply, iterations=60)
            for other in range(num_players):
                if other == seat:
                    continue
                position = game.rules.perturb_private(state.position, other, Rng(99 + ply))
                changed = dataclasses.replace(state, position=position, rng=state.rng ^ 12345)
                assert bots.mcts_move(game, changed, seed=ply, iterations=60) == move
            state = game.apply(state, move, seat)


def test_unknown_level():
    game = engine.get("tictactoe")
    with pytest.raises(ValueError):
        bots.choose_move(game, game.initial_state(2), "genius")
