// boardgame.io 0.50.2 serving Connect Four: `node boardgameio_server.mjs --port N`.
// Its default setup: Koa lobby API (/games/connect4/create, .../join), socket.io
// transport, in-memory storage (no database).
import { Connect4, require } from './boardgameio_game.mjs';

const { Server, Origins } = require('boardgame.io/server');

const port = Number(process.argv[process.argv.indexOf('--port') + 1] || 8000);
const server = Server({ games: [Connect4], origins: [Origins.LOCALHOST] });
server.run({ port, callback: () => console.error(`boardgame.io on ${port}`) });
process.on('SIGTERM', () => process.exit(0));
