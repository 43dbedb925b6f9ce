// The one reconnect backoff both sockets use (src/backoff.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { Backoff, BACKOFF_MAX_MS, BACKOFF_MIN_MS, backoffDelay } from "../src/backoff.js";

test("the delay doubles from 400 ms up to 10 s, jittered within [base/2, base]", () => {
  const low = (attempt) => backoffDelay(attempt, () => 0);
  const high = (attempt) => backoffDelay(attempt, () => 1);
  assert.deepEqual([1, 2, 3, 4].map(high), [400, 800, 1600, 3200]);
  assert.deepEqual([1, 2, 3].map(low), [200, 400, 800]);
  assert.equal(high(10), BACKOFF_MAX_MS);
  assert.equal(low(50), BACKOFF_MAX_MS / 2);
  assert.equal(high(0), BACKOFF_MIN_MS, "attempt 0 counts as the first");
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(3);
    assert.ok(d >= 800 && d <= 1600, String(d));
  }
});

function fakeTimers() {
  const timers = new Map();
  let next = 1;
  return {
    timers,
    setTimer: (fn, ms) => {
      timers.set(next, { fn, ms });
      return next++;
    },
    clearTimer: (id) => timers.delete(id),
    fire() {
      const [id, { fn }] = [...timers][0];
      timers.delete(id);
      fn();
    },
  };
}

test("Backoff schedules one retry at a time, counts attempts and resets", () => {
  const clock = fakeTimers();
  let retries = 0;
  const backoff = new Backoff(() => retries++, { ...clock, random: () => 1 });
  assert.equal(backoff.schedule(), 400);
  assert.equal(backoff.schedule(), 800, "a second schedule replaces the first");
  assert.equal(clock.timers.size, 1);
  assert.ok(backoff.pending);
  clock.fire();
  assert.equal(retries, 1);
  assert.equal(backoff.pending, false);
  assert.equal(backoff.attempt, 2);
  backoff.succeeded();
  assert.equal(backoff.attempt, 0);
  assert.equal(backoff.schedule(), 400);
  backoff.cancel();
  assert.equal(clock.timers.size, 0);
  assert.equal(retries, 1);
});

test("the default timers are called as plain functions (a browser's setTimeout as a method throws)", async () => {
  const realSet = globalThis.setTimeout;
  let thisArg = "unset";
  globalThis.setTimeout = function (fn, ms) {
    thisArg = this;
    return realSet(fn, ms);
  };
  try {
    let retried = false;
    const backoff = new Backoff(() => (retried = true), { random: () => 0 });
    backoff.schedule();
    assert.ok(thisArg === undefined || thisArg === globalThis, "setTimeout was called on the Backoff");
    await new Promise((resolve) => realSet(resolve, 250));
    assert.ok(retried);
  } finally {
    globalThis.setTimeout = realSet;
  }
});
