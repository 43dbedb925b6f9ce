// The game page (/games/<id>/): play, or watch read-only, one live game.
//
// Everything the page knows is in one store (store.js): the game as the socket last
// heard it (see socket.js initialGameState), the chat log, the message line, the
// signed-in user, the rematch offers and which seats were seen connected. The socket
// writes the server's messages into it; `render` draws from it after every change.
// The only other module-level values are DOM handles (`ui`: the board component and
// the lobby socket opened for rematches), which are not state.

import { createBoard } from "./boards.js";
import { clockRuns, firstMoveLeft } from "./clock.js";
import { api, copyText, me, setConnectionState, setupNameButton, toast } from "./common.js";
import { h } from "./dom.js";
import { bottomSeat, formatClock, fullTime, resultText, SEAT_STYLE, seatStyle, timeControlLabel } from "./format.js";
import { ACTION_TEXT, culpritSeat, flaggedSeats, lastMoveData, moveLabel, moveText, movesOnly, numberedRows } from "./movelist.js";
import { downloadButtons } from "./download.js";
import { materialBalance, parseFen, reversiCount } from "./positions.js";
import { ABORT_BELOW_VERSION, ACTIONS, HTTP_ERROR, isOver, MAX_CHAT_LENGTH, REJECT, STATUS } from "./protocol.js";
import { createSounds, soundFor } from "./sounds.js";
import { GameSocket, initialGameState, LobbySocket } from "./socket.js";
import { createStore } from "./store.js";

const page = document.getElementById("game-page");
const gameId = page.dataset.gameId;
const $ = (id) => document.getElementById(id);

const MAX_CHAT_LINES = 200;
const MESSAGE_MS = 6000;

const store = createStore({
  ...initialGameState(),
  chat: [], // [{id, who?, text, cls}] (cls "sys" for the page's own lines)
  chatCounter: 0,
  message: null, // {id, text, kind, code}: the line under the status
  user: null, // the signed-in (or guest) user, from /api/me
  rematch: null, // the lobby's last `rematch` message about this game
  bannerDismissedAt: null, // the version at which the result banner was closed
  presenceSeen: null, // Map seat -> connected, from the last presence we compared
  everConnected: new Set(), // seats seen connected at least once ("is back" vs "joined")
  flipped: false, // the board turned round by the Flip button
  browsing: null, // {ply, view} while the player looks at an earlier position, else null
  history: null, // replay.json plies of this game (fetched when browsing), with its version
  muted: false, // sounds off (remembered by the browser)
  ratingChanges: null, // GET /api/lobby/games/<id>/ratings once a rated game is over
});
const socket = new GameSocket(gameId, store);
const sounds = createSounds();
store.update({ muted: sounds.muted });
window.boardroom = { socket, store, sounds }; // for the browser tests and curious developers

const ui = { board: null, boardKind: null, lobby: null, leavingFor: null };
const ARRIVAL_SECONDS = 15; // a seat not seen yet is "joining", not "away", this long

const REJECTIONS = {
  [REJECT.ILLEGAL_MOVE]: "That move is not legal here.",
  [REJECT.NOT_YOUR_TURN]: "It is not your turn.",
  [REJECT.MALFORMED_MOVE]: "The server could not read that move.",
  [REJECT.GAME_OVER]: "The game is over.",
  [REJECT.NOT_A_PLAYER]: "You are watching this game: only its players can move.",
  [REJECT.NOT_STARTED]: "The game has not started yet: it is waiting for players.",
  [REJECT.STALE_VERSION]: "The position changed before your move arrived. Try again.",
  rate_limited: "Slow down a little.",
  [REJECT.NO_DRAW_OFFER]: "There is no draw offer to answer.",
  [REJECT.DRAW_ALREADY_OFFERED]: "You have already offered a draw.",
  [REJECT.INVALID_SEAT]: "You are no longer playing in this game.",
  [REJECT.OUT_OF_TIME]: "Your time ran out before the move arrived.",
  [REJECT.GRACE_PERIOD]: "Your opponent may still come back: wait for the countdown.",
  [REJECT.NOT_ABANDONED]: "Nobody has left the game.",
};

// ------------------------------------------------------------------ messages and chat
function showMessage(text, kind = "error", code) {
  const id = (store.state.message?.id ?? 0) + 1;
  store.update({ message: { id, text, kind, code } });
  setTimeout(() => {
    if (store.state.message?.id === id) store.update({ message: null });
  }, MESSAGE_MS);
}

function clearMessage() {
  store.update({ message: null });
}

function renderMessage() {
  const el = $("message");
  const message = store.state.message;
  if (!message) {
    el.hidden = true;
    return;
  }
  el.textContent = message.text;
  el.dataset.kind = message.kind;
  if (message.code) el.dataset.code = message.code;
  el.hidden = false;
}

// A chat line: `who` (bold, "name:") and `text`, or a system line (cls "sys"); `ts`
// orders it among the game's stored chat (docs/protocol.md: the snapshot's `chat`).
function addChat(line) {
  store.update((s) => ({
    chat: [...s.chat, { ts: Date.now() / 1000, ...line, id: s.chatCounter + 1 }].slice(-MAX_CHAT_LINES),
    chatCounter: s.chatCounter + 1,
  }));
}

