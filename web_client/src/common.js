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
