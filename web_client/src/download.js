// "Download" buttons of the game and replay pages: the game's record as JSON (every
// game: docs/protocol.md "Record"), and PGN for chess (players, result, date and time
// control in the headers). Both are built from GET /api/games/<id>/record when clicked.

import { api, toast } from "./common.js";
import { h } from "./dom.js";
import { reasonText } from "./format.js";
import { chessPgn, recordAction } from "./movelist.js";

// Save `text` as a file called `name` (an <a download> on a blob URL).
export function download(name, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: name, hidden: "" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function record(gameId) {
  return api(`/api/games/${encodeURIComponent(gameId)}/record`);
}

export async function downloadJson(gameId) {
  const data = await record(gameId);
  download(`boardroom-${gameId}.json`, JSON.stringify(data, null, 2));
}

export async function downloadPgn(gameId) {
  const data = await record(gameId);
  const name = (seat) => data.players.find((p) => p.seat === seat)?.name || "?";
  const game = data.game;
  const pgn = chessPgn({
    white: name(0),
    black: name(1),
    outcome: game.status === "finished" ? data.outcome : null,
    date: game.started_at || game.created_at,
    timeControl: game.time_control,
    event: game.rated ? "Rated game" : "Casual game",
    site: `${location.origin}/games/${gameId}/`,
    termination: data.outcome ? reasonText(data.outcome.reason) : undefined,
    moves: (data.moves || []).map((m) => ({ action: recordAction(m.data), description: m.description })),
  });
  download(`boardroom-${gameId}.pgn`, pgn, "application/x-chess-pgn");
}

// The buttons for game `kind` (PGN first for chess).
export function downloadButtons(kind, getId) {
  const guard = (fn) => async () => {
    try {
      await fn(getId());
    } catch (e) {
      toast(`Could not download the game: ${e.message}`);
    }
  };
  return [
    kind === "chess" ? h("button", { type: "button", class: "btn small", id: "dl-pgn", text: "Download PGN", onclick: guard(downloadPgn) }) : null,
    h("button", { type: "button", class: "btn small", id: "dl-json", text: "Download JSON", onclick: guard(downloadJson) }),
  ].filter(Boolean);
}
