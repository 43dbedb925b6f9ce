// The lobby page (/): choose a game, start or join one, watch, replay, leaderboard.
//
// The page's state is one store (store.js): the chosen game and its time-control
// presets, who we are, the table we sit at, the match status line, the open tables, the
// directory and the online counts. Lobby messages update the store; each part of the
// page is drawn from it by the subscriber at the bottom of the file.

import { api, copyText, me, setConnectionState, setupNameButton, toast } from "./common.js";
import { h } from "./dom.js";
import { resultText, timeAgo, timeControlLabel, timeControlPresets } from "./format.js";
import { LobbySocket } from "./socket.js";
import { createStore } from "./store.js";

const $ = (id) => document.getElementById(id);
const games = JSON.parse($("games-data").textContent);
const gameByName = Object.fromEntries(games.map((g) => [g.name, g]));

const store = createStore({
  selected: games[0]?.name, // the game kind picked
  presets: [], // its time-control presets (format.js timeControlPresets)
  myId: null, // our user id, from the lobby's welcome
  myTable: null, // the TABLE we sit at, while it is open
  matchStatus: null, // what the status line says: {kind: "queued" | "table" | "found" | "bot", ...}
  online: null, // ONLINE counts
  tables: [], // open public tables
  directory: null, // {live, recent}
  conn: "idle",
});

// ------------------------------------------------------------------ game picker
function selectGame(name) {
  store.update({ selected: name });
  for (const card of document.querySelectorAll(".game-card")) {
    card.setAttribute("aria-checked", String(card.dataset.game === name));
  }
  const g = gameByName[name];
  const field = $("players-field");
  const select = $("num-players");
  if (g && g.max_players > g.min_players) {
    select.replaceChildren(
      ...Array.from({ length: g.max_players - g.min_players + 1 }, (_, i) => {
        const n = g.min_players + i;
        return h("option", { value: n, text: String(n) });
      }),
    );
    field.hidden = false;
  } else {
    field.hidden = true;
  }
  fillTimeControls(name);
}

// ------------------------------------------------------------------ time control
// The presets that fit the chosen game; the last choice is kept when the new game offers
// it too (and across visits), otherwise "No clock".
const TC_KEY = "boardroom.timeControl";

function fillTimeControls(kind) {
  const select = $("time-control");
  const wanted = select.value || localStorage.getItem(TC_KEY) || "none";
  const presets = timeControlPresets(kind);
  store.update({ presets });
  select.replaceChildren(...presets.map((p) => h("option", { value: p.id, text: p.label })));
  select.value = presets.some((p) => p.id === wanted) ? wanted : "none";
}

$("time-control").addEventListener("change", () => {
  try {
    localStorage.setItem(TC_KEY, $("time-control").value);
  } catch {
    /* private mode */
  }
});

function timeControl() {
  return store.state.presets.find((p) => p.id === $("time-control").value)?.tc ?? null;
}

function numPlayers() {
  const g = gameByName[store.state.selected];
  return $("players-field").hidden ? g.min_players : Number($("num-players").value);
}

const GAME_KEY = "boardroom.game"; // the game last picked or played (game.js sets it too)

function remember(name) {
  try {
    localStorage.setItem(GAME_KEY, name);
  } catch {
    /* private mode */
  }
}

for (const card of document.querySelectorAll(".game-card")) {
  card.addEventListener("click", () => {
    selectGame(card.dataset.game);
    remember(card.dataset.game);
    if ($("board-game").value !== card.dataset.game) {
      $("board-game").value = card.dataset.game;
      loadLeaderboard();
    }
  });
}
{
  let last = null;
  try {
    last = localStorage.getItem(GAME_KEY);
  } catch {
    last = null;
  }
  if (last && gameByName[last]) store.update({ selected: last });
  selectGame(store.state.selected);
  $("board-game").value = store.state.selected;
}

// ------------------------------------------------------------------ lobby socket
const lobby = new LobbySocket();
window.boardroom = { lobby, store };

lobby.on("conn", ({ state }) => store.update({ conn: state }));
lobby.on("welcome", (m) => {
  store.update({ myId: m.user?.id ?? null });
  showOnline(m.online);
  lobby.send({ type: "tables" });
  lobby.send({ type: "directory" });
});
lobby.on("online", (m) => showOnline(m.online));
lobby.on("error", (m) => {
  store.update({ matchStatus: null });
  toast(m.message || m.code);
});

function showOnline(online) {
  if (online) store.update({ online });
}

// The match status line, drawn from store.matchStatus.
function renderStatus() {
  const el = $("match-status");
  const status = store.state.matchStatus;
  const nodes = status && statusNodes(status);
  if (!nodes) {
    el.hidden = true;
    return;
  }
  el.replaceChildren(...[nodes].flat());
  el.hidden = false;
}

