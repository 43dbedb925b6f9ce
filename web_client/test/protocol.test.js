// The protocol constants (src/protocol.js) are server codes, not client inventions.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { ACTIONS, CLIENT_DROP, CLOSE, ERROR, REJECT, STATUS, isOver } from "../src/protocol.js";

const doc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

test("every close code is in docs/protocol.md's close code table", () => {
  for (const [name, code] of Object.entries(CLOSE)) {
    if (code === CLOSE.NORMAL) continue;
    assert.match(doc, new RegExp(`^\\| ${code} \\|`, "m"), `${name} = ${code}`);
  }
  assert.ok(!Object.values(CLOSE).includes(CLIENT_DROP), "the client's own code is not a server code");
});

test("every reject, error, action and status name appears in docs/protocol.md", () => {
  for (const group of [REJECT, ERROR, ACTIONS, STATUS]) {
    for (const code of Object.values(group)) assert.ok(doc.includes(`\`${code}\``), code);
  }
});

test("isOver: finished and aborted games", () => {
  assert.ok(isOver("finished"));
  assert.ok(isOver("aborted"));
  assert.ok(!isOver("active"));
  assert.ok(!isOver(null));
});
