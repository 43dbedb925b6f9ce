// Board renderers, one per game. Each is a small class with the same face:
//
//   const board = createBoard(gameName, element, { onMove });
//   board.render(view, { seat, interactive, lastMove });
//
// `view` is the engine's view of the position (engine/core.py Game.view): it carries
// `position`, `to_move`, `outcome`, `text` (FEN and the like) and, for the seat to move,
// `legal_moves`. Boards only ever offer moves found in `legal_moves`, so a click can
// never produce a move the server has not listed; the server still has the last word.
// No rules are computed here: what is legal comes from `legal_moves`, the position from
// `position` in each game's one format (positions.js reads them; the list of the fields
// read is at the top of that file).

import { drawRender } from "./declarative.js";
import { h } from "./dom.js";
import {
  checkersPath,
  checkersSquareAt,
  connect4Grid,
  connect4LastDisc,
  connect4WinningLine,
  isWhitePiece,
  kingSquare,
  parseCheckersFen,
  parseFen,
  reversiCells,
  reversiSquare,
  ticTacToeMarks,
  ticTacToeSquareName,
  ticTacToeWinningLine,
  uciSquares,
} from "./positions.js";

const sameMove = (a, b) => JSON.stringify(a) === JSON.stringify(b);

class BaseBoard {
  constructor(root, { onMove } = {}) {
    this.root = root;
    this.onMove = onMove || (() => {});
    this.view = null;
    this.opts = {};
    root.replaceChildren();
    root.classList.add("board-host");
  }

  get legal() {
    return (this.opts.interactive && this.view && this.view.legal_moves) || [];
  }

  isLegal(move) {
    return this.legal.some((m) => sameMove(m, move));
  }

  // Any square click goes to the server if listed; otherwise the page shows why not.
  attempt(move) {
    this.onMove(move, this.isLegal(move));
  }

  // A click that is not a move at all: the page explains (not your turn, no moves...).
  hint(text) {
    this.onMove(null, false, text);
  }

  render(view, opts = {}) {
    const plyChanged = !this.view || this.view.ply !== view.ply;
    this.view = view;
    this.opts = opts;
    if (plyChanged) this.resetSelection();
    this.draw();
  }

  // For boards that build their elements anew on each draw: whether what they show
  // changed since the last call. A presence or chat frame redraws the page, and elements
  // rebuilt then would replace the one under a press between its pointerdown and
  // pointerup (the click, the move, never happens) or close an open <select>.
  changed(...shown) {
    const key = JSON.stringify(shown);
    if (key === this.shownKey) return false;
    this.shownKey = key;
    return true;
  }

  resetSelection() {}
  draw() {}
}

// ---------------------------------------------------------------- tic-tac-toe
class TicTacToeBoard extends BaseBoard {
  constructor(root, opts) {
    super(root, opts);
    this.grid = h("div", { class: "grid ttt", role: "grid", "aria-label": "Tic-tac-toe board" });
    this.cells = [];
    for (let i = 0; i < 9; i++) {
      const name = ticTacToeSquareName(i);
      const cell = h("button", {
        class: "cell",
        type: "button",
        "data-square": i,
        "data-name": name,
        "aria-label": name,
        onclick: () => this.attempt(i),
      });
      this.cells.push(cell);
      this.grid.append(cell);
    }
    root.append(this.grid);
  }

  draw() {
    const marks = ticTacToeMarks(this.view.position);
    const line = ticTacToeWinningLine(marks, this.view.outcome);
    this.cells.forEach((cell, i) => {
      const mark = marks[i];
      cell.textContent = mark === "-" ? "" : mark === "x" ? "✕" : "◯";
      cell.dataset.mark = mark;
      cell.classList.toggle("legal", this.isLegal(i));
      cell.classList.toggle("last", this.opts.lastMove === i);
      cell.classList.toggle("win", !!line && line.includes(i));
    });
  }
}

