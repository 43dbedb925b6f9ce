// The two WebSockets (docs/protocol.md): one live game (`GameSocket`) and the lobby
// (`LobbySocket`). Both speak msgpack binary frames and reconnect with the one backoff
// of backoff.js; the close codes they act on are named in protocol.js.
//
// `GameSocket` writes what the server said into the page's store (store.js): `game`,
// `version`, `seat`, `view`, `players`, `spectators`, `status`, `outcome`, `clock` (with
// `clockReadAt`, the server_time it was read at), `moves` (moves[v - 1] is the action
// that produced version v, so the same action can never be listed twice), `busy` (an
// action awaits its answer) and `conn` ({state, detail, attempt}). The page renders from
// the store. What is not state but news is dispatched as events:
//   "action"   one new action {version, seat, action, move, description} (live only)
//   "snapshot" a snapshot replaced the state
//   "ack" / "reject" / "chat" / "presence" / "error" / "fatal"
// The socket itself keeps only the transport: the connection, the backoff, the actions
// awaiting an answer (re-sent after a reconnect under the same request_id) and the
// estimate of the server's clock.

import { decode, encode } from "@msgpack/msgpack";

import { Backoff } from "./backoff.js";
import { remainingSeconds, ServerClock } from "./clock.js";
import { api, wsUrl } from "./common.js";
import { publicMoveText, recordAction } from "./movelist.js";
import { CLIENT_DROP, CLOSE, REJECT, STATUS } from "./protocol.js";

// Local time in seconds on a monotonic clock (Unix-like epoch, never jumps).
function localNow() {
  return (performance.timeOrigin + performance.now()) / 1000;
}

const PING_EVERY = 15000;
const SILENCE_LIMIT = 40000;

// The game fields of a page store before the first snapshot (game.js spreads this into
// its store; GameSocket.reset puts it back).
export function initialGameState() {
  return {
    game: null,
    version: null, // null until the first snapshot
    seat: null,
    view: null,
    players: [],
    spectators: 0,
    status: null,
    outcome: null,
    clock: null, // docs/protocol.md "Time": remaining per seat at server_time
    clockReadAt: 0, // the server_time the clock was read at
    moves: [],
    busy: false,
    conn: { state: "idle", detail: undefined, attempt: 0 },
  };
}

