// The one load generator of the peers' comparison (python -m bench --only peers): the same
// Connect Four load, the same pacing and the same measurements for every system, each
// through its own client where it needs one.
//
//   node loadgen.mjs '<json config>'   ->  one "RESULT {json}" line on stdout
//
// Systems (config.system):
//   boardroom  msgpack over WebSocket (docs/protocol.md): HTTP create + seats, players with
//              seat tokens, spectators with an Origin and no token (ws package);
//   bare       bench/peers/bare_websockets.py: one room per path, msgpack relay (ws package);
//   bgio       boardgame.io 0.50.2: lobby API (create, join), players are the official
//              client (boardgame.io/client + SocketIO transport, moves `client: false` so
//              the state a player sees is the server's, not an optimistic local one);
//              spectators are socket.io-client connections that send the client's own
//              `sync` request and read its `update` events (no redux store each);
//   colyseus   Colyseus 0.18: the official SDK (@colyseus/sdk) for players and spectators
//              (the schema state needs its decoder).
//
// Parts (config.parts):
//   throughput  G concurrent games, two players each, play the 42-ply draw; a player paces
//               itself under Boardroom's per-connection limit (18 burst, 9/s) on every
//               system; moves/s, server CPU per move, move round trips;
//   crowd       one game; seat N spectators (time, server RSS), one move at a time to
//               every spectator (latency to the last of them), a burst of moves (server CPU
//               per delivery, deliveries/s), then seat more to `seat_to` (time, RSS per
//               socket).
// Every phase also records this process's own CPU (a share of one core): near 1.0 the
// load generator, not the server, was the limit and the figure is a lower bound.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { encode, decode } from '@msgpack/msgpack';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { Client as ColyseusClient } from '@colyseus/sdk';
import { Connect4, require } from './boardgameio_game.mjs';
import { DRAW_SCRIPT, COLUMNS, ROWS } from './connect4.mjs';

const { Client: BgioClient } = require('boardgame.io/client');
const { SocketIO } = require('boardgame.io/multiplayer');

const PLIES = DRAW_SCRIPT.length;
const now = () => performance.now() / 1000;
const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));
const log = (...parts) => console.error(...parts);
const TICK = 100; // clock ticks per second in /proc/<pid>/stat (USER_HZ)
const PAGE = 4096;

// -- measuring ---------------------------------------------------------------------------
function cpuSeconds(pids) {
  let total = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / TICK; // utime, stime
  }
  return total;
}

function rssBytes(pids) {
  let total = 0;
  for (const pid of pids) total += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
  return total;
}

// This process's CPU over a phase, in cores (1.0 = one core busy all the time).
function selfMeter() {
  const cpu = process.cpuUsage();
  const start = now();
  return () => {
    const used = process.cpuUsage(cpu);
    const wall = now() - start;
    return wall > 0 ? (used.user + used.system) / 1e6 / wall : null;
  };
}

function percentile(values, q) {
  if (!values.length) return null;
  const ordered = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((q / 100) * ordered.length));
  return ordered[Math.min(rank, ordered.length) - 1];
}

const ms = (seconds) => (seconds == null ? null : seconds * 1000);

async function bounded(limit, thunks) {
  const results = new Array(thunks.length);
  let next = 0;
  async function worker() {
    while (next < thunks.length) {
      const index = next++;
      results[index] = await thunks[index]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, thunks.length) }, worker));
  return results;
}