function statusNodes(status) {
  const spinner = h("span", { class: "spinner" });
  if (status.kind === "found") return [spinner, `Game found: ${gameByName[status.game]?.title || status.game}. Joining…`];
  if (status.kind === "bot") return [spinner, "Setting up a game against the computer…"];
  if (status.kind === "queued") {
    const m = status.queued;
    return [
      spinner,
      h("span", { class: "grow", text: `Looking for ${m.players > 2 ? "players" : "an opponent"} for ${gameByName[m.kind]?.title || m.kind}${clockNote(m.options)}${m.rated ? " (rated)" : ""}…` }),
      h("button", { type: "button", class: "btn", id: "cancel-queue", text: "Cancel", onclick: () => lobby.send({ type: "leave_queue" }) }),
    ];
  }
  if (status.kind === "table") return tableNodes(status.table);
  return null;
}

function renderOnline() {
  const online = store.state.online;
  if (!online) return;
  $("online").textContent = `${online.lobby} in the lobby · ${online.playing} playing · ${online.spectating} watching`;
}

// Quick match, tables and bot games all carry the clock as `options.time_control`
// (docs/protocol.md "Time"); "No clock" sends none, so it matches the default bucket.
function request(extra = {}) {
  const tc = timeControl();
  return { kind: store.state.selected, players: numPlayers(), ...(tc ? { options: { time_control: tc } } : {}), ...extra };
}

function clockNote(options) {
  return options?.time_control ? ` · ${timeControlLabel(options.time_control)}` : "";
}

// A game was made for us (quick match, table, computer, rematch): go and play it.
lobby.on("match", (m) => {
  store.update({ matchStatus: { kind: "found", game: m.kind } });
  location.href = `/games/${m.game}/`;
});

lobby.on("queued", (m) => store.update({ matchStatus: { kind: "queued", queued: m } }));
lobby.on("left_queue", () => store.update({ matchStatus: null }));

lobby.on("table", (m) => {
  const table = m.table;
  const { myId, myTable } = store.state;
  if (table.members.some((member) => member.user === myId)) {
    showTable(table);
  } else if (myTable && myTable.code === table.code) {
    store.update({ myTable: null, matchStatus: null });
  }
  if (table.public) lobby.send({ type: "tables" });
});

// A table we sit at changed: while it is open the status line shows it; once it started
// the status line stays as it was (the `match` follows), otherwise it is cleared.
function showTable(table) {
  if (table.status !== "open") {
    store.update({ myTable: table, ...(table.status !== "started" ? { matchStatus: null } : {}) });
  } else {
    store.update({ myTable: table, matchStatus: { kind: "table", table } });
  }
}

function renderShare() {
  const table = store.state.myTable;
  if (!table || table.status !== "open") {
    $("share").hidden = true;
    return;
  }
  const link = `${location.origin}${table.link}`;
  $("share-link").value = link;
  $("share").hidden = false;
}

function tableNodes(table) {
  const myId = store.state.myId;
  const waiting = table.players - table.members.length;
  return [
    h("span", { class: "spinner" }),
    h("span", {
      class: "grow",
      text: `${gameByName[table.kind]?.title || table.kind}${clockNote(table.options)} table ${table.code}: waiting for ${waiting} more player${waiting === 1 ? "" : "s"} (${table.members.map((x) => x.name).join(", ")})`,
    }),
    h("button", {
      type: "button",
      class: "btn",
      text: table.creator === myId ? "Cancel table" : "Leave",
      onclick: () => lobby.send({ type: table.creator === myId ? "cancel_table" : "leave_table", code: table.code }),
    }),
  ];
}

lobby.on("tables", (m) => store.update({ tables: m.tables }));

function renderTables() {
  const myId = store.state.myId;
  const list = $("open-tables");
  list.replaceChildren(
    ...store.state.tables.map((t) =>
      h(
        "li",
        { "data-table": t.code },
        h("span", { class: `game-icon icon-${t.kind}`, "aria-hidden": "true" }),
        h("span", { class: "grow" }, `${gameByName[t.kind]?.title || t.kind} · `, ...namesNodes(t.members, ", "), ` (${t.members.length}/${t.players})`),
        t.options?.time_control ? h("span", { class: "tag clock-tag", text: timeControlLabel(t.options.time_control) }) : null,
        t.rated ? h("span", { class: "tag", text: "rated" }) : null,
        t.members.some((x) => x.user === myId)
          ? h("span", { class: "muted", text: "yours" })
          : h("button", { type: "button", class: "btn primary", text: "Join", onclick: () => lobby.send({ type: "join_table", code: t.code }) }),
      ),
    ),
  );
}

// A player's name: a link to the profile page for accounts, plain text for guests.
function nameNode(p) {
  return p.username ? h("a", { class: "name-link", href: `/@/${encodeURIComponent(p.username)}/`, text: p.name || "?" }) : p.name || "?";
}

function playersText(entry) {
  return entry.players.map((p) => p.name || "?").join(" vs ");
}

function namesNodes(players, separator) {
  return players.flatMap((p, i) => (i ? [separator, nameNode(p)] : [nameNode(p)]));
}

lobby.on("directory", (m) => {
  store.update({ directory: { live: m.live, recent: m.recent } });
  showOnline(m.online);
});

