// The move list helpers (src/movelist.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  culpritSeat,
  flaggedSeats,
  lastMoveData,
  moveText,
  movesOnly,
  numberedRows,
  recordAction,
  replayPlyText,
} from "../src/movelist.js";

const move = (version, seat, description, data = description) => ({ version, seat, action: "move", move: data, description });
const action = (version, seat, name) => ({ version, seat, action: name, move: { action: name }, description: name });

test("numberedRows pairs two-player moves and numbers many-player ones singly", () => {
  const entries = [move(1, 0, "e4"), move(2, 1, "e5"), move(3, 0, "Nf3")];
  assert.deepEqual(
    numberedRows(entries, true).map((r) => [r.number, r.entries.map((e) => e.description)]),
    [[1, ["e4", "e5"]], [2, ["Nf3"]]],
  );
  assert.deepEqual(numberedRows(entries, false).map((r) => r.number), [1, 2, 3]);
  assert.deepEqual(numberedRows([], true), []);
});

test("movesOnly keeps moves and unknown versions, drops engine actions", () => {
  const list = [move(1, 0, "a"), undefined, action(3, 1, "offer_draw"), move(4, 0, "b")];
  assert.deepEqual(movesOnly(list), [list[0], undefined, list[3]]);
});

test("moveText: description, (hidden), … for a hole, null for an engine action", () => {
  assert.equal(moveText(move(1, 0, "e4")), "e4");
  assert.equal(moveText({ version: 1, seat: 0, action: "move", move: null, description: "" }), "(hidden)");
  assert.equal(moveText({ version: 1, seat: 0, action: "move", move: 3, description: "" }), "3");
  assert.equal(moveText(undefined), "…");
  assert.equal(moveText(action(2, 0, "resign")), null);
});

test("lastMoveData skips engine actions and stops at an unknown version", () => {
  assert.equal(lastMoveData([move(1, 0, "a", 4), action(2, 1, "offer_draw")]), 4);
  assert.equal(lastMoveData([move(1, 0, "a", 4), undefined]), null);
  assert.equal(lastMoveData([]), null);
});

test("recordAction names the action stored as move data", () => {
  assert.equal(recordAction("e2e4"), "move");
  assert.equal(recordAction(["bid", 2, 3]), "move");
  assert.equal(recordAction(3), "move");
  assert.equal(recordAction({ action: "resign" }), "resign");
});

test("flaggedSeats: from timeout actions, else from a timeout outcome's one loser", () => {
  assert.deepEqual([...flaggedSeats([move(1, 0, "a"), action(2, 1, "timeout")], null, 2)], [1]);
  const outcome = { winners: [0], draw: false, reason: "timeout", scores: null };
  assert.deepEqual([...flaggedSeats([], outcome, 2)], [1]);
  assert.deepEqual([...flaggedSeats([], { ...outcome, reason: "resignation" }, 2)], []);
  assert.deepEqual([...flaggedSeats([], { ...outcome, winners: [0] }, 3)], []);
});

test("culpritSeat: the ending action's seat, else the one losing seat", () => {
  const outcome = { winners: [1], draw: false, reason: "abandonment", scores: null };
  assert.equal(culpritSeat([action(5, 0, "abandon")], outcome, 2, "abandon"), 0);
  assert.equal(culpritSeat([move(5, 1, "x")], outcome, 2, "abandon"), 0);
  assert.equal(culpritSeat([], { winners: [], draw: false, reason: "aborted" }, 2, "abort"), null);
});

test("replayPlyText: a move's description, or who did which action", () => {
  assert.equal(replayPlyText({ seat: 0, action: "move", move: 4, description: "e4" }, ["Ann"]), "e4");
  assert.equal(replayPlyText({ seat: 0, action: "move", move: 4, description: "" }, ["Ann"]), "4");
  assert.equal(replayPlyText({ seat: 1, action: "offer_draw", move: null }, ["Ann", "Bob"]), "Bob offers a draw");
});

