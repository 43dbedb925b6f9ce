// The game page (/games/<id>/): play, or watch read-only, one live game.

import { createBoard, h } from "./boards.js";
import {
  api,
  copyText,
  formatClock,
  me,
  resultText,
  SEAT_STYLE,
  seatStyle,
  setConnectionState,
  setupNameButton,
  timeControlLabel,
  toast,
} from "./common.js";
import { GameSocket, LobbySocket } from "./socket.js";

const page = document.getElementById("game-page");
const gameId = page.dataset.gameId;
const $ = (id) => document.getElementById(id);

const socket = new GameSocket(gameId);
window.boardroom = { socket }; // for the browser tests and curious developers

let board = null;
let boardKind = null;
let user = null;
let bannerDismissedAt = null;
let messageTimer = null;
let lastSeenPresence = null;

const REJECTIONS = {
  illegal_move: "That move is not legal here.",
  not_your_turn: "It is not your turn.",
  malformed_move: "The server could not read that move.",
  game_over: "The game is over.",
  not_a_player: "You are watching this game: only its players can move.",
  not_started: "The game has not started yet: it is waiting for players.",
  stale_version: "The position changed before your move arrived. Try again.",
  rate_limited: "Slow down a little.",
  no_draw_offer: "There is no draw offer to answer.",
  draw_already_offered: "You have already offered a draw.",
  invalid_seat: "You are no longer playing in this game.",
  out_of_time: "Your time ran out before the move arrived.",
  grace_period: "Your opponent may still come back: wait for the countdown.",
  not_abandoned: "Nobody has left the game.",
};

