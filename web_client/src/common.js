// What every page shares: the JSON API helper, the signed-in user (a guest session by
// default), the connection indicator and the toast.

export function cookie(name) {
  const match = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return match ? decodeURIComponent(match.split("=")[1]) : "";
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = cookie("csrftoken");
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(response.status, err.code, err.message || (data && data.detail));
  }
  return data;
}

let mePromise = null;
export function me() {
  if (!mePromise) {
    mePromise = api("/api/me").then((data) => {
      showName(data.user);
      return data.user;
    });
    mePromise.catch(() => {
      mePromise = null;
    });
  }
  return mePromise;
}

function showName(user) {
  const button = document.getElementById("me-name");
  if (button && user) button.textContent = user.name;
}

export function setupNameButton(onChange) {
  const button = document.getElementById("me-name");
  if (!button) return;
  button.addEventListener("click", async () => {
    const user = await me();
    const name = window.prompt("Your display name (1-40 characters):", user.name);
    if (name === null) return;
    try {
      const data = await api("/api/me", { method: "POST", body: { display_name: name.trim() } });
      mePromise = Promise.resolve(data.user);
      showName(data.user);
      toast(`You are now ${data.user.name}.`);
      if (onChange) onChange(data.user);
    } catch (e) {
      toast(e.message);
    }
  });
}

const CONN_LABELS = {
  idle: "offline",
  connecting: "connecting…",
  open: "live",
  reconnecting: "reconnecting…",
  closed: "disconnected",
};

export function setConnectionState(state, detail) {
  const el = document.getElementById("conn");
  if (!el) return;
  el.dataset.state = state;
  el.querySelector(".conn-label").textContent = detail || CONN_LABELS[state] || state;
  el.title = `Connection: ${detail || CONN_LABELS[state] || state}`;
}

let toastTimer = null;
export function toast(text, ms = 3500) {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, ms);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

export function wsUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

const REASONS = {
  resignation: "by resignation",
  draw_agreed: "by agreement",
  timeout: "on time",
  abandonment: "by abandonment",
  checkmate: "by checkmate",
  stalemate: "by stalemate",
  threefold_repetition: "by threefold repetition",
  fifty_moves: "by the fifty-move rule",
  insufficient_material: "by insufficient material",
  three_in_a_row: "three in a row",
  four_in_a_row: "four in a row",
  board_full: "the board is full",
  no_moves: "no moves left",
  forty_move_rule: "by the forty-move rule",
  most_discs: "on discs",
  equal_discs: "equal discs",
  last_player_standing: "last player standing",
  aborted: "the game was aborted",
};

export function reasonText(reason) {
  return REASONS[reason] || String(reason || "").replaceAll("_", " ");
}

export function resultText(outcome, names, mySeat) {
  if (!outcome) return { title: "", reason: "" };
  const reason = reasonText(outcome.reason);
  let title;
  if (outcome.draw || !outcome.winners.length) title = "Draw";
  else if (mySeat !== null && mySeat !== undefined && outcome.winners.includes(mySeat)) title = "You won!";
  else if (mySeat !== null && mySeat !== undefined) title = "You lost";
  else title = `${outcome.winners.map((s) => names[s] || `Seat ${s + 1}`).join(" & ")} won`;
  let detail = reason;
  if (outcome.scores) detail += ` (${outcome.scores.join(" – ")})`;
  return { title, reason: detail };
}

// Per-game seat colours and names, for the player strips.
export const SEAT_STYLE = {
  tictactoe: [{ label: "✕", color: "#2f6fed" }, { label: "◯", color: "#e0452f" }],
  connect4: [{ label: "Red", color: "#e0452f" }, { label: "Yellow", color: "#f2c200" }],
  chess: [{ label: "White", color: "#ffffff" }, { label: "Black", color: "#1b1b1b" }],
  checkers: [{ label: "Black", color: "#1b1b1b" }, { label: "White", color: "#f4ecdc" }],
  reversi: [{ label: "Black", color: "#111111" }, { label: "White", color: "#ffffff" }],
};
const DICE_COLORS = ["#e0452f", "#2f6fed", "#1f9d55", "#d99a1e", "#8e44ad", "#16a2b8"];

