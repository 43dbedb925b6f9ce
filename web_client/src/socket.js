// One live game over its WebSocket (docs/protocol.md): msgpack binary frames both ways,
// automatic reconnection with exponential backoff and jitter, and version bookkeeping so
// the page never shows a stale or duplicated move.
//
// The socket keeps the authoritative copy of what the server said: `version`, `view`,
// `moves` (indexed by version, so the same action can never be listed twice), `seat`,
// `players`, `status`, `outcome`. Listeners get high-level events:
//   "state"    something in the game changed (re-render)
//   "action"   one new action {version, seat, action, move, description} (live only)
//   "ack" / "reject" / "chat" / "presence" / "error" / "conn" (connection state)

import { decode, encode } from "@msgpack/msgpack";

import { api, wsUrl } from "./common.js";

// Local time in seconds on a monotonic clock (Unix-like epoch, never jumps).
function localNow() {
  return (performance.timeOrigin + performance.now()) / 1000;
}

const BACKOFF_MIN = 400;
const BACKOFF_MAX = 10000;
const PING_EVERY = 15000;
const SILENCE_LIMIT = 40000;

export class GameSocket extends EventTarget {
  constructor(gameId) {
    super();
    this.gameId = gameId;
    this.token = null;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.closedByUs = false;
    this.lastHeard = 0;
    this.pending = new Map(); // request_id -> message, until acked or rejected
    this.requestCounter = 0;
    this.clientId = Math.random().toString(36).slice(2, 10);
    this.reset();
    this.connState = "idle";
    this.heartbeat = setInterval(() => this.tick(), PING_EVERY / 3);
    // Client/server clock offset (seconds, server minus local): see noteServerTime.
    this.serverOffset = null;
    this.offsetSamples = []; // [local time, server_time - local time at arrival]
    this.pingOffset = null; // {offset, rtt, at} from the best recent ping round trip
    this.pingsSent = []; // local send times of the pings awaiting their pong
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.connState !== "open") this.reconnectNow();
    });
  }

  reset() {
    this.version = null; // null until the first snapshot
    this.view = null;
    this.game = null;
    this.seat = null;
    this.players = [];
    this.spectators = 0;
    this.status = null;
    this.outcome = null;
    this.clock = null; // docs/protocol.md "Time": remaining per seat at server_time
    this.clockServerTime = 0; // the server_time the clock was read at
    this.moves = []; // moves[v - 1] is the action that produced version v
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  setConn(state, detail) {
    this.connState = state;
    this.emit("conn", { state, detail, attempt: this.attempt });
  }

  // ------------------------------------------------------------------ connection
  connect() {
    clearTimeout(this.timer);
    this.closedByUs = false;
    const params = new URLSearchParams();
    if (this.token) params.set("token", this.token);
    if (this.version !== null) params.set("version", String(this.version));
    const query = params.toString();
    const url = wsUrl(`/ws/games/${encodeURIComponent(this.gameId)}/${query ? "?" + query : ""}`);
    this.setConn(this.attempt ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.lastHeard = Date.now();
      this.pingsSent = [];
      this.setConn("open");
      // Two round trips to measure the clock offset (the second one on a warm socket).
      this.ping();
      setTimeout(() => this.ping(), 1500);
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      if (!(event.data instanceof ArrayBuffer)) return;
      let message;
      try {
        message = decode(new Uint8Array(event.data));
      } catch (e) {
        console.warn("unreadable frame", e);
        return;
      }
      this.handle(message);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (event.code === 4404) {
        this.setConn("closed", "no such game");
        this.emit("fatal", { code: "not_found", message: "There is no such game." });
        return;
      }
      if (event.code === 4403) {
        // Our seat token is no longer valid (taken again elsewhere): fall back to the session.
        this.token = null;
      }
      if (this.closedByUs) {
        this.setConn("closed");
        return;
      }
      this.scheduleReconnect();
    };
    ws.onerror = () => {};
  }

  scheduleReconnect() {
    clearTimeout(this.timer);
    this.attempt += 1;
    const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** (this.attempt - 1));
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.setConn("reconnecting", `reconnecting in ${Math.ceil(delay / 1000)}s…`);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.connState === "open" || this.closedByUs) return;
    if (this.ws) return; // a handshake is already under way
    this.attempt = Math.max(this.attempt, 1);
    this.connect();
  }

  // Drop the connection as if the network failed (used by tests and "reconnect" UI).
  drop() {
    if (this.ws) this.ws.close(4000, "client drop");
  }

  close() {
    this.closedByUs = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
  }

  tick() {
    if (!this.ws || this.connState !== "open") return;
    const silent = Date.now() - this.lastHeard;
    if (silent > SILENCE_LIMIT) {
      // A half-open connection: nothing heard for too long. Start over.
      const ws = this.ws;
      this.ws = null;
      try {
        ws.close();
      } catch {
        /* ignore */
      }
      this.scheduleReconnect();
    } else if (silent > PING_EVERY) {
      this.ping();
    }
  }

  ping() {
    if (this.send({ type: "ping" })) this.pingsSent.push(localNow());
  }

  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encode(message));
    return true;
  }

  // ------------------------------------------------------------------ actions
  nextRequestId() {
    this.requestCounter += 1;
    return `${this.clientId}-${this.requestCounter}`;
  }

  // A move or engine action; kept until acked/rejected and re-sent after a reconnect
  // with the same request_id (the server never applies it twice).
  act(type, fields = {}) {
    const message = { type, request_id: this.nextRequestId(), ...fields };
    if (type === "move" || this.version !== null) message.version = this.version ?? 0;
    this.pending.set(message.request_id, message);
    this.send(message);
    return message.request_id;
  }

  move(move) {
    return this.act("move", { move });
  }

  chat(text) {
    return this.send({ type: "chat", text });
  }

  auth(token) {
    this.token = token;
    if (!this.send({ type: "auth", token })) this.reconnectNow();
  }

  get busy() {
    return this.pending.size > 0;
  }

  // ------------------------------------------------------------------ messages
  handle(m) {
    switch (m.type) {
      case "snapshot":
        return this.onSnapshot(m);
      case "update":
        return this.onUpdate(m);
      case "moves":
        return this.onMoves(m);
      case "ack":
        this.pending.delete(m.request_id);
        this.emit("ack", m);
        return;
      case "reject":
        if (m.request_id) this.pending.delete(m.request_id);
        this.emit("reject", m);
        if (typeof m.version === "number" && this.version !== null && m.version > this.version) {
          this.resync();
        }
        return;
      case "presence":
        this.players = m.players || this.players;
        this.spectators = m.spectators ?? this.spectators;
        // The server starts a game when its last seat is taken; no update says so, but
        // presence shows every seat taken.
        if (this.status === "waiting" && this.players.length && this.players.every((p) => p.taken)) {
          this.status = "active";
          if (this.game) this.game.status = "active";
          // The clocks started with the game: ask for them (a `moves` answer carries them).
          if (this.clock) this.resync();
        }
        this.emit("presence", m);
        this.emit("state");
        return;
      case "chat":
        this.emit("chat", m);
        return;
      case "error":
        this.emit("error", m);
        return;
      case "pong":
        this.onPong(m);
        return;
      default:
        return;
    }
  }

  onSnapshot(m) {
    const known = this.moves;
    const fresh = this.version === null || this.game?.id !== m.game?.id;
    this.game = m.game;
    this.seat = m.seat ?? null;
    this.players = m.players || [];
    this.spectators = m.spectators ?? 0;
    this.version = m.version;
    this.view = m.view;
    this.status = m.status;
    this.outcome = m.outcome ?? null;
    this.takeClock(m);
    // Keep the actions already known up to this version; drop anything beyond it.
    this.moves = fresh ? [] : known.slice(0, m.version);
    this.resendPending();
    this.emit("state", { snapshot: true });
    if (this.moves.filter(Boolean).length < m.version) this.fillHistory();
  }

  onUpdate(m) {
    if (this.version === null) return; // no snapshot yet: it will include this
    if (m.version <= this.version) return; // already have it (a duplicate or late frame)
    if (m.version !== this.version + 1) {
      this.resync(); // a gap: ask for what we missed, show nothing stale meanwhile
      return;
    }
    const entry = {
      version: m.version,
      seat: m.seat,
      action: m.action,
      move: m.move,
      description: m.description,
    };
    this.moves[m.version - 1] = entry;
    this.version = m.version;
    this.view = m.view;
    this.status = m.status;
    this.outcome = m.outcome ?? null;
    this.takeClock(m);
    if (this.game) {
      this.game.status = m.status;
      this.game.outcome = this.outcome;
      this.game.version = m.version;
    }
    this.emit("action", entry);
    this.emit("state");
  }

  onMoves(m) {
    this.resyncing = false;
    if (this.version === null || m.version < this.version) {
      // We know nothing yet (or the server is behind what we have): take a snapshot.
      this.send({ type: "resync", version: -1 });
      return;
    }
    for (const entry of m.moves || []) {
      if (entry.version > this.version || !this.moves[entry.version - 1]) {
        this.moves[entry.version - 1] = entry;
        if (entry.version > this.version) this.emit("action", { ...entry, catchUp: true });
      }
    }
    this.version = m.version;
    this.moves.length = m.version;
    this.view = m.view;
    this.seat = m.seat ?? this.seat;
    this.status = m.status;
    this.outcome = m.outcome ?? null;
    this.takeClock(m);
    if (this.game) {
      this.game.status = m.status;
      this.game.outcome = this.outcome;
      this.game.version = m.version;
    }
    this.resendPending();
    this.emit("state");
  }

  takeClock(m) {
    if (typeof m.server_time === "number") this.noteServerTime(m.server_time);
    if (!("clock" in m)) return;
    this.clock = m.clock;
    this.clockServerTime = typeof m.server_time === "number" ? m.server_time : this.serverNow();
  }

  // Clock offset. A frame stamped `server_time` arrives after some latency, so
  // `server_time - arrival` is a lower bound of the true offset: keep the largest of the
  // last minute's samples (the least delayed frame). A ping round trip gives an estimate
  // within +-rtt/2; it is used when it is not below the lower bound. Local time is
  // monotonic (performance.now), so a wall clock that jumps does not disturb a countdown.
  noteServerTime(serverTime) {
    const now = localNow();
    this.offsetSamples.push([now, serverTime - now]);
    this.offsetSamples = this.offsetSamples.filter(([at]) => now - at < 60).slice(-30);
    this.updateOffset();
  }

  onPong(m) {
    const sent = this.pingsSent.shift();
    if (sent === undefined || typeof m.ts !== "number") return;
    const now = localNow();
    const rtt = now - sent;
    const stale = !this.pingOffset || now - this.pingOffset.at > 300;
    if (stale || rtt <= this.pingOffset.rtt * 1.5) {
      this.pingOffset = { offset: m.ts - (sent + now) / 2, rtt, at: now };
      this.updateOffset();
    }
  }

  updateOffset() {
    const lower = this.offsetSamples.length ? Math.max(...this.offsetSamples.map(([, o]) => o)) : null;
    const ping = this.pingOffset?.offset ?? null;
    if (ping === null) this.serverOffset = lower;
    else this.serverOffset = lower === null ? ping : Math.max(ping, lower);
  }

  // Server time now (Unix seconds): for the clocks and presence `grace_until`.
  serverNow() {
    return localNow() + (this.serverOffset ?? Date.now() / 1000 - localNow());
  }

  // Does `seat`'s clock run now?
  clockRuns(seat) {
    return Boolean(this.clock?.remaining && this.status === "active" && this.clock.running.includes(seat));
  }

  // Seconds left on `seat`'s clock now (null without a time control; the full allowance
  // before the game starts). Counted down from the server's reading, never below 0.
  remaining(seat) {
    const c = this.clock;
    if (!c) return null;
    if (!c.remaining) return c.initial ?? null;
    const left = c.remaining[seat];
    if (typeof left !== "number") return null;
    if (!this.clockRuns(seat)) return Math.max(0, left);
    return Math.max(0, left - Math.max(0, this.serverNow() - this.clockServerTime));
  }

  resync() {
    if (this.resyncing) return;
    this.resyncing = true;
    setTimeout(() => {
      this.resyncing = false;
    }, 3000);
    this.send({ type: "resync", version: this.version ?? 0 });
  }

  resendPending() {
    for (const message of this.pending.values()) this.send(message);
  }

  // After a snapshot the actions before it are missing from the move list: read them
  // from the record (perfect-information games; the record hides them otherwise).
  async fillHistory() {
    try {
      const record = await api(`/api/games/${encodeURIComponent(this.gameId)}/record`);
      if (!record.moves) return;
      let changed = false;
      for (const move of record.moves) {
        if (move.ply <= this.version && !this.moves[move.ply - 1]) {
          this.moves[move.ply - 1] = {
            version: move.ply,
            seat: move.seat,
            action: typeof move.data === "object" && move.data && !Array.isArray(move.data) ? move.data.action : "move",
            move: move.data,
            description: move.description,
          };
          changed = true;
        }
      }
      if (changed) this.emit("state");
    } catch (e) {
      console.warn("could not read the game record", e);
    }
  }
}

