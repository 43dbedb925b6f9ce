// One store per page: the page's whole state in one object, changed only through
// `update`, with subscribers told after every change. The pages (game, lobby, replay)
// keep no module-level `let` state of their own; the sockets write what the server said
// into the store and the renderers read it from there, so there is exactly one copy of
// "what the page knows" to look at when something is shown wrong.
//
// No side effects on import, no DOM: unit-tested under node (web_client/test/).

export function createStore(initial = {}) {
  let state = { ...initial };
  const listeners = new Set();
  let notifying = false;
  let queued = null;

  function notify(changes) {
    // A subscriber that updates the store from inside a notification is told again
    // afterwards (once, with everything that changed meanwhile), never re-entrantly.
    if (notifying) {
      queued = { ...(queued || {}), ...changes };
      return;
    }
    notifying = true;
    try {
      let pending = changes;
      while (pending) {
        queued = null;
        for (const listener of [...listeners]) listener(state, pending);
        pending = queued;
      }
    } finally {
      notifying = false;
      queued = null;
    }
  }

  return {
    // The current state (treat it as read-only: change it with `update`).
    get state() {
      return state;
    },
    // `update({field: value})` or `update((state) => ({field: value}))`: shallow-merges
    // the changes into a new state object and tells the subscribers which keys changed.
    // Returns the new state. An update that changes nothing notifies nobody.
    update(changes) {
      const patch = typeof changes === "function" ? changes(state) : changes;
      if (!patch) return state;
      const changed = {};
      for (const [key, value] of Object.entries(patch)) {
        if (!Object.is(state[key], value)) changed[key] = value;
      }
      if (!Object.keys(changed).length) return state;
      state = { ...state, ...changed };
      notify(changed);
      return state;
    },
    // `subscribe((state, changed) => ...)` runs after each update; returns an unsubscribe.
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
