import { describe, expect, it, vi } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import type { AuditEvent } from '../../src/events.js';
import { type AuthOptions, type AuthOutcome, createAuthenticator } from '../../src/http/authenticate.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import type { ProblemResponse } from '../../src/http/problem.js';
import { generateKey } from '../../src/key/format.js';
import { keyFrom, mutateAt, setup } from '../support/helpers.js';

interface TestRequest {
  rawHeaders: string[];
}

const accessors: RequestAccessors<TestRequest> = {
  raw: (req) => req,
  ip: () => '127.0.0.1',
  secure: () => true,
};

const withKey = (key: string): TestRequest => ({ rawHeaders: ['X-API-Key', key] });

async function failure(outcome: AuthOutcome | Promise<AuthOutcome>): Promise<ProblemResponse> {
  const resolved = await outcome;
  if (resolved.ok) throw new Error('expected a failure');
  return resolved.response;
}

async function fixture(options: Partial<AuthOptions> = {}, keygateOptions: Parameters<typeof setup>[0] = {}) {
  const env = setup(keygateOptions);
  const onError = vi.fn();
  const authenticate = createAuthenticator({ keygate: env.keygate, onError, ...options }, accessors);
  const valid = await env.createKey({ scopes: ['users:read'] });
  return { ...env, authenticate, onError, valid };
}