// The snapshot's recent chat replaces the chat lines heard so far (it holds them, and
// those before a reload); the page's own system lines are kept in time order.
function takeChatHistory(history) {
  if (!Array.isArray(history)) return;
  store.update((s) => {
    let counter = s.chatCounter;
    const stored = history.map((c) => ({ who: c.name, text: c.text, ts: c.ts, channel: c.channel, id: ++counter }));
    const own = s.chat.filter((line) => line.cls === "sys");
    const chat = [...stored, ...own].sort((a, b) => a.ts - b.ts).slice(-MAX_CHAT_LINES);
    return { chat, chatCounter: counter };
  });
}

function renderChat() {
  const log = $("chat-log");
  const lines = store.state.chat;
  log.replaceChildren(
    ...lines.map((line) => {
      const spectator = line.channel === "spectators";
      const nodes = line.who
        ? [h("span", { class: "who", text: `${line.who}${spectator ? " (watching)" : ""}:` }), line.text]
        : line.text;
      return h("li", { class: `${line.cls || ""}${spectator ? " spectator" : ""}`, "data-channel": line.channel || "" }, nodes);
    }),
  );
  log.dataset.count = String(lines.length);
  log.scrollTop = log.scrollHeight;
}

// ------------------------------------------------------------------ names and seats
function nameOf(seat) {
  const s = store.state;
  const player = s.players.find((p) => p.seat === seat);
  const style = seatStyle(ui.boardKind || s.view?.game, seat);
  return player?.name || (s.players.length ? "Open seat" : style.label);
}

function names() {
  return store.state.players.map((p) => p.name || `Seat ${p.seat + 1}`);
}

function isSeated() {
  const seat = store.state.seat;
  return seat !== null && seat !== undefined;
}

function isPlaying() {
  const s = store.state;
  return isSeated() && s.status === STATUS.ACTIVE && (s.view?.active_seats || []).includes(s.seat);
}

// ------------------------------------------------------------------ rendering
function render() {
  const s = store.state;
  const view = s.view;
  if (!view) return;
  if (s.clock?.first_move?.deadline) ui.firstMove = s.clock.first_move;
  const kind = view.game;
  if (!ui.board || ui.boardKind !== kind) {
    ui.boardKind = kind;
    ui.board = createBoard(kind, $("board"), { onMove: onBoardMove });
    page.dataset.kind = kind;
    document.title = `Boardroom · ${s.game?.title || kind}`;
    try {
      if (isSeated()) localStorage.setItem("boardroom.game", kind); // the lobby opens on it
    } catch {
      /* private mode */
    }
  }
  const myTurn = s.status === STATUS.ACTIVE && isSeated() && view.to_move.includes(s.seat);
  const browsing = s.browsing;
  ui.board.render(browsing ? browsing.view : view, {
    seat: s.seat,
    interactive: myTurn && !s.busy && !browsing,
    // Chess premoves while the opponent thinks (boards.js ChessBoard).
    premove: kind === "chess" && isPlaying() && !myTurn && !browsing,
    lastMove: browsing ? browsing.lastMove : lastMoveData(s.moves),
    names: names(),
    flipped: s.flipped,
  });
  page.dataset.browsing = browsing ? String(browsing.ply) : "";
  $("browse-bar").hidden = !browsing;
  if (browsing) $("browse-text").textContent = `Looking at move ${browsing.label}: the game goes on.`;
  page.dataset.version = String(s.version);
  page.dataset.status = s.status || "";
  page.dataset.seat = isSeated() ? String(s.seat) : "";
  page.dataset.toMove = view.to_move.join(",");
  renderStrips(kind);
  renderStatus(myTurn);
  renderActions();
  renderMoves();
  renderBanner();
  $("spectators").textContent = s.spectators ? `${s.spectators} watching` : "";
  $("spectators").dataset.count = String(s.spectators);
}

// What a strip shows beside a name: chess material ahead ("+3" and the pieces taken),
// reversi disc counts.
function scoreText(seat) {
  const view = store.state.browsing?.view || store.state.view;
  if (view.game === "chess") {
    const balance = materialBalance(parseFen(view.position.fen).board);
    const taken = seat === 0 ? balance.white : balance.black;
    const ahead = seat === 0 ? balance.diff : -balance.diff;
    const glyphs = { q: "♛", r: "♜", b: "♝", n: "♞", p: "♟" };
    const text = taken.map((k) => glyphs[k]).join("") + (ahead > 0 ? ` +${ahead}` : "");
    return text ? { text, label: `${ahead > 0 ? `${ahead} ahead in material` : "material"}` } : null;
  }
  if (view.game === "reversi") {
    const n = reversiCount(view.position)[seat];
    return { text: `${n} disc${n === 1 ? "" : "s"}`, label: "discs" };
  }
  return null;
}

