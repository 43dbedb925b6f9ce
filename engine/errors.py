"""The one exception type the engine raises for bad input, with machine-readable codes."""

from __future__ import annotations

# Every code the engine can raise. The server forwards them to clients unchanged,
# so docs/protocol.md lists the same set.
ILLEGAL_MOVE = "illegal_move"
NOT_YOUR_TURN = "not_your_turn"
MALFORMED_MOVE = "malformed_move"
GAME_OVER = "game_over"
INVALID_SEAT = "invalid_seat"
NO_DRAW_OFFER = "no_draw_offer"
DRAW_ALREADY_OFFERED = "draw_already_offered"
UNKNOWN_GAME = "unknown_game"
INVALID_OPTIONS = "invalid_options"
INVALID_PLAYERS = "invalid_players"
INVALID_POSITION = "invalid_position"
INVALID_STATE = "invalid_state"

CODES = frozenset(
    {
        ILLEGAL_MOVE,
        NOT_YOUR_TURN,
        MALFORMED_MOVE,
        GAME_OVER,
        INVALID_SEAT,
        NO_DRAW_OFFER,
        DRAW_ALREADY_OFFERED,
        UNKNOWN_GAME,
        INVALID_OPTIONS,
        INVALID_PLAYERS,
        INVALID_POSITION,
        INVALID_STATE,
    }
)


class EngineError(ValueError):
    """Bad input to the engine. ``code`` is one of :data:`CODES`; ``message`` is for humans."""

    def __init__(self, code: str, message: str):
        assert code in CODES, code
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
