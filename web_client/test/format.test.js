// Words and numbers for the screen (src/format.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  bottomSeat,
  formatClock,
  fullTime,
  losingSeats,
  reasonText,
  resultText,
  seatStyle,
  timeAgo,
  timeControlLabel,
  timeControlPresets,
} from "../src/format.js";

test("formatClock: days, hours, minutes, tenths under ten seconds, never negative", () => {
  assert.equal(formatClock(3 * 86400 - 1), "2d 23h");
  assert.equal(formatClock(5 * 3600 + 7 * 60 + 59), "5h 07m");
  assert.equal(formatClock(299.99), "4:59");
  assert.equal(formatClock(60), "1:00");
  assert.equal(formatClock(10), "0:10");
  assert.equal(formatClock(9.99), "0:09.9");
  assert.equal(formatClock(0.04), "0:00.0");
  assert.equal(formatClock(-5), "0:00.0");
  assert.equal(formatClock(undefined), "0:00.0");
});

test("timeControlLabel names every kind of time control", () => {
  assert.equal(timeControlLabel(null), "No clock");
  assert.equal(timeControlLabel("none"), "No clock");
  assert.equal(timeControlLabel({ kind: "none" }), "No clock");
  assert.equal(timeControlLabel({ kind: "move", seconds: 60 }), "1 min per move");
  assert.equal(timeControlLabel({ kind: "move", seconds: 11.5 }), "11.5 s per move");
  assert.equal(timeControlLabel({ kind: "correspondence", days: 3 }), "3 days per move");
  assert.equal(timeControlLabel({ kind: "correspondence", days: 1 }), "1 day per move");
  assert.equal(timeControlLabel({ kind: "fischer", initial: 180, increment: 2 }), "3+2");
  assert.equal(timeControlLabel({ kind: "fischer", initial: 90 }), "90 s+0");
  assert.equal(timeControlLabel({ kind: "fischer", initial: 45, increment: 0.5 }), "45 s+0.5");
});

test("fullTime is the allowance a full clock bar stands for", () => {
  assert.equal(fullTime(null), null);
  assert.equal(fullTime({ kind: "move", seconds: 30 }), 30);
  assert.equal(fullTime({ kind: "correspondence", days: 2 }), 172800);
  assert.equal(fullTime({ kind: "fischer", initial: 300, increment: 3 }), 300);
});

test("timeControlPresets: per game, No clock first, a default list otherwise", () => {
  const chess = timeControlPresets("chess").map((p) => p.id);
  assert.equal(chess[0], "none");
  assert.ok(chess.includes("f3_2"));
  assert.ok(!timeControlPresets("tictactoe").some((p) => p.id === "f3_2"));
  assert.equal(timeControlPresets("unknown")[0].tc, null);
});

test("resultText from a seat's and a spectator's point of view", () => {
  const win = { winners: [1], draw: false, reason: "checkmate", scores: null };
  assert.deepEqual(resultText(win, ["Ann", "Bob"], 1), { title: "You won!", reason: "by checkmate" });
  assert.deepEqual(resultText(win, ["Ann", "Bob"], 0), { title: "You lost", reason: "by checkmate" });
  assert.deepEqual(resultText(win, ["Ann", "Bob"], null), { title: "Bob won", reason: "by checkmate" });
  assert.equal(resultText({ winners: [0, 2], draw: false, reason: "x" }, ["A"], null).title, "A & Seat 3 won");
  const discs = { winners: [], draw: true, reason: "equal_discs", scores: [32, 32] };
  assert.deepEqual(resultText(discs, [], 0), { title: "Draw", reason: "equal discs (32 – 32)" });
  assert.deepEqual(resultText(null, [], 0), { title: "", reason: "" });
});

test("reasonText knows the engine's reasons and spells out unknown ones", () => {
  assert.equal(reasonText("fifty_moves"), "by the fifty-move rule");
  assert.equal(reasonText("some_new_reason"), "some new reason");
  assert.equal(reasonText(null), "");
});

test("losingSeats are the seats that did not win", () => {
  assert.deepEqual(losingSeats({ winners: [1] }, 3), [0, 2]);
  assert.deepEqual(losingSeats(null, 2), []);
});

test("seatStyle has per-game labels and colours for any seat", () => {
  assert.equal(seatStyle("chess", 0).label, "White");
  assert.equal(seatStyle("checkers", 0).label, "Black");
  assert.equal(seatStyle("liars_dice", 3).label, "Seat 4");
  assert.equal(seatStyle("liars_dice", 6).color, seatStyle("liars_dice", 0).color);
});

test("bottomSeat: your own seat, else the spectator's side per game", () => {
  assert.equal(bottomSeat("chess", 1), 1);
  assert.equal(bottomSeat("chess", null), 0);
  assert.equal(bottomSeat("checkers", null), 1);
});

test("timeAgo counts from the given now", () => {
  const now = Date.parse("2024-01-02T00:00:00Z");
  assert.equal(timeAgo("2024-01-01T23:59:30Z", now), "just now");
  assert.equal(timeAgo("2024-01-01T23:55:00Z", now), "5 min ago");
  assert.equal(timeAgo("2024-01-01T21:00:00Z", now), "3 h ago");
  assert.equal(timeAgo("2023-12-30T00:00:00Z", now), "3 d ago");
  assert.equal(timeAgo(null, now), "");
});