function playerChip(seat) {
  const s = store.state;
  const view = s.view;
  const player = s.players.find((p) => p.seat === seat);
  const style = seatStyle(view.game, seat);
  const toMove = s.status === STATUS.ACTIVE && view.to_move.includes(seat);
  const offered = view.draw_offers.includes(seat);
  const out = !view.active_seats.includes(seat);
  const bot = Boolean(player?.bot);
  const here = bot || player?.connected;
  const score = scoreText(seat);
  return h(
    "div",
    { class: `player${toMove ? " to-move" : ""}${out ? " out" : ""}`, "data-seat": seat },
    h("span", { class: "swatch", style: `background:${style.color}`, title: style.label }),
    h("span", {
      class: `presence${here ? " on" : ""}${bot ? " bot" : ""}`,
      title: bot ? "computer player" : here ? "connected" : "not connected",
      "data-connected": here ? "1" : "0",
    }),
    nameElement(player, seat),
    typeof player?.rating === "number" ? h("span", { class: "rating", "data-rating": seat, title: "rating", text: String(player.rating) }) : null,
    ratingChangeElement(seat),
    seat === s.seat ? h("span", { class: "you", text: "(you)" }) : null,
    toMove ? h("span", { class: "to-move-tag", text: "to move" }) : null,
    score ? h("span", { class: "score", "data-score": seat, title: score.label, text: score.text }) : null,
    offered ? h("span", { class: "tag", text: "offers a draw" }) : null,
    h("span", { class: "tag away", "data-grace": seat, hidden: "" }),
    s.clock ? h("span", { class: "tag first-move", "data-first-move": seat, hidden: "" }) : null,
    clockElement(seat),
  );
}

// A player's name: a link to the profile page for accounts (PLAYER.username).
function nameElement(player, seat) {
  const text = player?.name || (player?.taken ? `Seat ${seat + 1}` : "Open seat");
  if (!player?.username) return h("span", { class: "pname", text });
  return h("a", { class: "pname", href: `/@/${encodeURIComponent(player.username)}/`, target: "_blank", rel: "noopener", text });
}

// ------------------------------------------------------------------ ratings
// A rated game that is over: what it did to each player's rating (docs/protocol.md,
// "Ratings and HTTP API"), fetched once (and once more if the server had not rated it yet).
function ratingChange(seat) {
  return store.state.ratingChanges?.changes.find((c) => c.seat === seat) || null;
}

function signed(n) {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "±0";
}

function ratingChangeElement(seat) {
  const change = ratingChange(seat);
  if (!change) return null;
  const kind = change.change > 0 ? "up" : change.change < 0 ? "down" : "same";
  return h("span", { class: `rating-change ${kind}`, "data-rating-change": seat, title: "rating change", text: signed(change.change) });
}

async function fetchRatingChanges(attempt = 0) {
  try {
    const data = await api(`/api/lobby/games/${encodeURIComponent(gameId)}/ratings`);
    if (!data.changes.length && attempt < 2) {
      setTimeout(() => fetchRatingChanges(attempt + 1), 1500);
      return;
    }
    store.update({ ratingChanges: data });
  } catch (e) {
    console.warn("no rating changes", e);
  }
}

function wantRatingChanges() {
  const s = store.state;
  if (ui.ratingsAsked || s.status !== STATUS.FINISHED || !s.game?.rated) return;
  ui.ratingsAsked = true;
  fetchRatingChanges();
}

function ratingLines() {
  const changes = store.state.ratingChanges?.changes || [];
  if (!changes.length) return null;
  const mine = isSeated() ? store.state.seat : null;
  return h(
    "div",
    { class: "rating-changes" },
    ...changes.map((c) =>
      h("span", { class: "rating-line", "data-seat": c.seat, text: `${c.seat === mine ? "Your rating" : nameOf(c.seat)}: ${c.before} → ${c.after} (${signed(c.change)})` }),
    ),
  );
}

// ------------------------------------------------------------------ time
// docs/protocol.md "Time". The strips are rebuilt when the game changes; between server
// messages `tickClocks` only rewrites the clock readings and grace countdowns in place.
const LOW_TIME = 10;

function timeControl() {
  const s = store.state;
  return s.clock?.time_control || s.game?.time_control || null;
}

function clockElement(seat) {
  if (!store.state.clock) return null;
  const el = h(
    "span",
    { class: "clock", "data-clock": seat, role: "timer", "aria-label": "time left" },
    h("span", { class: "clock-time" }),
    h("span", { class: "clock-bar", "aria-hidden": "true" }),
  );
  updateClock(el, seat);
  return el;
}

function updateClock(el, seat) {
  const s = store.state;
  const flagged = flaggedSeats(s.moves, s.outcome, s.view?.players).has(seat);
  const left = flagged ? 0 : socket.remaining(seat);
  if (left === null) {
    el.hidden = true;
    return;
  }
  const running = clockRuns(s.clock, s.status, seat);
  const state = left <= 0 && (running || flagged) ? "flag" : left < LOW_TIME ? "low" : "ok";
  const text = formatClock(left);
  const time = el.firstChild;
  if (time.textContent !== text) time.textContent = text;
  if (el.dataset.running !== (running ? "1" : "0")) el.dataset.running = running ? "1" : "0";
  if (el.dataset.state !== state) el.dataset.state = state;
  const full = fullTime(timeControl());
  const fraction = full ? Math.min(1, left / full) : 1;
  el.style.setProperty("--left", fraction.toFixed(3));
}

