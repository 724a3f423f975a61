import { describe, expect, it, vi } from 'vitest';
import { createRateLimitStep, type RateLimitResult } from '../../src/http/rate-limit-step.js';
import type { ApiKey, RateLimitPolicy } from '../../src/key/record.js';
import type { RateLimitDecision, RateLimiter } from '../../src/rate-limit/limiter.js';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { RateLimitOptions } from '../../src/rate-limit/options.js';

const burst: RateLimitPolicy = { name: 'burst', limit: 2, windowSeconds: 60 };

function apiKey(id: string, rateLimits: RateLimitPolicy[] | null = null): ApiKey {
  return { id, rateLimits } as unknown as ApiKey;
}

// A limiter that answers like a remote one (promises) and can be switched to failing.
function remoteLimiter() {
  const inner = new MemoryRateLimiter();
  const state = { down: false };
  const answer = (decide: () => RateLimitDecision) =>
    state.down ? Promise.reject(new Error('connection refused')) : Promise.resolve(decide());
  const limiter: RateLimiter = {
    consume: (subject, policies, cost) => answer(() => inner.consume(subject, policies, cost)),
    check: (subject, policies, cost) => answer(() => inner.check(subject, policies, cost)),
  };
  return { limiter, state };
}

function step(options: RateLimitOptions = {}) {
  const warn = vi.fn();
  return { step: createRateLimitStep({ defaults: [burst], warn, ...options }), warn };
}

async function consumeMany(s: ReturnType<typeof createRateLimitStep>, key: ApiKey, n: number) {
  const results: RateLimitResult[] = [];
  for (let i = 0; i < n; i++) results.push(await s.consume(key));
  return results;
}

