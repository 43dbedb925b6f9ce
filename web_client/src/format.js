// Words and numbers for the screen: results and their reasons, seat colours, time
// controls and clock readings. Pure functions (no DOM, no clock of their own: the
// current time is a parameter where it matters), shared by the three pages and
// unit-tested under node (web_client/test/format.test.js).

// ------------------------------------------------------------------ results
// outcome.reason (docs/protocol.md: `{"winners", "draw", "reason", "scores"}`) in words.
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

// {title, reason} for an outcome: "You won!" / "You lost" for a seated player, the
// winners' names for everybody else, "Draw" for a draw or nobody winning.
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

// The seats that did not win (in seat order), for "who ran out of time" and the like.
export function losingSeats(outcome, numPlayers) {
  if (!outcome) return [];
  return [...Array(numPlayers || 0).keys()].filter((s) => !outcome.winners.includes(s));
}

// ------------------------------------------------------------------ seats
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

// The seat drawn at the bottom of a two-player board: your own, or for a spectator the
// side that moves up the board as drawn (checkers numbers from black's back row).
export function bottomSeat(kind, mySeat) {
  if (mySeat !== null && mySeat !== undefined) return mySeat;
  return kind === "checkers" ? 1 : 0;
}

// ------------------------------------------------------------------ dates
// "just now", "5 min ago", "3 h ago", "2 d ago" for an ISO date; `now` in ms.
export function timeAgo(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = (now - new Date(iso).getTime()) / 1000;
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

// The allowance a full clock bar stands for: the per-move limit or the Fischer bank.
export function fullTime(tc) {
  if (!tc) return null;
  if (tc.kind === "move") return tc.seconds;
  if (tc.kind === "correspondence") return tc.days * 86400;
  return tc.initial;
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