// Seats that are away (no connection) with a grace period: see "Abandonment". A seat
// this page has not seen connected yet is still arriving (its page is loading right after
// a match): it only counts as away ARRIVAL_SECONDS after its absence began.
function awaySeats() {
  const s = store.state;
  if (s.status !== STATUS.ACTIVE) return [];
  return s.players.filter(
    (p) =>
      p.grace_until &&
      !p.connected &&
      !p.bot &&
      p.seat !== s.seat &&
      (s.everConnected.has(p.seat) || socket.serverNow() - (p.disconnected_since ?? 0) > ARRIVAL_SECONDS),
  );
}

function graceLeft(player) {
  return Math.max(0, player.grace_until - socket.serverNow());
}

// A Fischer game's seat that has not made its first move yet (docs/protocol.md "First
// moves"): its bank waits, and a countdown says how long it has before the game is aborted.
function firstMoveSeconds(seat) {
  const s = store.state;
  return firstMoveLeft(s.clock, s.status, s.view?.to_move, seat, socket.serverNow());
}

function tickClocks() {
  if (!store.state.view) return;
  lowTimeWarning();
  for (const el of document.querySelectorAll(".clock[data-clock]")) updateClock(el, Number(el.dataset.clock));
  for (const el of document.querySelectorAll(".tag.first-move[data-first-move]")) {
    const left = firstMoveSeconds(Number(el.dataset.firstMove));
    el.hidden = left === null;
    if (left === null) continue;
    const text = `first move · ${formatClock(left)}`;
    if (el.textContent !== text) el.textContent = text;
  }
  const away = new Map(awaySeats().map((p) => [p.seat, p]));
  for (const el of document.querySelectorAll(".tag.away[data-grace]")) {
    const player = away.get(Number(el.dataset.grace));
    el.hidden = !player;
    if (!player) continue;
    const left = graceLeft(player);
    const text = left > 0 ? `away · ${formatClock(left)}` : "gone";
    if (el.textContent !== text) el.textContent = text;
  }
  renderAway();
}

// The side panel about away opponents: their grace countdown, then "Claim the win".
function renderAway() {
  const panel = $("away");
  const away = awaySeats();
  if (!away.length) {
    if (!panel.hidden) panel.hidden = true;
    return;
  }
  const waiting = away.filter((p) => graceLeft(p) > 0);
  const gone = away.filter((p) => graceLeft(p) <= 0);
  const canClaim = isPlaying() && gone.length > 0;
  // Too few actions stored: the claim aborts the game instead (no result).
  const aborts = (store.state.version ?? 0) < ABORT_BELOW_VERSION;
  const lines = [];
  for (const p of waiting) {
    const name = p.name || `Seat ${p.seat + 1}`;
    lines.push(
      store.state.everConnected.has(p.seat)
        ? `${name} disconnected: ${formatClock(graceLeft(p))} to come back.`
        : `${name} has not arrived yet: ${formatClock(graceLeft(p))} to come.`,
    );
  }
  for (const p of gone) lines.push(`${p.name || `Seat ${p.seat + 1}`} has left the game.`);
  let hint = "";
  if (isPlaying() && !canClaim) hint = "After that you can claim the win.";
  else if (canClaim) hint = aborts ? "It is too early for a result: the game will be aborted." : "You may wait, or claim the win now.";
  const key = JSON.stringify([lines, hint, canClaim, aborts]);
  panel.hidden = false;
  if (panel.dataset.key === key) return;
  panel.dataset.key = key;
  panel.dataset.claimable = canClaim ? "1" : "0";
  panel.replaceChildren(
    h("span", { class: "away-icon", "aria-hidden": "true" }),
    h("div", { class: "away-text" }, ...lines.map((line) => h("div", { class: "away-line", text: line })), hint ? h("div", { class: "sub", text: hint }) : null),
    ...(canClaim
      ? [
          h("button", {
            id: "btn-claim",
            type: "button",
            class: "btn primary",
            text: aborts ? "Abort the game" : "Claim the win",
            onclick: () => act("claim_win"),
          }),
        ]
      : []),
  );
}

// One "low time" sound when your own running clock drops under LOW_TIME.
function lowTimeWarning() {
  const s = store.state;
  if (!isSeated() || !clockRuns(s.clock, s.status, s.seat)) return;
  const left = socket.remaining(s.seat);
  const key = `${s.version}`;
  if (left !== null && left < LOW_TIME && left > 0 && ui.lowTimeAt !== key) {
    ui.lowTimeAt = key;
    sounds.play("lowtime");
  }
}

// Smooth countdowns: ten times a second while a clock or a grace period runs.
setInterval(() => {
  const s = store.state;
  if (s.status !== STATUS.ACTIVE) return;
  if (s.clock?.running?.length || s.clock?.first_move || awaySeats().length) tickClocks();
}, 100);