// ---------------------------------------------------------------- connect four
class Connect4Board extends BaseBoard {
  constructor(root, opts) {
    super(root, opts);
    this.focusColumn = 3;
    this.grid = h("div", {
      class: "grid c4",
      role: "grid",
      tabindex: "0",
      "aria-label": "Connect Four board: arrow keys choose a column, Enter drops a disc",
      onkeydown: (e) => this.key(e),
    });
    this.columns = [];
    for (let c = 0; c < 7; c++) {
      const col = h("button", {
        class: "c4-col",
        type: "button",
        "data-col": c,
        "aria-label": `column ${"abcdefg"[c]}`,
        tabindex: "-1",
        onclick: () => this.attempt(c),
      });
      col.cells = [];
      for (let r = 0; r < 6; r++) {
        const cell = h("span", { class: "c4-cell", "data-row": r });
        col.cells.push(cell);
        col.append(cell);
      }
      this.columns.push(col);
      this.grid.append(col);
    }
    root.append(this.grid);
  }

  key(e) {
    if (e.key === "ArrowLeft") this.focusColumn = Math.max(0, this.focusColumn - 1);
    else if (e.key === "ArrowRight") this.focusColumn = Math.min(6, this.focusColumn + 1);
    else if (e.key === "Enter" || e.key === " " || e.key === "ArrowDown") this.attempt(this.focusColumn);
    else if (/^[1-7]$/.test(e.key)) this.attempt(Number(e.key) - 1);
    else return;
    e.preventDefault();
    this.draw();
  }

  draw() {
    const history = this.view.position;
    const grid = connect4Grid(history);
    const last = connect4LastDisc(history);
    const lastColumn = last ? last.column : null;
    const lastRow = last ? last.row : null;
    const won = new Set((connect4WinningLine(grid, this.view.outcome) || []).map(([r, c]) => `${r},${c}`));
    this.columns.forEach((col, c) => {
      col.classList.toggle("legal", this.isLegal(c));
      col.classList.toggle("kbd", document.activeElement === this.grid && this.focusColumn === c);
      col.cells.forEach((cell, r) => {
        const seat = grid[r][c];
        cell.dataset.seat = seat === null ? "" : seat;
        cell.classList.toggle("last", c === lastColumn && r === lastRow);
        cell.classList.toggle("win", won.has(`${r},${c}`));
      });
    });
  }
}

// ---------------------------------------------------------------- square boards
// A generic 8x8 board of buttons; subclasses give a name to each square and paint pieces.
//
// Pointer input (mouse, touch and pen alike, through pointer events): press on a piece
// that can move selects it and, if the pointer then moves, drags it; releasing over
// another square plays there (`dropOn`), releasing where it started keeps the selection
// for click-click. A press on a target square of the selection plays the move. The
// `click` event is only used for the keyboard (Enter / Space on a focused square, where
// `detail` is 0); arrow keys move the focus over the squares. Right-click cancels.
const DRAG_THRESHOLD = 5; // pixels before a press becomes a drag

class SquareBoard extends BaseBoard {
  constructor(root, opts, { label, cls }) {
    super(root, opts);
    this.grid = h("div", {
      class: `grid sq8 ${cls}`,
      role: "grid",
      "aria-label": label,
      onpointerdown: (e) => this.pointerDown(e),
      onpointermove: (e) => this.pointerMove(e),
      onpointerup: (e) => this.pointerUp(e),
      onpointercancel: () => this.endDrag(),
      oncontextmenu: (e) => {
        e.preventDefault();
        this.cancel();
      },
      onkeydown: (e) => this.arrowKey(e),
    });
    this.cells = [];
    this.flipped = null;
    this.press = null; // {origin, wasSelected, x, y, id, dragging, ghost}
    root.append(this.grid);
  }

  // Is `name` the selected square (the piece a click-click or drag started from)?
  isSelected() {
    return false;
  }

  // Can a press on `name` pick up a piece (it has legal moves)?
  canPickUp() {
    return false;
  }

  // A drag from `origin` released over `name`.
  dropOn(origin, name) {
    this.clickSquare(name);
  }

  // Right-click / Escape: forget the selection.
  cancel() {
    this.resetSelection();
    if (this.view) this.draw();
  }

  cellAt(x, y) {
    const el = document.elementFromPoint(x, y);
    const cell = el && el.closest ? el.closest(".sq8 .cell") : null;
    return cell && this.cells.includes(cell) ? cell : null;
  }