export function seatStyle(kind, seat) {
  const styles = SEAT_STYLE[kind];
  if (styles && styles[seat]) return styles[seat];
  return { label: `Seat ${seat + 1}`, color: DICE_COLORS[seat % DICE_COLORS.length] };
}

export function timeAgo(iso) {
  if (!iso) return "";
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

// ------------------------------------------------------------------ time controls
// docs/protocol.md "Time". The lobby offers a few presets per game; any time control
// (e.g. one made through the HTTP API) still gets a readable label.
const TC = {
  none: { id: "none", label: "No clock", tc: null },
  m15: { id: "m15", label: "15 s per move", tc: { kind: "move", seconds: 15 } },
  m30: { id: "m30", label: "30 s per move", tc: { kind: "move", seconds: 30 } },
  m60: { id: "m60", label: "1 min per move", tc: { kind: "move", seconds: 60 } },
  f1_1: { id: "f1_1", label: "1+1 · Bullet", tc: { kind: "fischer", initial: 60, increment: 1 } },
  f3_2: { id: "f3_2", label: "3+2 · Blitz", tc: { kind: "fischer", initial: 180, increment: 2 } },
  f5_3: { id: "f5_3", label: "5+3 · Blitz", tc: { kind: "fischer", initial: 300, increment: 3 } },
  f10_5: { id: "f10_5", label: "10+5 · Rapid", tc: { kind: "fischer", initial: 600, increment: 5 } },
  f15_10: { id: "f15_10", label: "15+10 · Rapid", tc: { kind: "fischer", initial: 900, increment: 10 } },
  d3: { id: "d3", label: "Correspondence: 3 days per move", tc: { kind: "correspondence", days: 3 } },
};
const TC_BY_GAME = {
  chess: ["none", "m60", "f1_1", "f3_2", "f5_3", "f10_5", "f15_10", "d3"],
  checkers: ["none", "m60", "f3_2", "f5_3", "f10_5", "d3"],
  reversi: ["none", "m60", "f3_2", "f5_3", "f10_5", "d3"],
  connect4: ["none", "m15", "m30", "m60", "f1_1", "f3_2", "d3"],
  tictactoe: ["none", "m15", "m30", "d3"],
  liars_dice: ["none", "m30", "m60", "f3_2", "d3"],
};
const TC_DEFAULT = ["none", "m30", "m60", "f3_2", "f5_3", "f10_5", "d3"];

// The presets that fit game `kind`, "No clock" first.
export function timeControlPresets(kind) {
  return (TC_BY_GAME[kind] || TC_DEFAULT).map((id) => TC[id]);
}

function amount(seconds) {
  if (seconds >= 86400 && seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? "" : "s"}`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${+seconds.toFixed(1)} s`;
}

// A short label for any time control: "No clock", "3+2", "1 min per move", "3 days per move".
export function timeControlLabel(tc) {
  if (!tc || tc === "none" || tc.kind === "none") return "No clock";
  if (tc.kind === "move") return `${amount(tc.seconds)} per move`;
  if (tc.kind === "correspondence") return `${amount(tc.days * 86400)} per move`;
  if (tc.kind === "fischer") {
    const minutes = tc.initial / 60;
    const base = Number.isInteger(minutes) ? String(minutes) : amount(tc.initial);
    return `${base}+${+Number(tc.increment || 0).toFixed(1)}`;
  }
  return String(tc.kind);
}

// A clock reading: "2d 23h", "5h 07m", "4:59", and tenths under ten seconds ("0:09.4").
// Never negative; rounds down, like a chess clock (it shows 0:00.0 only when time is up).
export function formatClock(total) {
  const t = Math.max(0, Number(total) || 0);
  if (t < 10) return `0:0${(Math.floor(t * 10) / 10).toFixed(1)}`;
  const s = Math.floor(t);
  if (s >= 86400) return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
