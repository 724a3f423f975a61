// Hostile input, part hashing and credentials: one client's flood never refuses or stalls another,
// wrong keys cost bounded hashing, a cold start serves every client, and ambiguous or hostile
// credentials get a clean 4xx. On Express, Koa and Fastify, over real loopback connections from
// several client addresses (every 127.x.y.z address is local on Linux).
import { request as httpRequest } from 'node:http';
import { createKeygate, generateKey, type Hasher, hmacSha256Hasher, MemoryStore, scryptHasher } from '@keygate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { countingStore } from '../../packages/core/test/support/counting-store.js';
import { type AppOptions, adapters, type RunningApp } from './apps.js';

const REAL = '127.0.0.1';
const ATTACKER = '127.0.0.2';

/** Sends GET `path` from `localAddress` on a connection of its own; resolves with the status. */
function getFrom(
  app: RunningApp,
  path: string,
  headers: Record<string, string>,
  localAddress = REAL,
): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: app.port, path, headers, localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A hasher that counts the verifications it runs. */
function counted(inner: Hasher): { hasher: Hasher; verifications: () => number } {
  let n = 0;
  return {
    hasher: {
      ...inner,
      verify: (secret, stored) => {
        n++;
        return inner.verify(secret, stored);
      },
    },
    verifications: () => n,
  };
}

/** Runs `tasks` with at most `limit` in flight. */
async function pooled<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe.each(adapters)('hostile hashing and credentials on $name', (adapter) => {
  const running: RunningApp[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });
  const start = async (options: AppOptions) => {
    const app = await adapter.start(options);
    running.push(app);
    return app;
  };

  it('answers the real key 200 every time, cached or not, while another address sends 2,000 wrong secrets for its id', async () => {
    const { hasher, verifications } = counted(scryptHasher({ logN: 10 }));
    const keygate = createKeygate({ store: new MemoryStore(), hasher });
    const real = await keygate.keys.create({ name: 'real', owner: 'o' });
    const app = await start({ keygate });
    const wrong = () => generateKey(keygate.prefix).key.replace(/_[0-9A-Za-z]{12}_/, `_${real.apiKey.id}_`);
    const flood = pooled(
      Array.from({ length: 2000 }, () => () => getFrom(app, '/me', { 'x-api-key': wrong() }, ATTACKER)),
      50,
    );
    const mine: number[] = [];
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) keygate.evict();
      mine.push((await getFrom(app, '/me', { 'x-api-key': real.key }, REAL)).status);
    }
    const theirs = await flood;
    expect(mine).toEqual(Array(20).fill(200));
    expect(theirs.every((r) => r.status === 401 || r.status === 503)).toBe(true);
    expect(verifications()).toBeLessThanOrEqual(10 + 10);
  });

  it('runs at most the failed-authentication limit of hashes for 100 concurrent wrong keys from one address', async () => {
    const { hasher, verifications } = counted(scryptHasher({ logN: 10 }));
    const keygate = createKeygate({ store: new MemoryStore(), hasher });
    const known = await Promise.all(Array.from({ length: 100 }, () => keygate.keys.create({ name: 'k', owner: 'o' })));
    const app = await start({ keygate, rateLimit: { failedAuth: { limit: 10, windowSeconds: 60 } } });
    const wrong = known.map(({ apiKey }) =>
      generateKey(keygate.prefix).key.replace(/_[0-9A-Za-z]{12}_/, `_${apiKey.id}_`),
    );
    const statuses = await Promise.all(wrong.map((key) => getFrom(app, '/me', { 'x-api-key': key }, ATTACKER)));
    expect(verifications()).toBeLessThanOrEqual(10);
    expect(statuses.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(90);
    expect((await getFrom(app, '/me', { 'x-api-key': known[0]?.key as string }, REAL)).status).toBe(200);
  });

  // A cold start costs each key one store read and one hash check, whatever arrives with it: no
  // request waits on another's work or is shed. (How fast that is depends on the machine, so the
  // test counts the work rather than timing it.)
  it('answers 200 to 200 distinct valid keys arriving at once after a restart, reading and checking each key once', async () => {
    const store = new MemoryStore();
    const before = createKeygate({ store });
    const keys = await Promise.all(
      Array.from({ length: 200 }, (_, i) => before.keys.create({ name: `k${i}`, owner: `o${i}` })),
    );
    const reads = countingStore(store);
    const { hasher, verifications } = counted(hmacSha256Hasher());
    const app = await start({ keygate: createKeygate({ store: reads.store, hasher }) });
    const results = await Promise.all(
      keys.map(({ key }, i) => getFrom(app, '/me', { 'x-api-key': key }, `127.0.1.${i + 1}`)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(reads.calls.findById).toBe(200);
    expect(verifications()).toBe(200);
  });

  it('answers 400 ambiguous to two same-named cookies carrying different keys', async () => {
    const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });
    const [a, b] = [
      await keygate.keys.create({ name: 'a', owner: 'o' }),
      await keygate.keys.create({ name: 'b', owner: 'o' }),
    ];
    const app = await start({ keygate, sources: [{ in: 'cookie', name: 'kg' }] });
    expect((await getFrom(app, '/me', { cookie: `kg=${a.key}; kg=${b.key}` })).status).toBe(400);
    expect((await getFrom(app, '/me', { cookie: `kg=${a.key}` })).status).toBe(200);
  });

  it('answers a hostile X-Forwarded-For with a clean 401 behind a trusted proxy, never a 500', async () => {
    const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });
    const app = await start({ keygate, trustProxy: true, rateLimit: { failedAuth: { limit: 10, windowSeconds: 60 } } });
    const unknown = generateKey(keygate.prefix).key;
    for (const forwarded of ['x'.repeat(600), `${'1'.repeat(300)}, 203.0.113.9`, '203.0.113.9, ::zz, ', '%00']) {
      const response = await getFrom(app, '/me', { 'x-api-key': unknown, 'x-forwarded-for': forwarded });
      expect(response.status).toBe(401);
    }
  });
});
