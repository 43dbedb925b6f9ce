// The move list and the actions around it: pairing moves into numbered rows, the text
// of a move, the last move to highlight, who ran out of time or walked out. Pure
// functions over the list of actions the socket keeps (entries {version, seat, action,
// move, description}, one per version, possibly with holes); unit-tested under node.

import { fillSeats } from "./declarative.js";
import { losingSeats } from "./format.js";
import { ACTIONS } from "./protocol.js";

// Rows of a move list: with two players, two entries a row numbered 1., 2., ... as long
// as the seats take turns; a seat that moves again (it caught a fish, it was skipped...)
// starts a new row, so a row never pairs two moves of one seat. With more players, one
// entry a row. [{number, entries: [a, b?]}].
export function numberedRows(entries, paired) {
  const rows = [];
  if (paired) {
    let row = null;
    for (const entry of entries) {
      const previous = row?.entries.at(-1);
      const again = previous && entry && previous.seat === entry.seat;
      if (!row || row.entries.length === 2 || again) {
        row = { number: rows.length + 1, entries: [] };
        rows.push(row);
      }
      row.entries.push(entry);
    }
  } else {
    entries.forEach((entry, i) => rows.push({ number: i + 1, entries: [entry] }));
  }
  return rows;
}

// The label of entries[index] in the list: "3." (first of its row) or "3…" (second).
export function moveLabel(entries, index, paired) {
  let seen = 0;
  for (const row of numberedRows(entries, paired)) {
    if (index < seen + row.entries.length) return `${row.number}${index - seen ? "…" : "."}`;
    seen += row.entries.length;
  }
  return "";
}

// The moves (not resignations, draw offers...) of the list; holes (versions not known
// yet) are kept as undefined so the list shows "…" there.
export function movesOnly(moves) {
  return moves.filter((e) => !e || e.action === ACTIONS.MOVE);
}

// How a move is written: its description (SAN for chess), "(hidden)" for another seat's
// move in a hidden-information game, "…" for a version not known yet.
// Descriptions may name seats as {seat:N} (docs/protocol.md): `names` fills them in.
export function moveText(entry, names = []) {
  if (!entry) return "…";
  if (entry.action !== ACTIONS.MOVE) return null;
  return entry.description ? fillSeats(entry.description, names) : entry.move === null ? "(hidden)" : JSON.stringify(entry.move);
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
// which engine action, in words ("Alice offers a draw").
export function replayPlyText(ply, names) {
  if (ply.action === ACTIONS.MOVE) return ply.description ? fillSeats(ply.description, names) : JSON.stringify(ply.move);
  const who = names[ply.seat] || `Seat ${ply.seat + 1}`;
  return `${who} ${ACTION_TEXT[ply.action] || ply.action.replaceAll("_", " ")}`;
}

// The rows of a replay's move list: the moves numbered as a player counts them (two a
// row with two players: "1. e4 e5"), and every other action (draw offers, resignations,
// time-outs) as an unnumbered note after the row it happened in.
// [{number, entries: [ply, ply?]} | {note: ply}].
export function replayRows(plies, paired) {
  const rows = [];
  const notes = [];
  let row = null;
  const flush = () => {
    for (const note of notes.splice(0)) rows.push({ note });
  };
  for (const ply of plies) {
    if (ply.action !== ACTIONS.MOVE) {
      notes.push(ply);
      if (!row || !paired || row.entries.length === 2) flush();
      continue;
    }
    const again = paired && row && row.entries.length === 1 && row.entries[0].seat === ply.seat;
    if (!paired || !row || row.entries.length === 2 || again) {
      if (notes.length) flush();
      row = { number: (row?.number ?? 0) + 1, entries: [] };
      rows.push(row);
    }
    row.entries.push(ply);
    if (row.entries.length === 2 || !paired) flush();
  }
  flush();
  return rows;
}

// The replay's position line for ply `index` of `plies` (replay.json): "Start",
// "Move 2 · Black · e5", "Alice offers a draw".
export function replayPositionText(plies, index, names, sideNames) {
  if (index === 0) return "Start";
  const ply = plies[index];
  if (ply.action !== ACTIONS.MOVE) return replayPlyText(ply, names);
  const moves = plies.slice(1, index + 1).filter((p) => p.action === ACTIONS.MOVE);
  const players = plies[0].view.players;
  const number = numberedRows(moves, players === 2).at(-1).number;
  const side = sideNames?.[ply.seat] || names[ply.seat] || `Seat ${ply.seat + 1}`;
  return `Move ${number} · ${side} · ${replayPlyText(ply, names)}`;
}

// What another seat's move in Liar's Dice was, read off the public view after it (the
// server sends other seats' hidden-game moves without data): bids and challenges are
// public, only the dice are private. "" when the view does not tell.
export function publicMoveText(entry, view) {
  if (!entry || entry.action !== ACTIONS.MOVE || entry.description || view?.game !== "liars_dice") {
    return entry?.description || "";
  }
  const position = view.position;
  const bid = position.bids.at(-1);
  if (bid && bid.seat === entry.seat) return `bid ${bid.quantity}x${bid.face}`;
  const reveal = position.last_reveal;
  if (reveal && reveal.challenger === entry.seat) return `challenge ${reveal.quantity}x${reveal.face}`;
  return "";
}

// ------------------------------------------------------------------ PGN
const PGN_RESULT = (outcome) => {
  if (!outcome) return "*";
  if (outcome.draw || !outcome.winners.length) return "1/2-1/2";
  return outcome.winners.includes(0) ? "1-0" : "0-1";
};

function pgnTag(name, value) {
  return `[${name} "${String(value ?? "?").replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"]`;
}

// A chess game as PGN: the Seven Tag Roster plus TimeControl and Termination, then the
// SAN moves (descriptions of the stored moves) and the result. `moves` are entries
// {action, description}; engine actions are skipped (the result says how it ended).
export function chessPgn({ white, black, outcome, date, timeControl, moves, site = "Boardroom", event = "Casual game", termination }) {
  const day = (date ? new Date(date) : new Date()).toISOString().slice(0, 10).replaceAll("-", ".");
  const result = PGN_RESULT(outcome);
  const tc = !timeControl
    ? "-"
    : timeControl.kind === "fischer"
      ? `${timeControl.initial}+${timeControl.increment}`
      : timeControl.kind === "move"
        ? `1/${timeControl.seconds}`
        : timeControl.kind === "correspondence"
          ? `1/${timeControl.days * 86400}`
          : "-";
  const tags = [
    pgnTag("Event", event),
    pgnTag("Site", site),
    pgnTag("Date", day),
    pgnTag("Round", "-"),
    pgnTag("White", white),
    pgnTag("Black", black),
    pgnTag("Result", result),
    pgnTag("TimeControl", tc),
  ];
  if (termination) tags.push(pgnTag("Termination", termination));
  const sans = moves.filter((m) => m && m.action === ACTIONS.MOVE).map((m) => m.description);
  const tokens = [];
  sans.forEach((san, i) => {
    if (i % 2 === 0) tokens.push(`${i / 2 + 1}.`);
    tokens.push(san);
  });
  tokens.push(result);
  const lines = [];
  let line = "";
  for (const token of tokens) {
    if (line && line.length + 1 + token.length > 79) {
      lines.push(line);
      line = token;
    } else {
      line = line ? `${line} ${token}` : token;
    }
  }
  if (line) lines.push(line);
  return `${tags.join("\n")}\n\n${lines.join("\n")}\n`;
}
