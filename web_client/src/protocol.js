// The protocol's names and numbers, in one place: close codes, reject and error codes,
// and the few protocol facts the client acts on. Every value here is documented in
// docs/protocol.md (tests/test_web_client_unit.py checks that each code below appears
// there), so the pages never carry a bare 4403 or "stale_version" of their own.
//
// No side effects: importing this module only defines constants.

// docs/protocol.md "Close codes" (game socket; the lobby socket shares 4003, 1009/4009,
// 4008, 4012 and 4429).
export const CLOSE = Object.freeze({
  NORMAL: 1000,
  FRAME_TOO_BIG_DAPHNE: 1009, // sent by daphne itself
  TEXT_FRAME: 4003,
  FLOODING: 4008,
  FRAME_TOO_BIG: 4009,
  SERVER_RESTART: 4012, // reconnect with ?version=
  BAD_TOKEN: 4403,
  NO_SUCH_GAME: 4404,
  TOO_MANY_SOCKETS: 4429,
});

// The code this client closes its own socket with to simulate a network failure
// (GameSocket.drop). Not a server code: any 4000-4999 code the server does not use.
export const CLIENT_DROP = 4000;

// docs/protocol.md "Codes": `reject.code` of the game socket.
export const REJECT = Object.freeze({
  ILLEGAL_MOVE: "illegal_move",
  NOT_YOUR_TURN: "not_your_turn",
  MALFORMED_MOVE: "malformed_move",
  GAME_OVER: "game_over",
  NOT_A_PLAYER: "not_a_player",
  NOT_STARTED: "not_started",
  STALE_VERSION: "stale_version",
  MALFORMED: "malformed",
  UNAVAILABLE: "unavailable",
  SERVER_ONLY: "server_only",
  OUT_OF_TIME: "out_of_time",
  GRACE_PERIOD: "grace_period",
  NOT_ABANDONED: "not_abandoned",
  REPEATED_CHAT: "repeated_chat",
  NOT_FOUND: "not_found",
  INVALID_SEAT: "invalid_seat",
  NO_DRAW_OFFER: "no_draw_offer",
  DRAW_ALREADY_OFFERED: "draw_already_offered",
});

// docs/protocol.md "Codes": `error.code` (a frame the server could not read or dropped).
export const ERROR = Object.freeze({
  MALFORMED: "malformed",
  UNKNOWN_TYPE: "unknown_type",
  RATE_LIMITED: "rate_limited",
});

// docs/protocol.md HTTP API: 409 when a seat cannot be taken any more.
export const HTTP_ERROR = Object.freeze({
  GAME_FULL: "game_full",
});

// docs/protocol.md "Abandonment": a claim when fewer than this many actions were stored
// aborts the game instead of winning it. The server sends no flag for this, so the
// client shows "Abort the game" from the version (see the report in the commit log).
export const ABORT_BELOW_VERSION = 2;

// docs/protocol.md "Client -> server": chat text is 1-500 characters.
export const MAX_CHAT_LENGTH = 500;

// docs/protocol.md "Server -> client": the engine actions an update's `action` may name
// besides "move".
export const ACTIONS = Object.freeze({
  MOVE: "move",
  RESIGN: "resign",
  OFFER_DRAW: "offer_draw",
  ACCEPT_DRAW: "accept_draw",
  DECLINE_DRAW: "decline_draw",
  TIMEOUT: "timeout",
  ABANDON: "abandon",
  ABORT: "abort",
});

// docs/protocol.md GAME `status`.
export const STATUS = Object.freeze({
  WAITING: "waiting",
  ACTIVE: "active",
  FINISHED: "finished",
  ABORTED: "aborted",
});

export function isOver(status) {
  return status === STATUS.FINISHED || status === STATUS.ABORTED;
}
