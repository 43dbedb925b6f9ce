// Game clocks (docs/protocol.md "Time"): the server sends `clock` ({time_control,
// remaining per seat at server_time, running, deadline}, or before the start
// {remaining: null, initial}) and `server_time`; the client counts the running seats
// down from there. `ServerClock` estimates the offset between the server's clock and
// ours so a countdown is right even when the local wall clock is not.
//
// Pure: the current local time is always passed in (seconds, monotonic), nothing is
// read from the environment; unit-tested under node (web_client/test/clock.test.js).

import { STATUS } from "./protocol.js";

// Does `seat`'s clock run now?
export function clockRuns(clock, status, seat) {
  return Boolean(clock?.remaining && status === STATUS.ACTIVE && clock.running.includes(seat));
}

// Seconds left on `seat`'s clock at server time `serverNow` (null without a time
// control; the full allowance before the game starts). Counted down from the reading
// taken at `readAt` (that message's server_time), never below 0.
export function remainingSeconds(clock, status, seat, serverNow, readAt) {
  if (!clock) return null;
  if (!clock.remaining) return clock.initial ?? null;
  const left = clock.remaining[seat];
  if (typeof left !== "number") return null;
  if (!clockRuns(clock, status, seat)) return Math.max(0, left);
  return Math.max(0, left - Math.max(0, serverNow - readAt));
}

// Clock offset. A frame stamped `server_time` arrives after some latency, so
// `server_time - arrival` is a lower bound of the true offset: keep the largest of the
// last minute's samples (the least delayed frame). A ping round trip gives an estimate
// within +-rtt/2; it is used when it is not below the lower bound. Local time must be
// monotonic (performance.now based), so a wall clock that jumps does not disturb a
// countdown.
export class ServerClock {
  constructor() {
    this.offset = null; // server minus local, seconds; null until a sample arrives
    this.samples = []; // [local time, server_time - local time at arrival]
    this.pingEstimate = null; // {offset, rtt, at} from the best recent ping round trip
  }

  // A frame stamped `serverTime` arrived at local time `now`.
  noteServerTime(serverTime, now) {
    this.samples.push([now, serverTime - now]);
    this.samples = this.samples.filter(([at]) => now - at < 60).slice(-30);
    this.update();
  }

  // A pong stamped `ts` answered the ping sent at local time `sent`; it arrived at `now`.
  notePong(sent, ts, now) {
    const rtt = now - sent;
    const stale = !this.pingEstimate || now - this.pingEstimate.at > 300;
    if (stale || rtt <= this.pingEstimate.rtt * 1.5) {
      this.pingEstimate = { offset: ts - (sent + now) / 2, rtt, at: now };
      this.update();
    }
  }

  update() {
    const lower = this.samples.length ? Math.max(...this.samples.map(([, o]) => o)) : null;
    const ping = this.pingEstimate?.offset ?? null;
    if (ping === null) this.offset = lower;
    else this.offset = lower === null ? ping : Math.max(ping, lower);
  }

  // Server time (Unix seconds) at local time `now`; `fallbackOffset` (the wall clock's
  // offset from the local clock) until the first sample.
  serverNow(now, fallbackOffset) {
    return now + (this.offset ?? fallbackOffset);
  }
}

// The first-move countdown of a Fischer game (docs/protocol.md "First moves"): seconds
// `seat` has left at `serverNow` to make its first move, or null when it is not waiting
// for one (it moved already, it is not to move, or the game has no such rule).
export function firstMoveLeft(clock, status, toMove, seat, serverNow) {
  const first = clock?.first_move;
  if (!first || status !== STATUS.ACTIVE || typeof first.deadline !== "number") return null;
  if (!first.seats.includes(seat) || !(toMove || []).includes(seat)) return null;
  return Math.max(0, first.deadline - serverNow);
}
