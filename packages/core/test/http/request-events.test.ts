// Audit events of the request path (`verified`, `failed`, `rate_limited`) and the secrecy of keys
// in everything a request or a management operation produces: events, log lines, responses, errors.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import type { AuditEvent } from '../../src/events.js';
import { type AuthOptions, type AuthOutcome, createAuthenticator } from '../../src/http/authenticate.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import { MAX_USER_AGENT_LENGTH } from '../../src/http/request-events.js';
import { generateKey, parseKey } from '../../src/key/format.js';
import type { RateLimitPolicy } from '../../src/key/record.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import type { KeygateOptions } from '../../src/keygate/options.js';
import { createManagementApi } from '../../src/management/index.js';
import { keyFrom, mutateAt, setup } from '../support/helpers.js';

interface FakeRequest {
  rawHeaders: string[];
  method: string;
  url: string;
  ip?: string;
  secure?: boolean;
  query?: Record<string, unknown>;
}

// Counts the reads an event would need, to show that none happen without a listener.
const reads = { ip: 0, url: 0 };
const accessors: RequestAccessors<FakeRequest> = {
  raw: (req) => req,
  ip: (req) => {
    reads.ip++;
    return req.ip ?? '198.51.100.7';
  },
  secure: (req) => req.secure ?? true,
  originalUrl: (req) => {
    reads.url++;
    return req.url;
  },
  query: (req, name) => req.query?.[name],
};

const get = (key: string | undefined, extra: Partial<FakeRequest> = {}): FakeRequest => ({
  rawHeaders: key === undefined ? ['User-Agent', 'test-agent/1.0'] : ['X-API-Key', key, 'User-Agent', 'test-agent/1.0'],
  method: 'GET',
  url: '/v1/things',
  ...extra,
});

