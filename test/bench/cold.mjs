// The cold-path and abuse runner: what keygate does off the hot path, in process (no HTTP), as
// counts and ratios rather than timed targets. One section per scenario: to add one, write an
// async function that prints its table and add it to SECTIONS.
//
//   pnpm bench:cold              (from test/, packages built; runs node --expose-gc bench/cold.mjs)
//
// Knobs: BENCH_QUICK=1 (fewer keys), BENCH_ONLY (comma-separated section ids), BENCH_KEYS (keys in
// the steady-use and memory sections, default 10,000), BENCH_CACHED_KEYS (keys cached in the
// hit-cost section, default 100,000). Needs redis-server, PostgreSQL (DATABASE_URL) and valgrind.
import { execFileSync, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createKeygate, hmacSha256Hasher, MemoryStore, scryptHasher } from '@keygate/core';
import { PostgresStore } from '@keygate/core/postgres';
import { RedisStore } from '@keygate/core/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { manualClock } from '../../packages/core/test/support/clock.js';
import { countingStore } from '../../packages/core/test/support/counting-store.js';
import { envInt, fmtInt, fmtRatio, median, printMachine, printTable, QUICK, startRedis } from './support.mjs';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const HIT_CHILD = '--hit-cost-child';

const config = Object.freeze({
  keys: envInt('BENCH_KEYS', QUICK ? 2_000 : 10_000, 10, 1_000_000),
  cachedKeys: envInt('BENCH_CACHED_KEYS', QUICK ? 20_000 : 100_000, 10, 1_000_000),
  coldVerifications: QUICK ? 10 : 20,
});

// ---------------------------------------------------------------------------------------------
// Instruments: a hasher that counts its runs; the store that counts its calls and the clock the
// runner moves are the tests' own (packages/core/test/support)

/** Wraps a hasher; `counts.runs` is how many secrets it hashed or checked. */
function countingHasher(inner) {
  const counts = { runs: 0 };
  const hasher = {
    algorithm: inner.algorithm,
    hash(secret) {
      counts.runs++;
      return inner.hash(secret);
    },
    verify(secret, stored) {
      counts.runs++;
      return inner.verify(secret, stored);
    },
    needsRehash: (stored) => inner.needsRehash(stored),
  };
  return { hasher, counts };
}

const reset = (counts) => {
  for (const name of Object.keys(counts)) counts[name] = 0;
};

/** Every store call a counting store has seen, whatever the method. */
const allCalls = (counting) => Object.values(counting.calls).reduce((sum, n) => sum + n, 0);

async function createKeys(keygate, n) {
  const keys = [];
  for (let i = 0; i < n; i++) keys.push((await keygate.keys.create({ name: 'bench', owner: `owner-${i}` })).key);
  return keys;
}

