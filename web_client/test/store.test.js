// The page store (src/store.js): update merges, subscribers hear what changed.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createStore } from "../src/store.js";

test("update merges into a new state object and returns it", () => {
  const store = createStore({ version: null, seat: null });
  const before = store.state;
  const after = store.update({ version: 3 });
  assert.deepEqual(after, { version: 3, seat: null });
  assert.equal(store.state, after);
  assert.notEqual(before, after);
  assert.equal(before.version, null, "the old state object is not changed");
});

test("update takes a function of the state", () => {
  const store = createStore({ count: 1 });
  store.update((s) => ({ count: s.count + 1 }));
  assert.equal(store.state.count, 2);
});

test("subscribers get the state and only the changed keys", () => {
  const store = createStore({ a: 1, b: 2 });
  const calls = [];
  store.subscribe((state, changed) => calls.push([state.a, changed]));
  store.update({ a: 1, b: 3 });
  assert.deepEqual(calls, [[1, { b: 3 }]]);
});

test("an update that changes nothing notifies nobody", () => {
  const store = createStore({ a: 1 });
  let calls = 0;
  store.subscribe(() => calls++);
  store.update({ a: 1 });
  store.update(() => null);
  assert.equal(calls, 0);
});

test("unsubscribe stops the notifications", () => {
  const store = createStore({ a: 1 });
  let calls = 0;
  const off = store.subscribe(() => calls++);
  store.update({ a: 2 });
  off();
  store.update({ a: 3 });
  assert.equal(calls, 1);
});

test("an update from inside a subscriber is delivered after, not re-entrantly", () => {
  const store = createStore({ a: 0, b: 0 });
  const seen = [];
  store.subscribe((state, changed) => {
    seen.push(Object.keys(changed).join());
    if ("a" in changed) store.update({ b: state.a * 10 });
  });
  const order = [];
  store.subscribe((state) => order.push([state.a, state.b]));
  store.update({ a: 1 });
  assert.deepEqual(seen, ["a", "b"]);
  assert.deepEqual(order, [[1, 10], [1, 10]]);
  assert.deepEqual(store.state, { a: 1, b: 10 });
});
