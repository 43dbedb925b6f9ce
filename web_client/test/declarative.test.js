import assert from "node:assert/strict";
import test from "node:test";

import { faceLabel, fillSeats, missingMoves, renderItems, renderTargets, sameMove } from "../src/declarative.js";
import { moveLabel, numberedRows, replayPositionText, replayRows } from "../src/movelist.js";

const render = {
  items: [
    { type: "text", text: "{seat:1} asked {seat:0} for 7s" },
    {
      type: "group",
      seat: 0,
      items: [{ type: "cards", cards: [{ face: "7♥", move: ["ask", 1, "7"] }, { face: null }, { face: "Q♠", moves: [{ label: "Ask {seat:1}", move: ["ask", 1, "Q"] }, { label: "Ask {seat:2}", move: ["ask", 2, "Q"] }] }] }],
    },
    { type: "grid", rows: 1, cols: 2, cells: [null, { label: "x", move: 3 }] },
    { type: "buttons", buttons: [{ label: "Draw", move: "draw" }] },
  ],
};

test("fillSeats names seats, falling back to Seat N", () => {
  assert.equal(fillSeats("{seat:1} asked {seat:0}", ["Ann", "Bob"]), "Bob asked Ann");
  assert.equal(fillSeats("{seat:2} moves", ["Ann"]), "Seat 3 moves");
  assert.equal(fillSeats(undefined), "");
});

test("renderTargets lists every move offered, groups and choices included", () => {
  assert.equal(renderItems(render).length, 5);
  assert.deepEqual(renderTargets(render), [["ask", 1, "7"], ["ask", 1, "Q"], ["ask", 2, "Q"], 3, "draw"]);
  assert.deepEqual(missingMoves(render, [3, "draw", ["ask", 2, "5"]]), [["ask", 2, "5"]]);
  assert.ok(sameMove(["ask", 1, "7"], ["ask", 1, "7"]));
  assert.equal(faceLabel({ face: null }), "face down");
  assert.equal(faceLabel({ face: "7♥" }), "7♥");
});

const mv = (version, seat, description) => ({ version, seat, action: "move", move: description, description });

test("numberedRows starts a new row when a seat moves again", () => {
  const entries = [mv(1, 0, "a"), mv(2, 0, "b"), mv(3, 1, "c"), mv(4, 0, "d"), mv(5, 1, "e")];
  assert.deepEqual(
    numberedRows(entries, true).map((r) => [r.number, r.entries.map((e) => e.description)]),
    [[1, ["a"]], [2, ["b", "c"]], [3, ["d", "e"]]],
  );
  assert.equal(moveLabel(entries, 0, true), "1.");
  assert.equal(moveLabel(entries, 2, true), "2…");
  assert.equal(moveLabel(entries, 3, true), "3.");
});

test("replayRows and replayPositionText count rows, not moves halved", () => {
  const ply = (n, seat, description) => ({ ply: n, seat, action: "move", description, view: { players: 2 } });
  const plies = [ply(1, 0, "a"), ply(2, 0, "b"), ply(3, 1, "c")];
  assert.deepEqual(replayRows(plies, true).map((r) => r.entries.map((e) => e.description).join(" ")), ["a", "b c"]);
  const all = [{ ply: 0, view: { players: 2 } }, ...plies];
  assert.equal(replayPositionText(all, 2, ["Ann", "Bob"]), "Move 2 · Ann · b");
  assert.equal(replayPositionText(all, 3, ["Ann", "Bob"]), "Move 2 · Bob · c");
});
