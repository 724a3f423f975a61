// The cold-path and abuse runner: what keygate does off the hot path, in process (no HTTP), as
// counts and ratios rather than timed targets. One section per scenario: to add one, write an
// async function that prints its table and add it to SECTIONS.
//
//   pnpm bench:cold              (from test/, packages built; runs node --expose-gc bench/cold.mjs)
//
// Knobs: BENCH_QUICK=1 (fewer keys), BENCH_ONLY (comma-separated section ids), BENCH_KEYS (keys in
// the steady-use and memory sections, default 10,000), BENCH_CACHED_KEYS (keys cached in the
// hit-cost section, default 100,000).
import { performance } from 'node:perf_hooks';
import { createKeygate, hmacSha256Hasher, MemoryStore, scryptHasher } from '@keygate/core';
import { envInt, fmtInt, fmtRatio, median, printMachine, printTable, QUICK } from './support.mjs';

const config = Object.freeze({
  keys: envInt('BENCH_KEYS', QUICK ? 2_000 : 10_000, 10, 1_000_000),
  cachedKeys: envInt('BENCH_CACHED_KEYS', QUICK ? 20_000 : 100_000, 10, 1_000_000),
  coldVerifications: QUICK ? 10 : 20,
});

// ---------------------------------------------------------------------------------------------
// Instruments: a hasher and a store that count their calls, a clock the runner moves

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

/** Wraps a store; `counts` has one entry per method called, `counts.all` their sum. */
function countingStore(inner) {
  const counts = { all: 0 };
  const store = new Proxy(inner, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== 'function') return value;
      return (...args) => {
        counts[name] = (counts[name] ?? 0) + 1;
        counts.all++;
        return value.apply(target, args);
      };
    },
  });
  return { store, counts };
}

const manualClock = (start = Date.UTC(2026, 0, 1)) => {
  const clock = { at: start, now: () => clock.at };
  return clock;
};

const reset = (counts) => {
  for (const name of Object.keys(counts)) counts[name] = 0;
};

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
  rows.push(['cached peek() (the adapters’ hit path)', (await msPerCall(() => keygate.peek(key))).toFixed(4)]);
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
  const { store, counts: ops } = countingStore(new MemoryStore());
  const keygate = createKeygate({ store, hasher, now: clock.now });
  const keys = await createKeys(keygate, config.keys);
  const passes = [];
  for (let pass = 0; pass < 30; pass++) {
    reset(hashes);
    reset(ops);
    await verifyAll(keygate, keys);
    await settle();
    passes.push({ hashes: hashes.runs, reads: ops.findById ?? 0, all: ops.all });
    clock.at += 10_000;
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

/** Store calls per cold verification (empty cache), last-used tracking on (default) and off. */
async function storeOpsPerColdVerification() {
  const perVerification = async (lastUsed) => {
    const { store, counts } = countingStore(new MemoryStore());
    const keygate = createKeygate({ store, ...(lastUsed ? {} : { lastUsed: false }) });
    const keys = await createKeys(keygate, 1_000);
    reset(counts);
    await verifyAll(keygate, keys);
    await settle();
    return { all: counts.all / keys.length, updates: (counts.update ?? 0) / keys.length };
  };
  const on = await perVerification(true);
  const off = await perVerification(false);
  printTable(
    ['last-used', 'store calls per cold verification', 'of which update()'],
    [
      ['on (default)', on.all.toFixed(2), on.updates.toFixed(2)],
      ['off', off.all.toFixed(2), off.updates.toFixed(2)],
    ],
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
    const keygate = createKeygate({ store: new MemoryStore(), ...(lastUsed ? {} : { lastUsed: false }) });
    const keys = await createKeys(keygate, config.keys);
    const before = await heap();
    await verifyAll(keygate, keys);
    const after = await heap();
    rows.push([lastUsed ? 'on (default)' : 'off', fmtInt(config.keys), fmtInt((after - before) / config.keys)]);
  }
  printTable(['last-used', 'keys cached', 'bytes per cached key'], rows);
}

/** Cost of a cache hit with many keys cached and every key in use, last-used on vs off (time ratio). */
async function hitCostWithManyKeys() {
  const n = config.cachedKeys;
  const microsPerHit = async (lastUsed) => {
    const clock = manualClock();
    const options = { cache: { max: n }, now: clock.now, ...(lastUsed ? {} : { lastUsed: false }) };
    const keygate = createKeygate({ store: new MemoryStore(), ...options });
    const keys = await createKeys(keygate, n);
    await verifyAll(keygate, keys);
    // The clock stands still: every entry stays cached. The background writes a hit starts count too.
    const start = performance.now();
    for (const key of keys) if (keygate.peek(key)?.ok !== true) throw new Error('a cached key missed');
    await settle();
    return ((performance.now() - start) * 1000) / n;
  };
  const on = await microsPerHit(true);
  const off = await microsPerHit(false);
  printTable(
    ['keys cached', 'µs per hit, last-used on', 'last-used off', 'on / off'],
    [[fmtInt(n), on.toFixed(2), off.toFixed(2), fmtRatio(on / off)]],
  );
}

const SECTIONS = [
  ['verify', 'Cost of one verification', verificationCost],
  ['hash-runs', 'Hash runs per pass of keys in steady use', hashRunsPerPass],
  ['store-ops', 'Store calls per cold verification', storeOpsPerColdVerification],
  ['memory', 'Memory per cached key', bytesPerCachedKey],
  ['hit-cost', 'Cache hit with many keys cached, last-used on vs off', hitCostWithManyKeys],
];

async function main() {
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
