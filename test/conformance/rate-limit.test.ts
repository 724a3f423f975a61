// Rate limiting over HTTP, identical on every adapter: per-key GCRA policies and their
// RateLimit/RateLimit-Policy headers, 429 quota-exceeded problems, per-key overrides, cost,
// legacy headers, the per-IP guard on failed authentications, the Redis limiter, and a Redis
// outage under onStoreError 'open' and 'closed'.
import { type CreatedKey, MemoryRateLimiter, type RateLimitOptions, type RateLimitPolicy } from '@keygate/core';
import { createRateLimitRedisClient, RedisRateLimiter } from '@keygate/core/redis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type ManualClock, manualClock } from '../../packages/core/test/support/clock.js';
import { pollFor } from '../../packages/core/test/support/poll.js';
import { commandsWaiting } from '../../packages/core/test/support/redis-queues.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { CHALLENGE, expectProblem, flipOneChar, foreignKey, type ResponseLike } from './helpers.js';
import {
  agentFrom,
  type CountingFixture,
  createCountingFixture,
  deleteKeysUnder,
  expectNoLegacyHeaders,
  expectNoRateLimitHeaders,
  expectQuotaExceeded,
  keysUnder,
  parseRateLimit,
  ready,
  retryAfterOf,
  startApp,
  testPrefix,
} from './rate-limit-helpers.js';

type RedisClient = ReturnType<typeof createRateLimitRedisClient>;

const BURST: RateLimitPolicy = { name: 'burst', limit: 3, windowSeconds: 60 };
const BURST_POLICY = '"burst";q=3;w=60';
const DAILY: RateLimitPolicy = { name: 'daily', limit: 10, windowSeconds: 86_400 };

function get(app: RunningApp, key?: string, path: string = ROUTES.me.path) {
  const req = request(app.server).get(path);
  return key === undefined ? req : req.set('X-API-Key', key);
}

/** Asserts a 200 of the protected route for this key, with exactly these RateLimit-Policy and RateLimit values. */
function expectAdmitted(res: ResponseLike & { body: unknown }, key: CreatedKey, policy: string, rateLimit: string) {
  expect(res.status).toBe(200);
  expect((res.body as { key: { id: string } }).key.id).toBe(key.apiKey.id);
  expect(res.headers['ratelimit-policy']).toBe(policy);
  expect(res.headers.ratelimit).toBe(rateLimit);
  expect(res.headers['retry-after']).toBeUndefined();
}

