// Who a limit counts (`rateLimit.subject`) and owner-level limits (`rateLimit.owner`), through the
// rate-limit step: the attacks first (junk subjects, namespaces that could collide), then the rules.
import { describe, expect, it } from 'vitest';
import { isKeygateError } from '../../src/errors.js';
import type { RequestContext } from '../../src/events.js';
import { createRateLimitStep, type RateLimitResult } from '../../src/http/rate-limit-step.js';
import type { ApiKey, RateLimitPolicy } from '../../src/key/record.js';
import type { RateLimiter } from '../../src/rate-limit/limiter.js';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { RateLimitOptions } from '../../src/rate-limit/options.js';

const pair: RateLimitPolicy = { name: 'burst', limit: 2, windowSeconds: 60 };
const ownerTrio: RateLimitPolicy = { name: 'owner-burst', limit: 3, windowSeconds: 60 };
const REQUEST: RequestContext = Object.freeze({ route: 'GET /things', ip: '203.0.113.7', userAgent: 'test' });

function apiKey(id: string, owner: string, extra: Partial<ApiKey> = {}): ApiKey {
  return { id, lineage: id, owner, rateLimits: null, environment: null, ...extra } as ApiKey;
}

function step(options: RateLimitOptions) {
  return createRateLimitStep({ limiter: new MemoryRateLimiter(), defaults: [pair], failedAuth: false, ...options });
}

// How many of `n` requests of `key` the step admits.
function admitted(s: ReturnType<typeof step>, key: ApiKey, n: number, request: RequestContext = REQUEST): number {
  let count = 0;
  for (let i = 0; i < n; i++) if ((s.consume(key, request) as RateLimitResult).ok) count++;
  return count;
}

function expectInternalError(result: RateLimitResult): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.response.status).toBe(500);
  expect(isKeygateError(result.error)).toBe(true);
}

describe('a rateLimit.subject function', () => {
  const junk: ReadonlyArray<readonly [string, unknown]> = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { toString: () => 'x' }],
    ['an empty string', ''],
    ['a string over 256 characters', 'x'.repeat(257)],
    ['a string with a NUL', 'a\u0000b'],
    ['a string with a newline', 'a\nb'],
  ];

  it.each(junk)('refuses the request with a 500 (never unlimited) when it returns %s', (_what, value) => {
    const s = step({ subject: () => value as string });
    expectInternalError(s.consume(apiKey('keyA', 'acme'), REQUEST) as RateLimitResult);
  });

  it('refuses the request with a 500 when it throws, carrying the thrown error as the cause', () => {
    const thrown = new Error('lookup failed');
    const s = step({
      subject: () => {
        throw thrown;
      },
    });
    const result = s.consume(apiKey('keyA', 'acme'), REQUEST) as RateLimitResult;
    expectInternalError(result);
    expect(!result.ok && (result.error as Error).cause).toBe(thrown);
  });

  it('never echoes what it returned in the error', () => {
    const s = step({ subject: () => `sk_live_secret${'x'.repeat(300)}` });
    const result = s.consume(apiKey('keyA', 'acme'), REQUEST) as RateLimitResult;
    expect(!result.ok && (result.error as Error).message).not.toContain('secret');
  });

  it('counts the keys that return the same subject together', () => {
    const s = step({ subject: (key) => (key.id === 'keyA' || key.id === 'keyB' ? 'team-1' : key.id) });
    expect(admitted(s, apiKey('keyA', 'acme'), 1)).toBe(1);
    expect(admitted(s, apiKey('keyB', 'globex'), 3)).toBe(1);
    expect(admitted(s, apiKey('keyC', 'acme'), 3)).toBe(2);
  });

  it('gets the request context (route, ip, user agent) the step was given', () => {
    const seen: RequestContext[] = [];
    const s = step({
      subject: (_key, request) => {
        seen.push(request);
        return request.ip ?? 'no-ip';
      },
    });
    expect(s.needsRequest).toBe(true);
    expect(s.consume(apiKey('keyA', 'acme'), REQUEST)).toMatchObject({ ok: true });
    expect(seen).toEqual([REQUEST]);
  });

  it('never names the counters of a key lineage, whatever it returns', () => {
    const limiter = new MemoryRateLimiter();
    const custom = step({ limiter, subject: (key) => (key.id === 'keyB' ? 'keyA' : key.id) });
    expect(admitted(custom, apiKey('keyB', 'acme'), 2)).toBe(2);
    expect(admitted(step({ limiter }), apiKey('keyA', 'acme'), 3)).toBe(2);
  });

  it('is not asked for, nor is the request context, with the default subject', () => {
    expect(step({}).needsRequest).toBe(false);
  });
});

describe("rateLimit.subject 'owner'", () => {
  it('shares the key policies between the keys of one owner and not with another owner', () => {
    const s = step({ subject: 'owner' });
    expect(admitted(s, apiKey('keyA', 'acme'), 1)).toBe(1);
    expect(admitted(s, apiKey('keyB', 'acme'), 3)).toBe(1);
    expect(admitted(s, apiKey('keyC', 'globex'), 3)).toBe(2);
  });

  it('never shares counters with a key whose lineage reads like the owner subject', () => {
    const limiter = new MemoryRateLimiter();
    const byOwner = step({ limiter, subject: 'owner' });
    const byKey = step({ limiter });
    expect(admitted(byOwner, apiKey('keyA', 'acme'), 2)).toBe(2);
    expect(admitted(byKey, apiKey('keyX', 'other', { lineage: 'acme' }), 2)).toBe(2);
  });

  it('refuses with a 500 a key whose owner cannot be a subject (a store returned junk)', () => {
    const s = step({ subject: 'owner' });
    expectInternalError(s.consume(apiKey('keyA', 'x'.repeat(600))) as RateLimitResult);
  });
});

