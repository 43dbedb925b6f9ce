// The replay page (/games/<id>/replay/): step and scrub through a game's moves.
// The positions come from web_client's replay.json, which replays the stored move log
// through the engine on the server (the browser does not run the rules).
//
// The page's state is one store (store.js): the replay data, the ply shown and the
// autoplay timer; `show` draws from it. `ui.board` is the board component (a DOM handle).

import { createBoard } from "./boards.js";
import { api, me, setupNameButton } from "./common.js";
import { h } from "./dom.js";
import { downloadButtons } from "./download.js";
import { bottomSeat, resultText, SEAT_STYLE, seatStyle } from "./format.js";
import { replayPlyText, replayPositionText, replayRows } from "./movelist.js";
import { ACTIONS } from "./protocol.js";
import { createStore } from "./store.js";

const page = document.getElementById("replay-page");
const gameId = page.dataset.gameId;
const $ = (id) => document.getElementById(id);

const store = createStore({
  data: null, // replay.json: {game, kind, title, status, outcome, players, plies}
  index: 0, // the ply shown
  playing: null, // the autoplay interval while playing
});
window.boardroom = { store };
const ui = { board: null };

const PLAY_ICON = '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M4 2v12l10-6z" fill="currentColor"/></svg>';
const PAUSE_ICON = '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M3 2h4v12H3zM9 2h4v12H9z" fill="currentColor"/></svg>';

function names() {
  return (store.state.data?.players || []).map((p) => p.name || `Seat ${p.seat + 1}`);
}

function lastIndex() {
  return store.state.data.plies.length - 1;
}

function chip(seat) {
  const { data, index } = store.state;
  const style = seatStyle(data.kind, seat);
  const view = data.plies[index].view;
  const toMove = view.to_move.includes(seat);
  return h(
    "div",
    { class: `player${toMove ? " to-move" : ""}`, "data-seat": seat },
    h("span", { class: "swatch", style: `background:${style.color}`, title: style.label }),
    h("span", { class: "pname", text: names()[seat] || style.label }),
  );
}

function show(i) {
  store.update({ index: Math.max(0, Math.min(lastIndex(), i)) });
  const { data, index } = store.state;
  const ply = data.plies[index];
  ui.board.render(ply.view, { seat: null, interactive: false, lastMove: ply.action === ACTIONS.MOVE ? ply.move : null, names: names() });
  const n = ply.view.players;
  if (n === 2) {
    const bottom = bottomSeat(data.kind, null);
    $("strip-top").replaceChildren(chip(1 - bottom));
    $("strip-bottom").replaceChildren(chip(bottom));
  } else {
    $("strip-top").replaceChildren(...Array.from({ length: n }, (_, s) => chip(s)));
    $("strip-bottom").hidden = true;
  }
  $("rp-scrub").value = String(index);
  const last = lastIndex();
  const sides = SEAT_STYLE[data.kind]?.map((st) => st.label);
  $("rp-position").textContent = replayPositionText(data.plies, index, names(), sides);
  page.dataset.ply = String(index);
  for (const el of document.querySelectorAll("#moves .mv")) {
    el.classList.toggle("current", Number(el.dataset.ply) === index);
  }
  const current = document.querySelector("#moves .mv.current");
  if (current) current.scrollIntoView({ block: "nearest" });
  $("rp-first").disabled = $("rp-prev").disabled = index === 0;
  $("rp-next").disabled = $("rp-last").disabled = index === last;
  // The result goes beside the board (in the side panel), never under it: a banner
  // there pushed the bottom player off a 1280x860 screen.
  const banner = $("rp-result");
  const outcome = ply.view.outcome || (index === last ? data.outcome : null);
  if (outcome && index === last) {
    const result = resultText(outcome, names(), null);
    banner.replaceChildren(h("strong", { text: result.title }), h("span", { class: "reason", text: ` · ${result.reason}` }));
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
  if (index === last) stop();
}

function stop() {
  clearInterval(store.state.playing);
  store.update({ playing: null });
  $("rp-play").innerHTML = PLAY_ICON;
  $("rp-play").setAttribute("aria-label", "Play");
}

function play() {
  if (store.state.playing) return stop();
  if (store.state.index === lastIndex()) show(0);
  $("rp-play").innerHTML = PAUSE_ICON;
  $("rp-play").setAttribute("aria-label", "Pause");
  store.update({ playing: setInterval(() => show(store.state.index + 1), 900) });
}

function renderMoves() {
  const data = store.state.data;
  const items = [];
  const plies = data.plies.slice(1);
  const paired = data.plies[0].view.players === 2;
  $("moves").classList.toggle("single", !paired);
  const item = (ply, label, cls = "mv") =>
    h("li", { class: cls, "data-ply": ply.ply, text: label, onclick: () => { stop(); show(ply.ply); } });
  for (const row of replayRows(plies, paired)) {
    if (row.note) {
      items.push(item(row.note, replayPlyText(row.note, names()), "mv note"));
      continue;
    }
    items.push(h("li", { class: "num", text: `${row.number}.` }));
    for (const ply of row.entries) {
      const text = replayPlyText(ply, names());
      items.push(item(ply, paired ? text : `${names()[ply.seat] || `Seat ${ply.seat + 1}`}: ${text}`));
    }
    if (paired && row.entries.length === 1) items.push(h("li", { class: "mv empty" }));
  }
  $("moves").replaceChildren(...items);
}

async function start() {
  setupNameButton();
  me().catch(() => {});
  let data;
  try {
    data = await api(`/games/${encodeURIComponent(gameId)}/replay.json`);
  } catch (e) {
    $("status").textContent = e.status === 404 ? "There is no such game." : `Could not load the replay: ${e.message}`;
    return;
  }
  store.update({ data });
  document.title = `Boardroom · Replay · ${data.title}`;
  page.dataset.kind = data.kind;
  ui.board = createBoard(data.kind, $("board"), { onMove: () => {} });
  const result = resultText(data.outcome, names(), null);
  const players = names().join(" vs ");
  $("status").replaceChildren(
    h("span", { class: "title", text: `${data.title}: ${players}` }),
    h("span", { class: "sub", text: data.outcome ? `${result.title} — ${result.reason}` : `Status: ${data.status}` }),
  );
  $("rp-scrub").max = String(data.plies.length - 1);
  renderMoves();
  $("rp-downloads").replaceChildren(...downloadButtons(data.kind, () => gameId));
  show(data.plies.length - 1);
  page.dataset.ready = "1";
}

$("rp-first").addEventListener("click", () => { stop(); show(0); });
$("rp-prev").addEventListener("click", () => { stop(); show(store.state.index - 1); });
$("rp-next").addEventListener("click", () => { stop(); show(store.state.index + 1); });
$("rp-last").addEventListener("click", () => { stop(); show(lastIndex()); });
$("rp-play").addEventListener("click", play);
$("rp-play").innerHTML = PLAY_ICON;
$("rp-scrub").addEventListener("input", (e) => { stop(); show(Number(e.target.value)); });
document.addEventListener("keydown", (e) => {
  if (!store.state.data || e.target.closest("input, textarea, select")) return;
  const index = store.state.index;
  const keys = { ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: lastIndex() };
  if (e.key in keys) {
    stop();
    show(keys[e.key]);
    e.preventDefault();
  } else if (e.key === " ") {
    play();
    e.preventDefault();
  }
});

start();
