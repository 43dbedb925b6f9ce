"""The engine's command line: list the games, count perft leaves, play in the terminal.

    python -m engine games
    python -m engine perft GAME DEPTH [--position TEXT] [--players N]
    python -m engine play GAME [--players N] [--seed S] [--random SEATS]
    python -m engine endings GAME [--playouts N] [--cap PLIES]
    python -m engine playthrough GAME [--seed S] [--players N] [--write PATH]
    python -m engine new NAME [--dir DIR] [--module DOTTED.PATH]

Everything goes through the generic :class:`engine.Game` API, so each command works
for every registered game. ``play`` reads one move per line from stdin: the move data as
typed (``4``, ``[11, 15]``, ``pass``) or its human notation (``d3``), or ``resign`` /
``draw`` (offers a draw; the other seats are asked to accept it, random movers decline).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from . import (
    ACCEPT_DRAW,
    DECLINE_DRAW,
    OFFER_DRAW,
    RESIGN,
    EngineError,
    Game,
    State,
    all_games,
    get,
    perft,
)
from .rng import Rng, seed_state

# The random movers draw from a stream of their own, so they never replay the game's own
# random numbers (dice, shuffles) seeded with the same --seed.
RANDOM_MOVER_SALT = 0x52414E444F4D


def list_games() -> int:
    for game in all_games():
        if game.min_players == game.max_players:
            players = str(game.min_players)
        else:
            players = f"{game.min_players}-{game.max_players}"
        print(f"{game.name:<14} {game.title:<24} {players} players")
    return 0


def run_perft(name: str, depth: int, position: str | None, players: int | None) -> int:
    if depth < 0:
        print("error: the depth cannot be negative", file=sys.stderr)
        return 2
    game = get(name)
    num_players = players if players is not None else game.min_players
    if position is None:
        state = game.initial_state(num_players)
    else:
        state = game.state_from_text(position, num_players)
    started = time.perf_counter()
    leaves = perft(game, state, depth)
    seconds = time.perf_counter() - started
    print(leaves)
    print(f"{seconds:.3f} s, {leaves / max(seconds, 1e-9):,.0f} nodes/s")
    return 0


def show(game: Game, state: State, seat: int) -> None:
    print(f"\n{game.title}, ply {state.ply}, seat {seat} to move")
    if game.rules.to_text is not None and not game.rules.hidden_information:
        print("position:", game.to_text(state) or "(start)")
    else:
        print(json.dumps(game.view(state, seat)["position"], default=str))


def notation_table(game: Game, state: State) -> dict[str, object]:
    """Human notation of each legal move, mapped to the move's data."""
    table = {}
    for move in game.legal_moves(state):
        data = game.move_to_data(move)
        table[game.describe_move(state, data)] = data
    return table


def label(notation: str, data) -> str:
    """The notation, followed by the move's number when the two differ (``d3=19``)."""
    if isinstance(data, int) and notation != str(data):
        return f"{notation}={data}"
    return notation


def read_move(text: str, game: Game, state: State, notations: dict):
    """What a typed line means: an engine action, the move data as typed, or a notation."""
    if text == "resign":
        return {"action": RESIGN}
    if text == "draw":
        return {"action": OFFER_DRAW}
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    legal = [game.move_to_data(move) for move in game.legal_moves(state)]
    if data in legal or text not in notations:
        return data
    return notations[text]


def prompt(text: str) -> str | None:
    """One stripped line from stdin, or ``None`` at the end of input."""
    print(text, end="", flush=True)
    line = sys.stdin.readline()
    return line.strip() if line else None


def answer_draw_offer(game: Game, state: State, random_seats: set[int]) -> State | None:
    """Ask every other seat in turn; random movers decline. ``None`` at the end of input."""
    for seat in game.active_seats(state):
        if seat in state.draw_offers:
            continue
        if seat in random_seats:
            answer = "n"
        else:
            answer = prompt(f"seat {seat}, accept the draw? [y/n]> ")
            if answer is None:
                return None
        accepted = answer.lower().startswith("y")
        print(f"seat {seat} {'accepts' if accepted else 'declines'} the draw")
        state = game.apply(state, {"action": ACCEPT_DRAW if accepted else DECLINE_DRAW}, seat)
        if not accepted or game.is_over(state):
            break
    return state


def describe_outcome(outcome) -> str:
    if outcome.draw:
        text = f"draw ({outcome.reason})"
    else:
        seats = " and ".join(f"seat {seat}" for seat in outcome.winners)
        text = f"{seats} {'wins' if len(outcome.winners) == 1 else 'win'} ({outcome.reason})"
    if outcome.scores is not None:
        text += ", scores " + " - ".join(str(score) for score in outcome.scores)
    return text


