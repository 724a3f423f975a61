// Micro-benchmark of keygate's cache-hit path, piece by piece, in process (no HTTP):
//   node bench/hot-path.mjs        (from test/, packages built)
// Each figure is the best of several timed batches (ns per call), which filters out the pauses of a
// shared machine. It shows where the per-request time of the adapters' authentication step goes.
import * as crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
import { createAuthenticator } from '@keygate/core/adapter';

const keygate = createKeygate({ store: new MemoryStore() });
const { key } = await keygate.keys.create({ name: 'bench', owner: 'bench' });
if (!(await keygate.verify(key)).ok) throw new Error('the key did not verify');

// What autocannon sends (Node's IncomingMessage.rawHeaders), one request per key source.
// `socket`: the connection, as on a keep-alive request (a repeated key skips its digest).
const socket = {};
const bearerReq = {
  rawHeaders: ['Host', '127.0.0.1:3000', 'Connection', 'keep-alive', 'authorization', `Bearer ${key}`],
  socket,
};
const bearerNoSocket = { rawHeaders: bearerReq.rawHeaders };
const headerReq = { rawHeaders: ['Host', '127.0.0.1:3000', 'Connection', 'keep-alive', 'x-api-key', key], socket };
const accessors = { raw: (req) => req, ip: () => '127.0.0.1', secure: () => false };
const authenticate = createAuthenticator({ keygate }, accessors);
const headerOnly = createAuthenticator({ keygate, sources: [{ in: 'header', name: 'x-api-key' }] }, accessors);

// The same, with 10,000 other keys in the verified-key cache (filled through HMAC for speed: a hit
// never reaches the hasher).
const full = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });
const hot = (await full.keys.create({ name: 'bench', owner: 'bench' })).key;
for (let i = 0; i < 10_000; i++) {
  await full.verify((await full.keys.create({ name: 'other', owner: `owner-${i}` })).key);
}
if (!(await full.verify(hot)).ok) throw new Error('the hot key did not verify');
const fullReq = {
  rawHeaders: ['Host', '127.0.0.1:3000', 'Connection', 'keep-alive', 'authorization', `Bearer ${hot}`],
  socket: {},
};
const authenticateFull = createAuthenticator({ keygate: full }, accessors);

const map = new Map([[crypto.hash('sha256', key, 'base64'), { value: 1, expiresAt: Number.MAX_SAFE_INTEGER }]]);
const digest = crypto.hash('sha256', key, 'base64');
const BEARER_RE = /^bearer(?: +|$)/i;

let sink;
const cases = [
  ['authenticate(): Authorization: Bearer (default sources)', () => authenticate(bearerReq)],
  ['authenticate(): Bearer, no connection (digest every time)', () => authenticate(bearerNoSocket)],
  ['authenticate(): X-API-Key (default sources)', () => authenticate(headerReq)],
  ['authenticate(): X-API-Key (sources: X-API-Key only)', () => headerOnly(headerReq)],
  ['keygate.peek(key)', () => keygate.peek(key)],
  ['keygate.peek(key, socket)', () => keygate.peek(key, socket)],
  ['authenticate(), Bearer, 10k other keys cached', () => authenticateFull(fullReq)],
  ['keygate.peek(key), 10k other keys cached', () => full.peek(hot)],
  ['  crypto.hash(sha256, key, base64)', () => crypto.hash('sha256', key, 'base64')],
  ['  crypto.createHash(sha256)…digest(base64)', () => crypto.createHash('sha256').update(key).digest('base64')],
  ['  LRU hit: Map get + Date.now + delete + set', () => lruHit()],
  ['  Map get only', () => map.get(digest)],
  ['  Date.now()', () => Date.now()],
  [
    '  bearer: RE.test + replace (filter/map)',
    () => [bearerReq.rawHeaders[5]].filter((v) => BEARER_RE.test(v)).map((v) => v.replace(BEARER_RE, '')),
  ],
  [
    '  rawHeaders scan x2 (lengths + toLowerCase)',
    () => [scan(bearerReq.rawHeaders, 'x-api-key'), scan(bearerReq.rawHeaders, 'authorization')],
  ],
  ['  two small objects ({ ok, key } ×2)', () => ({ ok: true, key: { ok: true, key } })],
];

// Cases are timed round-robin, in many short batches; the best batch of each counts.
const BATCHES = 60;
const PER_BATCH = 20_000;
const best = cases.map(() => Number.POSITIVE_INFINITY);
for (const [, fn] of cases) for (let i = 0; i < 5 * PER_BATCH; i++) sink = fn(); // JIT warm-up
for (let b = 0; b < BATCHES; b++) {
  cases.forEach(([, fn], c) => {
    const start = performance.now();
    for (let i = 0; i < PER_BATCH; i++) sink = fn();
    best[c] = Math.min(best[c], ((performance.now() - start) * 1e6) / PER_BATCH);
  });
}
console.log(`Node ${process.version}; best of ${BATCHES} batches of ${PER_BATCH} calls; ns per call\n`);
cases.forEach(([name], c) => {
  console.log(`${best[c].toFixed(0).padStart(6)} ns  ${name}`);
});
if (sink === 42) console.log(sink);

function lruHit() {
  const entry = map.get(digest);
  if (entry.expiresAt <= Date.now()) return undefined;
  map.delete(digest);
  map.set(digest, entry);
  return entry.value;
}

function scan(raw, name) {
  let values;
  for (let i = 0; i < raw.length; i += 2) {
    const header = raw[i];
    if (header.length !== name.length || header.toLowerCase() !== name) continue;
    values ??= [];
    values.push(raw[i + 1]);
  }
  return values;
}