function renderDirectory() {
  const m = store.state.directory;
  if (!m) return;
  $("live-games").replaceChildren(
    ...m.live.map((g) =>
      h(
        "li",
        { "data-game": g.game },
        h("span", { class: `game-icon icon-${g.kind}`, "aria-hidden": "true" }),
        h("span", { class: "grow" }, `${g.title}: `, ...namesNodes(g.players, " vs ")),
        g.spectators ? h("span", { class: "muted", text: `${g.spectators} 👁` }) : null,
        h("a", { class: "btn", href: `/games/${g.game}/`, text: "Watch" }),
      ),
    ),
  );
  $("finished-games").replaceChildren(
    ...m.recent.map((g) => {
      const result = g.outcome ? resultText(g.outcome, g.players.map((p) => p.name), null) : { title: "" };
      return h(
        "li",
        { "data-game": g.game },
        h("span", { class: `game-icon icon-${g.kind}`, "aria-hidden": "true" }),
        h(
          "span",
          { class: "entry", title: `${g.title}: ${playersText(g)} · ${result.title} ${result.reason || ""}` },
          h("span", { class: "entry-title", text: g.title }),
          h("span", { class: "entry-players" }, ...namesNodes(g.players, " vs ")),
          h("span", { class: "entry-meta", text: `${result.title} · ${timeAgo(g.finished_at)}` }),
        ),
        h("a", { class: "btn", href: `/games/${g.game}/replay/`, text: "Replay" }),
      );
    }),
  );
}

// Many directory updates in a row ask for the directory once.
function debounce(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
const askDirectory = debounce(() => lobby.send({ type: "directory" }), 300);
// A game its players walk away from leaves "Playing now" without any event: ask again
// now and then while the page is visible.
setInterval(() => {
  if (document.visibilityState === "visible" && store.state.conn === "open") askDirectory();
}, 30_000);
lobby.on("directory_update", (m) => {
  showOnline(m.online);
  // A game that left "Playing now" goes at once; the whole list is asked for again too.
  const current = store.state.directory;
  if (m.live === false && current && m.game) {
    const live = current.live.filter((entry) => entry.game !== m.game.game);
    store.update({ directory: { ...current, live } });
  }
  askDirectory();
});

// ------------------------------------------------------------------ leaderboard
// It shows the game picked above (the last one played, remembered by the browser) and
// follows the picker; its own select can still show another.
async function loadLeaderboard() {
  const kind = $("board-game").value;
  try {
    const data = await api(`/api/lobby/leaderboard?kind=${encodeURIComponent(kind)}&limit=10`);
    $("leaderboard").replaceChildren(
      ...data.ratings.map((r) =>
        h(
          "li",
          {},
          // Accounts only (guests are not listed): each name links to its profile page.
          h(
            "span",
            { class: "grow" },
            r.username ? h("a", { class: "name-link", href: `/@/${encodeURIComponent(r.username)}/`, text: r.name }) : r.name,
            r.bot ? h("span", { class: "tag bot", text: "BOT" }) : null,
          ),
          h("span", { class: "muted", text: `${r.games} game${r.games === 1 ? "" : "s"}` }),
          h("strong", { text: String(r.rating) }),
        ),
      ),
    );
  } catch (e) {
    $("leaderboard").replaceChildren();
  }
}
$("board-game").addEventListener("change", loadLeaderboard);

// ------------------------------------------------------------------ buttons
function guard(button, fn) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await fn();
    } catch (e) {
      toast(e.message || String(e));
    } finally {
      setTimeout(() => {
        button.disabled = false;
      }, 600);
    }
  });
}

guard($("quick-match"), async () => {
  await me();
  lobby.send({ type: "queue", ...request({ rated: $("rated").checked }) });
});
guard($("play-bot"), async () => {
  await me();
  store.update({ matchStatus: { kind: "bot" } });
  lobby.send({ type: "play_bot", ...request({ level: $("bot-level").value }) });
});
guard($("create-table"), async () => {
  await me();
  lobby.send({ type: "create_table", ...request({ public: $("public").checked, rated: $("rated").checked }) });
});
$("copy-link").addEventListener("click", async () => {
  toast((await copyText($("share-link").value)) ? "Link copied." : "Copy the link by hand.");
});

// ------------------------------------------------------------------ drawing
const RENDERERS = {
  conn: () => setConnectionState(store.state.conn),
  matchStatus: renderStatus,
  myTable: renderShare,
  myId: () => {
    renderTables();
    renderStatus();
  },
  online: renderOnline,
  tables: renderTables,
  directory: renderDirectory,
};
store.subscribe((state, changed) => {
  const done = new Set();
  for (const key of Object.keys(changed)) {
    const render = RENDERERS[key];
    if (render && !done.has(render)) {
      done.add(render);
      render();
    }
  }
});

setupNameButton();
me()
  .then(() => {
    lobby.connect();
    const code = new URLSearchParams(location.search).get("table");
    if (code) {
      history.replaceState(null, "", "/");
      lobby.send({ type: "join_table", code });
    }
  })
  .catch(() => toast("Could not reach the server."));
loadLeaderboard();
