// Reading each game's `view.position` (docs/protocol.md "View"; the formats are the
// engine's, engine/games/*.py). One exact format per game, no guessing between field
// names: when the server changes a format, these functions and their unit tests
// (web_client/test/positions.test.js) are the one place to change.
//
//   tictactoe   position: 9 characters "x" / "o" / "-", row by row from the top left
//   connect4    position: the columns played so far, 1-based digits ("4453")
//   chess       position: {fen, last_move: UCI string | null, check: bool}
//   checkers    position: {fen: PDN FEN "B:W21,...:B1,...", quiet_plies}
//   reversi     position: 64 characters "X" / "O" / "-" from a1 to h8, a space, "X" | "O"
//   liars_dice  position: {dice, dice_counts, total_dice, bids: [{seat, quantity, face}],
//                          turn, round, last_reveal, faces}
//
// Pure functions: no DOM, no side effects on import.

// ------------------------------------------------------------------ tic-tac-toe
// The 9 marks ("x", "o" or "-"), index 0 at the top left.
export function ticTacToeMarks(position) {
  const text = String(position);
  if (!/^[xo-]{9}$/.test(text)) throw new Error(`not a tic-tac-toe position: ${text}`);
  return [...text];
}

// The square name of index 0-8 ("a3" top left ... "c1" bottom right), as the engine's
// move descriptions name them.
export function ticTacToeSquareName(index) {
  return "abc"[index % 3] + (3 - Math.floor(index / 3));
}

// The three squares that won, to highlight them. The view has no such field yet (the
// outcome says only "three_in_a_row"), so this reads the line off the board, and only
// when the outcome says there is one; the server should send it (see the branch report).
const TTT_LINES = [
  [0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6],
];
export function ticTacToeWinningLine(marks, outcome) {
  if (!outcome || outcome.reason !== "three_in_a_row") return null;
  return TTT_LINES.find(([a, b, c]) => marks[a] !== "-" && marks[a] === marks[b] && marks[b] === marks[c]) || null;
}

// ------------------------------------------------------------------ connect four
export const CONNECT4_COLUMNS = 7;
export const CONNECT4_ROWS = 6;

// grid[row][column], row 0 at the top; 0 / 1 for the seat whose disc it is, null for an
// empty cell. The position lists the columns played in order (seat 0 first), and each
// disc lands on top of its column: that is what the format means, not a rule of play.
export function connect4Grid(history) {
  const text = String(history);
  if (!/^[1-7]*$/.test(text)) throw new Error(`not a connect4 position: ${text}`);
  const grid = Array.from({ length: CONNECT4_ROWS }, () => Array(CONNECT4_COLUMNS).fill(null));
  const heights = Array(CONNECT4_COLUMNS).fill(0);
  [...text].forEach((digit, ply) => {
    const column = Number(digit) - 1;
    const row = CONNECT4_ROWS - 1 - heights[column]++;
    if (row >= 0) grid[row][column] = ply % 2;
  });
  return grid;
}

// {column, row} of the last disc dropped, or null before the first one.
export function connect4LastDisc(history) {
  const text = String(history);
  if (!text.length) return null;
  const column = Number(text.at(-1)) - 1;
  const row = connect4Grid(text).findIndex((cells) => cells[column] !== null);
  return { column, row };
}

// The four (or more) discs in a row that won, as [row, column] pairs (rows from the top),
// read off the grid when the outcome says there is one; null otherwise.
export function connect4WinningLine(grid, outcome) {
  if (!outcome || outcome.reason !== "four_in_a_row") return null;
  const at = (r, c) => (r >= 0 && r < CONNECT4_ROWS && c >= 0 && c < CONNECT4_COLUMNS ? grid[r][c] : null);
  const winners = new Set(outcome.winners || []);
  const cells = [];
  for (let r = 0; r < CONNECT4_ROWS; r++) {
    for (let c = 0; c < CONNECT4_COLUMNS; c++) {
      const seat = grid[r][c];
      if (seat === null || (winners.size && !winners.has(seat))) continue;
      for (const [dr, dc] of [[0, 1], [1, 0], [1, 1], [1, -1]]) {
        if (at(r - dr, c - dc) === seat) continue; // not the start of the run
        let n = 0;
        while (at(r + n * dr, c + n * dc) === seat) n++;
        if (n >= 4) for (let i = 0; i < n; i++) cells.push([r + i * dr, c + i * dc]);
      }
    }
  }
  return cells.length ? cells : null;
}