// Issue #15: the replay counts moves, not draw offers, and says actions in words.
import { chessPgn, publicMoveText, replayPositionText, replayRows } from "../src/movelist.js";

const ply = (n, seat, action, description) => ({ ply: n, seat, action, description, view: { players: 2 } });

test("replayRows numbers moves only; other actions are notes after their row", () => {
  const plies = [ply(1, 0, "move", "e4"), ply(2, 0, "offer_draw"), ply(3, 1, "decline_draw"), ply(4, 1, "move", "e5"), ply(5, 0, "move", "Nf3"), ply(6, 1, "resign")];
  const rows = replayRows(plies, true).map((r) => (r.note ? `note ${r.note.action}` : `${r.number}. ${r.entries.map((e) => e.description).join(" ")}`));
  assert.deepEqual(rows, ["1. e4 e5", "note offer_draw", "note decline_draw", "2. Nf3", "note resign"]);
  const single = replayRows([ply(1, 0, "move", "a"), ply(2, 1, "offer_draw"), ply(3, 1, "move", "b")], false);
  assert.deepEqual(single.map((r) => r.number ?? "note"), [1, "note", 2]);
});

test("replayPositionText counts full moves and names actions in words", () => {
  const plies = [{ ply: 0, view: { players: 2 } }, ply(1, 0, "move", "e4"), ply(2, 0, "offer_draw"), ply(3, 1, "move", "e5"), ply(4, 0, "move", "Nf3")];
  const names = ["Alice", "Bob"];
  assert.equal(replayPositionText(plies, 0, names), "Start");
  assert.equal(replayPositionText(plies, 2, names), "Alice offers a draw");
  assert.equal(replayPositionText(plies, 3, names, ["White", "Black"]), "Move 1 · Black · e5");
  assert.equal(replayPositionText(plies, 4, names, ["White", "Black"]), "Move 2 · White · Nf3");
  assert.equal(replayPlyText(ply(5, 1, "decline_draw"), names), "Bob declined the draw");
});

test("publicMoveText reads another seat's Liar's Dice bid or challenge off the view", () => {
  const view = (bids, reveal) => ({ game: "liars_dice", position: { bids, last_reveal: reveal } });
  const entry = { version: 3, seat: 1, action: "move", move: null, description: "" };
  assert.equal(publicMoveText(entry, view([{ seat: 0, quantity: 2, face: 3 }, { seat: 1, quantity: 3, face: 5 }], null)), "bid 3x5");
  const reveal = { challenger: 1, bidder: 0, quantity: 4, face: 2, count: 3, loser: 0, dice: [] };
  assert.equal(publicMoveText(entry, view([], reveal)), "challenge 4x2");
  assert.equal(publicMoveText({ ...entry, description: "bid 1x2" }, view([], null)), "bid 1x2");
  assert.equal(publicMoveText(entry, { game: "chess", position: {} }), "");
});

test("chessPgn writes the tags, numbered SAN and the result", () => {
  const pgn = chessPgn({
    white: 'Al "the" King',
    black: "Bob",
    outcome: { winners: [1], draw: false, reason: "checkmate" },
    date: "2024-05-06T10:00:00Z",
    timeControl: { kind: "fischer", initial: 180, increment: 2 },
    moves: [move(1, 0, "f3"), action(2, 0, "offer_draw"), move(3, 1, "e5"), move(4, 0, "g4"), move(5, 1, "Qh4#")],
  });
  assert.match(pgn, /^\[Event "Casual game"\]\n/);
  assert.match(pgn, /\[Date "2024\.05\.06"\]/);
  assert.match(pgn, /\[White "Al \\"the\\" King"\]/);
  assert.match(pgn, /\[Result "0-1"\]/);
  assert.match(pgn, /\[TimeControl "180\+2"\]/);
  assert.ok(pgn.endsWith("\n\n1. f3 e5 2. g4 Qh4# 0-1\n"), pgn);
});