def play(name: str, players: int | None, seed: int, random_seats: set[int]) -> int:
    game = get(name)
    state = game.initial_state(players if players is not None else game.min_players, seed)
    mover_rng = Rng(seed_state(seed) ^ RANDOM_MOVER_SALT)
    while not game.is_over(state):
        seat = game.to_move(state)[0]
        if seat in random_seats:
            moves = [game.move_to_data(move) for move in game.legal_moves(state)]
            data = moves[mover_rng.below(len(moves))]
            print(f"seat {seat} plays {game.describe_move(state, data)}")
            state = game.apply(state, data, seat)
            continue
        show(game, state, seat)
        notations = notation_table(game, state)
        print("legal:", ", ".join(label(text, data) for text, data in notations.items()))
        text = prompt(f"seat {seat}> ")
        if text is None:
            print("\nend of input: game left unfinished")
            return 1
        if not text:
            continue
        data = read_move(text, game, state, notations)
        try:
            state = game.apply(state, data, seat)
        except EngineError as error:
            print(f"error: {error}")
            continue
        if data == {"action": OFFER_DRAW}:
            state = answer_draw_offer(game, state, random_seats)
            if state is None:
                print("\nend of input: game left unfinished")
                return 1
    if game.rules.to_text is not None and not game.rules.hidden_information:
        print("\nposition:", game.to_text(state) or "(start)")
    print(f"game over: {describe_outcome(game.outcome(state))}")
    return 0


def run_endings(name: str, playouts: int, cap: int) -> int:
    """How seeded random playouts (game moves only) end: by which rule, or capped."""
    from .playthrough import random_playout

    game = get(name)
    reasons: dict[str, int] = {}
    plies = 0
    counts = range(game.min_players, game.max_players + 1)
    for index in range(playouts):
        final = random_playout(game, counts[index % len(counts)], index, cap)[-1]
        outcome = game.outcome(final)
        reason = "capped" if outcome is None else outcome.reason
        reasons[reason] = reasons.get(reason, 0) + 1
        plies += final.ply
    ended = playouts - reasons.get("capped", 0)
    print(f"{ended} of {playouts} random playouts ended by the rules within {cap} plies")
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        print(f"  {reason:<24} {count}")
    print(f"mean length {plies / max(playouts, 1):.1f} plies")
    return 0


def run_playthrough(name: str, seed: int, players: int | None, write: str | None) -> int:
    from .playthrough import playthrough

    text = playthrough(get(name), seed=seed, num_players=players)
    if write is None:
        sys.stdout.write(text)
    else:
        from pathlib import Path

        Path(write).parent.mkdir(parents=True, exist_ok=True)
        Path(write).write_text(text)
        print(f"wrote {write}")
    return 0


def run_new(name: str, directory: str, module: str | None) -> int:
    from pathlib import Path

    from .scaffold import new_game

    try:
        paths = new_game(name, Path(directory), module)
    except (ValueError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {path}")
    test = paths[1]
    print(f"next: python -m pytest {test}  (green), then make the rules yours")
    return 0


def parse_seats(text: str) -> set[int]:
    try:
        return {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"seats are comma-separated numbers, not {text!r}"
        ) from None


def run_formats(path: str | None) -> int:
    from .formats import reference

    text = reference()
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {path}")
    else:
        print(text, end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("games", help="list the registered games")

    perft_command = commands.add_parser("perft", help="count the leaves DEPTH moves ahead")
    perft_command.add_argument("game")
    perft_command.add_argument("depth", type=int)
    perft_command.add_argument("--position", help="start from this position text")
    perft_command.add_argument("--players", type=int, help="default: the game's minimum")

    play_command = commands.add_parser("play", help="play in the terminal")
    play_command.add_argument("game")
    play_command.add_argument("--players", type=int, help="default: the game's minimum")
    play_command.add_argument("--seed", type=int, default=0)
    play_command.add_argument(
        "--random",
        type=parse_seats,
        default=set(),
        metavar="SEATS",
        help="comma-separated seats played by a seeded random mover",
    )

    endings_command = commands.add_parser(
        "endings", help="how seeded random playouts end (by the rules, or capped)"
    )
    endings_command.add_argument("game")
    endings_command.add_argument("--playouts", type=int, default=100)
    endings_command.add_argument("--cap", type=int, default=1000, help="plies per playout")

    playthrough_command = commands.add_parser(
        "playthrough", help="print (or --write) the game's golden playthrough"
    )
    playthrough_command.add_argument("game")
    playthrough_command.add_argument("--seed", type=int, default=1)
    playthrough_command.add_argument("--players", type=int, help="default: 3 if allowed")
    playthrough_command.add_argument("--write", metavar="PATH", help="write it to PATH")

    formats_command = commands.add_parser(
        "formats", help="print (or --write) docs/games.md from the games' declared formats"
    )
    formats_command.add_argument("--write", metavar="PATH", help="write it to PATH")

    new_command = commands.add_parser(
        "new", help="write a new game module, its tests and playthrough from a template"
    )
    new_command.add_argument("name")
    new_command.add_argument("--dir", default=".", help="where to write (default: here)")
    new_command.add_argument(
        "--module", help="the new module's import path (default: NAME; engine.games.NAME)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "games":
            return list_games()
        if args.command == "perft":
            return run_perft(args.game, args.depth, args.position, args.players)
        if args.command == "endings":
            return run_endings(args.game, args.playouts, args.cap)
        if args.command == "playthrough":
            return run_playthrough(args.game, args.seed, args.players, args.write)
        if args.command == "formats":
            return run_formats(args.write)
        if args.command == "new":
            return run_new(args.name, args.dir, args.module)
        return play(args.game, args.players, args.seed, args.random)
    except EngineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