export class GameSocket extends EventTarget {
  constructor(gameId, store) {
    super();
    this.gameId = gameId;
    this.store = store;
    this.token = null;
    this.ws = null;
    this.backoff = new Backoff(() => this.connect());
    this.closedByUs = false;
    this.lastHeard = 0;
    this.pending = new Map(); // request_id -> message, until acked or rejected
    this.requestCounter = 0;
    this.clientId = Math.random().toString(36).slice(2, 10);
    this.resyncing = false;
    this.heartbeat = setInterval(() => this.tick(), PING_EVERY / 3);
    this.serverClock = new ServerClock();
    this.pingsSent = []; // local send times of the pings awaiting their pong
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.connState !== "open") this.reconnectNow();
    });
  }

  get state() {
    return this.store.state;
  }

  get connState() {
    return this.state.conn.state;
  }

  reset() {
    this.store.update(initialGameState());
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  setConn(state, detail) {
    this.store.update({ conn: { state, detail, attempt: this.backoff.attempt } });
  }

  setPending() {
    this.store.update({ busy: this.pending.size > 0 });
  }

  // ------------------------------------------------------------------ connection
  connect() {
    this.backoff.cancel();
    this.closedByUs = false;
    const params = new URLSearchParams();
    if (this.token) params.set("token", this.token);
    if (this.state.version !== null) params.set("version", String(this.state.version));
    const query = params.toString();
    const url = wsUrl(`/ws/games/${encodeURIComponent(this.gameId)}/${query ? "?" + query : ""}`);
    this.setConn(this.backoff.attempt ? "reconnecting" : "connecting");
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
      this.backoff.succeeded();
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
      if (event.code === CLOSE.NO_SUCH_GAME) {
        this.setConn("closed", "no such game");
        this.emit("fatal", { code: REJECT.NOT_FOUND, message: "There is no such game." });
        return;
      }
      if (event.code === CLOSE.BAD_TOKEN) {
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
    const delay = this.backoff.schedule();
    this.setConn("reconnecting", `reconnecting in ${Math.ceil(delay / 1000)}s…`);
  }

  reconnectNow() {
    if (this.connState === "open" || this.closedByUs) return;
    if (this.ws) return; // a handshake is already under way
    this.backoff.attempt = Math.max(this.backoff.attempt, 1);
    this.connect();
  }

  // Drop the connection as if the network failed (used by tests and "reconnect" UI).
  drop() {
    if (this.ws) this.ws.close(CLIENT_DROP, "client drop");
  }

  close() {
    this.closedByUs = true;
    this.backoff.cancel();
    if (this.ws) this.ws.close(CLOSE.NORMAL);
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
    const version = this.state.version;
    const message = { type, request_id: this.nextRequestId(), ...fields };
    if (type === "move" || version !== null) message.version = version ?? 0;
    this.pending.set(message.request_id, message);
    this.setPending();
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
        this.setPending();
        this.emit("ack", m);
        return;
      case "reject": {
        if (m.request_id) this.pending.delete(m.request_id);
        this.setPending();
        this.emit("reject", m);
        const version = this.state.version;
        if (typeof m.version === "number" && version !== null && m.version > version) this.resync();
        return;
      }
      case "presence":
        return this.onPresence(m);
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

  onPresence(m) {
    const s = this.state;
    const players = m.players || s.players;
    const changes = { players, spectators: m.spectators ?? s.spectators };
    // The server starts a game when its last seat is taken; no update says so, but
    // presence shows every seat taken (see the branch report: the server should say).
    const started = s.status === STATUS.WAITING && players.length && players.every((p) => p.taken);
    if (started) {
      changes.status = STATUS.ACTIVE;
      if (s.game) changes.game = { ...s.game, status: STATUS.ACTIVE };
    }
    this.store.update(changes);
    this.emit("presence", m);
    // The clocks started with the game: ask for them (a `moves` answer carries them).
    if (started && s.clock) this.resync();
  }

  onSnapshot(m) {
    const s = this.state;
    const fresh = s.version === null || s.game?.id !== m.game?.id;
    // Keep the actions already known up to this version; drop anything beyond it.
    const moves = fresh ? [] : s.moves.slice(0, m.version);
    this.store.update({
      game: m.game,
      seat: m.seat ?? null,
      players: m.players || [],
      spectators: m.spectators ?? 0,
      version: m.version,
      view: m.view,
      status: m.status,
      outcome: m.outcome ?? null,
      moves,
      ...this.takeClock(m),
    });
    this.emit("snapshot", m);
    this.resendPending();
    if (moves.filter(Boolean).length < m.version) this.fillHistory();
  }

  onUpdate(m) {
    const s = this.state;
    if (s.version === null) return; // no snapshot yet: it will include this
    if (m.version <= s.version) return; // already have it (a duplicate or late frame)
    if (m.version !== s.version + 1) {
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
    // Another seat's move in a hidden-information game comes without its data; what was
    // public about it (a Liar's Dice bid or challenge) is read off the view.
    if (!entry.description) entry.description = publicMoveText(entry, m.view);
    const moves = [...s.moves];
    moves[m.version - 1] = entry;
    const outcome = m.outcome ?? null;
    this.store.update({
      moves,
      version: m.version,
      view: m.view,
      status: m.status,
      outcome,
      game: s.game ? { ...s.game, status: m.status, outcome, version: m.version } : s.game,
      ...this.takeClock(m),
    });
    this.emit("action", entry);
  }

  onMoves(m) {
    this.resyncing = false;
    const s = this.state;
    if (s.version === null || m.version < s.version) {
      // We know nothing yet (or the server is behind what we have): take a snapshot.
      this.send({ type: "resync", version: -1 });
      return;
    }
    const moves = [...s.moves];
    for (const entry of m.moves || []) {
      if (entry.version > s.version || !moves[entry.version - 1]) {
        moves[entry.version - 1] = entry;
        if (entry.version > s.version) this.emit("action", { ...entry, catchUp: true });
      }
    }
    moves.length = m.version;
    const outcome = m.outcome ?? null;
    this.store.update({
      version: m.version,
      moves,
      view: m.view,
      seat: m.seat ?? s.seat,
      status: m.status,
      outcome,
      game: s.game ? { ...s.game, status: m.status, outcome, version: m.version } : s.game,
      ...this.takeClock(m),
    });
    this.resendPending();
  }

  // The clock fields of a message for the store ({} when it carries no clock).
  takeClock(m) {
    if (typeof m.server_time === "number") this.serverClock.noteServerTime(m.server_time, localNow());
    if (!("clock" in m)) return {};
    return {
      clock: m.clock,
      clockReadAt: typeof m.server_time === "number" ? m.server_time : this.serverNow(),
    };
  }

  onPong(m) {
    const sent = this.pingsSent.shift();
    if (sent === undefined || typeof m.ts !== "number") return;
    this.serverClock.notePong(sent, m.ts, localNow());
  }

  // Server time now (Unix seconds): for the clocks and presence `grace_until`.
  serverNow() {
    const now = localNow();
    return this.serverClock.serverNow(now, Date.now() / 1000 - now);
  }

  // Seconds left on `seat`'s clock now (see clock.js remainingSeconds).
  remaining(seat) {
    const s = this.state;
    return remainingSeconds(s.clock, s.status, seat, this.serverNow(), s.clockReadAt);
  }

  resync() {
    if (this.resyncing) return;
    this.resyncing = true;
    setTimeout(() => {
      this.resyncing = false;
    }, 3000);
    this.send({ type: "resync", version: this.state.version ?? 0 });
  }

  resendPending() {
    for (const message of this.pending.values()) this.send(message);
  }

  // After a snapshot the actions before it are missing from the move list: read them
  // from the record (perfect-information games; the record hides them otherwise).
  // Hidden-information games (the record hides their moves until the end) take the
  // public descriptions from the replay data instead, which spectators may read.
  async fillHistory() {
    try {
      const id = encodeURIComponent(this.gameId);
      const record = await api(`/api/games/${id}/record`);
      let source = record.moves;
      if (!source) {
        const replay = await api(`/games/${id}/replay.json`);
        source = replay.plies.slice(1).map((p) => ({
          ply: p.ply,
          seat: p.seat,
          data: p.action === "move" ? p.move : { action: p.action },
          description: p.description,
        }));
      }
      const s = this.state;
      const moves = [...s.moves];
      let changed = false;
      for (const move of source) {
        if (move.ply <= s.version && !moves[move.ply - 1]) {
          moves[move.ply - 1] = {
            version: move.ply,
            seat: move.seat,
            action: recordAction(move.data),
            move: move.data,
            description: move.description,
          };
          changed = true;
        }
      }
      if (changed) this.store.update({ moves });
    } catch (e) {
      console.warn("could not read the game record", e);
    }
  }
}

// The lobby socket (/ws/lobby/, docs/protocol.md "Lobby"): msgpack frames, reconnect
// with the shared backoff; every server message is dispatched as an event of its own
// `type`, and "conn" ({state, delay?}) tells the connection state.
export class LobbySocket extends EventTarget {
  constructor() {
    super();
    this.ws = null;
    this.queue = [];
    this.backoff = new Backoff(() => this.connect());
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  connect() {
    this.backoff.cancel();
    const ws = new WebSocket(wsUrl("/ws/lobby/"));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.emit("conn", { state: this.backoff.attempt ? "reconnecting" : "connecting" });
    ws.onopen = () => {
      this.backoff.succeeded();
      this.emit("conn", { state: "open" });
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
      this.emit(message.type, message);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      const delay = this.backoff.schedule();
      this.emit("conn", { state: "reconnecting", delay });
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