  pointerDown(e) {
    if (e.button !== undefined && e.button !== 0) return;
    const cell = e.target.closest(".cell");
    if (!cell || !this.cells.includes(cell) || cell.disabled) return;
    e.preventDefault(); // no text selection, no focus ring from a mouse press
    const name = cell.info.name;
    this.endDrag();
    let wasSelected = false;
    if (this.isSelected(name)) wasSelected = true;
    else this.clickSquare(name);
    if (!this.isSelected(name) || !this.canPickUp(name)) return;
    this.press = { origin: name, wasSelected, x: e.clientX, y: e.clientY, id: e.pointerId, dragging: false, ghost: null };
    try {
      this.grid.setPointerCapture(e.pointerId);
    } catch {
      /* a synthetic event without an active pointer */
    }
  }

  pointerMove(e) {
    const press = this.press;
    if (!press || e.pointerId !== press.id) return;
    if (!press.dragging) {
      if (Math.hypot(e.clientX - press.x, e.clientY - press.y) < DRAG_THRESHOLD) return;
      press.dragging = true;
      const from = this.cell(press.origin);
      const size = from.getBoundingClientRect().width;
      press.ghost = h("div", { class: `drag-ghost ${this.grid.className}`, "aria-hidden": "true" });
      const piece = from.piece.cloneNode(true);
      press.ghost.append(piece);
      press.ghost.style.width = press.ghost.style.height = `${size}px`;
      document.body.append(press.ghost);
      from.classList.add("drag-origin");
      this.grid.classList.add("dragging");
    }
    const half = press.ghost.offsetWidth / 2;
    press.ghost.style.transform = `translate(${e.clientX - half}px, ${e.clientY - half}px)`;
    const over = this.cellAt(e.clientX, e.clientY);
    for (const cell of this.cells) cell.classList.toggle("drag-over", cell === over);
  }

  pointerUp(e) {
    const press = this.press;
    if (!press || e.pointerId !== press.id) return;
    const over = this.cellAt(e.clientX, e.clientY);
    this.endDrag();
    if (press.dragging) {
      if (over && over.info.name !== press.origin) this.dropOn(press.origin, over.info.name);
    } else if (press.wasSelected && over && over.info.name === press.origin) {
      this.clickSquare(press.origin); // a second click on the selected piece lets go of it
    }
  }

  endDrag() {
    const press = this.press;
    this.press = null;
    if (!press) return;
    if (press.ghost) press.ghost.remove();
    this.grid.classList.remove("dragging");
    for (const cell of this.cells) cell.classList.remove("drag-origin", "drag-over");
    try {
      this.grid.releasePointerCapture(press.id);
    } catch {
      /* already released */
    }
  }

  // Arrow keys move the focus over the squares as drawn; Escape cancels a selection.
  arrowKey(e) {
    const steps = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (e.key === "Escape") {
      this.cancel();
      return;
    }
    const step = steps[e.key];
    const index = this.cells.indexOf(document.activeElement);
    if (!step || index < 0) return;
    e.preventDefault();
    let row = Math.floor(index / 8);
    let col = index % 8;
    for (let i = 0; i < 8; i++) {
      row = Math.max(0, Math.min(7, row + step[0]));
      col = Math.max(0, Math.min(7, col + step[1]));
      const next = this.cells[row * 8 + col];
      if (!next.disabled) {
        next.focus();
        return;
      }
    }
  }

  // The drawing is upside down when the page flips the board for the player.
  isFlipped(natural) {
    return this.opts.flipped ? !natural : natural;
  }