function renderStrips(kind) {
  const s = store.state;
  const n = s.view.players;
  const top = $("strip-top");
  const bottom = $("strip-bottom");
  if (n === 2) {
    const natural = bottomSeat(kind, isSeated() ? s.seat : null);
    const b = s.flipped ? 1 - natural : natural;
    top.replaceChildren(playerChip(1 - b));
    bottom.replaceChildren(playerChip(b));
    bottom.hidden = false;
  } else {
    top.replaceChildren(...Array.from({ length: n }, (_, seat) => playerChip(seat)));
    bottom.hidden = true;
  }
  for (const strip of [top, bottom]) {
    strip.classList.toggle("with-clock", Boolean(s.clock));
    strip.classList.toggle("multi", n !== 2);
  }
  tickClocks();
}

function renderStatus(myTurn) {
  const s = store.state;
  const view = s.view;
  const el = $("status");
  let title;
  let sub = "";
  if (s.status === STATUS.WAITING) {
    const free = s.players.filter((p) => !p.taken).length;
    title = `Waiting for ${free === 1 ? "an opponent" : `${free} more players`}`;
    sub = isSeated() ? "Share the link so someone can join." : "A seat is free: you can join.";
  } else if (isOver(s.status)) {
    const result = outcomeText();
    title = result.title;
    sub = result.reason;
  } else if (myTurn) {
    title = s.busy ? "Sending your move…" : "Your turn";
  } else {
    const movers = view.to_move.map((seat) => nameOf(seat));
    title = movers.length ? `${movers.join(" & ")} to move` : "…";
  }
  if (!sub) {
    if (isSeated()) {
      const style = seatStyle(view.game, s.seat);
      // Seats are numbered from 0, as in the protocol and the move data ("ask", 1, ...).
      sub = SEAT_STYLE[view.game] ? `You play ${style.label}` : `You are ${nameOf(s.seat)}, seat ${s.seat}`;
    } else {
      sub = "You are watching";
    }
  }
  const tc = timeControl();
  el.replaceChildren(
    h("span", { class: "title", text: title }),
    h("span", { class: "sub", text: sub }),
    ...(tc ? [h("span", { class: "tc", "data-tc": tc.kind, text: timeControlLabel(tc) })] : []),
  );
  el.dataset.turn = myTurn ? "mine" : "";
}

function renderActions() {
  const s = store.state;
  const seated = isSeated();
  const over = isOver(s.status);
  const playing = isPlaying();
  const offers = s.view.draw_offers;
  const iOffered = offers.includes(s.seat);
  const othersOffered = offers.some((seat) => seat !== s.seat);
  $("btn-resign").hidden = !playing;
  $("btn-draw").hidden = !playing || iOffered || othersOffered;
  $("btn-accept").hidden = !playing || iOffered || !othersOffered;
  $("btn-decline").hidden = !playing || iOffered || !othersOffered;
  $("btn-rematch").hidden = !(over && seated);
  $("btn-rematch").textContent = rematchLabel();
  $("btn-flip").hidden = !["chess", "checkers", "reversi"].includes(s.view.game);
  $("btn-mute").textContent = s.muted ? "Sound off" : "Sound on";
  $("btn-mute").setAttribute("aria-pressed", s.muted ? "true" : "false");
  const downloads = $("downloads");
  if (downloads.dataset.kind !== s.view.game) {
    downloads.dataset.kind = s.view.game;
    downloads.replaceChildren(...downloadButtons(s.view.game, () => gameId));
  }
  if (over && seated) lobbySocket(); // hear the other players' rematch offers
  $("btn-replay").hidden = !over;
  let join = $("btn-join");
  const canJoin = s.status === STATUS.WAITING && !seated && s.players.some((p) => !p.taken);
  if (canJoin && !join) {
    join = h("button", { id: "btn-join", type: "button", class: "btn primary", text: "Join this game", onclick: joinGame });
    $("actions").prepend(join);
  } else if (!canJoin && join) {
    join.remove();
  }
}

function renderMoves() {
  const s = store.state;
  const list = $("moves");
  const entries = movesOnly(s.moves);
  const paired = s.view.players === 2;
  list.classList.toggle("single", !paired);
  const items = [];
  const item = (entry, text, number) =>
    h("li", {
      class: "mv",
      "data-ply": entry?.version ?? "",
      "data-label": number,
      role: entry ? "button" : null,
      tabindex: entry ? "0" : null,
      text,
    });
  for (const { number, entries: row } of numberedRows(entries, paired)) {
    items.push(h("li", { class: "num", text: `${number}.` }));
    if (paired) {
      items.push(item(row[0], moveText(row[0], names()), `${number}.`));
      items.push(item(row[1], row[1] ? moveText(row[1], names()) : "", `${number}…`));
    } else {
      const entry = row[0];
      items.push(item(entry, (entry && entry.seat !== undefined ? `${nameOf(entry.seat)}: ` : "") + moveText(entry, names()), `${number}.`));
    }
  }
  const browsing = s.browsing;
  const current = browsing
    ? items.find((i) => i.dataset.ply === String(browsing.ply))
    : items.filter((i) => i.classList.contains("mv") && i.textContent).at(-1);
  if (current) current.classList.add("current");
  list.replaceChildren(...items);
  list.dataset.count = String(entries.length);
  if (!browsing) list.scrollTop = list.scrollHeight;
  else if (current) current.scrollIntoView({ block: "nearest" });
}