function fixture(authOptions: Partial<AuthOptions> = {}, keygateOptions: Partial<KeygateOptions> = {}) {
  const events: AuditEvent[] = [];
  const env = setup({ onEvent: (event) => events.push(event), ...keygateOptions });
  const onError = vi.fn();
  const authenticate = createAuthenticator({ keygate: env.keygate, onError, ...authOptions }, accessors);
  return { ...env, events, onError, authenticate };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('request audit events', () => {
  it('emits `verified` with the key id, owner, time and request context (route without query string)', async () => {
    const { authenticate, createKey, events, clock } = fixture({
      sources: [
        { in: 'header', name: 'x-api-key' },
        { in: 'query', name: 'api_key' },
      ],
    });
    const { key, apiKey } = await createKey();
    events.length = 0;
    const req = get(undefined, {
      url: `/v1/things?api_key=${key}&page=2#frag`,
      query: { api_key: key },
      ip: '203.0.113.9',
    });
    expect(await authenticate(req)).toMatchObject({ ok: true });
    expect(events).toEqual([
      {
        type: 'verified',
        time: new Date(clock.now()),
        keyId: apiKey.id,
        owner: apiKey.owner,
        route: 'GET /v1/things',
        ip: '203.0.113.9',
        userAgent: 'test-agent/1.0',
      },
    ]);
    expect(Object.isFrozen(events[0])).toBe(true);
    // Cache hits emit too.
    authenticate(req);
    expect(events).toHaveLength(2);
  });

  it.each<[string, string, boolean]>([
    ['malformed', 'malformed', false],
    ['ambiguous', 'ambiguous', false],
    ['unknown id', 'invalid', false],
    ['wrong secret', 'invalid', true],
    ['expired', 'expired', true],
    ['revoked', 'revoked', true],
    ['disabled', 'disabled', true],
  ])(
    'emits `failed` for a %s key with reason %s (and the key id when the store knows it)',
    async (kind, reason, withId) => {
      const { authenticate, createKey, keygate, clock, events } = fixture();
      const valid = await createKey();
      const expiring = await createKey({ expiresIn: 1000 });
      const revoked = await createKey();
      await keygate.keys.revoke(revoked.apiKey.id);
      const disabled = await createKey();
      await keygate.keys.disable(disabled.apiKey.id);
      clock.advance(1000);
      const target = { expired: expiring, revoked, disabled, 'wrong secret': valid }[kind];
      const presented: Record<string, FakeRequest> = {
        malformed: get('not-a-key'),
        ambiguous: get(valid.key, { rawHeaders: ['X-API-Key', valid.key, 'Authorization', `Bearer ${revoked.key}`] }),
        'unknown id': get(keyFrom('kg', 'AAAAAAAAAAAA', 'B'.repeat(43))),
        'wrong secret': get(keyFrom('kg', valid.apiKey.id, generateKey('kg').secret)),
        expired: get(expiring.key),
        revoked: get(revoked.key),
        disabled: get(disabled.key),
      };
      events.length = 0;
      expect((await authenticate(presented[kind] as FakeRequest)).ok).toBe(false);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'failed',
          reason,
          keyId: withId ? target?.apiKey.id : null,
          // The owner only ever comes from a key whose secret was verified.
          owner: null,
          route: 'GET /v1/things',
          ip: '198.51.100.7',
        }),
      ]);
    },
  );

  it('emits `failed` with reason ip_not_allowed (id and owner), tls_required, busy and unavailable', async () => {
    const { authenticate, createKey, events, store } = fixture({}, { failures: { maxPerId: 1 } });
    const fenced = await createKey({ allowedIps: ['192.0.2.1'] });
    events.length = 0;
    await authenticate(get(fenced.key));
    expect(events.at(-1)).toMatchObject({ reason: 'ip_not_allowed', keyId: fenced.apiKey.id, owner: 'acct_1' });

    const tlsEvents: AuditEvent[] = [];
    const tlsEnv = setup({ onEvent: (e) => tlsEvents.push(e) });
    const plain = await tlsEnv.createKey();
    const tlsAuth = createAuthenticator({ keygate: tlsEnv.keygate, requireTls: true }, accessors);
    await tlsAuth(get(plain.key, { secure: false }));
    expect(tlsEvents.at(-1)).toMatchObject({ type: 'failed', reason: 'tls_required', keyId: plain.apiKey.id });

    // Two different wrong secrets for one id: the second is throttled (503 busy).
    const victim = await createKey();
    await authenticate(get(keyFrom('kg', victim.apiKey.id, generateKey('kg').secret)));
    await authenticate(get(keyFrom('kg', victim.apiKey.id, generateKey('kg').secret)));
    expect(events.at(-1)).toMatchObject({ type: 'failed', reason: 'busy', keyId: victim.apiKey.id });

    const other = await createKey();
    store.failWith(new KeygateError('store_unavailable', 'connection refused'));
    await authenticate(get(other.key));
    expect(events.at(-1)).toMatchObject({ type: 'failed', reason: 'unavailable', keyId: null });
  });

  it('emits nothing for a request without a key', async () => {
    const { authenticate, events } = fixture();
    events.length = 0;
    await authenticate(get(undefined));
    expect(events).toEqual([]);
  });

  it('emits `rate_limited` with the violated policies, per key and from the failed-authentication guard', async () => {
    const burst: RateLimitPolicy = { name: 'burst', limit: 1, windowSeconds: 60 };
    const { authenticate, createKey, events } = fixture({
      rateLimit: { defaults: [burst], failedAuth: { limit: 1, windowSeconds: 60 }, warn: vi.fn() },
    });
    const { key, apiKey } = await createKey();
    events.length = 0;
    await authenticate(get(key));
    expect((await authenticate(get(key))).ok).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['verified', 'rate_limited']);
    expect(events[1]).toMatchObject({ keyId: apiKey.id, owner: apiKey.owner, policies: ['burst'] });

    const guess = () => get(keyFrom('kg', 'AAAAAAAAAAAA', generateKey('kg').secret), { ip: '203.0.113.50' });
    await authenticate(guess());
    await authenticate(guess());
    expect(events.at(-1)).toMatchObject({ type: 'rate_limited', keyId: null, owner: null, ip: '203.0.113.50' });
    expect(events.at(-1)?.policies).toEqual([expect.any(String)]);
  });

  it('caps the user agent and the route, and blanks anything key-shaped out of both', async () => {
    const { authenticate, createKey, events } = fixture();
    const { key } = await createKey();
    events.length = 0;
    const agent = `bot ${key} ${'x'.repeat(1000)}`;
    await authenticate({ ...get(key), url: `/echo/${key}/more`, rawHeaders: ['X-API-Key', key, 'User-Agent', agent] });
    const [event] = events;
    expect(event?.route).toBe('GET /echo/[redacted]/more');
    expect(event?.userAgent).toHaveLength(MAX_USER_AGENT_LENGTH);
    expect(event?.userAgent?.startsWith('bot [redacted] xxx')).toBe(true);
  });

  it('builds no context without a listener: no URL read, and no address read on a cache hit', async () => {
    const env = setup();
    const authenticate = createAuthenticator({ keygate: env.keygate }, accessors);
    const { key } = await env.createKey();
    await authenticate(get(key));
    reads.ip = 0;
    reads.url = 0;
    authenticate(get(key));
    expect(reads).toEqual({ ip: 0, url: 0 });
    await authenticate(get('not-a-key'));
    await authenticate(get(mutateAt(key, 20)));
    expect(reads.url).toBe(0);
    expect(runtimeOf(env.keygate).emit).toBeUndefined();
  });

  it('never lets a listener change the response: a throw or a rejection is logged and dropped', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const onEvent of [
      () => {
        throw new Error('listener bug');
      },
      () => Promise.reject(new Error('async listener bug')) as never,
    ]) {
      const env = setup({ onEvent });
      const authenticate = createAuthenticator({ keygate: env.keygate }, accessors);
      const { key, apiKey } = await env.createKey();
      expect(await authenticate(get(key))).toEqual({ ok: true, key: apiKey });
      expect(authenticate(get(key))).toEqual({ ok: true, key: apiKey });
      expect(((await authenticate(get('not-a-key'))) as { ok: false }).ok).toBe(false);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(error).toHaveBeenCalled();
  });
});