// ------------------------------------------------------------------ chess
// FEN's first two fields: {board: {"e1": "K", ...}, turn: "w" | "b"}.
export function parseFen(fen) {
  const [placement, turn] = String(fen).split(" ");
  const board = {};
  placement.split("/").forEach((rankText, i) => {
    const rank = 8 - i;
    let file = 0;
    for (const ch of rankText) {
      if (/\d/.test(ch)) file += Number(ch);
      else {
        board["abcdefgh"[file] + rank] = ch;
        file++;
      }
    }
  });
  return { board, turn };
}

// The square of the king of the side to move (to mark it when `position.check`).
export function kingSquare(board, turn) {
  const king = turn === "w" ? "K" : "k";
  return Object.keys(board).find((sq) => board[sq] === king) || null;
}

// Material by the usual values (pawn 1, knight and bishop 3, rook 5, queen 9): the
// difference White minus Black, and each side's captured pieces (what the other side
// lost, as letters, most valuable first), for the strips beside the board.
const VALUES = { p: 1, n: 3, b: 3, r: 5, q: 9, k: 0 };
const START_COUNTS = { p: 8, n: 2, b: 2, r: 2, q: 1 };
export function materialBalance(board) {
  const counts = { w: {}, b: {} };
  let diff = 0;
  for (const piece of Object.values(board)) {
    const side = isWhitePiece(piece) ? "w" : "b";
    const kind = piece.toLowerCase();
    counts[side][kind] = (counts[side][kind] || 0) + 1;
    diff += (side === "w" ? 1 : -1) * VALUES[kind];
  }
  const captured = (side) =>
    "qrbnp"
      .split("")
      .flatMap((kind) => Array(Math.max(0, START_COUNTS[kind] - (counts[side][kind] || 0))).fill(kind));
  // What White has taken is Black's missing pieces, and the other way round.
  return { diff, white: captured("b"), black: captured("w") };
}

export function isWhitePiece(piece) {
  return piece === piece.toUpperCase();
}

// The from and to squares of a UCI move ("e7e8q" -> ["e7", "e8"]), [] for none.
export function uciSquares(move) {
  return typeof move === "string" && move.length >= 4 ? [move.slice(0, 2), move.slice(2, 4)] : [];
}

// ------------------------------------------------------------------ checkers
// PDN numbering: square n has index n-1, row = index div 4 (row 0 is black's back row,
// drawn at the top for white), column = 2 * (index mod 4) + (1 on even rows).
export function checkersSquareAt(row, col) {
  if ((row + col) % 2 === 0) return null;
  return row * 4 + Math.floor(col / 2) + 1;
}

// PDN FEN: {turn: "B" | "W", pieces: {square number: {colour: "B" | "W", king}}}.
export function parseCheckersFen(fen) {
  const pieces = {};
  const fields = String(fen).replace(/\.$/, "").split(":");
  const turn = fields[0];
  for (const field of fields.slice(1)) {
    const colour = field[0];
    for (const part of field.slice(1).split(",")) {
      if (!part) continue;
      const king = part.startsWith("K");
      const range = part.replace("K", "").split("-").map(Number);
      const [from, to] = [range[0], range[1] ?? range[0]];
      for (let n = from; n <= to; n++) pieces[n] = { colour, king };
    }
  }
  return { turn, pieces };
}

// The squares of a checkers move, "11-15" or "15x24x31", as strings.
export function checkersPath(move) {
  return String(move).split(/[-x]/);
}

// ------------------------------------------------------------------ reversi
// 64 entries, index 0 = a1, 7 = h1, 56 = a8: 0 for seat 0's disc (X, black), 1 for
// seat 1's (O, white), null for an empty square.
export function reversiCells(position) {
  const text = String(position);
  if (!/^[XO-]{64} [XO]$/.test(text)) throw new Error(`not a reversi position: ${text}`);
  return [...text.slice(0, 64)].map((ch) => (ch === "X" ? 0 : ch === "O" ? 1 : null));
}

// Discs per seat [black, white] of a reversi position.
export function reversiCount(position) {
  const cells = reversiCells(position);
  return [cells.filter((c) => c === 0).length, cells.filter((c) => c === 1).length];
}

// The square index of row `row` as drawn (0 = rank 8) and file `col`, and its name.
export function reversiSquare(row, col) {
  const index = (7 - row) * 8 + col;
  return { index, name: "abcdefgh"[col] + (8 - row) };
}