// ------------------------------------------------------------------ looking back
// A click on a move in the list (or the arrow keys) shows the position after it, read
// from this game's replay data (the spectators' views; fetched again when the game has
// moved on); "Back to the game" or End returns to the live position.
async function historyPlies() {
  const s = store.state;
  if (s.history && s.history.version >= s.version) return s.history.plies;
  const data = await api(`/games/${encodeURIComponent(gameId)}/replay.json`);
  store.update({ history: { version: s.version, plies: data.plies } });
  return data.plies;
}

async function browseTo(ply) {
  const s = store.state;
  const moves = movesOnly(s.moves).filter(Boolean);
  if (ply === null || ply >= (moves.at(-1)?.version ?? 0) || ply < 0) {
    store.update({ browsing: null });
    return;
  }
  let plies;
  try {
    plies = await historyPlies();
  } catch (e) {
    showMessage(`Could not load the earlier positions: ${e.message}`);
    return;
  }
  const step = plies.find((p) => p.ply === ply);
  if (!step) return;
  const index = moves.findIndex((m) => m.version === ply);
  const number = moveLabel(moves, index, s.view.players === 2);
  const label = ply === 0 ? "0 (the start)" : `${number} ${moveText(moves[index], names()) || ""}`.trim();
  store.update({ browsing: { ply, view: step.view, lastMove: step.move ?? null, label } });
}

// The move before / after the one shown (moves only, as the list shows them).
function browseStep(delta) {
  const s = store.state;
  const versions = [0, ...movesOnly(s.moves).filter(Boolean).map((m) => m.version)];
  const current = s.browsing ? s.browsing.ply : versions.at(-1);
  const index = versions.indexOf(current);
  const next = versions[Math.max(0, Math.min(versions.length - 1, (index < 0 ? versions.length - 1 : index) + delta))];
  browseTo(next === versions.at(-1) ? null : next);
}

// The result in words: who won, and why (a clock that ran out, a player who left, an
// aborted game) from the outcome and the action that ended the game.
function outcomeText() {
  const s = store.state;
  const outcome = s.outcome;
  const mine = isSeated() ? s.seat : null;
  const who = (seat) => (seat === mine ? "You" : nameOf(seat));
  const n = s.view?.players || 0;
  // The seat that timed out or left: the ending action's, else the one seat that lost.
  const culprit = (action) => culpritSeat(s.moves, outcome, n, action);
  if (s.status === STATUS.ABORTED || outcome?.reason === "aborted") {
    const seat = culprit(ACTIONS.ABORT);
    const first = ui.firstMove; // the last first-move countdown this page saw
    if (seat !== null && seat !== undefined && first?.seats.includes(seat) && socket.serverNow() >= first.deadline - 1) {
      return { title: "Game aborted", reason: `${who(seat)} did not make a first move in time. No result, not rated.`, kind: "aborted" };
    }
    const left = seat === null || seat === undefined ? "A player left" : `${who(seat)} left`;
    return { title: "Game aborted", reason: `${left} before the game got going. No result, not rated.`, kind: "aborted" };
  }
  const result = resultText(outcome, names(), mine);
  if (outcome?.reason === "timeout") {
    const seat = culprit(ACTIONS.TIMEOUT);
    if (seat !== null && seat !== undefined) result.reason = `${who(seat)} ran out of time`;
  } else if (outcome?.reason === "abandonment") {
    const seat = culprit(ACTIONS.ABANDON);
    if (seat !== null && seat !== undefined) result.reason = `${who(seat)} left the game and did not come back`;
  }
  return { ...result, kind: outcome?.reason || "" };
}

function renderBanner() {
  const s = store.state;
  const el = $("banner");
  if (!isOver(s.status)) {
    el.hidden = true;
    return;
  }
  const result = outcomeText();
  wantRatingChanges();
  el.replaceChildren(
    h("strong", { class: "result", text: result.title }),
    h("span", { class: "reason", text: result.reason }),
    ratingLines(),
    h(
      "div",
      {},
      isSeated() ? h("button", { type: "button", class: "btn primary", id: "banner-rematch", text: rematchLabel(), onclick: rematch }) : null,
      " ",
      h("a", { class: "btn", href: "replay/", text: "Replay" }),
      " ",
      h("button", {
        type: "button",
        class: "btn",
        text: "Close",
        onclick: () => store.update({ bannerDismissedAt: store.state.version }),
      }),
    ),
  );
  el.dataset.reason = s.outcome?.reason || "";
  el.hidden = s.bannerDismissedAt === s.version;
}

