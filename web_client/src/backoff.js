// Reconnection with exponential backoff and jitter, written once for both sockets (the
// game socket and the lobby socket). A dropped connection is tried again after about
// 0.4 s, then 0.8, 1.6 ... up to 10 s, each delay drawn from [base/2, base] so that a
// server restart is not met by every browser at the same instant.
//
// No side effects on import; timers and randomness are injectable for the unit tests.

export const BACKOFF_MIN_MS = 400;
export const BACKOFF_MAX_MS = 10000;

// The delay before reconnection attempt number `attempt` (1 for the first retry).
export function backoffDelay(attempt, random = Math.random) {
  const n = Math.max(1, attempt);
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (n - 1));
  return Math.round(base / 2 + random() * (base / 2));
}

// One pending reconnection at most. `schedule()` counts an attempt and calls `retry`
// after the backoff delay (returned, in ms); `succeeded()` resets the count once a
// connection opened; `cancel()` drops the pending retry.
export class Backoff {
  constructor(retry, { setTimer, clearTimer, random = Math.random } = {}) {
    this.retry = retry;
    // Wrapped, not stored bare: a browser's setTimeout called as a method of another
    // object throws "Illegal invocation".
    this.setTimer = setTimer || ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = clearTimer || ((id) => clearTimeout(id));
    this.random = random;
    this.attempt = 0;
    this.timer = null;
  }

  schedule() {
    this.cancel();
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, this.random);
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.retry();
    }, delay);
    return delay;
  }

  succeeded() {
    this.attempt = 0;
  }

  cancel() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  get pending() {
    return this.timer !== null;
  }
}
