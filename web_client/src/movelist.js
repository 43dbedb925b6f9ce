// The move list and the actions around it: pairing moves into numbered rows, the text
// of a move, the last move to highlight, who ran out of time or walked out. Pure
// functions over the list of actions the socket keeps (entries {version, seat, action,
// move, description}, one per version, possibly with holes); unit-tested under node.

import { losingSeats } from "./format.js";
import { ACTIONS } from "./protocol.js";

// Rows of a move list: with two players, two entries a row numbered 1., 2., ...; with
// more, one entry a row. [{number, entries: [a, b?]}].
export function numberedRows(entries, paired) {
  const rows = [];
  if (paired) {
    for (let i = 0; i < entries.length; i += 2) {
      rows.push({ number: i / 2 + 1, entries: entries.slice(i, i + 2) });
    }
  } else {
    entries.forEach((entry, i) => rows.push({ number: i + 1, entries: [entry] }));
  }
  return rows;
}

// The moves (not resignations, draw offers...) of the list; holes (versions not known
// yet) are kept as undefined so the list shows "…" there.
export function movesOnly(moves) {
  return moves.filter((e) => !e || e.action === ACTIONS.MOVE);
}

// How a move is written: its description (SAN for chess), "(hidden)" for another seat's
// move in a hidden-information game, "…" for a version not known yet.
export function moveText(entry) {
  if (!entry) return "…";
  if (entry.action !== ACTIONS.MOVE) return null;
  return entry.description || (entry.move === null ? "(hidden)" : JSON.stringify(entry.move));
}

// The move data of the last move, for the board to highlight; null when an unknown
// version hides it or there was none.
export function lastMoveData(moves) {
  for (let i = moves.length - 1; i >= 0; i--) {
    const entry = moves[i];
    if (entry && entry.action === ACTIONS.MOVE) return entry.move;
    if (entry) continue;
    return null;
  }
  return null;
}

// The name of the action stored as move data `data` (docs/protocol.md: an engine action
// is a map {"action": name}), for the record's moves, which carry no `action` field.
export function recordAction(data) {
  return typeof data === "object" && data && !Array.isArray(data) ? data.action : ACTIONS.MOVE;
}

// Seats whose clock ran out: from the timeout actions known, else from an outcome
// "timeout" with exactly one losing seat (the server then resets a per-move clock).
export function flaggedSeats(moves, outcome, numPlayers) {
  const seats = new Set(moves.filter((e) => e?.action === ACTIONS.TIMEOUT).map((e) => e.seat));
  if (!seats.size && outcome?.reason === "timeout") {
    const losers = losingSeats(outcome, numPlayers);
    if (losers.length === 1) seats.add(losers[0]);
  }
  return seats;
}

// The seat that ended the game with `action` (timeout, abandon, abort): the ending
// action's seat when it is that action, else the one losing seat, else null.
export function culpritSeat(moves, outcome, numPlayers, action) {
  const ended = moves.at(-1);
  if (ended?.action === action) return ended.seat ?? null;
  const losers = losingSeats(outcome, numPlayers);
  return losers.length === 1 ? losers[0] : null;
}

// What the chat log says about an engine action ("resigned", "offers a draw"...).
export const ACTION_TEXT = {
  [ACTIONS.RESIGN]: "resigned",
  [ACTIONS.OFFER_DRAW]: "offers a draw",
  [ACTIONS.ACCEPT_DRAW]: "accepted the draw",
  [ACTIONS.DECLINE_DRAW]: "declined the draw",
  [ACTIONS.TIMEOUT]: "ran out of time",
  [ACTIONS.ABANDON]: "left the game",
  [ACTIONS.ABORT]: "left: the game is aborted",
};

// The text of one replay ply (replay.json plies[n]): the move's description, or who did
// which engine action.
export function replayPlyText(ply, names) {
  if (ply.action === ACTIONS.MOVE) return ply.description || JSON.stringify(ply.move);
  return `${names[ply.seat] || ""} ${ply.action.replace("_", " ")}`;
}
