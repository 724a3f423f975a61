// Fair, bounded hashing on the request path: one client's wrong keys cost a bounded number of
// hashes and never refuse or throttle another client.
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/events.js';
import { type AuthOutcome, createAuthenticator } from '../../src/http/authenticate.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import { generateKey } from '../../src/key/format.js';
import { keyFrom, setup } from '../support/helpers.js';

interface FakeRequest {
  rawHeaders: string[];
  ip: string | undefined;
}

const accessors: RequestAccessors<FakeRequest> = { raw: (req) => req, ip: (req) => req.ip, secure: () => true };
const request = (key: string, ip: string): FakeRequest => ({ rawHeaders: ['X-API-Key', key], ip });
const statusOf = async (outcome: AuthOutcome | Promise<AuthOutcome>) => {
  const settled = await outcome;
  return settled.ok ? 200 : settled.response.status;
};
const failedAuth = { limit: 10, windowSeconds: 60 };

describe('fair hashing in the authenticator', () => {
  it('runs no more hashes than the failed-authentication limit for concurrent wrong keys from one address', async () => {
    const env = setup();
    const authenticate = createAuthenticator({ keygate: env.keygate, rateLimit: { failedAuth } }, accessors);
    const ids = await Promise.all(Array.from({ length: 100 }, () => env.createKey()));
    env.hasher.reset();
    const wrong = ids.map(({ apiKey }) => keyFrom(env.keygate.prefix, apiKey.id, generateKey('kg').secret));
    const statuses = await Promise.all(wrong.map((key) => statusOf(authenticate(request(key, '203.0.113.9')))));
    expect(env.hasher.calls.verify).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 401)).toHaveLength(env.hasher.calls.verify);
    expect(statuses.filter((s) => s === 429)).toHaveLength(100 - env.hasher.calls.verify);
  });

  it('counts every address of one IPv6 /64 against the same failed-authentication limit', async () => {
    const env = setup();
    const authenticate = createAuthenticator({ keygate: env.keygate, rateLimit: { failedAuth } }, accessors);
    const unknown = keyFrom(env.keygate.prefix, 'AAAAAAAAAAAA', 'B'.repeat(43));
    for (let i = 1; i <= 10; i++) {
      expect(await statusOf(authenticate(request(unknown, `2001:db8:1:2::${i.toString(16)}`)))).toBe(401);
    }
    expect(await statusOf(authenticate(request(unknown, '2001:db8:1:2:ffff::1')))).toBe(429);
    expect(await statusOf(authenticate(request(unknown, '2001:db8:1:3::1')))).toBe(401);
  });

  it('answers the real key 200 from another address while one address floods its id with wrong secrets', async () => {
    const env = setup();
    const authenticate = createAuthenticator({ keygate: env.keygate }, accessors);
    const real = await env.createKey();
    const flood = Array.from({ length: 200 }, () =>
      statusOf(
        authenticate(request(keyFrom(env.keygate.prefix, real.apiKey.id, generateKey('kg').secret), '203.0.113.66')),
      ),
    );
    for (let i = 0; i < 20; i++) {
      env.keygate.evict();
      expect(await statusOf(authenticate(request(real.key, '198.51.100.7')))).toBe(200);
    }
    const attacker = await Promise.all(flood);
    expect(attacker.every((status) => status === 401 || status === 503)).toBe(true);
    expect(env.hasher.calls.verify).toBeLessThanOrEqual(10 + 20);
  });

  it('treats a hostile forwarded address as one shared client, never throwing', async () => {
    const env = setup();
    const authenticate = createAuthenticator({ keygate: env.keygate, rateLimit: { failedAuth } }, accessors);
    const unknown = keyFrom(env.keygate.prefix, 'AAAAAAAAAAAA', 'B'.repeat(43));
    const hostile = `${'9'.repeat(300)}, ${'x'.repeat(300)}`;
    expect(await statusOf(authenticate(request(unknown, hostile)))).toBe(401);
    const valid = await env.createKey();
    expect(await statusOf(authenticate(request(valid.key, hostile)))).toBe(200);
  });

  it('records no hostile forwarded address in audit events', async () => {
    const events: AuditEvent[] = [];
    const env = setup({ onEvent: (event) => events.push(event) });
    const authenticate = createAuthenticator({ keygate: env.keygate }, accessors);
    const valid = await env.createKey();
    await authenticate(request(valid.key, 'x'.repeat(600)));
    await authenticate(request(valid.key, '2001:db8::1'));
    expect(events.filter((e) => e.type === 'verified').map((e) => e.ip)).toEqual([null, '2001:db8::1']);
  });
});
