// Per-key IP allowlists and `requireTls` in the authenticator (the HTTP behaviour of every adapter,
// trusted proxies included, is in test/conformance/lifecycle.test.ts).
import { describe, expect, it, vi } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import { type AuthOptions, type AuthOutcome, createAuthenticator } from '../../src/http/authenticate.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import type { ProblemResponse } from '../../src/http/problem.js';
import type { RateLimitPolicy } from '../../src/key/record.js';
import { keyFrom, setup } from '../support/helpers.js';

interface FakeRequest {
  rawHeaders: string[];
  ip: string | undefined;
  secure: boolean;
}

const accessors: RequestAccessors<FakeRequest> = {
  raw: (req) => req,
  ip: (req) => req.ip,
  secure: (req) => req.secure,
};

const request = (key: string | undefined, ip = '198.51.100.7', secure = true): FakeRequest => ({
  rawHeaders: key === undefined ? [] : ['X-API-Key', key],
  ip,
  secure,
});

async function problemOf(outcome: AuthOutcome | Promise<AuthOutcome>): Promise<ProblemResponse> {
  const settled = await outcome;
  if (settled.ok) throw new Error('expected a failure');
  return settled.response;
}

function fixture(options: Partial<AuthOptions> = {}) {
  const env = setup();
  const authenticate = createAuthenticator({ keygate: env.keygate, onError: vi.fn(), ...options }, accessors);
  return { ...env, authenticate };
}

describe('IP allowlists', () => {
  it('admits a key from an allowed address and refuses it (403 ip_not_allowed) from any other', async () => {
    const { authenticate, createKey } = fixture();
    const { key, apiKey } = await createKey({ allowedIps: ['198.51.100.0/24', '2001:db8::/32'] });
    expect(await authenticate(request(key, '198.51.100.7'))).toEqual({ ok: true, key: apiKey });
    expect(await authenticate(request(key, '2001:db8::42'))).toMatchObject({ ok: true });
    expect(await authenticate(request(key, '::ffff:198.51.100.9'))).toMatchObject({ ok: true });
    const refused = await problemOf(authenticate(request(key, '203.0.113.1')));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('ip_not_allowed');
    expect(refused.headers['content-type']).toBe('application/problem+json');
    // Nothing about the allowlist itself.
    expect(refused.json).not.toMatch(/198\.51|2001|allowed (addresses|ranges)/);
  });

  it('checks the allowlist on cache hits too, synchronously', async () => {
    const { authenticate, createKey, store, reset } = fixture();
    const { key } = await createKey({ allowedIps: ['198.51.100.7'] });
    await authenticate(request(key));
    reset();
    const outcome = authenticate(request(key, '198.51.100.8'));
    expect(outcome).not.toBeInstanceOf(Promise);
    expect((await problemOf(outcome)).body.code).toBe('ip_not_allowed');
    expect(store.calls.findById).toBe(0);
  });

  it('refuses a key with an allowlist when the client address is unknown', async () => {
    const { authenticate, createKey } = fixture();
    const { key } = await createKey({ allowedIps: ['0.0.0.0/0', '::/0'] });
    const refused = await problemOf(authenticate({ rawHeaders: ['X-API-Key', key], ip: undefined, secure: true }));
    expect(refused.body.code).toBe('ip_not_allowed');
  });

  it('applies an allowlist change at once (update evicts the cached key)', async () => {
    const { authenticate, createKey, keygate } = fixture();
    const { key, apiKey } = await createKey();
    expect(await authenticate(request(key, '203.0.113.1'))).toMatchObject({ ok: true });
    await keygate.keys.update(apiKey.id, { allowedIps: ['198.51.100.7'] });
    expect((await problemOf(authenticate(request(key, '203.0.113.1')))).body.code).toBe('ip_not_allowed');
    await keygate.keys.update(apiKey.id, { allowedIps: null });
    expect(await authenticate(request(key, '203.0.113.1'))).toMatchObject({ ok: true });
  });

  it("spends none of the key's quota from a refused address, and counts it as a failed authentication of that address", async () => {
    const burst: RateLimitPolicy = { name: 'burst', limit: 2, windowSeconds: 60 };
    const { authenticate, createKey } = fixture({
      rateLimit: { defaults: [burst], failedAuth: { limit: 3, windowSeconds: 60 }, warn: vi.fn() },
    });
    const { key } = await createKey({ allowedIps: ['198.51.100.7'] });
    for (let i = 0; i < 3; i++) {
      expect((await problemOf(authenticate(request(key, '203.0.113.1')))).body.code).toBe('ip_not_allowed');
    }
    // The address is now over its failed-authentication limit: its next uncached key is refused unchecked…
    const guess = keyFrom('kg', 'AAAAAAAAAAAA', 'B'.repeat(43));
    expect((await problemOf(authenticate(request(guess, '203.0.113.1')))).status).toBe(429);
    // …while the owner still has the whole quota.
    expect(await authenticate(request(key))).toMatchObject({ ok: true });
    expect(await authenticate(request(key))).toMatchObject({ ok: true });
    expect((await problemOf(authenticate(request(key)))).status).toBe(429);
  });
});

describe('requireTls', () => {
  it('refuses a key sent over plain HTTP with 403 tls_required, before any lookup', async () => {
    const { authenticate, createKey, store, hasher, reset } = fixture({ requireTls: true });
    const { key } = await createKey();
    reset();
    const refused = await problemOf(authenticate(request(key, undefined, false)));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('tls_required');
    expect(refused.body.detail).toMatch(/HTTPS is required/);
    expect(store.calls.findById).toBe(0);
    expect(hasher.calls.verify).toBe(0);
  });

  it('refuses malformed and ambiguous credentials over plain HTTP the same way', async () => {
    const { authenticate, createKey } = fixture({ requireTls: true });
    const { key } = await createKey();
    const other = await createKey();
    expect((await problemOf(authenticate(request('not-a-key', undefined, false)))).body.code).toBe('tls_required');
    const both = {
      rawHeaders: ['X-API-Key', key, 'Authorization', `Bearer ${other.key}`],
      ip: '1.2.3.4',
      secure: false,
    };
    expect((await problemOf(authenticate(both))).body.code).toBe('tls_required');
  });

  it('admits a key over HTTPS, and leaves requests without a key to the usual answer', async () => {
    const { authenticate, createKey } = fixture({ requireTls: true });
    const { key } = await createKey();
    expect(await authenticate(request(key))).toMatchObject({ ok: true });
    expect((await problemOf(authenticate(request(undefined, undefined, false)))).body.code).toBe('missing');
    const optional = createAuthenticator({ keygate: fixture().keygate, requireTls: true, optional: true }, accessors);
    expect(await optional(request(undefined, undefined, false))).toEqual({ ok: true, key: undefined });
  });

  it('is off by default', async () => {
    const { authenticate, createKey } = fixture();
    const { key } = await createKey();
    expect(await authenticate(request(key, undefined, false))).toMatchObject({ ok: true });
  });

  it('rejects a non-boolean requireTls', () => {
    const { keygate } = setup();
    expect(() => createAuthenticator({ keygate, requireTls: 'yes' as never }, accessors)).toThrow(KeygateError);
  });
});