describe('createRateLimitStep', () => {
  it('returns the same step, and so the same quotas, for the same options object', () => {
    const options: RateLimitOptions = { defaults: [{ name: 'burst', limit: 1, windowSeconds: 60 }] };
    const first = createRateLimitStep(options);
    expect(createRateLimitStep(options)).toBe(first);
    expect(first.consume(apiKey('key_shared'))).toMatchObject({ ok: true });
    expect(createRateLimitStep(options).consume(apiKey('key_shared'))).toMatchObject({ ok: false });
  });

  it('keeps separate quotas for separate options objects', () => {
    const policies = [{ name: 'burst', limit: 1, windowSeconds: 60 }];
    expect(createRateLimitStep({ defaults: policies }).consume(apiKey('key_apart'))).toMatchObject({ ok: true });
    expect(createRateLimitStep({ defaults: policies }).consume(apiKey('key_apart'))).toMatchObject({ ok: true });
  });

  it('returns the RateLimit headers of an admitted request', () => {
    const { step: s } = step();
    expect(s.consume(apiKey('key_1'))).toEqual({
      ok: true,
      headers: { 'ratelimit-policy': '"burst";q=2;w=60', ratelimit: '"burst";r=1;t=30' },
    });
  });

  it('shares one frozen admitted result between requests that show the same figures', () => {
    const { step: s } = step({ defaults: [{ name: 'hourly', limit: 1000, windowSeconds: 3600 }] });
    const first = s.consume(apiKey('key_1'));
    const second = s.consume(apiKey('key_2'));
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toMatchObject({ headers: { ratelimit: '"hourly";r=999;t=4' } });
    expect(s.consume(apiKey('key_1'))).toMatchObject({ headers: { ratelimit: '"hourly";r=998;t=8' } });
  });

  it('returns a 429 quota-exceeded response once the key is over a policy', () => {
    const { step: s } = step();
    void s.consume(apiKey('key_1'));
    void s.consume(apiKey('key_1'));
    const result = s.consume(apiKey('key_1'));
    if (result instanceof Promise || result.ok) throw new Error('expected a synchronous denial');
    expect(result.response.status).toBe(429);
    expect(result.response.headers).toMatchObject({ 'retry-after': '30', ratelimit: '"burst";r=0;t=30' });
    expect(result.response.body['violated-policies']).toEqual(['burst']);
  });

  it("applies a key's own rateLimits instead of the defaults", () => {
    const { step: s } = step();
    const result = s.consume(apiKey('key_1', [{ name: 'hourly', limit: 100, windowSeconds: 3600 }]));
    expect(result).toMatchObject({ ok: true, headers: { 'ratelimit-policy': '"hourly";q=100;w=3600' } });
  });

  it('leaves a key with an empty rateLimits list unlimited and without headers', () => {
    const { step: s } = step();
    expect(s.consume(apiKey('key_1', []))).toEqual({ ok: true, headers: undefined });
  });

  it('adds the legacy X-RateLimit headers when asked', () => {
    const { step: s } = step({ legacyHeaders: true });
    expect(s.consume(apiKey('key_1'))).toMatchObject({ ok: true, headers: { 'x-ratelimit-remaining': '1' } });
  });

  it('lets requests pass without headers while the store fails, by default', async () => {
    const { limiter, state } = remoteLimiter();
    const { step: s } = step({ limiter });
    state.down = true;
    expect(await s.consume(apiKey('key_1'))).toEqual({ ok: true, headers: undefined });
  });

  it('answers 503 without internal detail while the store fails when onStoreError is closed', async () => {
    const { limiter, state } = remoteLimiter();
    const { step: s } = step({ limiter, onStoreError: 'closed' });
    state.down = true;
    const result = await s.consume(apiKey('key_1'));
    if (result.ok) throw new Error('expected a refusal');
    expect(result.response.status).toBe(503);
    expect(result.response.headers['retry-after']).toBe('1');
    expect(result.response.json).not.toContain('connection refused');
  });

  it('warns once per outage and once when the store answers again', async () => {
    const { limiter, state } = remoteLimiter();
    const { step: s, warn } = step({ limiter });
    state.down = true;
    await consumeMany(s, apiKey('key_1'), 5);
    state.down = false;
    await consumeMany(s, apiKey('key_1'), 2);
    state.down = true;
    await consumeMany(s, apiKey('key_1'), 3);
    expect(warn.mock.calls.map((call) => call[0])).toEqual([
      expect.stringContaining('store is unavailable; requests pass without rate limits'),
      expect.stringContaining('answers again'),
      expect.stringContaining('store is unavailable'),
    ]);
  });

  it('does not end an outage on a reply to a call made before it began', async () => {
    const calls: Array<{ resolve: (d: RateLimitDecision) => void; reject: (e: Error) => void }> = [];
    const held = () => new Promise<RateLimitDecision>((resolve, reject) => calls.push({ resolve, reject }));
    const { step: s, warn } = step({ limiter: { consume: held, check: held } });
    const admitted = new MemoryRateLimiter().consume('key_1', [burst]);
    const before = s.consume(apiKey('key_1'));
    const failing = s.consume(apiKey('key_1'));
    calls[1]?.reject(new Error('connection reset'));
    await failing;
    calls[0]?.resolve(admitted);
    await before;
    expect(warn).toHaveBeenCalledOnce();
    const after = s.consume(apiKey('key_1'));
    calls[2]?.resolve(admitted);
    await after;
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('answers 429 to an IP over its failed-authentication limit', () => {
    const { step: s } = step({ failedAuth: { limit: 2, windowSeconds: 60 } });
    void s.recordFailure('203.0.113.9');
    const admitted = s.checkFailures('203.0.113.9');
    if (admitted instanceof Promise || !('release' in admitted)) throw new Error('expected a reservation');
    admitted.release();
    void s.recordFailure('203.0.113.9');
    const blocked = s.checkFailures('203.0.113.9');
    if (blocked instanceof Promise || !('refused' in blocked)) throw new Error('expected a synchronous 429');
    expect(blocked.refused.status).toBe(429);
    expect(blocked.refused.headers['retry-after']).toBe('30');
    expect(blocked.refused.body['violated-policies']).toEqual(['failed-auth']);
  });

  it('reserves a failure for every attempt in flight, so concurrent attempts cannot pass the limit', () => {
    const { step: s } = step({ failedAuth: { limit: 3, windowSeconds: 60 } });
    const answers = Array.from({ length: 10 }, () => s.checkFailures('203.0.113.9'));
    expect(answers.filter((a) => 'release' in a)).toHaveLength(3);
    expect(answers.filter((a) => 'refused' in a)).toHaveLength(7);
    for (const answer of answers) if ('release' in answer) answer.release();
    expect('release' in s.checkFailures('203.0.113.9')).toBe(true);
  });

  it('keeps the failed-authentication count of one IP away from another', () => {
    const { step: s } = step({ failedAuth: { limit: 1, windowSeconds: 60 } });
    void s.recordFailure('203.0.113.9');
    expect('release' in s.checkFailures('203.0.113.10')).toBe(true);
  });

  it('skips the failed-authentication guard for a request without an IP', () => {
    const { step: s } = step({ failedAuth: { limit: 1, windowSeconds: 60 } });
    void s.recordFailure(undefined);
    expect('release' in s.checkFailures(undefined)).toBe(true);
  });

  it('answers 503 from the failed-authentication guard while its store fails when onStoreError is closed', async () => {
    const { limiter, state } = remoteLimiter();
    const { step: s } = step({ failedAuth: { limiter }, onStoreError: 'closed' });
    state.down = true;
    const answer = await s.checkFailures('203.0.113.9');
    expect('refused' in answer && answer.refused.status).toBe(503);
  });
});

describe('createRateLimitStep with per-environment defaults', () => {
  const testLimit: RateLimitPolicy = { name: 'test', limit: 1, windowSeconds: 60 };
  const inEnvironment = (id: string, environment: string | null, rateLimits: RateLimitPolicy[] | null = null) =>
    ({ id, rateLimits, environment }) as unknown as ApiKey;

  it("counts a key against its environment's policies instead of the defaults", () => {
    const { step: s } = step({ environments: { test: [testLimit] } });
    expect(s.consume(inEnvironment('key_env_test', 'test'))).toMatchObject({ ok: true });
    expect(s.consume(inEnvironment('key_env_test', 'test'))).toMatchObject({ ok: false });
  });

  it('counts a key of an environment without policies against the defaults', () => {
    const { step: s } = step({ environments: { test: [testLimit] } });
    const key = inEnvironment('key_env_live', 'live');
    expect(s.consume(key)).toMatchObject({ ok: true });
    expect(s.consume(key)).toMatchObject({ ok: true });
    expect(s.consume(key)).toMatchObject({ ok: false });
  });

  it("lets a key's own rate limits win over its environment's", () => {
    const { step: s } = step({ environments: { test: [testLimit] } });
    const key = inEnvironment('key_env_own', 'test', [{ name: 'own', limit: 2, windowSeconds: 60 }]);
    expect(s.consume(key)).toMatchObject({ ok: true });
    expect(s.consume(key)).toMatchObject({ ok: true });
    expect(s.consume(key)).toMatchObject({ ok: false });
  });

  it('refuses an environment policy list breaking the one policy rule, naming it', () => {
    expect(() => createRateLimitStep({ environments: { test: [testLimit, testLimit] } })).toThrow(
      expect.objectContaining({ code: 'invalid_options', field: 'rateLimit.environments.test' }),
    );
  });

  it('refuses an environment name that is not a short lower-case identifier', () => {
    expect(() => createRateLimitStep({ environments: { Test: [testLimit] } })).toThrow(
      expect.objectContaining({ code: 'invalid_options', field: 'rateLimit.environments' }),
    );
  });
});
