"""Computer players over the engine: a random mover and Monte Carlo tree search (UCT).

Pure and standard library only, like the rest of ``engine``: a bot is a function from a
state (and the seat it plays) to move *data*, the same plain data a human sends, so the
server plays it through the one move path.

    from engine import bots, get
    game = get("connect4")
    move = bots.choose_move(game, state, "mcts", seed=7, seat=1, iterations=300)

Determinism: given the same state, seat, seed and an iteration budget (no ``time_limit``)
a bot always answers the same move. A ``time_limit`` caps the search by the clock, which
makes the answer depend on the machine's speed.

Hidden information. The search never looks at what the bot's seat may not see: in a
hidden-information game it reads only the seat's view (``rules.view(position, seat)``)
and the legal moves, which the seat to move sees too. Each iteration searches one
*determinization*, a position drawn by the game's ``determinize(view, seat, rng)`` hook
from that view alone, so two positions that look the same to the seat give the same
search and the same move. Future chance events come from a fresh generator drawn from
the bot's own seed instead of the game's. The tree is shared between determinizations
and a move is only compared with the moves available in the same sample (single-observer
information-set MCTS). Bots never call ``perturb_private`` (the conformance kit's tool).
A hidden-information game without ``determinize`` gets random moves from the ``mcts``
level, since it cannot be searched without peeking.

Many players: every node keeps the reward of the seat that made its move, so each seat
maximizes its own share of the win (1 for a sole winner, 1/k each for k winners, 1/n
each for a draw). Several seats allowed to move at once search as the first of them.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

from .core import Game, State
from .errors import INVALID_SEAT, NOT_YOUR_TURN, EngineError
from .rng import Rng, seed_state

#: Playouts longer than this end as a draw (checkers and chess can shuffle for ever).
PLAYOUT_LIMIT = 200
#: The UCT exploration constant (sqrt 2 suits rewards in [0, 1]).
EXPLORATION = math.sqrt(2)


def bot_seat(game: Game, state: State, seat: int | None = None) -> int:
    """The seat a bot plays: ``seat`` if given (and to move), else the only seat to move."""
    to_move = game.to_move(state)
    if seat is None:
        if len(to_move) != 1:
            raise EngineError(INVALID_SEAT, "say which seat the bot plays")
        return to_move[0]
    if seat not in to_move:
        raise EngineError(NOT_YOUR_TURN, f"seat {seat} is not to move")
    return seat


def random_move(game: Game, state: State, seed: int = 0, seat: int | None = None):
    """A uniformly random legal move for ``seat``, as move data."""
    bot_seat(game, state, seat)
    moves = game.legal_moves(state)
    return game.move_to_data(moves[Rng(seed_state(seed)).below(len(moves))])


class _Node:
    """One move in the tree; ``reward`` is summed for the seat that made it (``mover``)."""

    __slots__ = ("move", "parent", "mover", "children", "visits", "available", "reward")

    def __init__(self, move, parent: _Node | None, mover: int | None):
        self.move = move
        self.parent = parent
        self.mover = mover
        self.children: dict = {}
        self.visits = 0
        self.available = 0
        self.reward = 0.0

    def ucb(self) -> float:
        return self.reward / self.visits + EXPLORATION * math.sqrt(
            math.log(max(self.available, 1)) / self.visits
        )


def _rewards(outcome, num_players: int) -> list[float]:
    """Each seat's share of one finished (or abandoned: ``None``) playout."""
    if outcome is None or not outcome.winners:
        return [1.0 / num_players] * num_players
    share = 1.0 / len(outcome.winners)
    return [share if seat in outcome.winners else 0.0 for seat in range(num_players)]


def _determinize(game: Game, state: State, seat: int, rnd: random.Random):
    """A position ``seat`` cannot tell from the real one, and a chance stream of its own.

    In a hidden-information game the position is drawn from ``seat``'s view only."""
    rules = game.rules
    if rules.hidden_information:
        view = rules.view(state.position, seat)
        position = rules.determinize(view, seat, Rng(rnd.getrandbits(64)))
    else:
        position = state.position
    return position, Rng(rnd.getrandbits(64))


