import { describe, expect, it, vi } from 'vitest';
import { type AuthOptions, type AuthOutcome, createAuthenticator } from '../../src/http/authenticate.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import type { ProblemResponse } from '../../src/http/problem.js';
import type { KeyRecordPatch, RateLimitPolicy } from '../../src/key/record.js';
import type { RateLimiter } from '../../src/rate-limit/limiter.js';
import type { RateLimitOptions } from '../../src/rate-limit/options.js';
import { keyFrom, setup } from '../support/helpers.js';

interface FakeRequest {
  rawHeaders: string[];
  ip: string | undefined;
}

const accessors: RequestAccessors<FakeRequest> = {
  raw: (req) => req,
  ip: (req) => req.ip,
  secure: () => true,
};

const request = (key: string, ip: string | undefined = '198.51.100.7'): FakeRequest => ({
  rawHeaders: ['X-API-Key', key],
  ip,
});

const burst: RateLimitPolicy = { name: 'burst', limit: 3, windowSeconds: 60 };

async function fixture(rateLimit: RateLimitOptions | undefined, options: Partial<AuthOptions> = {}) {
  const env = setup();
  const warn = vi.fn();
  const authenticate = createAuthenticator(
    { keygate: env.keygate, onError: vi.fn(), ...(rateLimit && { rateLimit: { warn, ...rateLimit } }), ...options },
    accessors,
  );
  const valid = await env.createKey();
  return { ...env, authenticate, valid, warn };
}

async function problemOf(outcome: AuthOutcome | Promise<AuthOutcome>): Promise<ProblemResponse> {
  const settled = await outcome;
  if (settled.ok) throw new Error('expected a failure');
  return settled.response;
}

// A key that passes the checksum but is unknown to the store.
const unknownKey = (prefix: string) => keyFrom(prefix, 'AAAAAAAAAAAA', 'B'.repeat(43));

