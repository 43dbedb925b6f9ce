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
  assert.equal(replayPlyText({ seat: 1, action: "offer_draw", move: null }, ["Ann", "Bob"]), "Bob offer draw");
});