describe.each(adapters)('$name: rate limiting with the in-memory limiter', (adapter) => {
  let fx: CountingFixture;
  let clock: ManualClock;
  const apps: RunningApp[] = [];

  // The limiter's clock stands still unless a test moves it, so every `t` and Retry-After is exact.
  const serve = async (rateLimit: Omit<RateLimitOptions, 'limiter'> | undefined) => {
    const options =
      rateLimit === undefined
        ? { keygate: fx.keygate }
        : { keygate: fx.keygate, rateLimit: { limiter: new MemoryRateLimiter({ now: clock.now }), ...rateLimit } };
    const app = await startApp(adapter, options);
    apps.push(app);
    return app;
  };

  beforeEach(() => {
    fx = createCountingFixture();
    clock = manualClock();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  describe('one default policy', () => {
    let app: RunningApp;
    let key: CreatedKey;

    beforeEach(async () => {
      app = await serve({ defaults: [BURST] });
      key = await fx.issue();
    });

    it('admits the first 3 requests of a key with RateLimit-Policy and a RateLimit count of 2, 1, 0', async () => {
      expectAdmitted(await get(app, key.key), key, BURST_POLICY, '"burst";r=2;t=20');
      expectAdmitted(await get(app, key.key), key, BURST_POLICY, '"burst";r=1;t=40');
      expectAdmitted(await get(app, key.key), key, BURST_POLICY, '"burst";r=0;t=20');
    });

    it('answers the 4th request with 429 quota-exceeded, Retry-After and the RateLimit headers', async () => {
      for (let i = 0; i < 3; i++) expect((await get(app, key.key)).status).toBe(200);
      const res = await get(app, key.key);
      expect(expectQuotaExceeded(res, ['burst'])).toBe(20);
      expect(res.headers['ratelimit-policy']).toBe(BURST_POLICY);
      expect(res.headers.ratelimit).toBe('"burst";r=0;t=20');
      expectNoLegacyHeaders(res);
    });

    it('keeps refusing with 429 while the quota is used up, without counting the refusals', async () => {
      for (let i = 0; i < 3; i++) expect((await get(app, key.key)).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        const res = await get(app, key.key);
        expect(expectQuotaExceeded(res, ['burst'])).toBe(20);
        expect(res.headers.ratelimit).toBe('"burst";r=0;t=20');
      }
    });

    it('admits the key again once Retry-After seconds have passed', async () => {
      for (let i = 0; i < 3; i++) expect((await get(app, key.key)).status).toBe(200);
      clock.advance(expectQuotaExceeded(await get(app, key.key), ['burst']) * 1000);
      expectAdmitted(await get(app, key.key), key, BURST_POLICY, '"burst";r=0;t=20');
      expectQuotaExceeded(await get(app, key.key), ['burst']);
    });

    it('limits each key separately: another key is unaffected by an exhausted one', async () => {
      const other = await fx.issue({ name: 'other' });
      for (let i = 0; i < 3; i++) expect((await get(app, key.key)).status).toBe(200);
      expectQuotaExceeded(await get(app, key.key), ['burst']);
      expectAdmitted(await get(app, other.key), other, BURST_POLICY, '"burst";r=2;t=20');
    });

    it('does not count a key against the quota when it is sent to a public route, and sends no headers there', async () => {
      for (let i = 0; i < 5; i++) {
        const res = await get(app, key.key, ROUTES.public.path);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ key: null });
        expectNoRateLimitHeaders(res);
      }
      expectAdmitted(await get(app, key.key), key, BURST_POLICY, '"burst";r=2;t=20');
    });

    it('sends no rate-limit headers to an anonymous request on an optional route', async () => {
      const res = await get(app, undefined, ROUTES.optional.path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ key: null });
      expectNoRateLimitHeaders(res);
    });
  });

  describe('two policies', () => {
    const TWO = [
      { name: 'burst', limit: 2, windowSeconds: 60 },
      { name: 'daily', limit: 10, windowSeconds: 86_400 },
    ];
    const TWO_POLICY = '"burst";q=2;w=60, "daily";q=10;w=86400';

    it('lists both policies in RateLimit-Policy and RateLimit, in order', async () => {
      const app = await serve({ defaults: TWO });
      const key = await fx.issue();
      expectAdmitted(await get(app, key.key), key, TWO_POLICY, '"burst";r=1;t=30, "daily";r=9;t=8640');
    });

    it('names only the denying policy and consumes nothing from the other one on a denial', async () => {
      const app = await serve({ defaults: TWO });
      const key = await fx.issue();
      expectAdmitted(await get(app, key.key), key, TWO_POLICY, '"burst";r=1;t=30, "daily";r=9;t=8640');
      expectAdmitted(await get(app, key.key), key, TWO_POLICY, '"burst";r=0;t=30, "daily";r=8;t=17280');
      const denied = await get(app, key.key);
      expect(expectQuotaExceeded(denied, ['burst'])).toBe(30);
      expect(denied.headers['ratelimit-policy']).toBe(TWO_POLICY);
      expect(denied.headers.ratelimit).toBe('"burst";r=0;t=30, "daily";r=8;t=17280');
      // After the burst refills one unit, daily has lost exactly the two admitted requests, not the denied one.
      clock.advance(30_000);
      expectAdmitted(await get(app, key.key), key, TWO_POLICY, '"burst";r=0;t=30, "daily";r=7;t=25890');
    });

    it('names the daily policy alone when it is the one used up', async () => {
      const policies = [
        { name: 'burst', limit: 10, windowSeconds: 60 },
        { name: 'daily', limit: 2, windowSeconds: 86_400 },
      ];
      const app = await serve({ defaults: policies });
      const key = await fx.issue();
      for (let i = 0; i < 2; i++) expect((await get(app, key.key)).status).toBe(200);
      const denied = await get(app, key.key);
      expect(expectQuotaExceeded(denied, ['daily'])).toBe(43_200);
      expect(denied.headers.ratelimit).toBe('"burst";r=8;t=12, "daily";r=0;t=43200');
    });
  });

  describe("a key's own rateLimits", () => {
    it('replace the defaults for that key while other keys keep the defaults', async () => {
      const app = await serve({ defaults: [BURST] });
      const own = await fx.issue({ rateLimits: [{ name: 'custom', limit: 1, windowSeconds: 10 }] });
      const plain = await fx.issue({ name: 'plain' });
      expectAdmitted(await get(app, own.key), own, '"custom";q=1;w=10', '"custom";r=0;t=10');
      const denied = await get(app, own.key);
      expect(expectQuotaExceeded(denied, ['custom'])).toBe(10);
      expect(denied.headers['ratelimit-policy']).toBe('"custom";q=1;w=10');
      expect(denied.headers.ratelimit).toBe('"custom";r=0;t=10');
      expectAdmitted(await get(app, plain.key), plain, BURST_POLICY, '"burst";r=2;t=20');
    });

    it('exempt the key from limits and headers when the list is empty', async () => {
      const app = await serve({ defaults: [BURST] });
      const exempt = await fx.issue({ rateLimits: [] });
      for (let i = 0; i < 5; i++) {
        const res = await get(app, exempt.key);
        expect(res.status).toBe(200);
        expectNoRateLimitHeaders(res);
      }
    });
  });

  it('consumes `cost` units from every policy per request', async () => {
    const app = await serve({ defaults: [{ name: 'burst', limit: 5, windowSeconds: 60 }], cost: 2 });
    const key = await fx.issue();
    const policy = '"burst";q=5;w=60';
    expectAdmitted(await get(app, key.key), key, policy, '"burst";r=3;t=24');
    expectAdmitted(await get(app, key.key), key, policy, '"burst";r=1;t=48');
    // One unit is left, but a request needs two: refused, and the unit stays.
    const denied = await get(app, key.key);
    expect(expectQuotaExceeded(denied, ['burst'])).toBe(12);
    expect(denied.headers.ratelimit).toBe('"burst";r=1;t=48');
  });

  describe('legacy X-RateLimit-* headers', () => {
    it('are sent for the tightest policy with legacyHeaders: true', async () => {
      const app = await serve({ defaults: [BURST, DAILY], legacyHeaders: true });
      const key = await fx.issue();
      const before = Math.ceil(Date.now() / 1000);
      const res = await get(app, key.key);
      const after = Math.ceil(Date.now() / 1000);
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-remaining']).toBe('2');
      const reset = Number(res.headers['x-ratelimit-reset']);
      expect(res.headers['x-ratelimit-reset']).toMatch(/^\d+$/);
      expect(reset).toBeGreaterThanOrEqual(before + 20);
      expect(reset).toBeLessThanOrEqual(after + 20);
      expect(res.headers.ratelimit).toBe('"burst";r=2;t=20, "daily";r=9;t=8640');
    });

    it('are sent on the 429 too with legacyHeaders: true, showing 0 remaining', async () => {
      const app = await serve({ defaults: [BURST], legacyHeaders: true });
      const key = await fx.issue();
      for (let i = 0; i < 3; i++) expect((await get(app, key.key)).status).toBe(200);
      const before = Math.ceil(Date.now() / 1000);
      const denied = await get(app, key.key);
      const after = Math.ceil(Date.now() / 1000);
      expectQuotaExceeded(denied, ['burst']);
      expect(denied.headers['x-ratelimit-limit']).toBe('3');
      expect(denied.headers['x-ratelimit-remaining']).toBe('0');
      const reset = Number(denied.headers['x-ratelimit-reset']);
      expect(reset).toBeGreaterThanOrEqual(before + 20);
      expect(reset).toBeLessThanOrEqual(after + 20);
    });

    it('are not sent without legacyHeaders, on a 200 or a 429', async () => {
      const app = await serve({ defaults: [BURST] });
      const key = await fx.issue();
      for (let i = 0; i < 3; i++) {
        const res = await get(app, key.key);
        expect(res.status).toBe(200);
        expectNoLegacyHeaders(res);
      }
      const denied = await get(app, key.key);
      expectQuotaExceeded(denied, ['burst']);
      expectNoLegacyHeaders(denied);
    });
  });

  describe('the failed-authentication guard per client IP', () => {
    const GUARD = { limit: 3, windowSeconds: 60 };

    // Three kinds of 401 invalid: an id no store knows, a bad checksum, a known id with the wrong secret.
    const wrongKeys = async (victim: CreatedKey): Promise<string[]> => {
      const stranger = await foreignKey();
      const wrongSecret = await foreignKey();
      const record = await fx.store.inner.findById(victim.apiKey.id);
      await fx.store.inner.create({ ...(record as NonNullable<typeof record>), id: wrongSecret.apiKey.id });
      return [stranger.key, flipOneChar(victim.key), wrongSecret.key];
    };

    it('answers 429 before any store lookup or hashing once an IP has had failedAuth.limit failures', async () => {
      const app = await serve({ defaults: [BURST], failedAuth: GUARD });
      const valid = await fx.issue();
      for (const wrong of await wrongKeys(await fx.issue({ name: 'victim' }))) {
        expectProblem(await get(app, wrong), { status: 401, code: 'invalid', challenge: CHALLENGE.invalidToken });
      }
      const lookups = fx.store.calls.findById;
      const hashChecks = fx.hashChecks();
      expect(hashChecks).toBe(1);

      const blocked = await get(app, valid.key);
      expect(expectQuotaExceeded(blocked, ['failed-auth'])).toBe(20);
      expect(blocked.headers['ratelimit-policy']).toBeUndefined();
      expect(blocked.headers.ratelimit).toBeUndefined();
      expect(fx.store.calls.findById).toBe(lookups);
      expect(fx.hashChecks()).toBe(hashChecks);
    });

    it('lets the IP through again once Retry-After seconds have passed', async () => {
      const app = await serve({ defaults: [BURST], failedAuth: GUARD });
      const valid = await fx.issue();
      for (const wrong of await wrongKeys(await fx.issue({ name: 'victim' }))) {
        expect((await get(app, wrong)).status).toBe(401);
      }
      clock.advance(expectQuotaExceeded(await get(app, valid.key), ['failed-auth']) * 1000);
      expectAdmitted(await get(app, valid.key), valid, BURST_POLICY, '"burst";r=2;t=20');
    });

    it('counts failures per IP: a client from another address is unaffected', async () => {
      const app = await serve({ defaults: [BURST], failedAuth: GUARD });
      const valid = await fx.issue();
      for (const wrong of await wrongKeys(await fx.issue({ name: 'victim' }))) {
        expect((await get(app, wrong)).status).toBe(401);
      }
      const agent = agentFrom('127.0.0.2');
      try {
        const res = await get(app, valid.key).agent(agent);
        expectAdmitted(res, valid, BURST_POLICY, '"burst";r=2;t=20');
      } finally {
        agent.destroy();
      }
      // Still blocked from 127.0.0.1 (with another uncached key: a cached one needs no lookup, so no guard).
      const fresh = await fx.issue({ name: 'fresh' });
      expectQuotaExceeded(await get(app, fresh.key), ['failed-auth']);
    });

    it('does not count malformed keys (400) against the IP', async () => {
      const app = await serve({ defaults: [BURST], failedAuth: GUARD });
      const valid = await fx.issue();
      for (let i = 0; i < 6; i++) {
        const res = await get(app, `nope-${i}`);
        expectProblem(res, { status: 400, code: 'malformed', challenge: CHALLENGE.invalidRequest });
        expectNoRateLimitHeaders(res);
      }
      expectAdmitted(await get(app, valid.key), valid, BURST_POLICY, '"burst";r=2;t=20');
    });

    it('does not count requests without a key against the IP', async () => {
      const app = await serve({ defaults: [BURST], failedAuth: GUARD });
      const valid = await fx.issue();
      for (let i = 0; i < 6; i++) {
        expectProblem(await get(app), { status: 401, code: 'missing', challenge: CHALLENGE.missing });
      }
      expectAdmitted(await get(app, valid.key), valid, BURST_POLICY, '"burst";r=2;t=20');
    });
  });

  it('counts a key against one quota on required and optional routes with the default limiter', async () => {
    // One `rateLimit` options object and no `limiter`: the documented default is one in-memory limiter for this process.
    const app = await startApp(adapter, { keygate: fx.keygate, rateLimit: { defaults: [BURST] } });
    apps.push(app);
    const key = await fx.issue();
    const remaining: (number | undefined)[] = [];
    for (const path of [ROUTES.me.path, ROUTES.me.path, ROUTES.optional.path]) {
      const res = await get(app, key.key, path);
      expect(res.status).toBe(200);
      remaining.push(parseRateLimit(res.headers.ratelimit)[0]?.r);
    }
    expect(remaining).toEqual([2, 1, 0]);
    expectQuotaExceeded(await get(app, key.key, ROUTES.optional.path), ['burst']);
  });

  it('sends no rate-limit headers and never limits when rateLimit is not configured', async () => {
    const app = await serve(undefined);
    const key = await fx.issue();
    for (let i = 0; i < 5; i++) {
      const res = await get(app, key.key);
      expect(res.status).toBe(200);
      expectNoRateLimitHeaders(res);
    }
    // Past the default failedAuth limit of 10: no guard either (checked with a key not cached yet).
    for (let i = 0; i < 12; i++) expect((await get(app, flipOneChar(key.key))).status).toBe(401);
    const fresh = await fx.issue({ name: 'fresh' });
    const res = await get(app, fresh.key);
    expect(res.status).toBe(200);
    expectNoRateLimitHeaders(res);
  });
});

