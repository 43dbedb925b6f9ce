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
from game_server import frames, presence, state
from game_server.models import Game
from game_server.protocol import is_identifier


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
    if not is_identifier(game_id):
        raise Http404("no such game")
    try:
        stored = Game.objects.get(pk=game_id)
    except Game.DoesNotExist:
        raise Http404("no such game") from None
    game_engine = engine.get(stored.kind)
    initial = game_engine.initial_state(stored.num_players, stored.seed, stored.options)
    plies = [{"ply": 0, "view": game_engine.view(initial, None)}]
    # A spectator delay holds the latest moves back here too.
    visible = frames.visible_version(stored, None)
    try:
        for step in state.replay(stored, initial, upto=visible):
            plies.append(
                {
                    "ply": step.ply,
                    "seat": step.seat,
                    "move": step.public if state.hidden(game_engine) else step.data,
                    "action": state.action_name(step.data),
                    "description": step.description,
                    "view": game_engine.view(step.state, None),
                }
            )
    except EngineError:  # a corrupt log: show what replays
        pass
    return JsonResponse(
        {
            "game": stored.pk,
            "kind": stored.kind,
            "title": game_engine.title,
            "status": stored.status,
            "outcome": stored.outcome,
            "players": presence.players(stored.pk),
            "plies": plies,
        }
    )