// The lobby socket (/ws/lobby/, docs/protocol.md "Lobby"): msgpack frames, reconnect
// with backoff; every server message is dispatched as an event of its own `type`.
export class LobbySocket extends EventTarget {
  constructor() {
    super();
    this.ws = null;
    this.attempt = 0;
    this.queue = [];
    this.timer = null;
  }

  connect() {
    clearTimeout(this.timer);
    const ws = new WebSocket(wsUrl("/ws/lobby/"));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.dispatchEvent(new CustomEvent("conn", { detail: { state: this.attempt ? "reconnecting" : "connecting" } }));
    ws.onopen = () => {
      this.attempt = 0;
      this.dispatchEvent(new CustomEvent("conn", { detail: { state: "open" } }));
      const queued = this.queue;
      this.queue = [];
      for (const message of queued) this.send(message);
    };
    ws.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      let message;
      try {
        message = decode(new Uint8Array(event.data));
      } catch {
        return;
      }
      this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.attempt += 1;
      const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** (this.attempt - 1));
      const delay = Math.round(base / 2 + Math.random() * (base / 2));
      this.dispatchEvent(new CustomEvent("conn", { detail: { state: "reconnecting", delay } }));
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  // Sent now when open, otherwise as soon as the socket opens.
  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(encode(message));
    else this.queue.push(message);
  }

  on(type, handler) {
    this.addEventListener(type, (e) => handler(e.detail));
  }
}
