// The declarative view: draws any game from `view.render`, the items a game's `render`
// hook describes (engine/render.py; docs/writing-a-game.md "The declarative view"):
// text, counters, grids of cells with pieces, cards face up or down, dice, buttons and
// groups of those. An element with `move` is a legal-move target that sends exactly that
// move data; one with `moves` ([{label, move}]) first offers the choice in a small menu.
// Nothing about any game is known here. The helpers at the top are pure (node-tested in
// web_client/test/declarative.test.js); `drawRender` builds the DOM.

import { h } from "./dom.js";

export const sameMove = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// "{seat:1} asked {seat:0}" with the players' names (or "Seat N" when a seat has none).
export function fillSeats(text, names = []) {
  return String(text ?? "").replace(/\{seat:(\d+)\}/g, (_, n) => names[Number(n)] || `Seat ${Number(n) + 1}`);
}

// The items of a render, groups' items included, in drawing order.
export function renderItems(render) {
  const out = [];
  const walk = (items) => {
    for (const item of items || []) {
      out.push(item);
      if (item && item.type === "group") walk(item.items);
    }
  };
  walk(render?.items);
  return out;
}

function elementsOf(item) {
  if (item.type === "grid") return (item.cells || []).filter(Boolean);
  return item.cards || item.dice || item.buttons || [];
}

// Every move the render offers, in drawing order (a target's `move`, and each choice of
// its `moves`).
export function renderTargets(render) {
  const moves = [];
  for (const item of renderItems(render)) {
    for (const el of elementsOf(item)) {
      if ("move" in el) moves.push(el.move);
      for (const choice of el.moves || []) moves.push(choice.move);
    }
  }
  return moves;
}

// Legal moves no target offers: the board lists them as plain buttons, so a game whose
// render forgets one stays playable (the conformance kit fails such a render anyway).
export function missingMoves(render, legal) {
  const offered = renderTargets(render);
  return (legal || []).filter((m) => !offered.some((o) => sameMove(o, m)));
}

// A card's or die's words for screen readers and tests.
export function faceLabel(card) {
  return card.face === null || card.face === undefined ? "face down" : String(card.face);
}

const COLOR = /^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-z]{3,20})$/;
const safeColor = (c) => (typeof c === "string" && COLOR.test(c) ? c : null);

// ------------------------------------------------------------------ DOM
// Draw `render` into `root`. opts: {legal, interactive, names, onMove(move, legal),
// lastMove}. Returns nothing; call again on every change (it rebuilds).
export function drawRender(root, render, opts) {
  const ctx = { ...opts, legal: opts.legal || [], names: opts.names || [] };
  closeMenu(ctx);
  const items = (render?.items || []).map((item) => drawItem(item, ctx));
  const extra = ctx.interactive ? missingMoves(render, ctx.legal) : [];
  if (extra.length) {
    items.push(
      h(
        "div",
        { class: "decl-buttons decl-extra" },
        extra.map((m) => targetButton({ label: JSON.stringify(m), move: m }, ctx)),
      ),
    );
  }
  root.replaceChildren(...items);
}

function drawItem(item, ctx) {
  const draw = ITEMS[item?.type];
  return draw ? draw(item, ctx) : h("div", { class: "decl-unknown", text: `(${item?.type})` });
}

const label = (item, ctx) => (item.label ? h("div", { class: "decl-label", text: fillSeats(item.label, ctx.names) }) : null);

