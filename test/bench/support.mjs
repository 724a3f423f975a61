// The one support module of the three benchmark runners: deterministic.mjs (instructions per
// request under callgrind: `pnpm bench`), throughput.mjs (req/s, context only) and cold.mjs (cold
// path and abuse, in process). Sections: knobs and figures, the setups, server processes, load,
// Redis.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';

// ---------------------------------------------------------------------------------------------
// Knobs and figures

/** BENCH_QUICK=1 or --quick: the runners' quick mode (fewer passes, requests or keys). */
export const QUICK = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');

/** An integer knob from the environment: `fallback` when unset or empty, else it must lie in [min, max]. */
export function envInt(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got ${raw})`);
  }
  return value;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
export const fmtRatio = (x) => x.toFixed(3);
/** `min–max` of some values, each formatted with `format`; one value alone when they agree. */
export function fmtRange(values, format = fmtRatio) {
  const [low, high] = [format(Math.min(...values)), format(Math.max(...values))];
  return low === high ? low : `${low}–${high}`;
}

/** Prints a Markdown table (cells are strings). */
export function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** The machine line of every report: CPU model (/proc/cpuinfo), cores, Node version, date. */
function describeMachine() {
  let cpu = 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim() ?? cpu;
  } catch {}
  return { cpu, cores: availableParallelism(), node: process.version, date: new Date().toISOString() };
}

export function printMachine(title) {
  const m = describeMachine();
  console.log(`${title}\nmachine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; ${m.date}`);
  return m;
}

// ---------------------------------------------------------------------------------------------
// The setups: one server each in servers/ (`<id>.mjs` unless `server` says otherwise)

/** How each framework's load presents the key: the header its peer reads, sent to every server of it. */
const KEY_HEADERS = {
  fastify: (key) => ({ authorization: `Bearer ${key}` }),
  express: (key) => ({ 'x-api-key': key }),
  koa: (key) => ({ 'x-api-key': key }),
};

// The flood: a limit of a few requests per hour, so every request after the first few is refused.
const FLOOD_ENV = Object.freeze({ BENCH_RATE_LIMIT: '5', BENCH_RATE_WINDOW: '3600' });

/**
 * `role`: bare (one per framework, the baseline), floor (a step that does nothing much: no-op,
 * Map lookup), keygate, peer. `group`: which comparison a setup belongs to (auth, memory: auth + an
 * in-memory limiter, redis: auth + a Redis limiter, flood: over the limit on Redis). `redis`: the
 * server uses the run's Redis.
 */
export const SETUPS = Object.freeze(
  [
    ['fastify', 'fastify-bare', 'bare', 'bare', ''],
    ['fastify', 'fastify-noop-hook', 'no-op onRequest hook', 'floor', 'auth'],
    ['fastify', 'fastify-map-hook', 'Map-lookup hook', 'floor', 'auth'],
    ['fastify', 'fastify-keygate', '@keygate/fastify', 'keygate', 'auth'],
    ['fastify', 'fastify-bearer-auth', '@fastify/bearer-auth', 'peer', 'auth'],
    ['fastify', 'fastify-keygate-rl-memory', 'keygate + memory limiter', 'keygate', 'memory'],
    ['fastify', 'fastify-rate-limit-memory', 'bearer-auth + @fastify/rate-limit memory', 'peer', 'memory'],
    ['fastify', 'fastify-rlflex-memory', 'bearer-auth + rate-limiter-flexible memory', 'peer', 'memory'],
    ['fastify', 'fastify-keygate-rl-redis', 'keygate + Redis limiter', 'keygate', 'redis'],
    ['fastify', 'fastify-rate-limit-redis', 'bearer-auth + @fastify/rate-limit Redis', 'peer', 'redis'],
    ['fastify', 'fastify-rlflex-redis', 'bearer-auth + rate-limiter-flexible Redis', 'peer', 'redis'],
    ['express', 'express-bare', 'bare', 'bare', ''],
    ['express', 'express-noop-middleware', 'no-op middleware', 'floor', 'auth'],
    ['express', 'express-map-middleware', 'Map-lookup middleware', 'floor', 'auth'],
    ['express', 'express-keygate', '@keygate/express', 'keygate', 'auth'],
    ['express', 'express-passport', 'passport-headerapikey', 'peer', 'auth'],
    ['express', 'express-keygate-rl-memory', 'keygate + memory limiter', 'keygate', 'memory'],
    ['express', 'express-rate-limit-memory', 'passport + express-rate-limit memory', 'peer', 'memory'],
    ['express', 'express-rlflex-memory', 'passport + rate-limiter-flexible memory', 'peer', 'memory'],
    ['express', 'express-keygate-rl-redis', 'keygate + Redis limiter', 'keygate', 'redis'],
    ['express', 'express-rate-limit-redis', 'passport + express-rate-limit + rate-limit-redis', 'peer', 'redis'],
    ['express', 'express-rlflex-redis', 'passport + rate-limiter-flexible Redis', 'peer', 'redis'],
    ['koa', 'koa-bare', 'bare', 'bare', ''],
    ['koa', 'koa-noop-middleware', 'no-op middleware', 'floor', 'auth'],
    ['koa', 'koa-map-middleware', 'Map-lookup middleware', 'floor', 'auth'],
    ['koa', 'koa-keygate', '@keygate/koa', 'keygate', 'auth'],
    ['koa', 'koa-keygate-rl-memory', 'keygate + memory limiter', 'keygate', 'memory'],
    ['koa', 'koa-keygate-rl-redis', 'keygate + Redis limiter', 'keygate', 'redis'],
  ]
    .map(([framework, id, label, role, group]) => ({ framework, id, server: `${id}.mjs`, label, role, group }))
    .flatMap((setup) => {
      if (setup.group !== 'redis') return [setup];
      const flood = { ...setup, id: `${setup.id}-flood`, group: 'flood', env: FLOOD_ENV };
      return setup.framework === 'koa' ? [setup] : [setup, flood];
    })
    .map((setup) => Object.freeze({ ...setup, redis: setup.group === 'redis' || setup.group === 'flood' })),
);

/**
 * The setups a run measures. BENCH_ONLY (comma-separated: frameworks, groups or setup ids, e.g.
 * `fastify`, `redis`, `koa-keygate`) narrows them; each selected framework keeps its bare setup.
 */
export function selectSetups() {
  const only = process.env.BENCH_ONLY?.split(',')
    .map((o) => o.trim().toLowerCase())
    .filter(Boolean);
  const chosen = SETUPS.filter((s) => !only || only.some((o) => [s.framework, s.group, s.id].includes(o)));
  return SETUPS.filter(
    (s) => chosen.includes(s) || (s.role === 'bare' && chosen.some((c) => c.framework === s.framework)),
  );
}

// ---------------------------------------------------------------------------------------------
// Server processes

const SERVERS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'servers');
const children = new Set();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Spawns `command` (tracked: killed when the runner exits) keeping the tail of its stderr. */
function spawnTracked(command, args, env) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  child.stderrTail = () => stderr;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * Starts a setup's server (NODE_ENV=production) and resolves once it has announced its port.
 * `wrapper`: a command line to run Node under (e.g. valgrind's); `nodeFlags`: Node's own flags.
 */
export async function startServer(setup, { env = {}, wrapper = [], nodeFlags = [] } = {}) {
  const node = [process.execPath, ...nodeFlags, join(SERVERS_DIR, setup.server)];
  const [command, ...args] = [...wrapper, ...node];
  const child = spawnTracked(command, args, { NODE_ENV: 'production', ...setup.env, ...env });
  try {
    const lines = createInterface({ input: child.stdout });
    const { port, key } = await announcement(child, lines, setup.id);
    return { setup, child, lines, pid: child.pid, key, url: `http://127.0.0.1:${port}/hello` };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