describe('rateLimit.owner', () => {
  it('shares an owner limit between two keys of the owner, on top of each key’s own', () => {
    const s = step({ owner: [ownerTrio] });
    expect(admitted(s, apiKey('keyA', 'acme'), 3)).toBe(2);
    expect(admitted(s, apiKey('keyB', 'acme'), 3)).toBe(1);
    expect(admitted(s, apiKey('keyC', 'globex'), 3)).toBe(2);
  });

  it('spends nothing of the owner’s limit on requests its key’s own limit refuses', () => {
    const s = step({ owner: [ownerTrio] });
    expect(admitted(s, apiKey('keyA', 'acme'), 10)).toBe(2);
    expect(admitted(s, apiKey('keyB', 'acme'), 1)).toBe(1);
  });

  it('spends nothing of a key’s own limit on requests the owner limit refuses', () => {
    const limiter = new MemoryRateLimiter();
    const tight = step({ limiter, owner: [{ name: 'owner-tight', limit: 1, windowSeconds: 60 }] });
    expect(admitted(tight, apiKey('keyB', 'acme'), 1)).toBe(1);
    expect(admitted(tight, apiKey('keyA', 'acme'), 5)).toBe(0);
    // Under a roomier owner limit on the same counters, keyA still has its whole own limit.
    const roomy = step({ limiter, owner: [{ name: 'owner-roomy', limit: 100, windowSeconds: 60 }] });
    expect(admitted(roomy, apiKey('keyA', 'acme'), 5)).toBe(2);
  });

  it('shows every applied policy in the headers and names the violated one in the 429', () => {
    const s = step({ owner: [ownerTrio] });
    const key = apiKey('keyA', 'acme');
    const first = s.consume(key) as RateLimitResult;
    expect(first).toEqual({
      ok: true,
      headers: {
        'ratelimit-policy': '"owner-burst";q=3;w=60, "burst";q=2;w=60',
        ratelimit: '"owner-burst";r=2;t=20, "burst";r=1;t=30',
      },
    });
    expect(s.consume(key)).toMatchObject({ ok: true });
    const refused = s.consume(key) as RateLimitResult;
    expect(!refused.ok && refused.response.body['violated-policies']).toEqual(['burst']);
  });

  it('continues the counters of a rotated key, on its own limit and its owner’s', () => {
    const s = step({ owner: [ownerTrio] });
    expect(admitted(s, apiKey('keyA', 'acme'), 1)).toBe(1);
    // The successor has a new id and the same lineage.
    expect(admitted(s, apiKey('keyA2', 'acme', { lineage: 'keyA' }), 3)).toBe(1);
  });

  it("continues the counters of a rotated key under subject 'owner' too", () => {
    const s = step({ subject: 'owner', owner: [ownerTrio] });
    expect(admitted(s, apiKey('keyA', 'acme'), 1)).toBe(1);
    expect(admitted(s, apiKey('keyA2', 'acme', { lineage: 'keyA' }), 3)).toBe(1);
  });

  it('counts a key without policies of its own against its owner’s alone', () => {
    const s = step({ owner: [ownerTrio] });
    expect(admitted(s, apiKey('keyA', 'acme', { rateLimits: [] }), 5)).toBe(3);
  });

  it('does not ask the subject function for a key without policies of its own', () => {
    const s = step({
      owner: [ownerTrio],
      subject: () => {
        throw new Error('not needed');
      },
    });
    expect(admitted(s, apiKey('keyA', 'acme', { rateLimits: [] }), 4)).toBe(3);
  });

  it('counts the keys of an environment with a list of its own per owner and environment', () => {
    const s = step({ owner: { defaults: [ownerTrio], environments: { test: [{ ...ownerTrio, limit: 1 }] } } });
    expect(admitted(s, apiKey('keyT', 'acme', { environment: 'test', rateLimits: [] }), 3)).toBe(1);
    expect(admitted(s, apiKey('keyL', 'acme', { environment: 'live', rateLimits: [] }), 5)).toBe(3);
  });

  it('is refused at build with invalid_options on a limiter without consumeAll', () => {
    const inner = new MemoryRateLimiter();
    const limiter: RateLimiter = { consume: inner.consume.bind(inner), check: inner.check.bind(inner) };
    let thrown: unknown;
    try {
      createRateLimitStep({ limiter, owner: [ownerTrio] });
    } catch (error) {
      thrown = error;
    }
    expect(isKeygateError(thrown, 'invalid_options')).toBe(true);
    expect((thrown as Error).message).toContain('consumeAll');
  });

  it.each([
    ['a policy list that breaks the policy rule', [{ name: 'bad name', limit: 1, windowSeconds: 1 }]],
    ['an unknown environment name', { environments: { 'Not An Env!': [ownerTrio] } }],
    ['a string', 'owner'],
  ])('is refused at build with invalid_options for %s', (_what, owner) => {
    expect(() => createRateLimitStep({ owner: owner as RateLimitOptions['owner'] })).toThrow(/rateLimit\.owner/);
  });

  it('is refused at build with invalid_options for a subject that is neither key, owner nor a function', () => {
    expect(() => createRateLimitStep({ subject: 'ip' as RateLimitOptions['subject'] })).toThrow(/rateLimit\.subject/);
  });
});