// ------------------------------------------------------------------ acting
function onBoardMove(move, legal, hint) {
  const s = store.state;
  if (!isSeated()) {
    showMessage(REJECTIONS[REJECT.NOT_A_PLAYER]);
    return;
  }
  if (s.status === STATUS.WAITING) {
    showMessage(REJECTIONS[REJECT.NOT_STARTED]);
    return;
  }
  if (s.status !== STATUS.ACTIVE) {
    showMessage(REJECTIONS[REJECT.GAME_OVER]);
    return;
  }
  if (move === null) {
    const myTurn = s.view.to_move.includes(s.seat);
    showMessage(myTurn ? hint : REJECTIONS[REJECT.NOT_YOUR_TURN]);
    return;
  }
  if (s.busy) return;
  if (s.conn.state !== "open") {
    showMessage("You are offline: your move will be sent when the connection is back.", "info");
  }
  // Illegal moves go to the server too: it has the last word, and says why not.
  socket.move(move);
  render();
}

function act(type) {
  if (store.state.busy) return;
  socket.act(type);
  render();
}

async function joinGame() {
  try {
    const data = await api(`/api/games/${encodeURIComponent(gameId)}/seats`, { method: "POST", body: {} });
    socket.auth(data.token);
    toast("You took a seat. Good luck!");
  } catch (e) {
    showMessage(e.message);
  }
}

// Rematches go through the lobby socket (docs/protocol.md, "Lobby"): every human player
// offers; when all have, the lobby starts the new game and sends each a `match`.
function lobbySocket() {
  if (!ui.lobby) {
    const lobby = new LobbySocket();
    ui.lobby = lobby;
    lobby.on("rematch", (m) => {
      if (m.game !== gameId) return;
      const me = store.state.user?.id;
      const before = store.state.rematch?.offers || [];
      const fresh = m.offers.filter((id) => id !== me && !before.includes(id));
      store.update({ rematch: m });
      if (m.new_game) {
        goToGame(m.new_game);
        return;
      }
      if (fresh.length) {
        const text = "Your opponent wants a rematch: press “Accept rematch” to play again.";
        showMessage(text, "info", "rematch");
        addChat({ text: "Your opponent offers a rematch.", cls: "sys" });
      }
    });
    lobby.on("match", (m) => {
      if (m.source === "rematch" || store.state.rematch) goToGame(m.game);
    });
    lobby.on("error", (m) => showMessage(m.message || m.code));
    lobby.connect();
  }
  return ui.lobby;
}

// The new game of a rematch is announced twice (the `rematch` message names it, and each
// player gets its `match`): go there once; a second `location.href` would abort the first.
function goToGame(id) {
  if (ui.leavingFor) return;
  ui.leavingFor = id;
  location.href = `/games/${id}/`;
}

function rematch() {
  lobbySocket().send({ type: "rematch", game: gameId });
  toast("Rematch offered.");
}

function rematchLabel() {
  const { rematch: offer, user } = store.state;
  if (!offer || !user) return "Rematch";
  const mine = offer.offers.includes(user.id);
  if (mine) return "Rematch offered…";
  return offer.offers.length ? "Accept rematch" : "Rematch";
}

// ------------------------------------------------------------------ news from the socket
function onAction(entry) {
  const s = store.state;
  if (entry.action !== ACTIONS.MOVE && ACTION_TEXT[entry.action]) {
    const late = entry.action === ACTIONS.ABORT && ui.firstMove?.seats.includes(entry.seat) && socket.serverNow() >= ui.firstMove.deadline - 1;
    const text = late ? "did not make a first move: the game is aborted" : ACTION_TEXT[entry.action];
    addChat({ text: `${nameOf(entry.seat)} ${text}.`, cls: "sys" });
  }
  if (entry.catchUp) return;
  if (entry.action === ACTIONS.MOVE) {
    // Screen readers hear every move ("Bob played Nf3"), the opponent's above all.
    const who = entry.seat === s.seat ? "You" : nameOf(entry.seat);
    const text = moveText(entry, names());
    $("announce").textContent = `${who} played ${text && text !== "(hidden)" ? text : "a move"}.`;
  }
  const sound = soundFor(entry, s.view, s.status);
  if (sound) sounds.play(sound);
  autoPass();
}

// Reversi: a player with no placement must pass; the page passes for them, and says so.
function autoPass() {
  const s = store.state;
  const legal = s.view?.legal_moves;
  if (s.view?.game !== "reversi" || !isPlaying() || !s.view.to_move.includes(s.seat)) return;
  if (!legal || legal.length !== 1 || legal[0] !== "pass" || s.busy) return;
  const version = s.version;
  setTimeout(() => {
    if (store.state.version !== version || store.state.busy) return;
    showMessage("You have no move: the page passed for you.", "info");
    socket.move("pass");
  }, 700);
}

function onSnapshot(e) {
  takeChatHistory(e?.detail?.chat);
  autoPass();
  const players = store.state.players;
  const everConnected = new Set(store.state.everConnected);
  for (const p of players) if (p.connected) everConnected.add(p.seat);
  store.update({ presenceSeen: new Map(players.map((p) => [p.seat, p.connected])), everConnected });
}

