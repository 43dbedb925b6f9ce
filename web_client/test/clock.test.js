// Clock countdowns and the server clock offset (src/clock.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { clockRuns, firstMoveLeft, remainingSeconds, ServerClock } from "../src/clock.js";

const clock = { time_control: { kind: "move", seconds: 30 }, remaining: [30, 12.5], running: [1], deadline: 1000 };

test("only the running seats of an active game count down", () => {
  assert.ok(clockRuns(clock, "active", 1));
  assert.ok(!clockRuns(clock, "active", 0));
  assert.ok(!clockRuns(clock, "finished", 1));
  assert.ok(!clockRuns(null, "active", 1));
  assert.equal(remainingSeconds(clock, "active", 0, 105, 100), 30);
  assert.equal(remainingSeconds(clock, "active", 1, 105, 100), 7.5);
  assert.equal(remainingSeconds(clock, "active", 1, 200, 100), 0);
  assert.equal(remainingSeconds(clock, "active", 1, 99, 100), 12.5, "never counts up");
  assert.equal(remainingSeconds(clock, "finished", 1, 105, 100), 12.5);
  assert.equal(remainingSeconds(clock, "active", 5, 105, 100), null);
});

test("no clock, and a waiting game's initial allowance", () => {
  assert.equal(remainingSeconds(null, "active", 0, 0, 0), null);
  const waiting = { time_control: clock.time_control, remaining: null, running: [], deadline: null, initial: 30 };
  assert.equal(remainingSeconds(waiting, "waiting", 0, 0, 0), 30);
});

test("a Fischer game waits for first moves: a countdown for the seat to move only", () => {
  const fischer = { time_control: { kind: "fischer", initial: 180, increment: 2 }, remaining: [180, 180], running: [], deadline: 1030, first_move: { seats: [0, 1], deadline: 1030 } };
  assert.ok(!clockRuns(fischer, "active", 0), "the bank does not run before the first move");
  assert.equal(remainingSeconds(fischer, "active", 0, 1010, 1000), 180);
  assert.equal(firstMoveLeft(fischer, "active", [0], 0, 1010), 20);
  assert.equal(firstMoveLeft(fischer, "active", [0], 1, 1010), null, "not to move");
  assert.equal(firstMoveLeft(fischer, "active", [0], 0, 1040), 0);
  assert.equal(firstMoveLeft(fischer, "aborted", [0], 0, 1010), null);
  assert.equal(firstMoveLeft(clock, "active", [1], 1, 1010), null, "no first-move rule");
});

test("the offset is the least delayed frame's, raised by a ping estimate", () => {
  const sc = new ServerClock();
  assert.equal(sc.serverNow(10, 5), 15, "the fallback until a sample arrives");
  sc.noteServerTime(1000.0, 10.3); // arrived 0.3 s late: offset >= 989.7
  sc.noteServerTime(1001.0, 11.1); // 0.1 s late: offset >= 989.9
  assert.ok(Math.abs(sc.offset - 989.9) < 1e-9);
  sc.notePong(20, 1010.0, 20.1); // rtt 0.1, estimate 989.95
  assert.ok(Math.abs(sc.offset - 989.95) < 1e-9);
  sc.notePong(30, 1019.0, 31); // much slower round trip: ignored
  assert.ok(Math.abs(sc.offset - 989.95) < 1e-9);
  assert.ok(Math.abs(sc.serverNow(40, 0) - 1029.95) < 1e-9);
});

test("old samples are forgotten after a minute", () => {
  const sc = new ServerClock();
  sc.noteServerTime(1000, 0); // offset 1000
  sc.noteServerTime(1070, 80); // offset 990; the first is 80 s old now
  assert.equal(sc.offset, 990);
});