function withTimeout(promise, seconds, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${seconds}s: ${what}`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Stays under Boardroom's per-connection rate limit (a bucket of 20, 10/s), on every system.
class Pacer {
  constructor(size = 18, rate = 9) {
    Object.assign(this, { size, rate, tokens: size, stamp: now() });
  }
  async take() {
    for (;;) {
      const t = now();
      this.tokens = Math.min(this.size, this.tokens + (t - this.stamp) * this.rate);
      this.stamp = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep((1 - this.tokens) / this.rate);
    }
  }
}

// What one player has seen: the latest ply, waiters for a ply, and order errors.
class Tracker {
  constructor() {
    this.ply = null;
    this.waiters = [];
    this.errors = [];
    this.finished = false;
  }
  see(ply) {
    if (this.ply !== null && ply !== this.ply && ply !== this.ply + 1) {
      this.errors.push(`ply ${ply} after ${this.ply}`);
    }
    if (this.ply === null || ply > this.ply) this.ply = ply;
    this.waiters = this.waiters.filter(([want, resolve]) => {
      if (this.ply >= want) resolve(now());
      return this.ply < want;
    });
  }
  reached(ply, seconds = 120) {
    if (this.ply !== null && this.ply >= ply) return Promise.resolve(now());
    return withTimeout(
      new Promise((resolve) => this.waiters.push([ply, resolve])),
      seconds,
      `ply ${ply} (at ${this.ply})`,
    );
  }
}

// A Connect Four view of about the size of Boardroom's, for the bare peer to relay.
function bareView(ply) {
  const position = Array.from({ length: ROWS }, () => new Array(COLUMNS).fill(null));
  return {
    game: 'connect4', players: 2, ply, position, to_move: [ply % 2], active_seats: [0, 1],
    draw_offers: [], outcome: null, text: '.......\n'.repeat(ROWS),
  };
}

const wsRoot = (url) => url.replace(/^http/, 'ws');

async function json(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

function openWs(url, options = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 120000, ...options });
    ws.binaryType = 'nodebuffer';
    // A server may send its first frame right behind the handshake's answer (Boardroom
    // does when the snapshot needs no database read): 'message' can then fire before the
    // caller's `await` resumes and adds its listener. Such frames are held and handed to
    // the first listener, in order.
    const early = [];
    const hold = (data) => early.push(data);
    ws.on('message', hold);
    ws.on('newListener', function replay(event, listener) {
      if (event !== 'message' || listener === hold) return;
      ws.off('message', hold);
      ws.off('newListener', replay);
      for (const data of early) listener(data);
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

// -- systems -----------------------------------------------------------------------------
// Each: newGame() -> game; players(game) -> [player, player] with .tracker, .move(ply,
// column) (resolves on the mover's confirmation: ack or its own update) and .close();
// spectate(game, index, sink) -> resolves once seated (initial state received), with
// .close(). sink.update(ply, at) for every new ply, sink.other(at) for any other frame.

const boardroom = (urls) => ({
  async newGame() {
    const { game } = await json('POST', `${urls[0]}/api/games`, { kind: 'connect4' });
    const tokens = [];
    for (let seat = 0; seat < 2; seat++) {
      const taken = await json('POST', `${urls[0]}/api/games/${game.id}/seats`, { name: `bot${seat}` });
      tokens.push(taken.token);
    }
    return { id: game.id, tokens };
  },
  async players(game) {
    return Promise.all(
      [0, 1].map(async (seat) => {
        const url = urls[seat % urls.length];
        const tracker = new Tracker();
        const pending = new Map();
        let counter = 0;
        const ws = await openWs(`${wsRoot(url)}/ws/games/${game.id}/?token=${game.tokens[seat]}`);
        ws.on('message', (data) => {
          const message = decode(data);
          if (message.type === 'snapshot') tracker.see(message.version);
          else if (message.type === 'update') {
            tracker.see(message.version);
            if (message.status === 'finished') tracker.finished = true;
          } else if (message.type === 'ack' || message.type === 'reject') {
            const waiter = pending.get(message.request_id);
            pending.delete(message.request_id);
            if (message.type === 'reject') tracker.errors.push(`reject ${message.code}`);
            if (waiter) waiter(message);
          } else if (message.type === 'error') tracker.errors.push(`error ${message.code}`);
        });
        await tracker.reached(0);
        return {
          tracker,
          move(ply, column) {
            const id = String(++counter);
            const acked = new Promise((resolve) => pending.set(id, resolve));
            ws.send(encode({ type: 'move', move: column, version: ply, request_id: id }));
            return withTimeout(acked, 120, `ack of ply ${ply}`);
          },
          close: () => ws.close(),
        };
      }),
    );
  },
  async spectate(game, index, sink) {
    const url = urls[index % urls.length];
    let seated;
    let refused;
    const ready = new Promise((resolve, reject) => {
      seated = resolve;
      refused = reject;
    });
    const ws = await openWs(`${wsRoot(url)}/ws/games/${game.id}/`, { origin: url });
    ws.on('close', (code) => refused(new Error(`closed with ${code} before its snapshot`)));
    ws.on('message', (data) => {
      const at = now();
      const message = decode(data);
      if (message.type === 'update') sink.update(message.version, at);
      else if (message.type === 'snapshot') seated();
      else sink.other(at);
    });
    await withTimeout(ready, 120, 'Boardroom snapshot');
    return { close: () => ws.close() };
  },
});

const bare = (urls) => ({
  async newGame() {
    return { id: Math.random().toString(36).slice(2) };
  },
  async players(game) {
    return Promise.all(
      [0, 1].map(async (seat) => {
        const tracker = new Tracker();
        tracker.ply = 0;
        const ws = await openWs(`${wsRoot(urls[seat % urls.length])}/games/${game.id}`);
        ws.on('message', (data) => {
          const message = decode(data);
          if (message.type === 'update') {
            tracker.see(message.version);
            if (message.version === PLIES) tracker.finished = true; // a relay knows no rules
          }
        });
        return {
          tracker,
          move(ply, column) {
            ws.send(encode({ type: 'move', seat, move: column, view: bareView(ply + 1) }));
            return tracker.reached(ply + 1);
          },
          close: () => ws.close(),
        };
      }),
    );
  },
  async spectate(game, index, sink) {
    const ws = await openWs(`${wsRoot(urls[index % urls.length])}/games/${game.id}`);
    ws.on('message', (data) => {
      const at = now();
      const message = decode(data);
      if (message.type === 'update') sink.update(message.version, at);
      else sink.other(at);
    });
    return { close: () => ws.close() };
  },
});

const SOCKET_OPTIONS = { transports: ['websocket'], reconnection: false, timeout: 120000 };

const bgio = (urls) => ({
  async newGame() {
    const base = `${urls[0]}/games/connect4`;
    const { matchID } = await json('POST', `${base}/create`, { numPlayers: 2 });
    const credentials = [];
    for (let seat = 0; seat < 2; seat++) {
      const joined = await json('POST', `${base}/${matchID}/join`, {
        playerID: String(seat),
        playerName: `bot${seat}`,
      });
      credentials.push(joined.playerCredentials);
    }
    return { id: matchID, credentials };
  },
  async players(game) {
    return Promise.all(
      [0, 1].map(async (seat) => {
        const tracker = new Tracker();
        const client = BgioClient({
          game: Connect4,
          numPlayers: 2,
          multiplayer: SocketIO({ server: urls[0], socketOpts: SOCKET_OPTIONS }),
          matchID: game.id,
          playerID: String(seat),
          credentials: game.credentials[seat],
          debug: false,
        });
        client.subscribe((state) => {
          if (!state || !state.isConnected) return;
          if (state.ctx?.gameover) tracker.finished = true;
          tracker.see(state.G.plies);
        });
        client.start();
        await tracker.reached(0);
        return {
          tracker,
          move(ply, column) {
            client.moves.drop(column);
            return tracker.reached(ply + 1);
          },
          close: () => client.stop(),
        };
      }),
    );
  },
  async spectate(game, index, sink) {
    const socket = io(`${urls[index % urls.length]}/connect4`, SOCKET_OPTIONS);
    let seated;
    const ready = new Promise((resolve) => (seated = resolve));
    socket.on('connect', () => socket.emit('sync', game.id, null, undefined, 2));
    socket.on('sync', () => seated());
    socket.on('update', (matchID, state) => sink.update(state.G.plies, now()));
    socket.on('patch', () => sink.other(now()));
    socket.on('matchData', () => sink.other(now()));
    socket.on('connect_error', (error) => log(`bgio spectator: ${error}`));
    await withTimeout(ready, 120, 'boardgame.io sync');
    return { close: () => socket.close() };
  },
});

const colyseus = (urls) => {
  const clients = urls.map((url) => new ColyseusClient(url));
  const player = (room) => {
    const tracker = new Tracker();
    room.onStateChange((state) => {
      if (state.status === 'finished') tracker.finished = true;
      if (state.status !== 'waiting') tracker.see(state.ply);
    });
    room.onMessage('reject', (message) => tracker.errors.push(`reject at ${message?.ply}`));
    // The room's first full state may have arrived before the handler above.
    if (room.state?.status === 'active') tracker.see(room.state.ply);
    return {
      tracker,
      move(ply, column) {
        room.send('move', { column, ply });
        return tracker.reached(ply + 1);
      },
      close: () => room.leave(),
    };
  };
  return {
    async newGame() {
      const room = await clients[0].create('connect4');
      return { id: room.roomId, first: room };
    },
    async players(game) {
      const second = await clients[1 % clients.length].joinById(game.id);
      const players = [player(game.first), player(second)];
      await Promise.all(players.map((p) => p.tracker.reached(0)));
      return players;
    },
    async spectate(game, index, sink) {
      const room = await clients[index % clients.length].joinById(game.id, { spectate: true });
      let seated;
      const ready = new Promise((resolve) => (seated = resolve));
      let last = null;
      room.onStateChange((state) => {
        const at = now();
        if (last === null) {
          last = state.ply;
          seated();
        } else if (state.ply !== last) {
          last = state.ply;
          sink.update(state.ply, at);
        } else sink.other(at);
      });
      if (last === null && room.state?.status === 'active') {
        last = room.state.ply; // its full state arrived with the join
        seated();
      }
      await withTimeout(ready, 120, 'colyseus state');
      return { close: () => room.leave() };
    },
  };
};

const SYSTEMS = { boardroom, bare, bgio, colyseus };

// -- throughput --------------------------------------------------------------------------
async function throughput(system, config) {
  const { games, pids } = config;
  const started = now();
  const created = await bounded(12, Array.from({ length: games }, () => () => system.newGame()));
  const tables = await bounded(25, created.map((game) => () => system.players(game)));
  const setupSeconds = now() - started;
  await sleep(config.quiet ?? 1.0); // presence settles
  const rtts = [];
  const acks = [];
  const errors = [];
  const self = selfMeter();
  const cpuStart = cpuSeconds(pids);
  const playStart = now();
  await Promise.all(
    tables.map(async (players, g) => {
      const pacers = [new Pacer(), new Pacer()];
      try {
        for (let ply = 0; ply < PLIES; ply++) {
          const player = players[ply % 2];
          await player.tracker.reached(ply);
          await pacers[ply % 2].take();
          const sent = now();
          await player.move(ply, DRAW_SCRIPT[ply]);
          const at = now();
          acks.push(at);
          rtts.push(at - sent);
        }
        await Promise.all(players.map((p) => p.tracker.reached(PLIES)));
        await sleep(0.05);
        for (const p of players) {
          errors.push(...p.tracker.errors.map((e) => `game ${g}: ${e}`));
          if (!p.tracker.finished) errors.push(`game ${g}: not finished at ply ${p.tracker.ply}`);
        }
      } catch (error) {
        errors.push(`game ${g}: ${error.message}`);
      }
    }),
  );
  const playSeconds = now() - playStart;
  const cpu = cpuSeconds(pids) - cpuStart;
  const loadgenCores = self();
  const serverRss = rssBytes(pids);
  await Promise.all(tables.flat().map((p) => p.close()));
  acks.sort((a, b) => a - b);
  let steady = null;
  if (acks.length >= 20) {
    const low = acks[Math.floor(acks.length / 10)];
    const high = acks[Math.floor((acks.length * 9) / 10)];
    if (high > low) steady = Math.floor((acks.length * 8) / 10) / (high - low);
  }
  const moves = rtts.length;
  return {
    games,
    setup_seconds: setupSeconds,
    moves,
    expected_moves: games * PLIES,
    play_seconds: playSeconds,
    moves_per_s: playSeconds ? moves / playSeconds : null,
    steady_moves_per_s: steady,
    rtt_p50_ms: ms(percentile(rtts, 50)),
    rtt_p99_ms: ms(percentile(rtts, 99)),
    cpu_ms_per_move: moves ? (cpu / moves) * 1000 : null,
    server_cpu_cores: playSeconds ? cpu / playSeconds : null,
    loadgen_cores: loadgenCores,
    server_rss_mb: serverRss / 2 ** 20,
    errors: errors.length,
    error_samples: errors.slice(0, 5),
  };
}

// -- crowd: seating, fan-out, memory -----------------------------------------------------
class Audience {
  constructor() {
    this.times = new Map(); // ply -> delivery times
    this.waiters = new Map(); // ply -> [count, resolve]
    this.seated = 0;
    this.failed = 0;
    this.lastOther = now();
    this.others = 0;
    this.duplicates = 0;
    this.latest = [];
  }
  sink(index) {
    return {
      update: (ply, at) => {
        if (this.latest[index] !== undefined && ply <= this.latest[index]) {
          this.duplicates++;
          return;
        }
        this.latest[index] = ply;
        let times = this.times.get(ply);
        if (!times) this.times.set(ply, (times = []));
        times.push(at);
        const waiter = this.waiters.get(ply);
        if (waiter && times.length >= waiter[0]) {
          this.waiters.delete(ply);
          waiter[1]();
        }
      },
      other: (at) => {
        this.others++;
        this.lastOther = at;
      },
    };
  }
  all(ply, count, seconds = 120) {
    if ((this.times.get(ply)?.length ?? 0) >= count) return Promise.resolve();
    return withTimeout(
      new Promise((resolve) => this.waiters.set(ply, [count, resolve])),
      seconds,
      `ply ${ply} at ${count} spectators (${this.times.get(ply)?.length ?? 0} have it)`,
    );
  }
  async quiet(idle = 1.0, limit = 600) {
    const started = now();
    while (now() - started < limit && now() - this.lastOther < idle) await sleep(0.1);
    return now() - started;
  }
}

async function crowd(system, config) {
  const { pids, spectators, latency_moves: latencyMoves } = config;
  const seatTo = Math.max(config.seat_to ?? spectators, spectators);
  const concurrency = config.join_concurrency ?? 50;
  const burstMoves = Math.min(config.burst_moves, PLIES - latencyMoves - 2); // game stays active
  const game = await system.newGame();
  const players = await system.players(game);
  await sleep(0.5);
  const rssBefore = rssBytes(pids);
  const audience = new Audience();
  const handles = [];
  const checkpoints = [];
  let seatSeconds = 0;
  const seat = async (from, to) => {
    const self = selfMeter();
    const cpu = cpuSeconds(pids);
    const started = now();
    await bounded(
      concurrency,
      Array.from({ length: to - from }, (_, k) => async () => {
        const index = from + k;
        try {
          handles.push(await system.spectate(game, index, audience.sink(index)));
          audience.seated++;
        } catch (error) {
          audience.failed++;
          if (audience.failed <= 3) log(`spectator ${index}: ${error.message}`);
        }
      }),
    );
    seatSeconds += now() - started;
    const point = {
      spectators: audience.seated,
      seconds: seatSeconds,
      loadgen_cores: self(),
      server_cpu_s: cpuSeconds(pids) - cpu,
    };
    point.settle_seconds = await audience.quiet(config.quiet ?? 1.0);
    point.rss_mb = rssBytes(pids) / 2 ** 20;
    point.kib_per_socket = (rssBytes(pids) - rssBefore) / Math.max(audience.seated, 1) / 1024;
    checkpoints.push(point);
    log(`${config.system}: seated ${audience.seated} in ${seatSeconds.toFixed(1)}s`);
  };
  await seat(0, spectators);
  const n = audience.seated;
  const errors = [];
  const last = [];
  const each = [];
  const mover = (ply) => players[ply % 2];
  const latencyMeter = selfMeter();
  for (let ply = 0; ply < latencyMoves; ply++) {
    try {
      await mover(ply).tracker.reached(ply);
    } catch (error) {
      errors.push(`latency move ${ply + 1}: ${error.message}`);
      break;
    }
    const sent = now();
    try {
      await mover(ply).move(ply, DRAW_SCRIPT[ply]);
      await audience.all(ply + 1, n, 60);
    } catch (error) {
      errors.push(`latency move ${ply + 1}: ${error.message}`);
      break;
    }
    const times = audience.times.get(ply + 1);
    last.push(Math.max(...times) - sent);
    for (const t of times) each.push(t - sent);
    await sleep(0.12);
  }
  const latencyLoadgen = latencyMeter();
  // The movers' rate buckets refill (Boardroom's limit; every system is paced the same).
  await sleep(config.burst_pause ?? 2.1);
  const self = selfMeter();
  const cpuStart = cpuSeconds(pids);
  const burstStart = now();
  const burst = [];
  for (let ply = latencyMoves; ply < latencyMoves + burstMoves && !errors.length; ply++) {
    try {
      await mover(ply).tracker.reached(ply); // the mover has seen the other's move
      await mover(ply).move(ply, DRAW_SCRIPT[ply]);
      burst.push(ply + 1);
    } catch (error) {
      errors.push(`burst move ${ply + 1}: ${error.message}`);
    }
  }
  try {
    await Promise.all(burst.map((ply) => audience.all(ply, n, 120)));
  } catch (error) {
    errors.push(`burst: ${error.message}`);
  }
  const ends = burst.map((ply) => Math.max(...(audience.times.get(ply) ?? [burstStart])));
  const burstSeconds = (ends.length ? Math.max(...ends) : now()) - burstStart;
  const burstCpu = cpuSeconds(pids) - cpuStart;
  const burstLoadgen = self();
  const delivered = burst.reduce((sum, ply) => sum + (audience.times.get(ply)?.length ?? 0), 0);
  const played = latencyMoves + burst.length;
  let lost = 0;
  for (let ply = 1; ply <= played; ply++) lost += Math.max(0, n - (audience.times.get(ply)?.length ?? 0));
  for (const p of players) errors.push(...p.tracker.errors);
  if (seatTo > spectators) await seat(spectators, seatTo);
  const rssAfter = rssBytes(pids);
  await Promise.all(handles.map((h) => Promise.resolve(h.close()).catch(() => {})));
  await Promise.all(players.map((p) => Promise.resolve(p.close()).catch(() => {})));
  return {
    spectators: n,
    seated: audience.seated,
    failed_connections: audience.failed,
    checkpoints,
    seat_seconds: checkpoints[0].seconds,
    latency_moves: last.length,
    last_p50_ms: ms(percentile(last, 50)),
    last_p99_ms: ms(percentile(last, 99)),
    each_p99_ms: ms(percentile(each, 99)),
    latency_loadgen_cores: latencyLoadgen,
    burst_moves: burst.length,
    burst_deliveries: delivered,
    burst_seconds: burstSeconds,
    deliveries_per_s: burstSeconds > 0 ? delivered / burstSeconds : null,
    cpu_us_per_delivery: delivered ? (burstCpu / delivered) * 1e6 : null,
    burst_loadgen_cores: burstLoadgen,
    kib_per_socket: (rssAfter - rssBefore) / Math.max(audience.seated, 1) / 1024,
    rss_before_mb: rssBefore / 2 ** 20,
    rss_after_mb: rssAfter / 2 ** 20,
    other_frames: audience.others,
    lost,
    duplicates: audience.duplicates,
    errors: errors.slice(0, 5),
  };
}

const PARTS = { throughput, crowd };

async function main() {
  const config = JSON.parse(process.argv[2]);
  const system = SYSTEMS[config.system](config.urls);
  const result = { system: config.system, node: process.version };
  for (const part of config.parts) {
    log(`${config.system}: ${part}`);
    result[part] = await PARTS[part](system, config);
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error) => {
  log(error?.stack ?? String(error));
  process.exit(1);
});
