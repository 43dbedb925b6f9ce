// Each game's view.position, read in its one documented format (src/positions.js). The
// sample positions are what the engine's `view` sends (engine/games/*.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  checkersPath,
  checkersSquareAt,
  connect4Grid,
  connect4LastDisc,
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
} from "../src/positions.js";

test("tic-tac-toe: nine marks, square names as the engine describes moves", () => {
  assert.deepEqual(ticTacToeMarks("xox------"), ["x", "o", "x", "-", "-", "-", "-", "-", "-"]);
  assert.throws(() => ticTacToeMarks("XOX------"));
  assert.throws(() => ticTacToeMarks({ board: "xox------" }));
  assert.deepEqual([0, 2, 4, 6, 8].map(ticTacToeSquareName), ["a3", "c3", "b2", "a1", "c1"]);
});

test("tic-tac-toe: the winning line only when the outcome says three in a row", () => {
  const marks = ticTacToeMarks("xxxoo----");
  const won = { winners: [0], draw: false, reason: "three_in_a_row", scores: null };
  assert.deepEqual(ticTacToeWinningLine(marks, won), [0, 1, 2]);
  assert.equal(ticTacToeWinningLine(marks, null), null);
  assert.equal(ticTacToeWinningLine(marks, { ...won, reason: "resignation" }), null);
  assert.deepEqual(ticTacToeWinningLine(ticTacToeMarks("o-xox-x--"), won), [2, 4, 6]);
});

test("connect4: discs stack from the bottom, seat 0 first", () => {
  const grid = connect4Grid("4453");
  assert.equal(grid.length, 6);
  assert.equal(grid[0].length, 7);
  assert.equal(grid[5][3], 0);
  assert.equal(grid[4][3], 1);
  assert.equal(grid[5][4], 0);
  assert.equal(grid[5][2], 1);
  assert.equal(grid.flat().filter((c) => c !== null).length, 4);
  assert.deepEqual(connect4Grid("").flat(), Array(42).fill(null));
  assert.throws(() => connect4Grid("0"));
  assert.deepEqual(connect4LastDisc("4453"), { column: 2, row: 5 });
  assert.deepEqual(connect4LastDisc("444"), { column: 3, row: 3 });
  assert.equal(connect4LastDisc(""), null);
});

test("chess: FEN placement and side to move, the king in check, UCI squares", () => {
  const { board, turn } = parseFen("r1bqkbnr/pppppppp/n7/8/8/N4N2/PPPPPPPP/R1BQKB1R b KQkq - 3 2");
  assert.equal(turn, "b");
  assert.equal(board.e1, "K");
  assert.equal(board.a6, "n");
  assert.equal(board.f3, "N");
  assert.equal(board.b1, undefined);
  assert.equal(Object.keys(board).length, 32);
  assert.equal(kingSquare(board, "b"), "e8");
  assert.equal(kingSquare(board, "w"), "e1");
  assert.equal(kingSquare({}, "w"), null);
  assert.ok(isWhitePiece("Q"));
  assert.ok(!isWhitePiece("q"));
  assert.deepEqual(uciSquares("e7e8q"), ["e7", "e8"]);
  assert.deepEqual(uciSquares(null), []);
});

test("checkers: PDN numbering of the dark squares", () => {
  assert.equal(checkersSquareAt(0, 0), null);
  assert.equal(checkersSquareAt(0, 1), 1);
  assert.equal(checkersSquareAt(0, 7), 4);
  assert.equal(checkersSquareAt(1, 0), 5);
  assert.equal(checkersSquareAt(7, 6), 32);
  const numbers = [];
  for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) if (checkersSquareAt(r, c)) numbers.push(checkersSquareAt(r, c));
  assert.deepEqual(numbers, Array.from({ length: 32 }, (_, i) => i + 1));
});

test("checkers: PDN FEN with kings and ranges", () => {
  const fen = "W:W17,22,23,24,25,26,27,28,29,30,31,32:B1,2,3,4,6,7,8,9,10,11,12,13";
  const { turn, pieces } = parseCheckersFen(fen);
  assert.equal(turn, "W");
  assert.equal(Object.keys(pieces).length, 24);
  assert.deepEqual(pieces[17], { colour: "W", king: false });
  assert.deepEqual(pieces[13], { colour: "B", king: false });
  const kings = parseCheckersFen("B:WK3,21-23:BK30,1.");
  assert.deepEqual(kings.pieces[3], { colour: "W", king: true });
  assert.deepEqual(kings.pieces[30], { colour: "B", king: true });
  assert.deepEqual(Object.keys(kings.pieces).map(Number).sort((a, b) => a - b), [1, 3, 21, 22, 23, 30]);
  assert.deepEqual(checkersPath("15x24x31"), ["15", "24", "31"]);
  assert.deepEqual(checkersPath("11-15"), ["11", "15"]);
});

test("reversi: 64 squares from a1, X is seat 0, O seat 1", () => {
  const start = "---------------------------OX------XO--------------------------- X";
  const cells = reversiCells(start);
  assert.equal(cells.length, 64);
  assert.equal(cells[27], 1); // d4
  assert.equal(cells[28], 0); // e4
  assert.equal(cells[35], 0); // d5
  assert.equal(cells[36], 1); // e5
  assert.equal(cells.filter((c) => c !== null).length, 4);
  assert.throws(() => reversiCells("b".repeat(64)));
  assert.throws(() => reversiCells({ board: start }));
  assert.deepEqual(reversiSquare(0, 0), { index: 56, name: "a8" });
  assert.deepEqual(reversiSquare(5, 3), { index: 19, name: "d3" });
});

// Issue #15: the winning four, material and disc counts.
import { connect4Grid as c4Grid, connect4WinningLine, materialBalance, parseFen as fen, reversiCount } from "../src/positions.js";

test("connect4WinningLine finds the four that won", () => {
  const grid = c4Grid("4455667"); // red c-d-e-f... columns 4,5,6,7 on the bottom row
  const line = connect4WinningLine(grid, { winners: [0], draw: false, reason: "four_in_a_row" });
  assert.deepEqual(line, [[5, 3], [5, 4], [5, 5], [5, 6]]);
  assert.equal(connect4WinningLine(grid, null), null);
});

test("materialBalance counts points and captured pieces", () => {
  const { board } = fen("rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3");
  assert.deepEqual(materialBalance(board), { diff: 0, white: [], black: [] });
  const after = fen("4k3/8/8/8/8/8/4P3/3QK3 w - - 0 1").board;
  const balance = materialBalance(after);
  assert.equal(balance.diff, 10);
  assert.deepEqual(balance.white.slice(0, 3), ["q", "r", "r"]);
});

test("reversiCount counts the discs of each seat", () => {
  assert.deepEqual(reversiCount("-".repeat(27) + "OX" + "-".repeat(6) + "XO" + "-".repeat(27) + " X"), [2, 2]);
});