  // Row 0 is drawn at the top; (row, col) are board coordinates before flipping.
  layout(flipped) {
    if (this.flipped === flipped) return;
    this.flipped = flipped;
    this.grid.replaceChildren();
    this.cells = [];
    for (let vr = 0; vr < 8; vr++) {
      for (let vc = 0; vc < 8; vc++) {
        const row = flipped ? 7 - vr : vr;
        const col = flipped ? 7 - vc : vc;
        const info = this.squareInfo(row, col);
        const cell = h("button", {
          class: `cell ${(row + col) % 2 ? "dark" : "light"}`,
          type: "button",
          "data-square": info.name,
          "aria-label": info.name,
          disabled: info.playable === false ? true : undefined,
          tabindex: vr === 0 && vc === 0 ? "0" : "-1",
          // Pointer presses are handled on pointerdown; a click with detail 0 is the keyboard.
          onclick: (e) => {
            if (e.detail === 0) this.clickSquare(info.name);
          },
        });
        cell.info = info;
        if (vc === 0 && info.rankLabel) cell.append(h("span", { class: "coord rank", text: info.rankLabel }));
        if (vr === 7 && info.fileLabel) cell.append(h("span", { class: "coord file", text: info.fileLabel }));
        cell.piece = h("span", { class: "piece" });
        cell.append(cell.piece);
        this.cells.push(cell);
        this.grid.append(cell);
      }
    }
  }

  cell(name) {
    return this.cells.find((c) => c.info.name === String(name));
  }
}

// ---------------------------------------------------------------- chess
const GLYPHS = { k: "♚", q: "♛", r: "♜", b: "♝", n: "♞", p: "♟" };
const PIECE_NAMES = { k: "king", q: "queen", r: "rook", b: "bishop", n: "knight", p: "pawn" };

// Premoves (as on Lichess): while the opponent thinks (`opts.premove`), a player may
// pick one of its pieces and a square, by clicks or a drag; the move is kept (drawn on
// the board) and sent as soon as it is this player's turn if it is legal then (a pawn
// reaching the last rank becomes a queen), else dropped. A click anywhere else on the
// board, a right-click or Escape cancels it. Nothing is checked before the turn comes.
class ChessBoard extends SquareBoard {
  constructor(root, opts) {
    super(root, opts, { label: "Chess board", cls: "chess" });
    this.selected = null;
    this.promotion = null;
    this.premove = null; // "e2e4": the queued move, from and to squares
  }

  render(view, opts = {}) {
    super.render(view, opts);
    if (!this.premove) return;
    if (this.opts.interactive) queueMicrotask(() => this.playPremove());
    else if (!this.opts.premove) this.setPremove(null); // the game is over, or browsing
  }

  premoving() {
    return Boolean(this.opts.premove) && !this.opts.interactive;
  }

  isOwn(piece) {
    return Boolean(piece) && isWhitePiece(piece) === (this.opts.seat !== 1);
  }

  setPremove(move) {
    this.premove = move;
    this.root.dataset.premove = move || "";
    if (this.view) this.draw();
  }

  // The player's turn came: send the queued move if it is legal now.
  playPremove() {
    const queued = this.premove;
    if (!queued || !this.opts.interactive) return;
    this.setPremove(null);
    const candidates = this.legal.filter((m) => typeof m === "string" && m.slice(0, 4) === queued);
    if (candidates.length) this.attempt(candidates.find((m) => m.length === 4 || m[4] === "q") || candidates[0]);
  }

  premoveClick(name) {
    const { board } = parseFen(this.fen());
    const from = this.selected;
    this.selected = null;
    if (from && name !== from && !this.isOwn(board[name])) {
      this.setPremove(from + name);
      return;
    }
    if (name !== from && this.isOwn(board[name])) this.selected = name;
    this.setPremove(null); // a click elsewhere cancels the premove
  }

  cancel() {
    this.premove = null;
    this.root.dataset.premove = "";
    super.cancel();
  }

  squareInfo(row, col) {
    const name = "abcdefgh"[col] + (8 - row);
    return { name, rankLabel: String(8 - row), fileLabel: "abcdefgh"[col] };
  }

  resetSelection() {
    this.selected = null;
    this.closePromotion();
  }

  isSelected(name) {
    return this.selected === name;
  }

  canPickUp(name) {
    if (this.premoving()) return this.isOwn(parseFen(this.fen()).board[name]);
    return this.movesFrom(name).length > 0;
  }

  fen() {
    return this.view.position.fen;
  }

  movesFrom(square) {
    return this.legal.filter((m) => typeof m === "string" && m.slice(0, 2) === square);
  }

