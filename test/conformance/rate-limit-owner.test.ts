// Who a limit counts, over HTTP and identical on every adapter: owner-level limits shared by the
// keys of an owner (in memory and on Redis), `subject: 'owner'`, a custom subject function, and a
// function returning junk (500, never an unlimited request).
import { type AuditEvent, MemoryRateLimiter, type RateLimitOptions, type RateLimitPolicy } from '@keygate/core';
import { createRateLimitRedisClient, RedisRateLimiter } from '@keygate/core/redis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { createFixture, expectProblem, type Fixture } from './helpers.js';
import {
  deleteKeysUnder,
  expectQuotaExceeded,
  keysUnder,
  parseRateLimit,
  ready,
  startApp,
  testPrefix,
} from './rate-limit-helpers.js';

const KEY_BURST: RateLimitPolicy = { name: 'burst', limit: 2, windowSeconds: 60 };
const OWNER_HOURLY: RateLimitPolicy = { name: 'owner-hourly', limit: 3, windowSeconds: 3600 };
const BOTH_POLICIES = '"owner-hourly";q=3;w=3600, "burst";q=2;w=60';

function get(app: RunningApp, key: string) {
  return request(app.server).get(ROUTES.me.path).set('X-API-Key', key);
}

// The statuses of `n` requests of `key`, one after the other.
async function statuses(app: RunningApp, key: string, n: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push((await get(app, key)).status);
  return seen;
}

type LimiterKind = 'memory' | 'redis';

describe.each(adapters)('$name: owner-level limits', (adapter) => {
  let fx: Fixture;
  let events: AuditEvent[];
  let client: ReturnType<typeof createRateLimitRedisClient>;
  let prefix: string;
  const apps: RunningApp[] = [];

  const serve = async (
    kind: LimiterKind,
    rateLimit: Omit<RateLimitOptions, 'limiter'>,
    onError?: (error: unknown) => void,
  ) => {
    const limiter = kind === 'memory' ? new MemoryRateLimiter() : new RedisRateLimiter({ client, keyPrefix: prefix });
    const options = { keygate: fx.keygate, rateLimit: { limiter, failedAuth: false as const, ...rateLimit } };
    const app = await startApp(adapter, onError === undefined ? options : { ...options, onError });
    apps.push(app);
    return app;
  };
  const issue = async (owner: string) =>
    (await fx.keygate.keys.create({ name: 'k', owner, rateLimits: [KEY_BURST] })).key;

  beforeAll(async () => {
    client = createRateLimitRedisClient(inject('redisUrl'));
    await ready(client);
  });
  afterAll(async () => {
    await client.quit();
  });
  beforeEach(() => {
    events = [];
    fx = createFixture({ onEvent: (event) => events.push(event) });
    prefix = testPrefix();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await deleteKeysUnder(client, prefix);
  });

  describe.each(['memory', 'redis'] as const)('on the %s limiter', (kind) => {
    it('shares the owner limit between two keys of one owner, and not with another owner’s keys', async () => {
      const app = await serve(kind, { owner: [OWNER_HOURLY] });
      const [a, b, other] = [await issue('acme'), await issue('acme'), await issue('globex')];
      expect(await statuses(app, a, 2)).toEqual([200, 200]);
      expect(await statuses(app, b, 2)).toEqual([200, 429]);
      expect(await statuses(app, other, 2)).toEqual([200, 200]);
    });

    it('shows the owner’s and the key’s policies in the RateLimit headers', async () => {
      const app = await serve(kind, { owner: [OWNER_HOURLY] });
      const res = await get(app, await issue('acme'));
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-policy']).toBe(BOTH_POLICIES);
      expect(parseRateLimit(res.headers.ratelimit).map(({ name, r }) => [name, r])).toEqual([
        ['owner-hourly', 2],
        ['burst', 1],
      ]);
    });

    it('names the owner policy in the 429 and the rate_limited event when the owner is out', async () => {
      const app = await serve(kind, { owner: [OWNER_HOURLY] });
      const [a, b] = [await issue('acme'), await issue('acme')];
      await statuses(app, a, 2);
      await statuses(app, b, 1);
      const refused = await get(app, b);
      expectQuotaExceeded(refused, ['owner-hourly']);
      expect(refused.headers['ratelimit-policy']).toBe(BOTH_POLICIES);
      expect(events.filter((e) => e.type === 'rate_limited').map((e) => ('policies' in e ? e.policies : []))).toEqual([
        ['owner-hourly'],
      ]);
    });

    it('spends none of the owner limit on the requests a key’s own limit refuses', async () => {
      const app = await serve(kind, { owner: [OWNER_HOURLY] });
      const [a, b] = [await issue('acme'), await issue('acme')];
      expect(await statuses(app, a, 5)).toEqual([200, 200, 429, 429, 429]);
      expect(await statuses(app, b, 1)).toEqual([200]);
    });

    it('continues the counters of a rotated key on its own limit and its owner’s', async () => {
      const app = await serve(kind, { owner: [OWNER_HOURLY] });
      const created = await fx.keygate.keys.create({ name: 'k', owner: 'acme', rateLimits: [KEY_BURST] });
      expect(await statuses(app, created.key, 1)).toEqual([200]);
      const rotated = await fx.keygate.keys.rotate(created.apiKey.id);
      const res = await get(app, rotated.key);
      expect(parseRateLimit(res.headers.ratelimit).map(({ r }) => r)).toEqual([1, 0]);
    });
  });

  it("shares the key policies of an owner's keys with subject 'owner'", async () => {
    const app = await serve('memory', { subject: 'owner' });
    const [a, b] = [await issue('acme'), await issue('acme')];
    expect(await statuses(app, a, 1)).toEqual([200]);
    expect(await statuses(app, b, 2)).toEqual([200, 429]);
  });

  it('counts the keys a subject function puts together as one', async () => {
    const app = await serve('memory', { subject: (key) => String(key.metadata.team ?? key.id) });
    const team = (
      await fx.keygate.keys.create({ name: 'k', owner: 'a', metadata: { team: 't1' }, rateLimits: [KEY_BURST] })
    ).key;
    const mate = (
      await fx.keygate.keys.create({ name: 'k', owner: 'b', metadata: { team: 't1' }, rateLimits: [KEY_BURST] })
    ).key;
    expect(await statuses(app, team, 1)).toEqual([200]);
    expect(await statuses(app, mate, 2)).toEqual([200, 429]);
  });

  it('answers 500 (never an unlimited request) and reports the error when the subject function returns junk', async () => {
    const reported: unknown[] = [];
    const app = await serve('memory', { subject: () => '' }, (error) => reported.push(error));
    const res = await get(app, await issue('acme'));
    expectProblem(res, { status: 500, code: 'internal' });
    expect(reported).toHaveLength(1);
    const requestEvents = events.filter((e) => e.type !== 'created');
    expect(requestEvents.map((e) => ('reason' in e ? e.reason : e.type))).toEqual(['internal']);
  });

  it('keeps the Redis counters of an owner and its keys in the owner’s hash slot', async () => {
    const app = await serve('redis', { owner: [OWNER_HOURLY] });
    const key = await fx.keygate.keys.create({ name: 'k', owner: 'acme', rateLimits: [KEY_BURST] });
    expect(await statuses(app, key.key, 1)).toEqual([200]);
    expect((await keysUnder(client, prefix)).sort()).toEqual(
      [
        `${prefix}{owner-limits:acme}:owner-hourly`,
        `${prefix}{owner-limits:acme}\u0000${key.apiKey.id}\u0000burst`,
      ].sort(),
    );
  });
});