def mcts_move(
    game: Game,
    state: State,
    seed: int = 0,
    seat: int | None = None,
    iterations: int = 500,
    time_limit: float | None = None,
    playout_limit: int = PLAYOUT_LIMIT,
):
    """The most visited move after ``iterations`` UCT iterations (or ``time_limit`` seconds)."""
    seat = bot_seat(game, state, seat)
    rules = game.rules
    moves = game.legal_moves(state)
    if len(moves) == 1:
        return game.move_to_data(moves[0])
    if rules.hidden_information and rules.determinize is None:
        return random_move(game, state, seed, seat)
    root = _search(game, state, seed, seat, iterations, time_limit, playout_limit)
    legal = [root.children[m] for m in moves if m in root.children]
    best = max(legal, key=lambda child: child.visits) if legal else None
    return game.move_to_data(moves[0] if best is None else best.move)


def search_statistics(
    game: Game, state: State, seed: int = 0, seat: int | None = None, iterations: int = 100
) -> list:
    """``[move data, visits, summed reward]`` for each move the search tried at the root:
    what the conformance kit compares between positions that look the same to ``seat``."""
    seat = bot_seat(game, state, seat)
    root = _search(game, state, seed, seat, iterations, None, PLAYOUT_LIMIT)
    return [
        [game.move_to_data(move), child.visits, round(child.reward, 9)]
        for move, child in root.children.items()
    ]


def determinizations(game: Game, state: State, seat: int, seed: int = 0, count: int = 8) -> list:
    """The first ``count`` positions the search for ``seat`` would sample with ``seed``:
    the same whenever ``seat`` sees the same (what the conformance kit checks)."""
    rnd = random.Random(seed)
    return [_determinize(game, state, seat, rnd)[0] for _ in range(count)]


def _search(game, state, seed, seat, iterations, time_limit, playout_limit) -> _Node:
    rnd = random.Random(seed)
    root = _Node(None, None, None)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    for _ in range(max(iterations, 1)):
        if deadline is not None and time.monotonic() >= deadline:
            break
        _iterate(game, state, seat, root, rnd, playout_limit)
    return root


def _iterate(game: Game, state: State, seat: int, root: _Node, rnd, playout_limit: int) -> None:
    rules = game.rules
    position, chance = _determinize(game, state, seat, rnd)
    node = root
    # Selection and expansion: walk down by UCB among the moves legal in this sample.
    while rules.outcome(position) is None:
        mover = seat if node is root else rules.to_move(position)[0]
        legal = rules.legal_moves(position)
        untried = [move for move in legal if move not in node.children]
        for move in legal:
            if move in node.children:
                node.children[move].available += 1
        if untried:
            move = untried[rnd.randrange(len(untried))]
            node.children[move] = node = _Node(move, node, mover)
            node.available = 1
            position = rules.play(position, move, chance)
            break
        node = max((node.children[move] for move in legal), key=_Node.ucb)
        position = rules.play(position, node.move, chance)
    # Playout: random moves to the end, or to the limit (scored as a draw).
    for _ in range(playout_limit):
        if rules.outcome(position) is not None:
            break
        legal = rules.legal_moves(position)
        position = rules.play(position, legal[rnd.randrange(len(legal))], chance)
    rewards = _rewards(rules.outcome(position), state.num_players)
    # Backpropagation: each node scores the playout for the seat that made its move.
    while node is not None:
        node.visits += 1
        if node.mover is not None:
            node.reward += rewards[node.mover]
        node = node.parent


#: Bot levels by name: each takes ``(game, state, seed, seat, **budget)``.
LEVELS: dict[str, Callable] = {"random": random_move, "mcts": mcts_move}


def choose_move(game: Game, state: State, level: str, seed: int = 0, seat=None, **budget):
    """The move a bot of ``level`` plays; ``budget`` (iterations, time_limit) is for mcts."""
    try:
        strategy = LEVELS[level]
    except KeyError:
        raise ValueError(f"no bot level {level!r}; choose from {sorted(LEVELS)}") from None
    if strategy is random_move:
        return random_move(game, state, seed, seat)
    return strategy(game, state, seed, seat, **budget)