  clickSquare(name) {
    if (this.premoving()) {
      this.premoveClick(name);
      return;
    }
    const { board, turn } = parseFen(this.fen());
    const selected = this.selected;
    this.selected = null;
    if (selected) {
      const candidates = this.movesFrom(selected).filter((m) => m.slice(2, 4) === name);
      if (candidates.length === 1) this.attempt(candidates[0]);
      else if (candidates.length > 1) {
        this.selected = selected;
        this.askPromotion(candidates);
      } else if (name !== selected) {
        if (this.movesFrom(name).length) this.selected = name;
        else this.attempt(selected + name); // not legal: the server says why
      }
    } else if (this.movesFrom(name).length) {
      this.selected = name;
    } else if (board[name]) {
      const mine = isWhitePiece(board[name]) === (turn === "w");
      this.hint(mine ? "That piece has no legal moves." : "That is not your piece.");
    }
    this.draw();
  }

  // The promotion picker: four large buttons over the board (a dialog). A click or tap
  // on one promotes; a click outside them, Escape or right-click cancels the move.
  // The choices are not `.piece` elements: those ignore the pointer.
  askPromotion(candidates) {
    this.closePromotion();
    const white = this.fen().split(" ")[1] === "w";
    const choose = (m) => {
      this.closePromotion();
      this.selected = null;
      this.attempt(m);
      this.draw();
    };
    const buttons = candidates
      .sort((a, b) => "qrbn".indexOf(a[4]) - "qrbn".indexOf(b[4]))
      .map((m) =>
        h("button", {
          type: "button",
          class: `promo-choice ${white ? "white" : "black"}`,
          "data-promote": m[4],
          "aria-label": `promote to ${PIECE_NAMES[m[4]]}`,
          text: GLYPHS[m[4]] + "\uFE0E",
          // Chosen on the press (mouse, finger or pen), as the board squares are; the
          // click (detail 0) is the keyboard's Enter / Space.
          onpointerdown: (e) => {
            if (e.button !== undefined && e.button !== 0) return;
            e.preventDefault();
            e.stopPropagation();
            choose(m);
          },
          onclick: (e) => {
            e.stopPropagation();
            if (e.detail === 0) choose(m);
          },
        }),
      );
    this.promotion = h(
      "div",
      {
        class: "promotion",
        role: "dialog",
        "aria-modal": "true",
        "aria-label": "Promote the pawn to",
        onpointerdown: (e) => {
          if (e.target === this.promotion || e.target.classList.contains("promo-choices")) {
            e.preventDefault();
            this.cancel();
          }
        },
        oncontextmenu: (e) => {
          e.preventDefault();
          this.cancel();
        },
        onkeydown: (e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            this.cancel();
          }
        },
      },
      h("div", { class: "promo-title", text: "Promote to" }),
      h("div", { class: "promo-choices" }, buttons),
    );
    this.root.append(this.promotion);
    this.escape = (e) => {
      if (e.key === "Escape" && this.promotion) this.cancel();
    };
    document.addEventListener("keydown", this.escape);
    buttons[0].focus();
  }

  closePromotion() {
    if (this.promotion) this.promotion.remove();
    this.promotion = null;
    if (this.escape) document.removeEventListener("keydown", this.escape);
    this.escape = null;
  }

  draw() {
    const fen = this.fen();
    const { board, turn } = parseFen(fen);
    this.layout(this.isFlipped(this.opts.seat === 1));
    const targets = new Set(this.selected ? this.movesFrom(this.selected).map((m) => m.slice(2, 4)) : []);
    const movable = new Set(this.legal.map((m) => String(m).slice(0, 2)));
    const last = uciSquares(this.view.position.last_move);
    const checkSquare = this.view.position.check ? kingSquare(board, turn) : null;
    const queued = this.premove ? [this.premove.slice(0, 2), this.premove.slice(2, 4)] : [];
    for (const cell of this.cells) {
      const name = cell.info.name;
      const piece = board[name];
      cell.piece.textContent = piece ? GLYPHS[piece.toLowerCase()] + "\uFE0E" : "";
      cell.piece.className = `piece ${piece ? (piece === piece.toUpperCase() ? "white" : "black") : ""}`;
      cell.dataset.piece = piece || "";
      cell.setAttribute(
        "aria-label",
        piece ? `${name} ${piece === piece.toUpperCase() ? "white" : "black"} ${PIECE_NAMES[piece.toLowerCase()]}` : name,
      );
      cell.classList.toggle("selected", this.selected === name);
      cell.classList.toggle("target", targets.has(name));
      cell.classList.toggle("capture", targets.has(name) && !!piece);
      cell.classList.toggle("movable", movable.has(name));
      cell.classList.toggle("last", last.includes(name));
      cell.classList.toggle("check", checkSquare === name);
      cell.classList.toggle("premove", queued.includes(name));
    }
  }
}