function onPresence(m) {
  const s = store.state;
  const now = new Map((m.players || []).map((p) => [p.seat, p.connected]));
  if (s.presenceSeen) {
    for (const [seat, connected] of now) {
      const before = s.presenceSeen.get(seat);
      if (before !== undefined && before !== connected && seat !== s.seat) {
        const text = connected ? (s.everConnected.has(seat) ? "is back" : "joined") : "disconnected";
        addChat({ text: `${nameOf(seat)} ${text}.`, cls: "sys" });
      }
    }
  }
  const everConnected = new Set(s.everConnected);
  for (const [seat, connected] of now) if (connected) everConnected.add(seat);
  store.update({ presenceSeen: now, everConnected });
}

function renderConn() {
  const { state, detail } = store.state.conn;
  setConnectionState(state, detail);
  page.dataset.conn = state;
  if (state !== "open" && store.state.view) {
    $("status").dataset.offline = "1";
  } else {
    delete $("status").dataset.offline;
  }
}

// ------------------------------------------------------------------ wiring
// What each part of the page is drawn from; everything else in the store is the game.
const OWN_RENDERERS = {
  chat: renderChat,
  message: renderMessage,
  conn: renderConn,
};
const NOT_DRAWN = new Set(["chatCounter", "presenceSeen", "everConnected", "history"]);

store.subscribe((state, changed) => {
  let game = false;
  for (const key of Object.keys(changed)) {
    if (OWN_RENDERERS[key]) OWN_RENDERERS[key]();
    else if (!NOT_DRAWN.has(key)) game = true;
  }
  if (game) render();
});

socket.addEventListener("snapshot", (e) => onSnapshot(e));
socket.addEventListener("action", (e) => onAction(e.detail));
socket.addEventListener("presence", (e) => onPresence(e.detail));
socket.addEventListener("chat", (e) =>
  addChat({ who: e.detail.name, text: e.detail.text, ts: e.detail.ts, channel: e.detail.channel }),
);
socket.addEventListener("ack", () => clearMessage());
socket.addEventListener("reject", (e) => {
  const m = e.detail;
  // The engine says in words why a move is illegal ("The knight on b1 cannot move to b3.").
  const why = m.code === REJECT.ILLEGAL_MOVE && m.message ? m.message : "";
  const text = why ? `That move is not legal: ${why.charAt(0).toLowerCase()}${why.slice(1)}` : REJECTIONS[m.code] || m.message || m.code;
  showMessage(text, "error", m.code);
});
socket.addEventListener("error", (e) => console.warn("server error", e.detail));
socket.addEventListener("fatal", (e) => {
  $("status").textContent = e.detail.message;
});

$("btn-resign").addEventListener("click", () => {
  if (window.confirm("Resign this game?")) act("resign");
});
$("btn-draw").addEventListener("click", () => act("offer_draw"));
$("btn-accept").addEventListener("click", () => act("accept_draw"));
$("btn-decline").addEventListener("click", () => act("decline_draw"));
$("btn-rematch").addEventListener("click", rematch);
$("btn-flip").addEventListener("click", () => store.update({ flipped: !store.state.flipped }));
$("btn-mute").addEventListener("click", () => {
  sounds.setMuted(!sounds.muted);
  store.update({ muted: sounds.muted });
});
$("btn-live").addEventListener("click", () => browseTo(null));
$("moves").addEventListener("click", (e) => {
  const li = e.target.closest(".mv[data-ply]");
  if (li && li.dataset.ply) browseTo(Number(li.dataset.ply));
});
$("moves").addEventListener("keydown", (e) => {
  const li = e.target.closest(".mv[data-ply]");
  if (li && li.dataset.ply && (e.key === "Enter" || e.key === " ")) {
    e.preventDefault();
    browseTo(Number(li.dataset.ply));
  }
});
// Arrow keys step through the moves (outside the board, the chat and other fields).
document.addEventListener("keydown", (e) => {
  if (!store.state.view || e.target.closest("input, textarea, select, .grid, [role=dialog]")) return;
  if (e.key === "ArrowLeft") browseStep(-1);
  else if (e.key === "ArrowRight") browseStep(1);
  else if (e.key === "Home") browseTo(0);
  else if (e.key === "End") browseTo(null);
  else if (e.key === "f" && !e.ctrlKey && !e.metaKey) store.update({ flipped: !store.state.flipped });
  else return;
  e.preventDefault();
});
$("btn-share").addEventListener("click", async () => {
  const url = `${location.origin}/games/${gameId}/`;
  toast((await copyText(url)) ? "Link copied: anyone with it can watch." : url);
});
$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text) return;
  if (!socket.chat(text.slice(0, MAX_CHAT_LENGTH))) showMessage("You are offline: chat is not sent.");
  input.value = "";
});

setupNameButton();

async function start() {
  try {
    store.update({ user: await me() }); // a session (a guest) first, so the socket knows our seat
  } catch (e) {
    console.warn("no session", e);
  }
  const params = new URLSearchParams(location.search);
  if (params.get("join") === "1") {
    history.replaceState(null, "", location.pathname);
    try {
      const data = await api(`/api/games/${encodeURIComponent(gameId)}/seats`, { method: "POST", body: {} });
      socket.token = data.token;
    } catch (e) {
      if (e.code !== HTTP_ERROR.GAME_FULL) showMessage(e.message);
    }
  }
  socket.connect();
}

start();
