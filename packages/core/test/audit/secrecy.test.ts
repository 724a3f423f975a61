// No key and no hash, in any form, in what the audit sinks store: a key is created and used in
// every way that raises events (success, wrong secrets, malformed and mangled keys, keys in the
// path, the query string and the user agent, rate limits, IP refusals, every lifecycle change),
// then every row of the table and every entry of every stream is scanned for it.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresSchema } from '../../../../test/support/postgres.js';
import type {} from '../../../../test/support/redis-global-setup.js';
import type { AuditSink } from '../../src/audit/sink.js';
import { createAuthenticator } from '../../src/http/authenticate.js';
import type { RawRequest, RequestAccessors } from '../../src/http/credentials.js';
import { randomBase62 } from '../../src/key/base62.js';
import { KEY_CHECKSUM_LENGTH, parseKey } from '../../src/key/format.js';
import { createKeygate } from '../../src/keygate/create.js';
import { PostgresAuditSink } from '../../src/postgres.js';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-limiter.js';
import { RedisAuditSink } from '../../src/redis.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { keyFrom, mutateAt } from '../support/helpers.js';

interface TestRequest extends RawRequest {
  ip: string;
}

const accessors: RequestAccessors<TestRequest> = {
  raw: (req) => req,
  ip: (req) => req.ip,
  secure: () => true,
  query: (req, name) => new URL(req.url ?? '/', 'http://x').searchParams.get(name) ?? undefined,
};

const db = postgresSchema();
let redis: Redis;
const keyPrefix = `keygate-test:${randomBase62(10)}:`;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

// Keys, secrets and hashes are case-sensitive: the scan is too. (A key sent upper-cased is not the
// key, and is not redacted from an event's route: see redactKeys.)

// Uses a key every way that emits an event, through `sink`; returns what must never be stored.
async function useEveryWay(sink: AuditSink): Promise<string[]> {
  const store = new MemoryStore();
  const keygate = createKeygate({ store, audit: sink, failures: { maxPerId: 2 } });
  const { key, apiKey } = await keygate.keys.create({ name: 'audited', owner: 'acct_1', scopes: ['a:read'] });
  const parsed = parseKey(key);
  if (!parsed.ok) throw new Error('unreachable');
  const { secret } = parsed.key;
  const hash = (await store.findById(apiKey.id))?.hash as string;
  const authenticate = createAuthenticator(
    {
      keygate,
      sources: [{ in: 'header', name: 'x-api-key' }, { in: 'bearer' }, { in: 'query', name: 'api_key' }],
      rateLimit: { limiter: new MemoryRateLimiter(), defaults: [{ name: 'burst', limit: 3, windowSeconds: 60 }] },
      onError: () => {},
    },
    accessors,
  );
  const call = (headers: string[], url = '/reports', ip = '203.0.113.7') =>
    authenticate({ method: 'GET', url, rawHeaders: headers, ip } as TestRequest);
  const variants = [
    key,
    key.slice(0, -1),
    `${key}x`,
    mutateAt(key, key.length - KEY_CHECKSUM_LENGTH - 1), // a changed secret: a bad checksum
    keyFrom(
      'kg',
      apiKey.id,
      secret.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    ), // a wrong secret, well formed
    mutateAt(key, key.length - 1),
    mutateAt(key, 40),
    key.toUpperCase(),
    key.repeat(2),
    encodeURIComponent(key),
  ];
  for (const variant of variants) {
    await call(['X-API-Key', variant, 'User-Agent', `agent ${variant}`], `/k/${variant}?api_key=${variant}`);
    await call(['Authorization', `Bearer ${variant}`], `/reports?x=${encodeURIComponent(variant)}`);
    await call([], `/reports?api_key=${variant}`);
    await call(['X-API-Key', variant, 'Authorization', `Bearer ${key}`]);
  }
  // From another address (this one's wrong secrets throttle the key id for it): over the rate limit, then the rest.
  const other = (headers: string[]) => call(headers, '/reports', '192.0.2.9');
  for (let i = 0; i < 5; i++) await other(['X-API-Key', key]);
  await keygate.keys.update(apiKey.id, { allowedIps: ['198.51.100.0/24'] });
  await other(['X-API-Key', key]); // from outside the allowlist
  await keygate.keys.update(apiKey.id, { allowedIps: null });
  await keygate.keys.disable(apiKey.id);
  await other(['X-API-Key', key]);
  await keygate.keys.enable(apiKey.id);
  const rotated = await keygate.keys.rotate(apiKey.id, { gracePeriodMs: 60_000 });
  await other(['X-API-Key', rotated.key]);
  await keygate.keys.revoke(apiKey.id);
  await other(['X-API-Key', key]);
  await keygate.close(); // writes everything queued

  const newHash = (await store.findById(rotated.apiKey.id))?.hash as string;
  const newSecret = parseKey(rotated.key).ok ? (parseKey(rotated.key) as { key: { secret: string } }).key.secret : '';
  const digest = hash.slice(hash.lastIndexOf('$') + 1);
  const plain = [key, secret, hash, digest, rotated.key, newSecret, newHash];
  const encoded = plain.flatMap((s) => [
    s,
    Buffer.from(s).toString('base64'),
    Buffer.from(s).toString('base64url'),
    Buffer.from(s).toString('hex'),
    encodeURIComponent(s),
  ]);
  const digestBytes = Buffer.from(digest, 'base64url');
  const windows = Array.from({ length: secret.length - 11 }, (_, i) => secret.slice(i, i + 12));
  return [...encoded, digestBytes.toString('hex'), digestBytes.toString('base64'), ...windows];
}

function expectNoneOf(forbidden: readonly string[], stored: string): void {
  for (const fragment of forbidden) {
    const at = stored.indexOf(fragment);
    expect(at === -1 ? '' : stored.slice(Math.max(0, at - 200), at + 100), fragment).toBe('');
  }
}

describe('what the audit sinks store', () => {
  it('holds no key and no hash in any form: every row of the PostgreSQL table', async () => {
    const sink = new PostgresAuditSink({ pool: db.pool(), schema: db.schema, timeoutMs: 10_000 });
    await sink.migrate();
    const forbidden = await useEveryWay(sink);
    const { rows } = await db.pool().query(`SELECT * FROM "${db.schema}"."keygate_audit"`);
    expect(rows.length).toBeGreaterThan(40);
    expect(new Set(rows.map((r) => r.type))).toEqual(
      new Set([
        'created',
        'updated',
        'verified',
        'failed',
        'rate_limited',
        'disabled',
        'enabled',
        'rotated',
        'revoked',
      ]),
    );
    const reasons = new Set(rows.map((r) => r.reason));
    for (const reason of ['malformed', 'invalid', 'ambiguous', 'ip_not_allowed', 'disabled', 'revoked']) {
      expect(reasons).toContain(reason);
    }
    expectNoneOf(forbidden, JSON.stringify(rows));
  });

  it('holds no key and no hash in any form: every entry of every Redis stream', async () => {
    const sink = new RedisAuditSink({ client: redis, keyPrefix, timeoutMs: 10_000 });
    const forbidden = await useEveryWay(sink);
    const streams = await redis.keys(`${keyPrefix}*`);
    expect(streams.length).toBeGreaterThanOrEqual(3);
    const dump: unknown[] = [streams];
    for (const stream of streams) dump.push(await redis.xrange(stream, '-', '+'));
    expect(await redis.xlen(`${keyPrefix}audit:all`)).toBeGreaterThan(40);
    expectNoneOf(forbidden, JSON.stringify(dump));
  });
});