// ---------------------------------------------------------------- checkers
// Squares are named by their PDN number (positions.js checkersSquareAt).
class CheckersBoard extends SquareBoard {
  constructor(root, opts) {
    super(root, opts, { label: "Checkers board", cls: "checkers" });
    this.path = [];
  }

  squareInfo(row, col) {
    const n = checkersSquareAt(row, col);
    return n === null ? { name: `x${row}${col}`, playable: false } : { name: String(n) };
  }

  resetSelection() {
    this.path = [];
  }

  isSelected(name) {
    return this.path.length === 1 && this.path[0] === name;
  }

  canPickUp(name) {
    return this.matching([name]).length > 0;
  }

  // A drag ends on the last square of a move (a multiple jump in one gesture), or on
  // the next square of one.
  dropOn(origin, name) {
    const whole = this.legal.filter((m) => {
      const squares = checkersPath(m);
      return squares[0] === origin && squares.at(-1) === name;
    });
    if (whole.length === 1) {
      this.path = [];
      this.attempt(whole[0]);
      this.draw();
    } else {
      this.clickSquare(name);
    }
  }

  fen() {
    return this.view.position.fen;
  }

  // Moves are "11-15" or "15x24x31"; a path is the list of squares clicked so far.
  matching(path) {
    return this.legal.filter((m) => {
      const squares = checkersPath(m);
      return path.every((sq, i) => squares[i] === sq);
    });
  }

  clickSquare(name) {
    if (this.path.length === 1 && this.path[0] === name) {
      this.path = []; // a second click on the selected piece lets go of it
      this.draw();
      return;
    }
    const path = [...this.path, name];
    const matches = this.matching(path);
    const complete = matches.find((m) => checkersPath(m).length === path.length);
    if (complete && matches.length === 1) {
      this.path = [];
      this.attempt(complete);
    } else if (matches.length) {
      this.path = path;
    } else if (this.matching([name]).length) {
      this.path = [name];
    } else if (this.path.length) {
      const attempted = [...this.path, name].join("-");
      this.path = [];
      this.attempt(attempted);
    } else {
      this.explain(name);
    }
    this.draw();
  }

  // A press on a square that starts no move: say why, in words.
  explain(name) {
    const { pieces, turn } = parseCheckersFen(this.fen());
    const piece = pieces[name];
    if (!piece) {
      if (this.opts.interactive) this.hint("Pick one of your pieces first, then where it goes.");
      return;
    }
    if (!this.opts.interactive) {
      this.hint("Wait for your turn.");
      return;
    }
    if (piece.colour !== turn) {
      this.hint("That is not your piece.");
      return;
    }
    const jumps = this.legal.filter((m) => String(m).includes("x"));
    if (jumps.length) {
      const from = [...new Set(jumps.map((m) => checkersPath(m)[0]))].join(", ");
      this.hint(`A capture is compulsory: you must jump with the piece on ${from}.`);
    } else {
      this.hint("That piece has no legal move: it is blocked.");
    }
  }

  draw() {
    const { pieces } = parseCheckersFen(this.fen());
    this.layout(this.isFlipped(this.opts.seat === 0));
    const matches = this.path.length ? this.matching(this.path) : [];
    const next = new Set(matches.map((m) => checkersPath(m)[this.path.length]).filter(Boolean));
    const movable = new Set(this.legal.map((m) => checkersPath(m)[0]));
    const last = this.opts.lastMove ? checkersPath(this.opts.lastMove) : [];
    for (const cell of this.cells) {
      const name = cell.info.name;
      const piece = cell.info.playable === false ? null : pieces[name];
      cell.piece.className = piece ? `piece man ${piece.colour === "B" ? "black" : "white"}${piece.king ? " king" : ""}` : "piece";
      cell.piece.textContent = piece && piece.king ? "♔\uFE0E" : "";
      if (cell.info.playable !== false) {
        cell.setAttribute(
          "aria-label",
          piece ? `${name} ${piece.colour === "B" ? "black" : "white"} ${piece.king ? "king" : "man"}` : name,
        );
      }
      cell.classList.toggle("selected", this.path.includes(name));
      cell.classList.toggle("target", next.has(name));
      cell.classList.toggle("movable", movable.has(name));
      cell.classList.toggle("last", last.includes(name));
    }
  }
}

