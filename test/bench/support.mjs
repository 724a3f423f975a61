// Helpers shared by the benchmark runners (run.mjs, in-situ.mjs, instructions.mjs, paired.mjs, profile.mjs, redis.mjs).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/** The folder of the benchmark servers. */
export const SERVERS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'servers');

/** Per framework, the servers the side runners compare (instructions.mjs, paired.mjs, profile.mjs): bare, a step that does nothing, keygate. */
export const COMPARED_SETUPS = Object.freeze({
  express: {
    bare: 'express-bare.mjs',
    'no-op middleware': 'express-noop-middleware.mjs',
    keygate: 'express-keygate.mjs',
  },
  fastify: { bare: 'fastify-bare.mjs', 'no-op hook': 'fastify-noop-hook.mjs', keygate: 'fastify-keygate.mjs' },
});

/** The frameworks a runner measures: the one its `*_ONLY` knob names, else both. */
export const selectedFrameworks = (knob) =>
  Object.keys(COMPARED_SETUPS).filter((f) => !process.env[knob] || process.env[knob] === f);

/**
 * Runs `measure(setup, pass)` for every setup in each of `passes` passes, the order rotated one
 * place per pass so that none always runs first; resolves with each setup's results in pass order.
 */
export async function interleaved(setups, passes, measure) {
  const results = Object.fromEntries(setups.map((setup) => [setup, []]));
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < setups.length; i++) {
      const setup = setups[(i + pass) % setups.length];
      results[setup].push(await measure(setup, pass));
    }
  }
  return results;
}

/** The header each framework's servers get the key in: the one its peer library reads. */
export const KEY_HEADERS = {
  fastify: (key) => ({ authorization: `Bearer ${key}` }),
  express: (key) => ({ 'x-api-key': key }),
};

/** Rejects with `message` when `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Sends `message` to a server child over IPC and resolves with `field` of its first reply that has it. */
export function askChild(child, message, field, ms = 5_000) {
  const reply = new Promise((resolve) => {
    const onMessage = (answer) => {
      if (answer?.[field] === undefined) return;
      child.off('message', onMessage);
      resolve(answer[field]);
    };
    child.on('message', onMessage);
  });
  child.send(message);
  return withTimeout(reply, ms, `a server did not answer '${message}'`);
}

/** A server child's user + system CPU time so far, in µs (see servers/common.mjs). */
export async function cpuTime(child) {
  const cpu = await askChild(child, 'cpu', 'cpu');
  return cpu.user + cpu.system;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

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

/**
 * The `{ port, key, pid }` a server child prints as its first stdout line (servers/common.mjs);
 * later lines are drained. Rejects when the child exits first, stays silent for `ms`, or prints
 * anything else.
 */
export async function announcement(child, ms, what) {
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new Error(`${what} exited (${signal ?? code}) before announcing its port`);
  });
  exited.catch(() => {}); // only an error while waiting for the line below
  const [line] = await withTimeout(
    Promise.race([once(lines, 'line'), exited]),
    ms,
    `${what} did not announce its port`,
  );
  lines.on('line', () => {}); // keep draining: a chatty server must never block on a full pipe
  let info;
  try {
    info = JSON.parse(line);
  } catch {
    throw new Error(`${what}: expected a JSON line on stdout, got ${line}`);
  }
  if (!Number.isInteger(info?.port) || typeof info.key !== 'string') {
    throw new Error(`${what}: bad announcement ${line}`);
  }
  return info;
}

/**
 * Loads `GET /hello` with the framework's key header, for `amount` requests or else `duration`
 * seconds; throws on any non-2xx or failed response, or when none succeeded. Returns the 2xx count.
 */
export async function loadHello({ port, key }, framework, { amount, duration, connections = 10, timeout = 10 }) {
  const url = `http://127.0.0.1:${port}/hello`;
  const length = amount === undefined ? { duration } : { amount };
  const result = await autocannon({ url, headers: KEY_HEADERS[framework](key), connections, timeout, ...length });
  if (result.non2xx || result.errors || result.timeouts || result['2xx'] === 0) {
    throw new Error(`non-2xx or failed responses from ${url}`);
  }
  return result['2xx'];
}

/**
 * Forks a server of `servers/` (NODE_ENV=production, plus `env`; `execArgv`: Node flags) and
 * resolves with it once it has announced its port.
 */
export async function forkServer(file, env = {}, execArgv = []) {
  const child = fork(join(SERVERS_DIR, file), [], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
    execArgv,
  });
  try {
    return { child, ...(await announcement(child, 30_000, file)) };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** A protected setup must refuse a request without its key (else the figures are not keygate's). */
export async function checkProtected({ port }, setup) {
  const response = await fetch(`http://127.0.0.1:${port}/hello`);
  await response.arrayBuffer();
  if (setup === 'keygate' && response.status !== 401) throw new Error(`keygate server answered ${response.status}`);
}

/** Stops a server child and waits for it to exit (SIGKILL after 5 s). */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await withTimeout(exited, 5_000, 'a server did not exit').catch(() => child.kill('SIGKILL'));
}
