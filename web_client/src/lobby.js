// The lobby page (/): choose a game, start or join one, watch, replay, leaderboard.

import { h } from "./boards.js";
import { api, copyText, me, setupNameButton, toast } from "./common.js";

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
}

function numPlayers() {
  const g = gameByName[selected];
  return $("players-field").hidden ? g.min_players : Number($("num-players").value);
}

for (const card of document.querySelectorAll(".game-card")) {
  card.addEventListener("click", () => selectGame(card.dataset.game));
}
selectGame(selected);

// ------------------------------------------------------------------ starting games
function showStatus(nodes) {
  const el = $("match-status");
  if (!nodes) {
    el.hidden = true;
    return;
  }
  el.replaceChildren(...[nodes].flat());
  el.hidden = false;
}

async function createTable() {
  // Without the lobby: a new game through the game server's HTTP API, seat 0 for us,
  // and a link to share.
  await me();
  const created = await api("/api/games", { method: "POST", body: { kind: selected, num_players: numPlayers() } });
  const id = created.game.id;
  await api(`/api/games/${encodeURIComponent(id)}/seats`, { method: "POST", body: { index: 0 } });
  const link = `${location.origin}/games/${id}/?join=1`;
  $("share-link").value = link;
  $("open-table").href = `/games/${id}/`;
  $("share").hidden = false;
  return id;
}

function guard(button, fn) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await fn();
    } catch (e) {
      toast(e.message || String(e));
    } finally {
      button.disabled = false;
    }
  });
}

guard($("create-table"), createTable);
guard($("quick-match"), async () => {
  const id = await createTable();
  location.href = `/games/${id}/`;
});
guard($("play-bot"), async () => {
  toast("The computer opponent is not available yet.");
});
$("copy-link").addEventListener("click", async () => {
  toast((await copyText($("share-link").value)) ? "Link copied." : "Copy the link by hand.");
});

setupNameButton();
me().catch(() => toast("Could not reach the server."));
export { showStatus };