function showMessage(text, kind = "error") {
  const el = $("message");
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

function clearMessage() {
  $("message").hidden = true;
}

// ------------------------------------------------------------------ names and seats
function nameOf(seat) {
  const player = socket.players.find((p) => p.seat === seat);
  const style = seatStyle(boardKind || socket.view?.game, seat);
  return player?.name || (socket.players.length ? "Open seat" : style.label);
}

function names() {
  return socket.players.map((p) => p.name || `Seat ${p.seat + 1}`);
}

function isSeated() {
  return socket.seat !== null && socket.seat !== undefined;
}

function bottomSeat(kind) {
  if (isSeated()) return socket.seat;
  return kind === "checkers" ? 1 : 0;
}

// ------------------------------------------------------------------ rendering
function render() {
  const view = socket.view;
  if (!view) return;
  const kind = view.game;
  if (!board || boardKind !== kind) {
    boardKind = kind;
    board = createBoard(kind, $("board"), { onMove: onBoardMove });
    page.dataset.kind = kind;
    document.title = `Boardroom · ${socket.game?.title || kind}`;
  }
  const active = socket.status === "active";
  const myTurn = active && isSeated() && view.to_move.includes(socket.seat);
  board.render(view, {
    seat: socket.seat,
    interactive: myTurn && !socket.busy,
    lastMove: lastMoveData(),
    names: names(),
  });
  page.dataset.version = String(socket.version);
  page.dataset.status = socket.status || "";
  page.dataset.seat = isSeated() ? String(socket.seat) : "";
  page.dataset.toMove = view.to_move.join(",");
  renderStrips(kind);
  renderStatus(myTurn);
  renderActions();
  renderMoves(kind);
  renderBanner();
  $("spectators").textContent = socket.spectators
    ? `${socket.spectators} watching`
    : "";
  $("spectators").dataset.count = String(socket.spectators);
}

function lastMoveData() {
  for (let i = socket.moves.length - 1; i >= 0; i--) {
    const entry = socket.moves[i];
    if (entry && entry.action === "move") return entry.move;
    if (entry && entry.action !== "move") continue;
    return null;
  }
  return null;
}

function playerChip(seat) {
  const view = socket.view;
  const player = socket.players.find((p) => p.seat === seat);
  const style = seatStyle(view.game, seat);
  const toMove = socket.status === "active" && view.to_move.includes(seat);
  const offered = (view.draw_offers || []).includes(seat);
  const out = view.active_seats && !view.active_seats.includes(seat);
  return h(
    "div",
    { class: `player${toMove ? " to-move" : ""}${out ? " out" : ""}`, "data-seat": seat },
    h("span", { class: "swatch", style: `background:${style.color}`, title: style.label }),
    h("span", {
      class: `presence${player?.connected ? " on" : ""}`,
      title: player?.connected ? "connected" : "not connected",
      "data-connected": player?.connected ? "1" : "0",
    }),
    h("span", { class: "pname", text: player?.name || (player?.taken ? `Seat ${seat + 1}` : "Open seat") }),
    seat === socket.seat ? h("span", { class: "you", text: "(you)" }) : null,
    offered ? h("span", { class: "tag", text: "offers a draw" }) : null,
    h("span", { class: "tag away", "data-grace": seat, hidden: "" }),
    clockElement(seat),
  );
}

// ------------------------------------------------------------------ time
// docs/protocol.md "Time". The strips are rebuilt when the game changes; between server
// messages `tickClocks` only rewrites the clock readings and grace countdowns in place.
const LOW_TIME = 10;

function timeControl() {
  return socket.clock?.time_control || socket.game?.time_control || null;
}

// The allowance a full clock bar stands for: the per-move limit or the Fischer bank.
function fullTime() {
  const tc = timeControl();
  if (!tc) return null;
  if (tc.kind === "move") return tc.seconds;
  if (tc.kind === "correspondence") return tc.days * 86400;
  return tc.initial;
}

function clockElement(seat) {
  if (!socket.clock) return null;
  const el = h(
    "span",
    { class: "clock", "data-clock": seat, role: "timer", "aria-label": "time left" },
    h("span", { class: "clock-time" }),
    h("span", { class: "clock-bar", "aria-hidden": "true" }),
  );
  updateClock(el, seat);
  return el;
}

// Seats whose clock ran out (the server then resets a per-move clock; show the flag).
function flaggedSeats() {
  const seats = new Set(socket.moves.filter((e) => e?.action === "timeout").map((e) => e.seat));
  const outcome = socket.outcome;
  if (!seats.size && outcome?.reason === "timeout") {
    const losers = [...Array(socket.view?.players || 0).keys()].filter((s) => !outcome.winners.includes(s));
    if (losers.length === 1) seats.add(losers[0]);
  }
  return seats;
}

function updateClock(el, seat) {
  const flagged = flaggedSeats().has(seat);
  const left = flagged ? 0 : socket.remaining(seat);
  if (left === null) {
    el.hidden = true;
    return;
  }
  const running = socket.clockRuns(seat);
  const state = left <= 0 && (running || flagged) ? "flag" : left < LOW_TIME ? "low" : "ok";
  const text = formatClock(left);
  const time = el.firstChild;
  if (time.textContent !== text) time.textContent = text;
  if (el.dataset.running !== (running ? "1" : "0")) el.dataset.running = running ? "1" : "0";
  if (el.dataset.state !== state) el.dataset.state = state;
  const full = fullTime();
  const fraction = full ? Math.min(1, left / full) : 1;
  el.style.setProperty("--left", fraction.toFixed(3));
}

// Seats that are away (no connection) with a grace period: see "Abandonment".
function awaySeats() {
  if (socket.status !== "active") return [];
  return socket.players.filter((p) => p.grace_until && !p.connected && p.seat !== socket.seat);
}

function graceLeft(player) {
  return Math.max(0, player.grace_until - socket.serverNow());
}

function isPlaying() {
  return isSeated() && socket.status === "active" && (socket.view?.active_seats || []).includes(socket.seat);
}

function tickClocks() {
  if (!socket.view) return;
  for (const el of document.querySelectorAll(".clock[data-clock]")) updateClock(el, Number(el.dataset.clock));
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
  // Fewer than two actions stored: the claim aborts the game instead (no result).
  const aborts = (socket.version ?? 0) < 2;
  const lines = [];
  for (const p of waiting) {
    lines.push(`${p.name || `Seat ${p.seat + 1}`} disconnected: ${formatClock(graceLeft(p))} to come back.`);
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

// Smooth countdowns: ten times a second while a clock or a grace period runs.
setInterval(() => {
  if (socket.status !== "active") return;
  if (socket.clock?.running?.length || awaySeats().length) tickClocks();
}, 100);

function renderStrips(kind) {
  const n = socket.view.players;
  const top = $("strip-top");
  const bottom = $("strip-bottom");
  if (n === 2) {
    const b = bottomSeat(kind);
    top.replaceChildren(playerChip(1 - b));
    bottom.replaceChildren(playerChip(b));
    bottom.hidden = false;
  } else {
    top.replaceChildren(...Array.from({ length: n }, (_, s) => playerChip(s)));
    bottom.hidden = true;
  }
  for (const strip of [top, bottom]) {
    strip.classList.toggle("with-clock", Boolean(socket.clock));
    strip.classList.toggle("multi", n !== 2);
  }
  tickClocks();
}

function renderStatus(myTurn) {
  const view = socket.view;
  const el = $("status");
  let title;
  let sub = "";
  if (socket.status === "waiting") {
    const free = socket.players.filter((p) => !p.taken).length;
    title = `Waiting for ${free === 1 ? "an opponent" : `${free} more players`}`;
    sub = isSeated() ? "Share the link so someone can join." : "A seat is free: you can join.";
  } else if (socket.status === "finished" || socket.status === "aborted") {
    const result = outcomeText();
    title = result.title;
    sub = result.reason;
  } else if (myTurn) {
    title = socket.busy ? "Sending your move…" : "Your turn";
  } else {
    const movers = view.to_move.map((s) => nameOf(s));
    title = movers.length ? `${movers.join(" & ")} to move` : "…";
  }
  if (!sub) {
    if (isSeated()) {
      const style = seatStyle(view.game, socket.seat);
      sub = SEAT_STYLE[view.game] ? `You play ${style.label}` : `You are seat ${socket.seat + 1}`;
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
  const view = socket.view;
  const seated = isSeated();
  const active = socket.status === "active";
  const over = socket.status === "finished" || socket.status === "aborted";
  const playing = seated && active && (view.active_seats || []).includes(socket.seat);
  const offers = view.draw_offers || [];
  const iOffered = offers.includes(socket.seat);
  const othersOffered = offers.some((s) => s !== socket.seat);
  $("btn-resign").hidden = !playing;
  $("btn-draw").hidden = !playing || iOffered || othersOffered;
  $("btn-accept").hidden = !playing || iOffered || !othersOffered;
  $("btn-decline").hidden = !playing || iOffered || !othersOffered;
  $("btn-rematch").hidden = !(over && seated);
  $("btn-rematch").textContent = rematchLabel();
  if (over && seated) lobbySocket(); // hear the other players' rematch offers
  $("btn-replay").hidden = !over;
  let join = $("btn-join");
  const canJoin = socket.status === "waiting" && !seated && socket.players.some((p) => !p.taken);
  if (canJoin && !join) {
    join = h("button", { id: "btn-join", type: "button", class: "btn primary", text: "Join this game", onclick: joinGame });
    $("actions").prepend(join);
  } else if (!canJoin && join) {
    join.remove();
  }
}

function moveText(entry) {
  if (!entry) return "…";
  if (entry.action !== "move") return null;
  return entry.description || (entry.move === null ? "(hidden)" : JSON.stringify(entry.move));
}

function renderMoves(kind) {
  const list = $("moves");
  const entries = socket.moves.filter((e) => !e || e.action === "move");
  const paired = socket.view.players === 2;
  list.classList.toggle("single", !paired);
  const items = [];
  if (paired) {
    for (let i = 0; i < entries.length; i += 2) {
      items.push(h("li", { class: "num", text: `${i / 2 + 1}.` }));
      items.push(h("li", { class: "mv", "data-ply": entries[i]?.version ?? "", text: moveText(entries[i]) }));
      items.push(h("li", { class: "mv", "data-ply": entries[i + 1]?.version ?? "", text: entries[i + 1] ? moveText(entries[i + 1]) : "" }));
    }
  } else {
    entries.forEach((entry, i) => {
      items.push(h("li", { class: "num", text: `${i + 1}.` }));
      items.push(
        h("li", {
          class: "mv",
          "data-ply": entry?.version ?? "",
          text: (entry && entry.seat !== undefined ? `${nameOf(entry.seat)}: ` : "") + moveText(entry),
        }),
      );
    });
  }
  const last = items.filter((i) => i.classList.contains("mv") && i.textContent).at(-1);
  if (last) last.classList.add("current");
  list.replaceChildren(...items);
  list.dataset.count = String(entries.length);
  list.scrollTop = list.scrollHeight;
}

// The result in words: who won, and why (a clock that ran out, a player who left, an
// aborted game) from the outcome and the action that ended the game.
function outcomeText() {
  const outcome = socket.outcome;
  const mine = isSeated() ? socket.seat : null;
  const who = (seat) => (seat === mine ? "You" : nameOf(seat));
  const ended = socket.moves.at(-1);
  const losers = outcome ? [...Array(socket.view?.players || 0).keys()].filter((s) => !outcome.winners.includes(s)) : [];
  // The seat that timed out or left: the ending action's, else the one seat that lost.
  const culprit = (action) => (ended?.action === action ? ended.seat : losers.length === 1 ? losers[0] : null);
  if (socket.status === "aborted" || outcome?.reason === "aborted") {
    const seat = culprit("abort");
    const left = seat === null || seat === undefined ? "A player left" : `${who(seat)} left`;
    return { title: "Game aborted", reason: `${left} before the game got going. No result, not rated.`, kind: "aborted" };
  }
  const result = resultText(outcome, names(), mine);
  if (outcome?.reason === "timeout") {
    const seat = culprit("timeout");
    if (seat !== null && seat !== undefined) result.reason = `${who(seat)} ran out of time`;
  } else if (outcome?.reason === "abandonment") {
    const seat = culprit("abandon");
    if (seat !== null && seat !== undefined) result.reason = `${who(seat)} left the game and did not come back`;
  }
  return { ...result, kind: outcome?.reason || "" };
}

function renderBanner() {
  const el = $("banner");
  const over = socket.status === "finished" || socket.status === "aborted";
  if (!over) {
    el.hidden = true;
    return;
  }
  const result = outcomeText();
  el.replaceChildren(
    h("strong", { class: "result", text: result.title }),
    h("span", { class: "reason", text: result.reason }),
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
        onclick: () => {
          bannerDismissedAt = socket.version;
          el.hidden = true;
        },
      }),
    ),
  );
  el.dataset.reason = socket.outcome?.reason || "";
  el.hidden = bannerDismissedAt === socket.version;
}

// ------------------------------------------------------------------ acting
function onBoardMove(move, legal, hint) {
  if (!isSeated()) {
    showMessage(REJECTIONS.not_a_player);
    return;
  }
  if (socket.status === "waiting") {
    showMessage(REJECTIONS.not_started);
    return;
  }
  if (socket.status !== "active") {
    showMessage(REJECTIONS.game_over);
    return;
  }
  if (move === null) {
    const myTurn = socket.view.to_move.includes(socket.seat);
    showMessage(myTurn ? hint : REJECTIONS.not_your_turn);
    return;
  }
  if (socket.busy) return;
  if (socket.connState !== "open") {
    showMessage("You are offline: your move will be sent when the connection is back.", "info");
  }
  // Illegal moves go to the server too: it has the last word, and says why not.
  socket.move(move);
  render();
}

function act(type) {
  if (socket.busy) return;
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
let lobby = null;
let rematchState = null;

function lobbySocket() {
  if (!lobby) {
    lobby = new LobbySocket();
    lobby.on("rematch", (m) => {
      if (m.game !== gameId) return;
      rematchState = m;
      if (m.new_game) location.href = `/games/${m.new_game}/`;
      else render();
    });
    lobby.on("match", (m) => {
      if (m.source === "rematch" || rematchState) location.href = `/games/${m.game}/`;
    });
    lobby.on("error", (m) => showMessage(m.message || m.code));
    lobby.connect();
  }
  return lobby;
}

function rematch() {
  lobbySocket().send({ type: "rematch", game: gameId });
  toast("Rematch offered.");
}

function rematchLabel() {
  if (!rematchState || !user) return "Rematch";
  const mine = rematchState.offers.includes(user.id);
  if (mine) return "Rematch offered…";
  return rematchState.offers.length ? "Accept rematch" : "Rematch";
}

// ------------------------------------------------------------------ chat
function chatLine(nodes, cls = "") {
  const log = $("chat-log");
  log.append(h("li", { class: cls }, nodes));
  while (log.children.length > 200) log.firstChild.remove();
  log.scrollTop = log.scrollHeight;
}

function onChat(m) {
  chatLine([h("span", { class: "who", text: `${m.name}:` }), m.text]);
}

const ACTION_TEXT = {
  resign: "resigned",
  offer_draw: "offers a draw",
  accept_draw: "accepted the draw",
  decline_draw: "declined the draw",
  timeout: "ran out of time",
  abandon: "left the game",
  abort: "left: the game is aborted",
};

function onAction(entry) {
  if (entry.action !== "move" && ACTION_TEXT[entry.action]) {
    chatLine(`${nameOf(entry.seat)} ${ACTION_TEXT[entry.action]}.`, "sys");
  }
}

const everConnected = new Set();
function onPresence(m) {
  const now = new Map((m.players || []).map((p) => [p.seat, p.connected]));
  if (lastSeenPresence) {
    for (const [seat, connected] of now) {
      const before = lastSeenPresence.get(seat);
      if (before !== undefined && before !== connected && seat !== socket.seat) {
        const text = connected ? (everConnected.has(seat) ? "is back" : "joined") : "disconnected";
        chatLine(`${nameOf(seat)} ${text}.`, "sys");
      }
    }
  }
  for (const [seat, connected] of now) if (connected) everConnected.add(seat);
  lastSeenPresence = now;
}

// ------------------------------------------------------------------ wiring
socket.addEventListener("state", (e) => {
  if (e.detail?.snapshot) {
    lastSeenPresence = new Map(socket.players.map((p) => [p.seat, p.connected]));
    for (const p of socket.players) if (p.connected) everConnected.add(p.seat);
  }
  render();
});
socket.addEventListener("action", (e) => onAction(e.detail));
socket.addEventListener("presence", (e) => onPresence(e.detail));
socket.addEventListener("chat", (e) => onChat(e.detail));
socket.addEventListener("ack", () => {
  clearMessage();
  render();
});
socket.addEventListener("reject", (e) => {
  const m = e.detail;
  const text = REJECTIONS[m.code] || m.message || m.code;
  showMessage(text + (m.code === "illegal_move" && m.message ? ` (${m.message})` : ""));
  $("message").dataset.code = m.code;
  render();
});
socket.addEventListener("error", (e) => console.warn("server error", e.detail));
socket.addEventListener("fatal", (e) => {
  $("status").textContent = e.detail.message;
});
socket.addEventListener("conn", (e) => {
  const { state, detail } = e.detail;
  setConnectionState(state, detail);
  page.dataset.conn = state;
  if (state !== "open" && socket.view) {
    $("status").dataset.offline = "1";
  } else {
    delete $("status").dataset.offline;
  }
});

$("btn-resign").addEventListener("click", () => {
  if (window.confirm("Resign this game?")) act("resign");
});
$("btn-draw").addEventListener("click", () => act("offer_draw"));
$("btn-accept").addEventListener("click", () => act("accept_draw"));
$("btn-decline").addEventListener("click", () => act("decline_draw"));
$("btn-rematch").addEventListener("click", rematch);
$("btn-share").addEventListener("click", async () => {
  const url = `${location.origin}/games/${gameId}/`;
  toast((await copyText(url)) ? "Link copied: anyone with it can watch." : url);
});
$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text) return;
  if (!socket.chat(text.slice(0, 500))) showMessage("You are offline: chat is not sent.");
  input.value = "";
});

setupNameButton();

async function start() {
  try {
    user = await me(); // makes sure we have a session (a guest), so the socket knows our seat
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
      if (e.code !== "game_full") showMessage(e.message);
    }
  }
  socket.connect();
}

start();
