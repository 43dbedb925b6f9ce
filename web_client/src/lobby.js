// The lobby page (/): choose a game, start or join one, watch, replay, leaderboard.

import { h } from "./boards.js";
import {
  api,
  copyText,
  me,
  resultText,
  setConnectionState,
  setupNameButton,
  timeAgo,
  timeControlLabel,
  timeControlPresets,
  toast,
} from "./common.js";
import { LobbySocket } from "./socket.js";

const $ = (id) => document.getElementById(id);
const games = JSON.parse($("games-data").textContent);
const gameByName = Object.fromEntries(games.map((g) => [g.name, g]));

let selected = games[0]?.name;

// ------------------------------------------------------------------ game picker
function selectGame(name) {
  selected = name;
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
let presets = [];

function fillTimeControls(kind) {
  const select = $("time-control");
  const wanted = select.value || localStorage.getItem(TC_KEY) || "none";
  presets = timeControlPresets(kind);
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
  return presets.find((p) => p.id === $("time-control").value)?.tc ?? null;
}

function numPlayers() {
  const g = gameByName[selected];
  return $("players-field").hidden ? g.min_players : Number($("num-players").value);
}

for (const card of document.querySelectorAll(".game-card")) {
  card.addEventListener("click", () => selectGame(card.dataset.game));
}
selectGame(selected);

// ------------------------------------------------------------------ lobby socket
const lobby = new LobbySocket();
window.boardroom = { lobby };
let myId = null;
let myTable = null;

lobby.on("conn", ({ state }) => setConnectionState(state));
lobby.on("welcome", (m) => {
  myId = m.user?.id ?? null;
  showOnline(m.online);
  lobby.send({ type: "tables" });
  lobby.send({ type: "directory" });
});
lobby.on("online", (m) => showOnline(m.online));
lobby.on("error", (m) => {
  showStatus(null);
  toast(m.message || m.code);
});

function showStatus(nodes) {
  const el = $("match-status");
  if (!nodes) {
    el.hidden = true;
    return;
  }
  el.replaceChildren(...[nodes].flat());
  el.hidden = false;
}

function showOnline(online) {
  if (!online) return;
  $("online").textContent = `${online.lobby} in the lobby · ${online.playing} playing · ${online.spectating} watching`;
}

// Quick match, tables and bot games all carry the clock as `options.time_control`
// (docs/protocol.md "Time"); "No clock" sends none, so it matches the default bucket.
function request(extra = {}) {
  const tc = timeControl();
  return { kind: selected, players: numPlayers(), ...(tc ? { options: { time_control: tc } } : {}), ...extra };
}

function clockNote(options) {
  return options?.time_control ? ` · ${timeControlLabel(options.time_control)}` : "";
}

// A game was made for us (quick match, table, computer, rematch): go and play it.
lobby.on("match", (m) => {
  showStatus([h("span", { class: "spinner" }), `Game found: ${gameByName[m.kind]?.title || m.kind}. Joining…`]);
  location.href = `/games/${m.game}/`;
});

lobby.on("queued", (m) => {
  showStatus([
    h("span", { class: "spinner" }),
    h("span", { class: "grow", text: `Looking for ${m.players > 2 ? "players" : "an opponent"} for ${gameByName[m.kind]?.title || m.kind}${clockNote(m.options)}${m.rated ? " (rated)" : ""}…` }),
    h("button", { type: "button", class: "btn", id: "cancel-queue", text: "Cancel", onclick: () => lobby.send({ type: "leave_queue" }) }),
  ]);
});
lobby.on("left_queue", () => showStatus(null));

lobby.on("table", (m) => {
  const table = m.table;
  if (table.members.some((member) => member.user === myId)) {
    myTable = table;
    showTable(table);
  } else if (myTable && myTable.code === table.code) {
    myTable = null;
    showStatus(null);
  }
  if (table.public) lobby.send({ type: "tables" });
});

function showTable(table) {
  if (table.status !== "open") {
    if (table.status !== "started") showStatus(null);
    $("share").hidden = true;
    return;
  }
  const link = `${location.origin}${table.link}`;
  $("share-link").value = link;
  $("share").hidden = false;
  const waiting = table.players - table.members.length;
  showStatus([
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
  ]);
}

lobby.on("tables", (m) => {
  const list = $("open-tables");
  list.replaceChildren(
    ...m.tables.map((t) =>
      h(
        "li",
        { "data-table": t.code },
        h("span", { class: `game-icon icon-${t.kind}`, "aria-hidden": "true" }),
        h("span", { class: "grow", text: `${gameByName[t.kind]?.title || t.kind} · ${t.members.map((x) => x.name).join(", ")} (${t.members.length}/${t.players})` }),
        t.options?.time_control ? h("span", { class: "tag clock-tag", text: timeControlLabel(t.options.time_control) }) : null,
        t.rated ? h("span", { class: "tag", text: "rated" }) : null,
        t.members.some((x) => x.user === myId)
          ? h("span", { class: "muted", text: "yours" })
          : h("button", { type: "button", class: "btn primary", text: "Join", onclick: () => lobby.send({ type: "join_table", code: t.code }) }),
      ),
    ),
  );
});

function playersText(entry) {
  return entry.players.map((p) => p.name || "?").join(" vs ");
}

lobby.on("directory", (m) => {
  $("live-games").replaceChildren(
    ...m.live.map((g) =>
      h(
        "li",
        { "data-game": g.game },
        h("span", { class: `game-icon icon-${g.kind}`, "aria-hidden": "true" }),
        h("span", { class: "grow", text: `${g.title}: ${playersText(g)}` }),
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
        h("span", { class: "grow", text: `${g.title}: ${playersText(g)}`, title: `${result.title} ${result.reason || ""}` }),
        h("span", { class: "muted", text: `${result.title} · ${timeAgo(g.finished_at)}` }),
        h("a", { class: "btn", href: `/games/${g.game}/replay/`, text: "Replay" }),
      );
    }),
  );
  showOnline(m.online);
});

let directoryTimer = null;
lobby.on("directory_update", (m) => {
  showOnline(m.online);
  clearTimeout(directoryTimer);
  directoryTimer = setTimeout(() => lobby.send({ type: "directory" }), 300);
});

// ------------------------------------------------------------------ leaderboard
async function loadLeaderboard() {
  const kind = $("board-game").value;
  try {
    const data = await api(`/api/lobby/leaderboard?kind=${encodeURIComponent(kind)}&limit=10`);
    $("leaderboard").replaceChildren(
      ...data.ratings.map((r) =>
        h(
          "li",
          {},
          h("span", { class: "grow", text: r.name }),
          h("span", { class: "muted", text: `${r.games} games` }),
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
  showStatus([h("span", { class: "spinner" }), "Setting up a game against the computer…"]);
  lobby.send({ type: "play_bot", ...request({ level: $("bot-level").value }) });
});
guard($("create-table"), async () => {
  await me();
  lobby.send({ type: "create_table", ...request({ public: $("public").checked, rated: $("rated").checked }) });
});
$("copy-link").addEventListener("click", async () => {
  toast((await copyText($("share-link").value)) ? "Link copied." : "Copy the link by hand.");
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
