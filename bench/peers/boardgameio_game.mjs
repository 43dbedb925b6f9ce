// Connect Four as a boardgame.io game (used by the server and by the load generator's
// official clients, which run the same reducer).
import { createRequire } from 'node:module';
import { drop, wins, COLUMNS, ROWS } from './connect4.mjs';

// boardgame.io ships CommonJS with directory entry points, which ES modules cannot import.
export const require = createRequire(import.meta.url);
const { INVALID_MOVE } = require('boardgame.io/core');

export const Connect4 = {
  name: 'connect4',
  minPlayers: 2,
  maxPlayers: 2,
  setup: () => ({ cells: new Array(COLUMNS * ROWS).fill(0), winner: null, plies: 0 }),
  turn: { minMoves: 1, maxMoves: 1 },
  moves: {
    // client: false: the server alone runs the move (no optimistic local state).
    drop: {
      move: ({ G, playerID }, column) => {
        const cell = drop(G.cells, column, Number(playerID));
        if (cell < 0) return INVALID_MOVE;
        G.plies += 1;
        if (wins(G.cells, cell)) G.winner = playerID;
      },
      client: false,
    },
  },
  endIf: ({ G }) => {
    if (G.winner !== null) return { winner: G.winner };
    if (G.plies === COLUMNS * ROWS) return { draw: true };
  },
};
