// Redis for the rate-limiting scenarios of run.mjs: the server (REDIS_URL, or a private redis-server
// on a free loopback port started for the run), one key prefix per scenario, command counts, and
// the removal of the run's keys at the end.
//
// Counting. Redis counts every command it executes in INFO commandstats, including the commands a
// Lua script runs (keygate's EVALSHA runs TIME, GET and SET). To tell the commands a server sends
// (its round trips) from those its scripts run, the runner first loads each Redis server with a
// short burst under MONITOR, which marks script commands with the source `lua`. That sample gives
// the sent commands per request directly, and tells which command names come from scripts; the
// commandstats difference around each measured run is then split with it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { withTimeout } from './support.mjs';

const RUN_ID = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/**
 * Connects to REDIS_URL, or starts a private redis-server (no persistence) and connects to it.
 * `close()` deletes the run's keys, disconnects, and stops the private server; call it in a finally.
 */
export async function startRedis() {
  let child;
  let dir;
  let url = process.env.REDIS_URL;
  if (!url) {
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'keygate-bench-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    // No orphaned redis-server, even when the runner exits without reaching its finally.
    process.once('exit', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    const spawned = new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(
          new Error(`could not start redis-server (${error.message}); install it or set REDIS_URL`, { cause: error }),
        ),
      );
    });
    await spawned;
    await waitForPort(port, 10_000);
    url = `redis://127.0.0.1:${port}`;
  }
  const admin = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  admin.on('error', () => {});
  await admin.connect();
  const version = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
  let closed = false;
  let scenarios = 0;

  return {
    url,
    description: child
      ? `private redis-server ${version} on ${url} (pid ${child.pid})`
      : `REDIS_URL ${url} (${version})`,

    /** A key prefix of this run for one scenario: every key the scenario's server writes starts with it. */
    prefix(slug) {
      scenarios++;
      return `kgbench:${RUN_ID}:${scenarios}-${slug.replace(/[^A-Za-z0-9_-]/g, '')}:`;
    },

    /**
     * One INFO reading: calls per command name so far (commandstats; names lower-case, subcommands
     * as `client|setinfo`) and the server's CPU time (user + system, µs, main thread and children).
     */
    async stats() {
      const info = await admin.call('info', 'cpu', 'commandstats');
      const commands = new Map();
      for (const match of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) commands.set(match[1], Number(match[2]));
      let cpuSeconds = 0;
      for (const match of info.matchAll(/^used_cpu_(?:sys|user)(?:_children)?:([\d.]+)/gm))
        cpuSeconds += Number(match[1]);
      return { commands, cpuUs: cpuSeconds * 1e6 };
    },

    /**
     * Runs `load` under MONITOR and returns the commands Redis executed meanwhile, by name, split
     * into those sent by clients (`sent`) and those run by Lua scripts (`scripted`).
     */
    async sample(load) {
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
        const result = await load();
        // Every command of the load has run (its responses are in); the marker runs after them, so
        // once MONITOR shows it, it has shown them all.
        await admin.echo(marker);
        await withTimeout(seen, 5_000, 'MONITOR did not show the end marker within 5 s');
        return { result, sent, scripted };
      } finally {
        monitor.disconnect();
      }
    },

    /** Deletes every key of this run (all scenario prefixes); returns how many there were. */
    async deleteKeys() {
      let deleted = 0;
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `kgbench:${RUN_ID}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await admin.unlink(...keys);
      } while (cursor !== '0');
      return deleted;
    },

    /** Deletes the run's keys, disconnects, stops the private server. Safe to call twice. */
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (admin.status === 'ready') {
          const deleted = await this.deleteKeys();
          console.log(`redis: deleted the run's ${deleted} keys (kgbench:${RUN_ID}:*)`);
        }
      } finally {
        admin.disconnect();
        if (child && child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          await withTimeout(exited, 5_000, 'redis-server did not stop').catch(() => child.kill('SIGKILL'));
        }
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Splits the command counts between two commandstats readings into commands sent by clients and
 * commands run by scripts, using which names came from scripts in the MONITOR sample (a name seen
 * both ways is split in the sample's proportion). The runner's own INFO calls are left out.
 */
export function splitCommands(before, after, sample) {
  let sent = 0;
  let scripted = 0;
  const byName = {};
  for (const [name, calls] of after.commands) {
    const delta = calls - (before.commands.get(name) ?? 0);
    if (delta === 0 || name === 'info') continue;
    byName[name] = delta;
    const fromScripts = sample.scripted.get(name) ?? 0;
    const share = fromScripts === 0 ? 0 : fromScripts / (fromScripts + (sample.sent.get(name) ?? 0));
    scripted += delta * share;
    sent += delta * (1 - share);
  }
  return { sent, scripted, byName };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