describe('createAuthenticator', () => {
  it('passes a valid key and attaches its public metadata', async () => {
    const { authenticate, valid } = await fixture();
    expect(await authenticate(withKey(valid.key))).toEqual({ ok: true, key: valid.apiKey });
  });

  it('answers synchronously for a key in the verified-key cache', async () => {
    const { authenticate, valid } = await fixture();
    await authenticate(withKey(valid.key));
    const outcome = authenticate(withKey(valid.key));
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(outcome).toEqual({ ok: true, key: valid.apiKey });
  });

  it('answers 401 without an error attribute when no key is sent (RFC 6750 §3.1)', async () => {
    const { authenticate } = await fixture();
    const response = await failure(authenticate({ rawHeaders: [] }));
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(response.body.code).toBe('missing');
  });

  it.each<[string, number, string, string]>([
    ['a malformed key', 400, 'malformed', 'Bearer realm="api", error="invalid_request"'],
    ['two different keys', 400, 'ambiguous', 'Bearer realm="api", error="invalid_request"'],
    ['a wrong secret', 401, 'invalid', 'Bearer realm="api", error="invalid_token"'],
    ['a mistyped key', 401, 'invalid', 'Bearer realm="api", error="invalid_token"'],
    ['an expired key', 401, 'expired', 'Bearer realm="api", error="invalid_token"'],
    ['a revoked key', 401, 'revoked', 'Bearer realm="api", error="invalid_token"'],
    ['a disabled key', 401, 'disabled', 'Bearer realm="api", error="invalid_token"'],
  ])('answers %s with %i, code %s and WWW-Authenticate %s', async (kind, status, code, challenge) => {
    const { authenticate, keygate, clock, createKey, valid } = await fixture();
    const expiring = await createKey({ expiresIn: 1000 });
    const revoked = await createKey();
    clock.advance(1000);
    await keygate.keys.revoke(revoked.apiKey.id);
    const disabled = await createKey();
    await keygate.keys.disable(disabled.apiKey.id);
    const requests: Record<string, TestRequest> = {
      'a malformed key': withKey('not-a-key'),
      'two different keys': { rawHeaders: ['X-API-Key', valid.key, 'Authorization', `Bearer ${revoked.key}`] },
      'a wrong secret': withKey(keyFrom('kg', valid.apiKey.id, generateKey('kg').secret)),
      'a mistyped key': withKey(mutateAt(valid.key, 20)),
      'an expired key': withKey(expiring.key),
      'a revoked key': withKey(revoked.key),
      'a disabled key': withKey(disabled.key),
    };
    const response = await failure(authenticate(requests[kind] as TestRequest));
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    expect(response.headers['www-authenticate']).toBe(challenge);
  });

  it('answers an empty key header with 400 invalid_request', async () => {
    const { authenticate } = await fixture();
    const response = await failure(authenticate(withKey('')));
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('malformed');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_request"');
  });

  it('sends RFC 9457 problem+json bodies that are never cached', async () => {
    const { authenticate } = await fixture();
    const response = await failure(authenticate(withKey('not-a-key')));
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The API key is malformed.',
      code: 'malformed',
    });
    expect(JSON.parse(response.json)).toEqual(response.body);
  });

  it('gives an unknown id and a wrong secret the very same response', async () => {
    const { authenticate, valid } = await fixture();
    const unknown = await failure(authenticate(withKey(generateKey('kg').key)));
    const wrong = await failure(authenticate(withKey(keyFrom('kg', valid.apiKey.id, generateKey('kg').secret))));
    expect(wrong).toEqual(unknown);
  });

  it('answers 503 with Retry-After, and no challenge, while the key id is throttled', async () => {
    const { authenticate, clock, valid } = await fixture({}, { failures: { maxPerId: 1, windowMs: 30_000 } });
    await authenticate(withKey(keyFrom('kg', valid.apiKey.id, generateKey('kg').secret)));
    clock.advance(500);
    const response = await failure(authenticate(withKey(keyFrom('kg', valid.apiKey.id, generateKey('kg').secret))));
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('unavailable');
    expect(response.headers['retry-after']).toBe('30');
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('answers 503 with Retry-After when the key store is unavailable, and reports the error to onError', async () => {
    const { authenticate, store, onError, valid } = await fixture();
    const down = new KeygateError('store_unavailable', 'keygate: the Redis key store is unavailable.');
    store.failWith(down);
    const response = await failure(authenticate(withKey(valid.key)));
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('unavailable');
    expect(response.headers['retry-after']).toBe('1');
    expect(onError).toHaveBeenCalledExactlyOnceWith(down);
  });

  it.each([
    [
      'a driver error that is not an outage',
      Object.assign(new Error('relation "missing" does not exist'), { code: '42P01' }),
    ],
    ['another KeygateError', new KeygateError('invalid_input', 'not an outage')],
    ['a value that is not an Error', 'boom'],
  ])(
    'answers 500 problem+json without Retry-After when the store fails with %s, and reports it to onError',
    async (_label, error) => {
      const { authenticate, store, onError, valid } = await fixture();
      store.failWith(error);
      const response = await failure(authenticate(withKey(valid.key)));
      expect(response.status).toBe(500);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.headers['retry-after']).toBeUndefined();
      expect(response.headers['www-authenticate']).toBeUndefined();
      expect(response.body).toMatchObject({ status: 500, code: 'internal' });
      expect(JSON.parse(response.json)).toEqual(response.body);
      expect(onError).toHaveBeenCalledExactlyOnceWith(error);
    },
  );

  it('names the failed event unavailable for a store outage and internal for any other store error', async () => {
    const events: AuditEvent[] = [];
    const { authenticate, store, valid } = await fixture({}, { onEvent: (event) => events.push(event) });
    store.failWith(new KeygateError('store_unavailable', 'down'));
    await authenticate(withKey(valid.key));
    store.failWith(new Error('a bug'));
    await authenticate(withKey(valid.key));
    const failed = events.filter((event) => event.type === 'failed');
    expect(failed.map((event) => event.reason)).toEqual(['unavailable', 'internal']);
  });

  it('lets a request without a key through in optional mode', async () => {
    const { authenticate } = await fixture({ optional: true });
    expect(await authenticate({ rawHeaders: [] })).toEqual({ ok: true, key: undefined });
  });

  it('still refuses a bad key in optional mode', async () => {
    const { authenticate } = await fixture({ optional: true });
    expect((await failure(authenticate(withKey('not-a-key')))).status).toBe(400);
    expect((await failure(authenticate(withKey(generateKey('kg').key)))).status).toBe(401);
  });

  it('names the configured realm in challenges', async () => {
    const { authenticate } = await fixture({ realm: 'billing API' });
    const response = await failure(authenticate({ rawHeaders: [] }));
    expect(response.headers['www-authenticate']).toBe('Bearer realm="billing API"');
  });

  it.each(['', 'quote"d', 'back\\slash', 'new\nline', 'x'.repeat(65), 42])('refuses the realm %j', async (realm) => {
    const { keygate } = setup();
    expect(() => createAuthenticator({ keygate, realm: realm as string }, accessors)).toThrowError(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });

  it('refuses to start without a keygate instance', () => {
    expect(() => createAuthenticator({} as AuthOptions, accessors)).toThrowError(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});