/** Verifies every key, 100 at a time; all must pass. */
async function verifyAll(keygate, keys) {
  for (let i = 0; i < keys.length; i += 100) {
    const results = await Promise.all(keys.slice(i, i + 100).map((key) => keygate.verify(key)));
    const failed = results.find((r) => !r.ok);
    if (failed) throw new Error(`a key did not verify (${failed.reason})`);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------------------------------------
// Sections

/** Milliseconds per uncached verification with each hasher, and the cached paths for scale. */
async function verificationCost() {
  const rows = [];
  for (const [name, hasher] of [
    ['HMAC-SHA-256 (default)', hmacSha256Hasher()],
    ['scrypt (scryptHasher() defaults)', scryptHasher()],
  ]) {
    const keygate = createKeygate({ store: new MemoryStore(), hasher, cache: false, lastUsed: false });
    const [key] = await createKeys(keygate, 1);
    const times = [];
    for (let i = 0; i <= config.coldVerifications; i++) {
      const start = performance.now();
      await verifyAll(keygate, [key]);
      if (i > 0) times.push(performance.now() - start); // the first: JIT warm-up
    }
    rows.push([`cold verify(), ${name}`, median(times).toFixed(3)]);
  }
  const keygate = createKeygate({ store: new MemoryStore() });
  const [key] = await createKeys(keygate, 1);
  await verifyAll(keygate, [key]);
  rows.push(['cached verify()', (await msPerCall(() => keygate.verify(key))).toFixed(4)]);
  printTable(['verification', 'ms (median)'], rows);
}

async function msPerCall(fn, calls = 100_000) {
  for (let i = 0; i < calls / 10; i++) await fn();
  const start = performance.now();
  for (let i = 0; i < calls; i++) await fn();
  return (performance.now() - start) / calls;
}

/** Keys in steady use for 5 minutes (every key every 10 s): hash runs and store reads per pass. */
async function hashRunsPerPass() {
  const clock = manualClock();
  const { hasher, counts: hashes } = countingHasher(hmacSha256Hasher());
  const ops = countingStore(new MemoryStore());
  const keygate = createKeygate({ store: ops.store, hasher, now: clock.now });
  const keys = await createKeys(keygate, config.keys);
  const passes = [];
  for (let pass = 0; pass < 30; pass++) {
    reset(hashes);
    ops.reset();
    await verifyAll(keygate, keys);
    await settle();
    passes.push({ hashes: hashes.runs, reads: ops.calls.findById, all: allCalls(ops) });
    clock.advance(10_000);
  }
  const later = passes.slice(1);
  const sum = (field) => later.reduce((total, p) => total + p[field], 0);
  printTable(
    [
      'keys',
      'hash runs, first pass',
      'hash runs, 29 later passes',
      'store reads, later passes',
      'store calls, later passes',
    ],
    [[fmtInt(config.keys), fmtInt(passes[0].hashes), fmtInt(sum('hashes')), fmtInt(sum('reads')), fmtInt(sum('all'))]],
  );
}

/**
 * Cold verifications (every key new to the cache, 50 at a time) on MemoryStore, RedisStore and
 * PostgresStore, last-used tracking on (default) and off: store calls per verification (a count)
 * and verifications per second (a ratio of two runs on the same machine, on over off).
 */
async function storeOpsPerColdVerification() {
  const redis = await startRedis();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
  const schema = `kgbench_${process.pid}`;
  await pool.query(`CREATE SCHEMA "${schema}"`);
  const client = new Redis(redis.url);
  const stores = {
    memory: () => new MemoryStore(),
    redis: () => new RedisStore({ client, keyPrefix: redis.prefix('cold') }),
    postgres: async () => {
      const store = new PostgresStore({ pool, schema, table: `keys_${Math.random().toString(36).slice(2, 8)}` });
      await store.migrate();
      return store;
    },
  };
  const n = QUICK ? 500 : 2_000;
  const rows = [];
  try {
    for (const [name, make] of Object.entries(stores)) {
      const run = async (lastUsed) => {
        const counting = countingStore(await make());
        const keygate = createKeygate({ store: counting.store, ...(lastUsed ? {} : { lastUsed: false }) });
        const keys = await createKeys(keygate, n);
        counting.reset();
        const start = performance.now();
        for (let i = 0; i < keys.length; i += 50) {
          const results = await Promise.all(keys.slice(i, i + 50).map((key) => keygate.verify(key)));
          if (results.some((r) => !r.ok)) throw new Error(`${name}: a key did not verify`);
        }
        const seconds = (performance.now() - start) / 1000;
        await keygate.close();
        return {
          calls: allCalls(counting) / n,
          writes: (counting.calls.update + counting.calls.touchMany) / n,
          rate: n / seconds,
        };
      };
      const off = await run(false);
      const on = await run(true);
      rows.push([
        name,
        on.calls.toFixed(3),
        on.writes.toFixed(3),
        off.calls.toFixed(3),
        fmtRatio(off.calls / on.calls),
        fmtInt(on.rate),
        fmtInt(off.rate),
        fmtRatio(on.rate / off.rate),
      ]);
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    client.disconnect();
    await redis.close();
  }
  printTable(
    [
      'store',
      'calls per verification, last-used on',
      'of which writes',
      'last-used off',
      'off / on (calls)',
      'verifications/s, on',
      'off',
      'on / off (context)',
    ],
    rows,
  );
}

/** Heap bytes per cached key: the heap after verifying every key minus the heap with the keys only in the store. */
async function bytesPerCachedKey() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (pnpm bench:cold does)');
  const heap = async () => {
    await settle();
    globalThis.gc();
    globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  const rows = [];
  for (const lastUsed of [true, false]) {
    // The store's records get their lastUsedAt from a first instance, so the heap difference is the
    // cache and the tracker of the measured one, not the store growing a date per record.
    const store = new MemoryStore();
    const first = createKeygate({ store });
    const keys = await createKeys(first, config.keys);
    await verifyAll(first, keys);
    await first.close();
    const keygate = createKeygate({ store, ...(lastUsed ? {} : { lastUsed: false }) });
    const before = await heap();
    await verifyAll(keygate, keys);
    const after = await heap();
    rows.push([lastUsed ? 'on (default)' : 'off', fmtInt(config.keys), fmtInt((after - before) / config.keys)]);
  }
  printTable(['last-used', 'keys cached', 'bytes per cached key'], rows);
}

/**
 * Instructions per cache hit (through keygate.verify) with many keys cached and every key in use, last-used on vs
 * off: each in a child process under callgrind, counting only the hits (a count, not a time).
 */
async function hitCostWithManyKeys() {
  const n = config.cachedKeys;
  const perHit = (mode) => {
    const child = spawnSync(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        '--callgrind-out-file=/dev/null',
        process.execPath,
        '--single-threaded',
        '--predictable',
        fileURLToPath(import.meta.url),
        HIT_CHILD,
        mode,
        String(n),
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const total = /Collected : (\d+)/.exec(child.stderr ?? '')?.[1];
    if (child.status !== 0 || total === undefined) throw new Error(`hit-cost child failed:\n${child.stderr}`);
    return Number(total) / n;
  };
  const on = perHit('on');
  const due = perHit('due');
  const off = perHit('off');
  printTable(
    [
      'keys cached',
      'instructions per hit, last-used on',
      'last-used off',
      'on / off',
      'first hit of a key in an interval (a write due)',
    ],
    [[fmtInt(n), fmtInt(on), fmtInt(off), fmtRatio(on / off), fmtInt(due)]],
  );
}

// The child of hitCostWithManyKeys, under callgrind: n keys cached, one warm-up pass over them, then
// one counted pass (counting switched on and off around it by callgrind_control).
async function hitChild(mode, n) {
  // A clock that moves only when told: valgrind's speed never decides when an interval ends. In
  // 'on' the counted pass falls in the warm-up's interval (the steady state: each key already
  // written); in 'due' it starts one interval later, so every hit is its key's first in the interval.
  const clock = manualClock(Date.now());
  const keygate = createKeygate({
    now: clock.now,
    store: new MemoryStore(),
    cache: { max: n },
    // An interval shorter than the cache's freshness, so 'due' moves past one and stays fresh.
    lastUsed: mode === 'off' ? false : { intervalMs: 1000 },
  });
  const keys = await createKeys(keygate, n);
  await verifyAll(keygate, keys);
  for (const key of keys) if ((await keygate.verify(key)).ok !== true) throw new Error('a cached key missed');
  await settle();
  if (mode === 'due') clock.advance(1000);
  execFileSync('callgrind_control', ['-i', 'on', String(process.pid)], { stdio: 'ignore' });
  for (const key of keys) if ((await keygate.verify(key)).ok !== true) throw new Error('a cached key missed');
  execFileSync('callgrind_control', ['-i', 'off', String(process.pid)], { stdio: 'ignore' });
  await keygate.close();
}

const SECTIONS = [
  ['verify', 'Cost of one verification', verificationCost],
  ['hash-runs', 'Hash runs per pass of keys in steady use', hashRunsPerPass],
  ['store-ops', 'Cold verifications on each store, last-used on vs off', storeOpsPerColdVerification],
  ['memory', 'Memory per cached key', bytesPerCachedKey],
  ['hit-cost', 'Instructions per cache hit with many keys cached, last-used on vs off', hitCostWithManyKeys],
];

async function main() {
  const child = process.argv.indexOf(HIT_CHILD);
  if (child !== -1) return hitChild(process.argv[child + 1], Number(process.argv[child + 2]));
  printMachine('keygate cold path and abuse (in process; counts and ratios)');
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  for (const [id, title, run] of SECTIONS) {
    if (only && !only.includes(id)) continue;
    console.log(`\n${title} (${id})\n`);
    await run();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`\nbench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    process.exit(1);
  },
);