describe.each(adapters)('$name: rate limiting with the Redis limiter', (adapter) => {
  let fx: CountingFixture;
  let client: RedisClient;
  let peer: RedisClient;
  let prefix: string;
  const apps: RunningApp[] = [];

  const serve = async (limiterClient: RedisClient = client, extra: Omit<RateLimitOptions, 'limiter'> = {}) => {
    const limiter = new RedisRateLimiter({ client: limiterClient, keyPrefix: prefix });
    const app = await startApp(adapter, { keygate: fx.keygate, rateLimit: { limiter, defaults: [BURST], ...extra } });
    apps.push(app);
    return { app, limiter };
  };

  beforeAll(async () => {
    client = createRateLimitRedisClient(inject('redisUrl'));
    peer = createRateLimitRedisClient(inject('redisUrl'));
    await Promise.all([ready(client), ready(peer)]);
  });
  afterAll(async () => {
    await Promise.all([client.quit(), peer.quit()]);
  });
  beforeEach(() => {
    fx = createCountingFixture();
    prefix = testPrefix();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await deleteKeysUnder(client, prefix);
    expect(await keysUnder(client, prefix)).toEqual([]);
  });

  // Redis keeps real time: between two requests `t` may lose a second, never more in these tests.
  const expectCount = (res: ResponseLike, key: CreatedKey, r: number, t: number) => {
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe(BURST_POLICY);
    const [item, ...rest] = parseRateLimit(res.headers.ratelimit);
    expect(rest).toEqual([]);
    expect(item).toMatchObject({ name: 'burst', r });
    expect(item?.t).toBeGreaterThanOrEqual(t - 1);
    expect(item?.t).toBeLessThanOrEqual(t);
    expect(JSON.parse(res.text).key.id).toBe(key.apiKey.id);
  };

  it('admits exactly the policy limit of a key through HTTP, then answers 429 quota-exceeded', async () => {
    const { app } = await serve();
    const key = await fx.issue();
    expectCount(await get(app, key.key), key, 2, 20);
    expectCount(await get(app, key.key), key, 1, 40);
    expectCount(await get(app, key.key), key, 0, 20);
    const denied = await get(app, key.key);
    const retryAfter = expectQuotaExceeded(denied, ['burst']);
    expect(retryAfter).toBeGreaterThanOrEqual(19);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(denied.headers['ratelimit-policy']).toBe(BURST_POLICY);
    expect(parseRateLimit(denied.headers.ratelimit)).toEqual([{ name: 'burst', r: 0, t: retryAfter }]);
  });

  it('limits each key separately: another key is unaffected by an exhausted one', async () => {
    const { app } = await serve();
    const key = await fx.issue();
    const other = await fx.issue({ name: 'other' });
    for (let i = 0; i < 3; i++) expect((await get(app, key.key)).status).toBe(200);
    expectQuotaExceeded(await get(app, key.key), ['burst']);
    expectCount(await get(app, other.key), other, 2, 20);
  });

  it('keeps the counters in Redis under keyPrefix, one key per policy, each with an expiry', async () => {
    const { app, limiter } = await serve();
    const key = await fx.issue();
    expect((await get(app, key.key)).status).toBe(200);
    const stored = limiter.keyOf(key.apiKey.id, 'burst');
    expect(stored.startsWith(prefix)).toBe(true);
    expect(await keysUnder(client, prefix)).toEqual([stored]);
    // The expiry is re-armed only when it would run out too soon, so it lies between the counter's
    // time (at most one window ahead) and one more window plus a second after it.
    const ttl = await client.pttl(stored);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2 * 60_000 + 1_000);
  });

  it('lists both policies and consumes nothing from daily when burst denies', async () => {
    const { app } = await serve(client, { defaults: [{ name: 'burst', limit: 2, windowSeconds: 60 }, DAILY] });
    const key = await fx.issue();
    for (let i = 0; i < 2; i++) expect((await get(app, key.key)).status).toBe(200);
    const denied = await get(app, key.key);
    expectQuotaExceeded(denied, ['burst']);
    expect(denied.headers['ratelimit-policy']).toBe('"burst";q=2;w=60, "daily";q=10;w=86400');
    const [burst, daily] = parseRateLimit(denied.headers.ratelimit);
    expect(burst).toMatchObject({ name: 'burst', r: 0 });
    expect(daily).toMatchObject({ name: 'daily', r: 8 });
  });

  it('shares one quota between two app instances on the same Redis', async () => {
    const first = await serve(client);
    const second = await serve(peer);
    const key = await fx.issue();
    expectCount(await get(first.app, key.key), key, 2, 20);
    expectCount(await get(second.app, key.key), key, 1, 40);
    expectCount(await get(first.app, key.key), key, 0, 20);
    expectQuotaExceeded(await get(second.app, key.key), ['burst']);
  });
});