// ---------------------------------------------------------------- reversi
// Squares 0-63 with a1 = 0, h1 = 7, a8 = 56 (positions.js reversiSquare). Row 0 of the
// drawing is rank 8.
class ReversiBoard extends SquareBoard {
  constructor(root, opts) {
    super(root, opts, { label: "Reversi board", cls: "reversi" });
    this.passButton = h("button", { type: "button", class: "btn pass-btn", text: "Pass", onclick: () => this.attempt("pass") });
    root.append(this.passButton);
  }

  squareInfo(row, col) {
    const { index, name } = reversiSquare(row, col);
    return { name: String(index), rankLabel: String(8 - row), fileLabel: "abcdefgh"[col], algebraic: name };
  }

  clickSquare(name) {
    this.attempt(Number(name));
  }

  draw() {
    const cells = reversiCells(this.view.position);
    this.layout(this.isFlipped(false));
    const last = this.opts.lastMove;
    for (const cell of this.cells) {
      const index = Number(cell.info.name);
      const seat = cells[index];
      cell.piece.className = seat === null || seat === undefined ? "piece" : `piece disc ${seat === 0 ? "black" : "white"}`;
      cell.setAttribute("aria-label", `${cell.info.algebraic}${seat === 0 ? " black" : seat === 1 ? " white" : ""}`);
      cell.classList.toggle("target", this.isLegal(index));
      cell.classList.toggle("last", last === index);
    }
    this.passButton.hidden = !this.isLegal("pass");
  }
}

// ---------------------------------------------------------------- liar's dice
const PIPS = ["", "⚀", "⚁", "⚂", "⚃", "⚄", "⚅"];

class LiarsDiceBoard extends BaseBoard {
  constructor(root, opts) {
    super(root, opts);
    this.table = h("div", { class: "dice-table" });
    this.controls = h("div", { class: "dice-controls" });
    root.append(this.table, this.controls);
    this.quantity = 1;
    this.face = 2;
  }

