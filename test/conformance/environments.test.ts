// Environments, identical on every adapter: a route behind requireEnvironment('live') lets live
// keys in and answers 403 wrong_environment to test keys (401 without a key), and the rate-limit
// defaults of a key's environment apply to it.
import { MemoryRateLimiter } from '@keygate/core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { CHALLENGE, createFixture, expectProblem, type Fixture } from './helpers.js';
import { expectQuotaExceeded, parseRateLimit } from './rate-limit-helpers.js';

const ENVIRONMENTS = { sk_live: 'live', sk_test: 'test' };
const LIVE_LIMIT = { name: 'live', limit: 5, windowSeconds: 60 };
const TEST_LIMIT = { name: 'test', limit: 1, windowSeconds: 60 };

describe.each(adapters)('$name: environments', (adapter) => {
  let fx: Fixture;
  let app: RunningApp;

  beforeAll(async () => {
    fx = createFixture({ prefix: 'sk_live', environments: ENVIRONMENTS });
    app = await adapter.start({ keygate: fx.keygate });
  });
  afterAll(() => app.close());

  it("lets a live key into a requireEnvironment('live') route", async () => {
    const { key } = await fx.issue();
    const res = await request(app.server).get(ROUTES.live.path).set('X-API-Key', key);
    expect(res.status).toBe(200);
    expect(res.body.key.environment).toBe('live');
  });

  it("answers 403 wrong_environment naming live to a test key on a requireEnvironment('live') route", async () => {
    const { key } = await fx.issue([], { environment: 'test' });
    const res = await request(app.server).get(ROUTES.live.path).set('X-API-Key', key);
    const body = expectProblem(res, { status: 403, code: 'wrong_environment' });
    expect(body).toMatchObject({ requiredEnvironment: 'live' });
  });

  it("answers 401 to a request without a key on a requireEnvironment('live') route", async () => {
    expectProblem(await request(app.server).get(ROUTES.live.path), {
      status: 401,
      code: 'missing',
      challenge: CHALLENGE.missing,
    });
  });

  it('attaches the environment of a test key to the request', async () => {
    const { key } = await fx.issue([], { environment: 'test' });
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', key);
    expect(res.status).toBe(200);
    expect(res.body.key.environment).toBe('test');
  });
});

describe.each(adapters)('$name: per-environment rate limits', (adapter) => {
  let fx: Fixture;
  const apps: RunningApp[] = [];
  const serve = async () => {
    const rateLimit = {
      limiter: new MemoryRateLimiter({ now: fx.clock.now }),
      defaults: [LIVE_LIMIT],
      environments: { test: [TEST_LIMIT] },
    };
    const app = await adapter.start({ keygate: fx.keygate, rateLimit });
    apps.push(app);
    return app;
  };
  const get = (app: RunningApp, key: string) => request(app.server).get(ROUTES.me.path).set('X-API-Key', key);

  beforeAll(() => {
    fx = createFixture({ prefix: 'sk_live', environments: ENVIRONMENTS });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it("gives a test key the test environment's default policies", async () => {
    const app = await serve();
    const { key } = await fx.issue([], { environment: 'test' });
    const first = await get(app, key);
    expect(first.status).toBe(200);
    expect(parseRateLimit(first.headers.ratelimit)[0]?.name).toBe('test');
    expectQuotaExceeded(await get(app, key), ['test']);
  });

  it('gives a live key the defaults when its environment has no policies of its own', async () => {
    const app = await serve();
    const { key } = await fx.issue();
    for (let i = 0; i < 2; i++) expect((await get(app, key)).status).toBe(200);
    expect(parseRateLimit((await get(app, key)).headers.ratelimit)[0]?.name).toBe('live');
  });

  it("lets a test key's own rate limits win over its environment's", async () => {
    const app = await serve();
    const own = { name: 'own', limit: 3, windowSeconds: 60 };
    const { key } = await fx.issue([], { environment: 'test', rateLimits: [own] });
    for (let i = 0; i < 3; i++) expect((await get(app, key)).status).toBe(200);
    expectQuotaExceeded(await get(app, key), ['own']);
  });
});
