"""Pages of the browser client and the replay data they read.

The pages are thin shells: the JavaScript bundles built from ``web_client/src`` (see
``package.json``) talk to the game server's HTTP API and WebSockets. The one JSON view
here, :func:`replay_data`, replays a game's stored move log through the engine and
returns the public (spectator) view after every ply, so the replay page can step and
scrub without running the rules in the browser.
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

import engine
from engine import EngineError


def _games() -> list[dict]:
    return [game.metadata() for game in engine.all_games()]


@require_safe
@ensure_csrf_cookie
def lobby(request):
    return render(request, "web_client/lobby.html", {"games": _games(), "page": "lobby"})


@require_safe
@ensure_csrf_cookie
def game(request, game_id: str):
    return render(request, "web_client/game.html", {"game_id": game_id, "page": "game"})


@require_safe
@ensure_csrf_cookie
def replay(request, game_id: str):
    return render(request, "web_client/replay.html", {"game_id": game_id, "page": "replay"})


@require_safe
def replay_data(request, game_id: str):
    """``{"game", "kind", "title", "status", "outcome", "players", "plies": [...]}``.

    ``plies[0]`` is the starting position; ``plies[n]`` the state after the n-th stored
    action, with the action (``seat``, ``move``, ``description``) that led to it. Views
    are spectators' views: nothing hidden is revealed.
    """
    from game_server import services
    from game_server.models import Game, Move

    try:
        stored = Game.objects.get(pk=game_id)
    except Game.DoesNotExist:
        raise Http404("no such game") from None
    game_engine = engine.get(stored.kind)
    state = game_engine.initial_state(stored.num_players, stored.seed, stored.options)
    plies = [{"ply": 0, "view": game_engine.view(state, None)}]
    # A spectator delay holds the latest moves back here too.
    visible = services.visible_version(stored, None)
    moves = Move.objects.filter(game_id=game_id, ply__lte=visible).order_by("ply")
    for move in moves.values("ply", "seat", "data", "description"):
        try:
            state = game_engine.apply(state, move["data"], move["seat"])
        except EngineError:  # a corrupt log: show what replays
            break
        plies.append(
            {
                "ply": move["ply"],
                "seat": move["seat"],
                "move": None if game_engine.rules.hidden_information else move["data"],
                "action": services.action_name(move["data"]),
                "description": move["description"],
                "view": game_engine.view(state, None),
            }
        )
    return JsonResponse(
        {
            "game": stored.pk,
            "kind": stored.kind,
            "title": game_engine.title,
            "status": stored.status,
            "outcome": stored.outcome,
            "players": services.players(stored.pk),
            "plies": plies,
        }
    )