describe.each(adapters)('$name: rate limiting while Redis is down', (adapter) => {
  let fx: CountingFixture;
  let redis: RedisServer;
  let client: RedisClient;
  let warnings: { message: string; error: unknown }[];
  const apps: RunningApp[] = [];

  const serve = async (onStoreError: 'open' | 'closed') => {
    const limiter = new RedisRateLimiter({ client, keyPrefix: testPrefix(), timeoutMs: 100 });
    const warn = (message: string, error?: unknown) => {
      warnings.push({ message, error });
    };
    const app = await startApp(adapter, {
      keygate: fx.keygate,
      rateLimit: { limiter, defaults: [BURST], onStoreError, warn },
    });
    apps.push(app);
    return app;
  };

  /** Polls until Redis counts the key again (a 200 with RateLimit headers) and returns that response. */
  const untilLimited = (app: RunningApp, key: CreatedKey) =>
    pollFor('Redis to count requests again after restart', async () => {
      const res = await get(app, key.key);
      return res.status === 200 && res.headers.ratelimit !== undefined ? res : undefined;
    });

  beforeEach(async () => {
    fx = createCountingFixture();
    warnings = [];
    redis = await startRedisServer();
    client = createRateLimitRedisClient(redis.url);
    await ready(client);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    client.disconnect();
    await redis.stop();
  });

  it("keeps answering valid keys with 200, promptly and without RateLimit headers, under onStoreError 'open'", async () => {
    const app = await serve('open');
    const cached = await fx.issue();
    expectAdmitted(await get(app, cached.key), cached, BURST_POLICY, '"burst";r=2;t=20');
    await redis.kill();
    // Past the limit of 3: nothing is counted while Redis is away. The fresh key takes the uncached path (guard first).
    const fresh = await fx.issue({ name: 'fresh' });
    for (const key of [cached, cached, cached, fresh, cached, fresh]) {
      const res = await get(app, key.key);
      expect(res.status).toBe(200);
      expect(res.body.key.id).toBe(key.apiKey.id);
      expectNoRateLimitHeaders(res);
      // Promptly: the request did not wait on Redis (the limiter's client holds no command for it).
      expect(commandsWaiting(client)).toBe(0);
    }
  });

  it("still refuses bad and missing keys with 401 under onStoreError 'open'", async () => {
    const app = await serve('open');
    const valid = await fx.issue();
    expect((await get(app, valid.key)).status).toBe(200);
    await redis.kill();
    const stranger = await foreignKey();
    for (const bad of [stranger.key, flipOneChar(valid.key), stranger.key]) {
      const res = await get(app, bad);
      expectProblem(res, { status: 401, code: 'invalid', challenge: CHALLENGE.invalidToken });
      expectNoRateLimitHeaders(res);
      // Promptly: the request did not wait on Redis (the limiter's client holds no command for it).
      expect(commandsWaiting(client)).toBe(0);
    }
    expectProblem(await get(app), { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });

  it("answers 503 problem+json with Retry-After and no internal detail under onStoreError 'closed'", async () => {
    const app = await serve('closed');
    const cached = await fx.issue();
    expectAdmitted(await get(app, cached.key), cached, BURST_POLICY, '"burst";r=2;t=20');
    await redis.kill();
    const fresh = await fx.issue({ name: 'fresh' });
    for (const key of [cached, fresh, cached]) {
      const res = await get(app, key.key);
      const body = expectProblem(res, { status: 503, code: 'unavailable' });
      expect(retryAfterOf(res)).toBeGreaterThanOrEqual(1);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.ratelimit).toBeUndefined();
      expect(res.headers['ratelimit-policy']).toBeUndefined();
      expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
      for (const secret of ['ECONNREFUSED', 'redis', '127.0.0.1', String(redis.port), 'keygate', key.apiKey.id]) {
        expect(res.text.toLowerCase()).not.toContain(secret.toLowerCase());
      }
      // Promptly: the request did not wait on Redis (the limiter's client holds no command for it).
      expect(commandsWaiting(client)).toBe(0);
    }
  });

  it('warns exactly once per outage, and once when Redis answers again', async () => {
    const app = await serve('open');
    const key = await fx.issue();
    expect((await get(app, key.key)).status).toBe(200);
    expect(warnings).toEqual([]);

    await redis.kill();
    for (let i = 0; i < 5; i++) expect((await get(app, key.key)).status).toBe(200);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/rate-limit store is unavailable/)]);

    await redis.restart();
    await untilLimited(app, key);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]?.message).toMatch(/answers again/);

    await redis.kill();
    for (let i = 0; i < 5; i++) expect((await get(app, key.key)).status).toBe(200);
    expect(warnings).toHaveLength(3);
    expect(warnings[2]?.message).toMatch(/rate-limit store is unavailable/);
    expect(JSON.stringify(warnings.map((w) => w.message))).not.toContain(key.key);
  });

  it('warns once per outage when required and optional routes both meet it', async () => {
    const app = await serve('open');
    const key = await fx.issue();
    expect((await get(app, key.key)).status).toBe(200);
    await redis.kill();
    for (const path of [ROUTES.me.path, ROUTES.optional.path, ROUTES.me.path, ROUTES.optional.path]) {
      expect((await get(app, key.key, path)).status).toBe(200);
    }
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/rate-limit store is unavailable/)]);
  });

  it('limits requests again after Redis restarts, without recreating the app', async () => {
    const app = await serve('open');
    const key = await fx.issue();
    expect((await get(app, key.key)).status).toBe(200);
    await redis.kill();
    for (let i = 0; i < 4; i++) expect((await get(app, key.key)).status).toBe(200);

    await redis.restart();
    // The restarted Redis starts empty (no persistence): the first counted request leaves at most 2.
    const first = await untilLimited(app, key);
    const [item] = parseRateLimit(first.headers.ratelimit);
    const left = item?.r ?? -1;
    expect(left).toBeGreaterThanOrEqual(0);
    expect(left).toBeLessThanOrEqual(2);
    for (let r = left - 1; r >= 0; r--) {
      const res = await get(app, key.key);
      expect(res.status).toBe(200);
      expect(parseRateLimit(res.headers.ratelimit)[0]?.r).toBe(r);
    }
    expectQuotaExceeded(await get(app, key.key), ['burst']);
  });
});