const ITEMS = {
  text(item, ctx) {
    return h("div", { class: `decl-text${item.style ? ` ${item.style}` : ""}`, text: fillSeats(item.text, ctx.names) });
  },
  counter(item, ctx) {
    return h(
      "div",
      { class: "decl-counter", "data-label": item.label },
      h("span", { class: "decl-counter-label", text: fillSeats(item.label, ctx.names) }),
      h("span", { class: "decl-counter-value", text: String(item.value) }),
    );
  },
  grid(item, ctx) {
    const grid = h("div", {
      class: "decl-grid",
      role: "grid",
      style: `grid-template-columns: repeat(${item.cols}, minmax(0, 3.4rem));`,
      "data-rows": item.rows,
      "data-cols": item.cols,
    });
    (item.cells || []).forEach((cell, i) => {
      const el = target("button", cell || {}, ctx, { class: "decl-cell", "data-index": i, "data-row": Math.floor(i / item.cols), "data-col": i % item.cols });
      if (cell) {
        if (safeColor(cell.color)) el.style.background = safeColor(cell.color);
        if (cell.piece) {
          const piece = h("span", { class: `decl-piece ${cell.piece.shape}`, text: cell.piece.label || "" });
          if (safeColor(cell.piece.color)) piece.style.setProperty("--piece", safeColor(cell.piece.color));
          el.append(piece);
        } else if (cell.label) {
          el.append(h("span", { class: "decl-cell-label", text: fillSeats(cell.label, ctx.names) }));
        }
        if (cell.highlight) el.classList.add("highlight");
      }
      grid.append(el);
    });
    return h("div", { class: "decl-grid-wrap" }, label(item, ctx), grid);
  },
  cards(item, ctx) {
    return h(
      "div",
      { class: "decl-cards-wrap", "data-seat": item.seat ?? "" },
      label(item, ctx),
      h(
        "div",
        { class: "decl-cards", "data-seat": item.seat ?? "" },
        (item.cards || []).map((card) => {
          const down = card.face === null || card.face === undefined;
          const el = target("button", card, ctx, {
            class: `decl-card${down ? " down" : ""}${card.highlight ? " highlight" : ""}`,
            "data-face": down ? "" : card.face,
            "aria-label": faceLabel(card),
            text: down ? "" : card.face,
          });
          if (!down && safeColor(card.color)) el.style.color = safeColor(card.color);
          return el;
        }),
      ),
    );
  },
  dice(item, ctx) {
    return h(
      "div",
      { class: "decl-dice-wrap", "data-seat": item.seat ?? "" },
      label(item, ctx),
      h(
        "div",
        { class: "decl-dice" },
        (item.dice || []).map((die) =>
          target("button", die, ctx, {
            class: `decl-die${die.value === null ? " hidden" : ""}${die.highlight ? " highlight" : ""}`,
            "data-value": die.value ?? "",
            text: die.value === null ? "?" : String(die.value),
          }),
        ),
      ),
    );
  },
  buttons(item, ctx) {
    return h("div", { class: "decl-buttons" }, label(item, ctx), (item.buttons || []).map((b) => targetButton(b, ctx)));
  },
  group(item, ctx) {
    return h(
      "div",
      {
        class: `decl-group ${item.direction || "row"}${item.highlight ? " highlight" : ""}`,
        "data-seat": item.seat ?? "",
      },
      label(item, ctx),
      (item.items || []).map((sub) => drawItem(sub, ctx)),
    );
  },
};

function targetButton(button, ctx) {
  return target("button", button, ctx, { class: "btn decl-button", text: fillSeats(button.label, ctx.names) });
}

// An element that sends its move (or offers its choices) when it is a live target.
function target(tag, spec, ctx, attrs) {
  const choices = spec.moves || null;
  const has = "move" in spec || Boolean(choices);
  const live = has && ctx.interactive;
  const el = h(tag, {
    type: tag === "button" ? "button" : null,
    ...attrs,
    "data-move": "move" in spec ? JSON.stringify(spec.move) : null,
    "data-moves": choices ? JSON.stringify(choices.map((c) => c.move)) : null,
    tabindex: live ? "0" : "-1",
    "aria-disabled": live ? null : "true",
  });
  if (live) el.classList.add("target");
  if ("move" in spec && ctx.lastMove !== undefined && sameMove(spec.move, ctx.lastMove)) el.classList.add("last");
  el.addEventListener("click", (e) => {
    e.stopPropagation();
    if (!has) return;
    if (!ctx.interactive) {
      ctx.onMove(null, false);
      return;
    }
    if (choices) openMenu(el, choices, ctx);
    else ctx.onMove(spec.move, ctx.legal.some((m) => sameMove(m, spec.move)));
  });
  return el;
}

// The small menu of a target with several moves ("Ask Alice", "Ask Bob").
let openedMenu = null;

function closeMenu() {
  if (openedMenu) {
    openedMenu.remove();
    openedMenu = null;
  }
}

function openMenu(anchor, choices, ctx) {
  closeMenu();
  const menu = h(
    "div",
    { class: "decl-menu", role: "dialog", "aria-label": "choose a move" },
    choices.map((c) =>
      h("button", {
        type: "button",
        class: "btn decl-choice",
        "data-move": JSON.stringify(c.move),
        text: fillSeats(c.label, ctx.names),
        onclick: (e) => {
          e.stopPropagation();
          closeMenu();
          ctx.onMove(c.move, ctx.legal.some((m) => sameMove(m, c.move)));
        },
      }),
    ),
  );
  anchor.after(menu);
  openedMenu = menu;
  menu.querySelector("button")?.focus();
}

if (typeof document !== "undefined") {
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeMenu();
  });
  document.addEventListener("click", (e) => {
    if (openedMenu && !openedMenu.contains(e.target)) closeMenu();
  });
}
