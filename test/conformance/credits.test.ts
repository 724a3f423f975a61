// Credits, identical on every adapter: a route behind requireCredits spends its cost from the
// allowances of the request's key (its owner's and its own, both or neither), shows them as quota
// policies in the RateLimit headers, and answers 429 quota-exceeded naming the allowance, with the
// credits left and the next refill, when they cannot pay.
import { KeygateError, MemoryRateLimiter, MemoryStore } from '@keygate/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingStore } from '../../packages/core/test/support/counting-store.js';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { CHALLENGE, createFixture, expectProblem, type Fixture, PROBLEM_JSON } from './helpers.js';

const QUOTA_EXCEEDED = 'https://iana.org/assignments/http-problem-types#quota-exceeded';
let owners = 0;

describe.each(adapters)('$name: credits', (adapter) => {
  const store = countingStore(new MemoryStore());
  const errors: unknown[] = [];
  let fx: Fixture;
  let app: RunningApp;
  // A key of an owner of its own, so that tests never share an allowance.
  const issue = () => fx.issue([], { owner: `credits_${adapter.name}_${owners++}` });
  const get = (path: string, key: string) => request(app.server).get(path).set('X-API-Key', key);

  beforeAll(async () => {
    fx = createFixture({ store: store.store });
    app = await adapter.start({ keygate: fx.keygate, onError: (error) => errors.push(error) });
  });
  afterAll(() => app.close());

  it("spends a route's cost from the owner's allowance and shows what is left", async () => {
    const { key, apiKey } = await issue();
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 12 });
    const res = await get(ROUTES.paid.path, key);
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe('"credits";q=7');
    expect(res.headers.ratelimit).toBe('"credits";r=7');
    expect((await fx.keygate.credits.get({ owner: apiKey.owner }))?.remaining).toBe(7);
  });

  it('shows a refilling allowance with its period and the seconds until the next refill', async () => {
    const { key, apiKey } = await issue();
    const refill = { amount: 100, interval: 3_600_000 };
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 100, refill });
    const res = await get(ROUTES.paid.path, key);
    expect(res.headers['ratelimit-policy']).toBe('"credits";q=100;w=3600');
    expect(res.headers.ratelimit).toMatch(/^"credits";r=95;t=\d+$/);
  });

  it('spends a cost computed from the request', async () => {
    const { key, apiKey } = await issue();
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 50 });
    expect((await get(`${ROUTES.metered.path}?units=30`, key)).status).toBe(200);
    expect((await fx.keygate.credits.get({ owner: apiKey.owner }))?.remaining).toBe(20);
  });

  it('answers 429 quota-exceeded naming the allowance, the cost and the credits left, and spends nothing', async () => {
    const { key, apiKey } = await issue();
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 3 });
    const res = await get(ROUTES.paid.path, key);
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(JSON.parse(res.text)).toMatchObject({
      type: QUOTA_EXCEEDED,
      status: 429,
      code: 'quota_exceeded',
      'violated-policies': ['credits'],
      allowance: 'owner',
      cost: 5,
      remaining: 3,
      refillAt: null,
    });
    expect(res.headers['retry-after']).toBeUndefined();
    expect((await fx.keygate.credits.get({ owner: apiKey.owner }))?.remaining).toBe(3);
  });

  it('says when a refilling allowance refills and sends Retry-After until then', async () => {
    const { key, apiKey } = await issue();
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 1, refill: { amount: 10, interval: 'month' } });
    const res = await get(ROUTES.paid.path, key);
    const body = JSON.parse(res.text) as { refillAt: string };
    const seconds = Math.ceil((Date.parse(body.refillAt) - fx.clock.now()) / 1000);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBe(seconds);
  });

  it("refuses on the key's own allowance though its owner could pay, naming key-credits", async () => {
    const { key, apiKey } = await issue();
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 100 });
    await fx.keygate.credits.set({ keyId: apiKey.id }, { remaining: 4 });
    const res = await get(ROUTES.paid.path, key);
    expect(JSON.parse(res.text)).toMatchObject({
      'violated-policies': ['key-credits'],
      allowance: 'key',
      remaining: 4,
    });
    expect((await fx.keygate.credits.get({ owner: apiKey.owner }))?.remaining).toBe(100);
  });

  it('shows both allowances when the owner and the key each have one', async () => {
    const { key, apiKey } = await issue();
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 100 });
    await fx.keygate.credits.set({ keyId: apiKey.id }, { remaining: 10 });
    const res = await get(ROUTES.paid.path, key);
    expect(res.headers.ratelimit).toBe('"credits";r=95, "key-credits";r=5');
  });

  it('lets a key without any allowance through and sends no credit headers', async () => {
    const { key } = await issue();
    const res = await get(ROUTES.paid.path, key);
    expect(res.status).toBe(200);
    expect(res.headers.ratelimit).toBeUndefined();
  });

  it('answers 401 to a request without a key', async () => {
    expectProblem(await request(app.server).get(ROUTES.paid.path), {
      status: 401,
      code: 'missing',
      challenge: CHALLENGE.missing,
    });
  });

  it.each(['-1', '1.5', 'abc', '1e12'])(
    'answers 500 when the cost computed from the request is %s, spending nothing',
    async (units) => {
      const { key, apiKey } = await issue();
      await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 10 });
      errors.length = 0;
      expectProblem(await get(`${ROUTES.metered.path}?units=${units}`, key), { status: 500, code: 'internal' });
      expect(errors).toEqual([expect.objectContaining({ code: 'invalid_input' })]);
      expect((await fx.keygate.credits.get({ owner: apiKey.owner }))?.remaining).toBe(10);
    },
  );

  it.each([
    ['503 when the store is unavailable', new KeygateError('store_unavailable', 'down'), 503, 'unavailable'],
    ['500 when the store fails otherwise', new Error('boom'), 500, 'internal'],
  ])('answers %s, never serving for free', async (_, error, status, code) => {
    const { key, apiKey } = await issue();
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 10 });
    await get(ROUTES.me.path, key); // cached: authentication needs no store
    store.failWith(error);
    errors.length = 0;
    try {
      expectProblem(await get(ROUTES.paid.path, key), { status, code });
      expect(errors).toEqual([error]);
    } finally {
      store.failWith(undefined);
    }
  });

  it('never spends below zero when many requests race for the last credits', async () => {
    const { key, apiKey } = await issue();
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 20 });
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => get(ROUTES.paid.path, key).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    expect((await fx.keygate.credits.get({ owner: apiKey.owner }))?.remaining).toBe(0);
  });
});