  draw() {
    const p = this.view.position;
    const seat = this.opts.seat;
    if (!this.changed(p, this.view.to_move, this.legal, seat, this.opts.names, this.quantity, this.face)) return;
    const names = this.opts.names || [];
    const nameOf = (s) => names[s] || `Seat ${s + 1}`;
    const counts = p.dice_counts;
    const own = p.dice; // null for a spectator
    const bids = p.bids;
    const bid = bids.length ? bids[bids.length - 1] : null;
    const reveal = p.last_reveal;
    const parts = [
      h(
        "div",
        { class: "dice-bid", "data-testid": "current-bid" },
        bid ? `${bid.quantity} × ${PIPS[bid.face]}` : "No bid yet",
        bid ? h("span", { class: "muted", text: ` — ${nameOf(bid.seat)} bids ${bid.quantity} ${bid.face}s` }) : null,
      ),
      h("div", { class: "muted dice-info", text: `Round ${p.round} · ${p.total_dice} dice on the table` }),
      h(
        "div",
        { class: "dice-seats" },
        counts.map((n, s) =>
          h(
            "div",
            { class: `dice-seat${this.view.to_move.includes(s) ? " to-move" : ""}${n === 0 ? " out" : ""}`, "data-seat": s },
            h("span", { class: "name", text: nameOf(s) + (s === seat ? " (you)" : "") }),
            h(
              "span",
              { class: "dice" },
              s === seat && own
                ? own.map((d) => h("span", { class: "die own", text: PIPS[d], title: String(d) }))
                : Array.from({ length: n }, () => h("span", { class: "die hidden", text: "?" })),
            ),
          ),
        ),
      ),
      reveal
        ? h(
            "div",
            { class: "dice-reveal" },
            h("div", {
              text: `Last challenge: ${nameOf(reveal.challenger)} called ${nameOf(reveal.bidder)}'s ${reveal.quantity} × ${reveal.face}s — there were ${reveal.count}. ${nameOf(reveal.loser)} lost a die.`,
            }),
            h(
              "div",
              { class: "dice-reveal-hands" },
              reveal.dice.map((hand, s) =>
                h("span", { class: "dice small" }, h("b", { text: `${nameOf(s)}: ` }),
                  hand.map((d) => h("span", { class: `die${d === reveal.face ? " hit" : ""}`, text: PIPS[d] }))),
              ),
            ),
          )
        : null,
    ];
    this.table.replaceChildren(...parts.filter(Boolean));
    const legalBids = this.legal.filter((m) => Array.isArray(m) && m[0] === "bid");
    const canChallenge = this.isLegal("challenge");
    this.controls.replaceChildren();
    if (!legalBids.length && !canChallenge) return;
    const quantities = [...new Set(legalBids.map((m) => m[1]))].sort((a, b) => a - b);
    if (!quantities.includes(this.quantity)) this.quantity = quantities[0];
    const faces = legalBids.filter((m) => m[1] === this.quantity).map((m) => m[2]);
    if (!faces.includes(this.face)) this.face = faces[0];
    const qSelect = h("select", { "aria-label": "quantity", onchange: (e) => { this.quantity = Number(e.target.value); this.draw(); } },
      quantities.map((q) => h("option", { value: q, text: String(q), selected: q === this.quantity })));
    const fSelect = h("select", { "aria-label": "face", onchange: (e) => { this.face = Number(e.target.value); } },
      faces.map((f) => h("option", { value: f, text: `${PIPS[f]} ${f}s`, selected: f === this.face })));
    this.controls.append(
      legalBids.length ? h("label", {}, "Bid ", qSelect, " × ", fSelect) : null,
      legalBids.length ? h("button", { type: "button", class: "btn primary", text: "Bid", onclick: () => this.attempt(["bid", this.quantity, this.face]) }) : null,
      canChallenge ? h("button", { type: "button", class: "btn danger", text: "Liar!", onclick: () => this.attempt("challenge") }) : null,
    );
  }
}

// ---------------------------------------------------------------- declarative, fallback
// A game without a board of its own is drawn from `view.render` (declarative.js): its
// targets send the moves. A game without a render shows its position as text and one
// button per legal move.
class GenericBoard extends BaseBoard {
  constructor(root, opts) {
    super(root, opts);
    this.decl = h("div", { class: "decl-board" });
    this.pre = h("pre", { class: "generic-position" });
    this.moves = h("div", { class: "generic-moves" });
    root.append(this.decl, this.pre, this.moves);
  }

  draw() {
    const { render, text, position } = this.view;
    const { interactive, names, lastMove } = this.opts;
    if (!this.changed(render, render ? null : [text, position], this.legal, Boolean(interactive), names, lastMove)) return;
    this.decl.hidden = !render;
    this.pre.hidden = this.moves.hidden = Boolean(render);
    if (render) {
      drawRender(this.decl, render, {
        legal: this.legal,
        interactive: Boolean(interactive),
        names: names || [],
        lastMove,
        onMove: (move, legal) => (move === null ? this.hint("It is not your turn.") : this.onMove(move, legal)),
      });
      return;
    }
    this.pre.textContent = text || JSON.stringify(position, null, 1);
    this.moves.replaceChildren(
      ...this.legal.map((m) => h("button", { type: "button", class: "btn", text: JSON.stringify(m), onclick: () => this.attempt(m) })),
    );
  }
}

const BOARDS = {
  tictactoe: TicTacToeBoard,
  connect4: Connect4Board,
  chess: ChessBoard,
  checkers: CheckersBoard,
  reversi: ReversiBoard,
  liars_dice: LiarsDiceBoard,
};

export function createBoard(game, root, opts) {
  const Board = BOARDS[game] || GenericBoard;
  return new Board(root, opts);
}