describe('createAuthenticator with rateLimit', () => {
  it('keeps the cache-hit path synchronous without a rateLimit option', async () => {
    const { authenticate, valid } = await fixture(undefined);
    await authenticate(request(valid.key));
    expect(authenticate(request(valid.key))).not.toBeInstanceOf(Promise);
  });

  it('keeps the cache-hit path synchronous with the in-memory limiter', async () => {
    const { authenticate, valid } = await fixture({ defaults: [burst] });
    await authenticate(request(valid.key));
    expect(authenticate(request(valid.key))).not.toBeInstanceOf(Promise);
  });

  it('attaches RateLimit-Policy and RateLimit headers to an admitted request', async () => {
    const { authenticate, valid } = await fixture({ defaults: [burst] });
    expect(await authenticate(request(valid.key))).toEqual({
      ok: true,
      key: valid.apiKey,
      headers: { 'ratelimit-policy': '"burst";q=3;w=60', ratelimit: '"burst";r=2;t=20' },
    });
  });

  it('answers 429 quota-exceeded with Retry-After once the key is over its limit', async () => {
    const { authenticate, valid } = await fixture({ defaults: [burst] });
    for (let i = 0; i < 3; i++) expect((await authenticate(request(valid.key))).ok).toBe(true);
    const response = await problemOf(authenticate(request(valid.key)));
    expect(response.status).toBe(429);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'retry-after': '20',
      'ratelimit-policy': '"burst";q=3;w=60',
    });
    expect(JSON.parse(response.json)).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      status: 429,
      'violated-policies': ['burst'],
    });
  });

  it('limits each key on its own', async () => {
    const { authenticate, valid, createKey } = await fixture({ defaults: [burst] });
    for (let i = 0; i < 3; i++) await authenticate(request(valid.key));
    const other = await createKey();
    expect((await authenticate(request(other.key))).ok).toBe(true);
  });

  it("applies the key record's own rateLimits instead of the defaults", async () => {
    const { authenticate, valid, store } = await fixture({ defaults: [burst] });
    const own = [{ name: 'hourly', limit: 1, windowSeconds: 3600 }];
    await store.inner.update(valid.apiKey.id, { rateLimits: own } as KeyRecordPatch);
    expect(await authenticate(request(valid.key))).toMatchObject({
      ok: true,
      headers: { 'ratelimit-policy': '"hourly";q=1;w=3600' },
    });
    expect((await problemOf(authenticate(request(valid.key)))).body['violated-policies']).toEqual(['hourly']);
  });

  it('sends no rate-limit headers when neither defaults nor the record set limits', async () => {
    const { authenticate, valid } = await fixture({});
    expect(await authenticate(request(valid.key))).toEqual({ ok: true, key: valid.apiKey });
  });

  it('answers 429 before any store lookup or hashing once an IP has too many failed authentications', async () => {
    const { authenticate, keygate, store, hasher } = await fixture({ failedAuth: { limit: 2, windowSeconds: 60 } });
    for (let i = 0; i < 2; i++)
      expect((await problemOf(authenticate(request(unknownKey(keygate.prefix))))).status).toBe(401);
    store.reset();
    hasher.reset();
    const response = await problemOf(authenticate(request(unknownKey(keygate.prefix).replace('B', 'C'))));
    expect(response.status).toBe(429);
    expect(response.body['violated-policies']).toEqual(['failed-auth']);
    expect(store.calls.findById).toBe(0);
    expect(hasher.calls.verify).toBe(0);
  });

  it('counts a wrong secret for a real key id as a failed authentication', async () => {
    const { authenticate, keygate, valid } = await fixture({ failedAuth: { limit: 1, windowSeconds: 60 } });
    const wrong = keyFrom(keygate.prefix, valid.apiKey.id, 'C'.repeat(43));
    expect((await problemOf(authenticate(request(wrong)))).status).toBe(401);
    expect((await problemOf(authenticate(request(wrong)))).status).toBe(429);
  });

  it('does not count malformed credentials as failed authentications', async () => {
    const { authenticate, valid } = await fixture({ failedAuth: { limit: 1, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++) expect((await problemOf(authenticate(request('not a key')))).status).toBe(400);
    expect((await authenticate(request(valid.key))).ok).toBe(true);
  });

  it('lets other IPs authenticate while one IP is blocked', async () => {
    const { authenticate, keygate, valid } = await fixture({ failedAuth: { limit: 1, windowSeconds: 60 } });
    await authenticate(request(unknownKey(keygate.prefix), '198.51.100.7'));
    expect((await authenticate(request(valid.key, '198.51.100.8'))).ok).toBe(true);
  });

  it('still serves a key already in the verified-key cache to a blocked IP', async () => {
    const { authenticate, keygate, valid } = await fixture({ failedAuth: { limit: 1, windowSeconds: 60 } });
    await authenticate(request(valid.key));
    await authenticate(request(unknownKey(keygate.prefix)));
    expect((await authenticate(request(valid.key))).ok).toBe(true);
  });

  it('skips the failed-authentication guard when the request has no IP', async () => {
    const { authenticate, keygate } = await fixture({ failedAuth: { limit: 1, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++) {
      const noIp = { rawHeaders: ['X-API-Key', unknownKey(keygate.prefix)], ip: undefined };
      expect((await problemOf(authenticate(noIp))).status).toBe(401);
    }
  });

  it('lets requests through without limits and warns once while the limiter store fails (onStoreError open)', async () => {
    const failing: RateLimiter = {
      consume: () => Promise.reject(new Error('ECONNREFUSED')),
      check: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const { authenticate, valid, warn } = await fixture({ limiter: failing, defaults: [burst] });
    for (let i = 0; i < 5; i++) expect(await authenticate(request(valid.key))).toEqual({ ok: true, key: valid.apiKey });
    expect(warn).toHaveBeenCalledOnce();
  });

  it('answers 503 while the limiter store fails when onStoreError is closed', async () => {
    const failing: RateLimiter = {
      consume: () => Promise.reject(new Error('ECONNREFUSED')),
      check: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const { authenticate, valid } = await fixture({ limiter: failing, defaults: [burst], onStoreError: 'closed' });
    const response = await problemOf(authenticate(request(valid.key)));
    expect(response.status).toBe(503);
    expect(response.json).not.toContain('ECONNREFUSED');
  });

  it('rejects invalid rateLimit options when the authenticator is created', () => {
    const env = setup();
    expect(() =>
      createAuthenticator({ keygate: env.keygate, rateLimit: { onStoreError: 'maybe' as 'open' } }, accessors),
    ).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });
});