describe('secrecy of the request path and management', () => {
  it('a planted key appears in no event, log line, response or error, across every outcome', async () => {
    const logged: unknown[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}\n${a.stack}` : a)));
      });
    }
    const events: AuditEvent[] = [];
    const env = setup({ onEvent: (event) => events.push(event), failures: { maxPerId: 2 } });
    const errors: unknown[] = [];
    const burst: RateLimitPolicy = { name: 'burst', limit: 3, windowSeconds: 60 };
    const options = {
      keygate: env.keygate,
      onError: (e: unknown) => errors.push(e),
      sources: [
        { in: 'header', name: 'x-api-key' },
        { in: 'query', name: 'api_key' },
      ] as const,
    };
    const plain = createAuthenticator(options, accessors);
    const limited = createAuthenticator(
      { ...options, rateLimit: { defaults: [burst], failedAuth: { limit: 4, windowSeconds: 60 } } },
      accessors,
    );
    const tls = createAuthenticator({ ...options, requireTls: true }, accessors);

    const planted = await env.createKey({ scopes: ['keys:manage'] });
    const parsed = parseKey(planted.key);
    if (!parsed.ok) throw new Error('unreachable');
    const fenced = await env.createKey({ allowedIps: ['192.0.2.1'] });
    const expiring = await env.createKey({ expiresIn: 1000 });
    env.clock.advance(1000);
    const wrongSecret = keyFrom('kg', planted.apiKey.id, generateKey('kg').secret);
    // Distinct wrong secrets for one id: past failures.maxPerId the id is throttled (503 busy).
    const guesses = [1, 2, 3].map(() => keyFrom('kg', fenced.apiKey.id, generateKey('kg').secret));
    const secrets = [planted.key, parsed.key.secret, fenced.key, expiring.key, wrongSecret, ...guesses];
    secrets.push(mutateAt(planted.key, 20));

    const outcomes: Array<AuthOutcome> = [];
    const run = async (outcome: AuthOutcome | Promise<AuthOutcome>) => outcomes.push(await outcome);
    const withQuery = (key: string) => get(undefined, { url: `/v1/things?api_key=${key}`, query: { api_key: key } });
    // Success (header and query, cached and not), every failure, TLS, IP, rate limits.
    await run(plain(get(planted.key)));
    await run(plain(get(planted.key)));
    await run(plain(withQuery(planted.key)));
    await run(
      plain({
        ...get(planted.key),
        url: `/echo/${planted.key}`,
        rawHeaders: ['User-Agent', planted.key, 'X-API-Key', planted.key],
      }),
    );
    await run(plain(get(wrongSecret)));
    await run(plain(get(mutateAt(planted.key, 20))));
    await run(plain(get(`${planted.key}x`)));
    await run(plain({ ...get(planted.key), rawHeaders: ['X-API-Key', planted.key, 'X-API-Key', fenced.key] }));
    await run(plain(get(expiring.key)));
    await run(plain(get(fenced.key)));
    for (const guess of guesses) await run(plain(get(guess)));
    await run(tls(get(planted.key, { secure: false })));
    await run(tls(withQuery(planted.key)));
    for (let i = 0; i < 5; i++) await run(limited(get(planted.key)));
    for (let i = 0; i < 6; i++) await run(limited(get(wrongSecret, { ip: '203.0.113.66' })));

    // Management: through the KeyManager and through the HTTP handler, with request contexts.
    const context = { route: 'POST /keys', ip: '198.51.100.7', userAgent: 'admin' };
    await env.keygate.keys.update(planted.apiKey.id, { name: 'renamed' }, { context });
    const api = createManagementApi({ keygate: env.keygate });
    const responses: unknown[] = [];
    const call = async (method: string, path: string, body?: unknown) =>
      responses.push(
        await api({ method, path, contentType: 'application/json', body, apiKey: planted.apiKey, context }),
      );
    await call('GET', `/keys/${planted.apiKey.id}`);
    await call('GET', '/keys');
    await call('PATCH', `/keys/${planted.apiKey.id}`, { name: 'renamed again' });
    await call('PATCH', `/keys/${planted.apiKey.id}`, { [planted.key]: 1, allowedIps: null });
    await call('POST', '/keys', { name: 'child', scopes: [] });
    await call('DELETE', `/keys/${fenced.apiKey.id}`);
    await call('POST', `/keys/${planted.apiKey.id}/rotate`, { gracePeriodMs: 60_000 });
    expect(responses.map((r) => (r as { status: number }).status)).toEqual([200, 200, 200, 400, 201, 200, 201]);
    await run(plain(get(planted.key)));
    const rotatedAway = await env.keygate.keys.rotate(fenced.apiKey.id).catch((error: unknown) => error);
    await env.keygate.keys.revoke(planted.apiKey.id, { context });
    await run(plain(get(planted.key)));
    env.store.failWith(new KeygateError('store_unavailable', 'connection refused'));
    env.keygate.evict();
    await run(plain(get(planted.key)));

    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['verified', 'failed', 'rate_limited', 'created', 'updated', 'rotated', 'revoked']),
    );
    const reasons = new Set(events.map((e) => e.reason).filter(Boolean));
    for (const reason of [
      'invalid',
      'malformed',
      'ambiguous',
      'expired',
      'revoked',
      'ip_not_allowed',
      'tls_required',
      'busy',
      'unavailable',
    ]) {
      expect(reasons).toContain(reason);
    }
    const dump = (value: unknown) =>
      value instanceof Error
        ? `${value.name} ${value.message} ${value.stack} ${JSON.stringify(value)}`
        : JSON.stringify(value);
    const everything = [
      ...events.map(dump),
      ...logged.map(dump),
      ...outcomes.map(dump),
      ...responses.map(dump),
      ...errors.map(dump),
      dump(rotatedAway),
    ].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