// The first stdout line that is JSON: `{ port, key, pid }` (servers/common.mjs); the rest is drained.
async function announcement(child, lines, what) {
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new Error(`${what} exited (${signal ?? code}) before announcing its port:\n${child.stderrTail()}`);
  });
  exited.catch(() => {});
  const announced = new Promise((resolve) => {
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line));
    });
  });
  const info = await withTimeout(Promise.race([announced, exited]), 180_000, `${what} did not announce its port`);
  if (!Number.isInteger(info?.port) || typeof info.key !== 'string') throw new Error(`${what}: bad announcement`);
  return info;
}

/** Stops a server and waits for it to exit (under valgrind, writing its profile takes a while). */
export async function stopServer({ child }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await withTimeout(exited, 120_000, 'a server did not exit').catch(() => child.kill('SIGKILL'));
}

/** The server must answer 200 with its key and, unless it is bare or a no-op, 401 without it. */
export async function checkServer(server) {
  const { setup, url } = server;
  const ok = await fetch(url, { headers: KEY_HEADERS[setup.framework](server.key) });
  const body = await ok.text();
  if (ok.status !== 200 || JSON.parse(body).hello !== 'world') {
    throw new Error(`${setup.id}: expected 200 with the key, got ${ok.status} ${body}`);
  }
  const anonymous = await fetch(url);
  await anonymous.arrayBuffer();
  const open = setup.role === 'bare' || setup.id.includes('noop');
  if (!open && anonymous.status !== 401)
    throw new Error(`${setup.id}: expected 401 without a key, got ${anonymous.status}`);
}

/** A process's user + system CPU time so far, in µs (Linux /proc; clock ticks of 10 ms). */
export function cpuTimeUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Load