describe.each(adapters)('$name: credits beside rate limits', (adapter) => {
  let fx: Fixture;
  let app: RunningApp;

  beforeAll(async () => {
    fx = createFixture();
    const rateLimit = { limiter: new MemoryRateLimiter(), defaults: [{ name: 'burst', limit: 10, windowSeconds: 60 }] };
    app = await adapter.start({ keygate: fx.keygate, rateLimit });
  });
  afterAll(() => app.close());

  it('adds the credit policies to the rate-limit policies in the RateLimit headers', async () => {
    const { key, apiKey } = await fx.issue([], { owner: `both_${adapter.name}` });
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 10 });
    const res = await request(app.server).get(ROUTES.paid.path).set('X-API-Key', key);
    expect(res.status).toBe(200);
    const value = [res.headers.ratelimit].flat().join(', ');
    expect(value).toMatch(/^"burst";r=9;t=\d+, "credits";r=5$/);
  });

  it('spends no credits on a request the rate limit refuses', async () => {
    const { key, apiKey } = await fx.issue([], {
      owner: `limited_${adapter.name}`,
      rateLimits: [{ name: 'one', limit: 1, windowSeconds: 60 }],
    });
    await fx.keygate.credits.set({ owner: apiKey.owner }, { remaining: 10 });
    await request(app.server).get(ROUTES.paid.path).set('X-API-Key', key);
    expect((await request(app.server).get(ROUTES.paid.path).set('X-API-Key', key)).status).toBe(429);
    expect((await fx.keygate.credits.get({ owner: apiKey.owner }))?.remaining).toBe(5);
  });
});
