// Connect Four rules shared by the peers (boardgame.io, Colyseus) and the load generator:
// a 7-column, 6-row board as 42 cells, row 0 at the bottom, cell = row * 7 + column; a
// cell holds 0 (empty), 1 (seat 0) or 2 (seat 1). Same moves (a column 0-6) as
// Boardroom's engine/games/connect4.py.
export const COLUMNS = 7;
export const ROWS = 6;

// A game that fills the board: 42 plies, a draw (bench/loadgen.py CONNECT4_DRAW).
export const DRAW_SCRIPT = [
  3, 6, 1, 3, 1, 3, 6, 4, 5, 5, 3, 4, 3, 1, 1, 0, 4, 3, 0, 4, 6,
  6, 2, 6, 1, 0, 5, 5, 2, 4, 5, 1, 5, 6, 0, 0, 2, 2, 4, 2, 2, 0,
];

export function emptyBoard() {
  return new Array(COLUMNS * ROWS).fill(0);
}

// Drop seat's piece in column; the cell index, or -1 for an illegal move.
export function drop(cells, column, seat) {
  if (!Number.isInteger(column) || column < 0 || column >= COLUMNS) return -1;
  for (let row = 0; row < ROWS; row++) {
    const cell = row * COLUMNS + column;
    if (cells[cell] === 0 || cells[cell] === null) {
      cells[cell] = seat + 1;
      return cell;
    }
  }
  return -1;
}

// Whether the piece just placed at cell makes four in a row.
export function wins(cells, cell) {
  const piece = cells[cell];
  const row = Math.floor(cell / COLUMNS);
  const column = cell % COLUMNS;
  for (const [dr, dc] of [[0, 1], [1, 0], [1, 1], [1, -1]]) {
    let count = 1;
    for (const sign of [1, -1]) {
      let r = row + sign * dr;
      let c = column + sign * dc;
      while (r >= 0 && r < ROWS && c >= 0 && c < COLUMNS && cells[r * COLUMNS + c] === piece) {
        count++;
        r += sign * dr;
        c += sign * dc;
      }
    }
    if (count >= 4) return true;
  }
  return false;
}