/**
 * Loads `GET /hello` with the setup's key header: `amount` requests, or `duration` seconds. Any
 * error, timeout or unexpected status fails; 429 is expected in a flood. Resolves with the 2xx and
 * 429 counts and the duration.
 */
export async function load(server, { amount, duration, connections = 10, timeout = 60 }) {
  const { setup } = server;
  const headers = KEY_HEADERS[setup.framework](server.key);
  const length = amount === undefined ? { duration } : { amount };
  const result = await autocannon({ url: server.url, headers, connections, timeout, ...length });
  const ok = result['2xx'];
  const refused = result.statusCodeStats?.['429']?.count ?? 0;
  const unexpected = result.non2xx - (setup.group === 'flood' ? refused : 0);
  if (unexpected || result.errors || result.timeouts || ok + refused === 0) {
    const codes = JSON.stringify(result.statusCodeStats);
    throw new Error(`${setup.id}: ${result.errors} errors, ${result.timeouts} timeouts, statuses ${codes}`);
  }
  return { ok, refused, duration: result.duration };
}

// ---------------------------------------------------------------------------------------------
// Redis: a private redis-server for the run (optionally under a wrapper such as valgrind), or REDIS_URL

const RUN_ID = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/**
 * Connects to REDIS_URL (when allowed and set), or starts a private redis-server without
 * persistence (`args`: more of its options). `close()` deletes the run's keys, disconnects, and
 * stops the private server.
 */
export async function startRedis({ wrapper = [], args: options = [], allowUrl = true } = {}) {
  let child;
  let dir;
  let url = allowUrl ? process.env.REDIS_URL : undefined;
  if (!url) {
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'keygate-bench-redis-'));
    const redisArgs = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    redisArgs.push(...options);
    const [command, ...args] = [...wrapper, 'redis-server', ...redisArgs];
    child = spawnTracked(command, args, {});
    child.stdout.resume(); // its log: drained, never read
    await withTimeout(waitForPing(port, child), 60_000, `redis-server did not answer on port ${port}`);
    url = `redis://127.0.0.1:${port}`;
  }
  const admin = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  admin.on('error', () => {});
  await admin.connect();
  const version = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
  let scenarios = 0;
  return {
    url,
    pid: child?.pid,
    description: child ? `private redis-server ${version} (pid ${child.pid})` : `REDIS_URL ${url} (${version})`,
    /** A key prefix of this run for one scenario: every key the scenario's server writes starts with it. */
    prefix: (slug) => `kgbench:${RUN_ID}:${++scenarios}-${slug}:`,
    /** Calls per command name so far (INFO commandstats; names lower-case). */
    async commandCounts() {
      const info = await admin.call('info', 'commandstats');
      return new Map([...info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
    },
    /** Runs `work` under MONITOR: commands executed meanwhile, by name, sent by clients or run by scripts. */
    sample: (work) => monitorSample(admin, work),
    async close() {
      try {
        await deleteRunKeys(admin);
      } finally {
        admin.disconnect();
        if (child) await stopServer({ child });
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function monitorSample(admin, work) {
  const monitor = await admin.monitor();
  const marker = `kgbench-sample-end-${RUN_ID}-${Math.random().toString(36).slice(2)}`;
  const sent = new Map();
  const scripted = new Map();
  let markerSeen;
  const seen = new Promise((resolve) => {
    markerSeen = resolve;
  });
  monitor.on('monitor', (_time, args, source) => {
    const name = String(args[0]).toLowerCase();
    if (name === 'echo' && args[1] === marker) return markerSeen();
    const counts = source === 'lua' ? scripted : sent;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  try {
    const result = await work();
    // The marker runs after every command of the work; once MONITOR shows it, it has shown them all.
    await admin.echo(marker);
    await withTimeout(seen, 30_000, 'MONITOR did not show the end marker');
    return { result, sent, scripted };
  } finally {
    monitor.disconnect();
  }
}

/**
 * Splits the command counts between two commandstats readings into commands sent by clients and
 * commands run by scripts. Redis counts both; a MONITOR `sample` of the same server tells which
 * names come from scripts (a name seen both ways is split in the sample's proportion). The
 * runner's own INFO calls are left out.
 */
export function splitCommands(before, after, sample) {
  let sent = 0;
  let scripted = 0;
  for (const [name, calls] of after) {
    const delta = calls - (before.get(name) ?? 0);
    if (delta === 0 || name === 'info') continue;
    const fromScripts = sample.scripted.get(name) ?? 0;
    const share = fromScripts === 0 ? 0 : fromScripts / (fromScripts + (sample.sent.get(name) ?? 0));
    scripted += delta * share;
    sent += delta * (1 - share);
  }
  return { sent, scripted };
}

async function deleteRunKeys(admin) {
  if (admin.status !== 'ready') return;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `kgbench:${RUN_ID}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port, child) {
  while (!(await answersPing(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${child.stderrTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
