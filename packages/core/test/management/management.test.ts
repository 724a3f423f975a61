import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createManagementApi, type KeygateResponse, readJsonBody } from '../../src/adapter.js';
import { KeygateError } from '../../src/errors.js';
import type { AuditEvent } from '../../src/events.js';
import type { ManagementOptions } from '../../src/index.js';
import type { ApiKey } from '../../src/key/record.js';
import { START, setup } from '../support/helpers.js';

const HOUR = 3_600_000;
const ADMIN_SCOPES = ['keys:manage', 'users:read', 'users:write'];
const JSON_TYPE = 'application/json';

async function fixture(options: Partial<ManagementOptions> = {}, keygateOptions: Parameters<typeof setup>[0] = {}) {
  const events: AuditEvent[] = [];
  const base = setup({ onEvent: (event) => events.push(event), ...keygateOptions });
  const admin = await base.createKey({ name: 'admin', owner: 'acct_1', scopes: ADMIN_SCOPES });
  const plain = await base.createKey({ name: 'plain', owner: 'acct_1', scopes: ['users:read'] });
  const foreign = await base.createKey({ name: 'foreign', owner: 'acct_2', scopes: ['keys:manage'] });
  const api = createManagementApi({ keygate: base.keygate, ...options });
  const call = (method: string, path: string, body?: unknown, apiKey: ApiKey | undefined = admin.apiKey) =>
    api({ method, path, contentType: JSON_TYPE, body, apiKey });
  return { ...base, events, admin, plain, foreign, api, call };
}

// The body as a client reads it off the wire.
function bodyOf(response: KeygateResponse) {
  return JSON.parse(JSON.stringify(response.body));
}

describe('POST /keys', () => {
  it('creates a key for the caller’s owner and returns the plaintext once, not cached', async () => {
    const { call, keygate } = await fixture();
    const response = await call('POST', '/keys', { name: 'ci', scopes: ['users:read'] });
    expect(response.status).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const { key, apiKey } = bodyOf(response);
    expect(apiKey).toMatchObject({ name: 'ci', owner: 'acct_1', scopes: ['users:read'], expiresAt: null });
    expect(apiKey).not.toHaveProperty('hash');
    expect(await keygate.verify(key)).toMatchObject({ ok: true, key: { id: apiKey.id } });
  });

  it('takes expiresAt as an ISO date-time and returns it as one', async () => {
    const { call } = await fixture();
    const expiresAt = new Date(START + HOUR).toISOString();
    const response = await call('POST', '/keys', { name: 'n', expiresAt });
    expect(bodyOf(response).apiKey.expiresAt).toBe(expiresAt);
  });

  it('takes a lifetime as expiresIn in milliseconds', async () => {
    const { call } = await fixture();
    const response = await call('POST', '/keys', { name: 'n', expiresIn: HOUR });
    expect(bodyOf(response).apiKey.expiresAt).toBe(new Date(START + HOUR).toISOString());
  });

  it('takes rate limits and an IP allowlist', async () => {
    const { call } = await fixture({ rateLimitDefaults: [] });
    const rateLimits = [{ name: 'burst', limit: 5, windowSeconds: 1 }];
    const response = await call('POST', '/keys', { name: 'n', rateLimits, allowedIps: ['10.1.0.0/16'] });
    expect(bodyOf(response).apiKey).toMatchObject({ rateLimits, allowedIps: ['10.1.0.0/16'] });
  });

  it.each([
    ['no name', {}, 'name'],
    ['an owner', { name: 'n', owner: 'acct_2' }, 'owner'],
    ['an unknown field', { name: 'n', colour: 'red' }, 'colour'],
    ['an invalid scope', { name: 'n', scopes: ['Users:Read'] }, 'scopes[0]'],
    ['an expiresAt without a time zone', { name: 'n', expiresAt: '2030-01-01T00:00:00' }, 'expiresAt'],
    ['an expiresAt that is a number', { name: 'n', expiresAt: 1_900_000_000_000 }, 'expiresAt'],
    ['an expiresAt in the past', { name: 'n', expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt'],
    ['a negative expiresIn', { name: 'n', expiresIn: -1 }, 'expiresIn'],
    ['a bad allowlist entry', { name: 'n', allowedIps: ['10.0.0.0/99'] }, 'allowedIps[0]'],
    ['a bad rate limit', { name: 'n', rateLimits: [{ name: 'x', limit: 0, windowSeconds: 1 }] }, 'rateLimits[0].limit'],
  ])('answers 400 problem+json naming the field for %s', async (_, body, field) => {
    const { call } = await fixture();
    const response = await call('POST', '/keys', body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(bodyOf(response)).toMatchObject({ status: 400, code: 'invalid_request', field });
  });

  it.each([
    ['an array', []],
    ['a string', 'name'],
    ['null', null],
  ])('answers 400 for a body that is %s', async (_, body) => {
    const { call } = await fixture();
    expect((await call('POST', '/keys', body)).status).toBe(400);
  });

  it('does not echo an unknown field name that could be a key', async () => {
    const { call, plain } = await fixture();
    const response = await call('POST', '/keys', { name: 'n', [plain.key]: true });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).not.toContain(plain.key);
  });

  it('refuses with 403 to grant a scope the calling key does not hold', async () => {
    const { call } = await fixture();
    const response = await call('POST', '/keys', { name: 'n', scopes: ['users:read', 'billing:write'] });
    expect(response.status).toBe(403);
    expect(bodyOf(response)).toMatchObject({ code: 'forbidden', field: 'scopes' });
    expect(bodyOf(response).detail).toContain('billing:write');
  });

  it('grants any scope when a custom authorize says no key bounds the caller', async () => {
    const { call } = await fixture({ authorize: () => ({ owner: 'acct_1', key: null }) });
    expect((await call('POST', '/keys', { name: 'n', scopes: ['billing:write'] })).status).toBe(201);
  });

  it('answers 409 limit_exceeded when the owner is at maxKeysPerOwner', async () => {
    const { call } = await fixture({}, { maxKeysPerOwner: 2 });
    const response = await call('POST', '/keys', { name: 'n' });
    expect(response.status).toBe(409);
    expect(bodyOf(response).code).toBe('limit_exceeded');
  });

  it('emits a created event carrying the request context', async () => {
    const { api, admin, events } = await fixture();
    const context = { route: 'POST /admin/keys', ip: '192.0.2.1', userAgent: 'test' };
    const response = await api({
      method: 'POST',
      path: '/keys',
      contentType: JSON_TYPE,
      body: { name: 'n' },
      apiKey: admin.apiKey,
      context,
    });
    expect(events.at(-1)).toMatchObject({ type: 'created', keyId: bodyOf(response).apiKey.id, ...context });
  });
});

describe('GET /keys and GET /keys/:id', () => {
  it('lists the caller owner’s keys only, without hashes or plaintext', async () => {
    const { call, admin, plain, foreign } = await fixture();
    const response = await call('GET', '/keys');
    expect(response.status).toBe(200);
    const ids = bodyOf(response).keys.map((k: { id: string }) => k.id);
    expect(ids.sort()).toEqual([admin.apiKey.id, plain.apiKey.id].sort());
    expect(bodyOf(response).nextCursor).toBeNull();
    const text = JSON.stringify(response.body);
    for (const created of [admin, plain, foreign]) expect(text).not.toContain(created.key);
    expect(text).not.toContain('hash');
  });

  it('returns one of the owner’s keys by id', async () => {
    const { call, plain } = await fixture();
    const response = await call('GET', `/keys/${plain.apiKey.id}`);
    expect(response.status).toBe(200);
    expect(bodyOf(response).apiKey).toMatchObject({ id: plain.apiKey.id, name: 'plain', scopes: ['users:read'] });
  });

  it('answers another owner’s key exactly as an unknown id: 404', async () => {
    const { call, foreign } = await fixture();
    const other = await call('GET', `/keys/${foreign.apiKey.id}`);
    const unknown = await call('GET', '/keys/000000000000');
    expect(other.status).toBe(404);
    expect(other).toEqual(unknown);
  });

  it('answers 404 for a path segment that cannot be a key id', async () => {
    const { call } = await fixture();
    expect((await call('GET', '/keys/not-an-id')).status).toBe(404);
  });

  it('answers HEAD as GET', async () => {
    const { call } = await fixture();
    expect((await call('HEAD', '/keys')).status).toBe(200);
  });

  it('ignores a trailing slash and a query string', async () => {
    const { call } = await fixture();
    expect((await call('GET', '/keys/?limit=1')).status).toBe(200);
  });
});

describe('PATCH /keys/:id', () => {
  it('updates the key and returns it', async () => {
    const { call, plain } = await fixture();
    const response = await call('PATCH', `/keys/${plain.apiKey.id}`, {
      name: 'renamed',
      scopes: ['users:write'],
      expiresIn: HOUR,
    });
    expect(response.status).toBe(200);
    expect(bodyOf(response).apiKey).toMatchObject({
      name: 'renamed',
      scopes: ['users:write'],
      expiresAt: new Date(START + HOUR).toISOString(),
    });
  });

  it('clears the expiry with expiresAt null', async () => {
    const { call, keygate } = await fixture();
    const { apiKey } = await keygate.keys.create({ name: 'n', owner: 'acct_1', expiresIn: HOUR });
    const response = await call('PATCH', `/keys/${apiKey.id}`, { expiresAt: null });
    expect(bodyOf(response).apiKey.expiresAt).toBeNull();
  });

  it('answers 409 for a revoked key', async () => {
    const { call, plain } = await fixture();
    await call('DELETE', `/keys/${plain.apiKey.id}`);
    const response = await call('PATCH', `/keys/${plain.apiKey.id}`, { name: 'x' });
    expect(response.status).toBe(409);
    expect(bodyOf(response).code).toBe('conflict');
  });

  it('answers 404 for another owner’s key, before looking at the body', async () => {
    const { call, foreign } = await fixture();
    expect((await call('PATCH', `/keys/${foreign.apiKey.id}`, { bogus: 1 })).status).toBe(404);
  });

  it('answers 400 naming an unknown field', async () => {
    const { call, plain } = await fixture();
    const response = await call('PATCH', `/keys/${plain.apiKey.id}`, { owner: 'acct_2' });
    expect(response.status).toBe(400);
    expect(bodyOf(response).field).toBe('owner');
  });

  it('refuses with 403 to widen scopes beyond the calling key’s', async () => {
    const { call, plain } = await fixture();
    expect((await call('PATCH', `/keys/${plain.apiKey.id}`, { scopes: ['admin:*'] })).status).toBe(403);
  });
});

describe('POST /keys/:id/rotate', () => {
  it('returns a new key, once, and keeps the old one working for the grace period', async () => {
    const { call, plain, keygate, clock } = await fixture();
    const response = await call('POST', `/keys/${plain.apiKey.id}/rotate`, { gracePeriodMs: HOUR });
    expect(response.status).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const { key, apiKey } = bodyOf(response);
    expect(apiKey).toMatchObject({ name: 'plain', owner: 'acct_1', scopes: ['users:read'] });
    expect(await keygate.verify(key)).toMatchObject({ ok: true });
    expect(await keygate.verify(plain.key)).toMatchObject({ ok: true });
    clock.advance(HOUR);
    expect(await keygate.verify(plain.key)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('uses defaultGracePeriodMs when the request has no body', async () => {
    const { call, plain, keygate } = await fixture({ defaultGracePeriodMs: HOUR });
    await call('POST', `/keys/${plain.apiKey.id}/rotate`);
    expect((await keygate.keys.get(plain.apiKey.id))?.expiresAt).toEqual(new Date(START + HOUR));
  });

  it('revokes the old key at once by default', async () => {
    const { call, plain, keygate } = await fixture();
    await call('POST', `/keys/${plain.apiKey.id}/rotate`, {});
    expect(await keygate.verify(plain.key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('answers 409 for a key that was already rotated', async () => {
    const { call, plain } = await fixture();
    await call('POST', `/keys/${plain.apiKey.id}/rotate`, { gracePeriodMs: HOUR });
    expect((await call('POST', `/keys/${plain.apiKey.id}/rotate`)).status).toBe(409);
  });

  it('answers 400 naming gracePeriodMs when it is not a non-negative integer', async () => {
    const { call, plain } = await fixture();
    const response = await call('POST', `/keys/${plain.apiKey.id}/rotate`, { gracePeriodMs: '1h' });
    expect(response.status).toBe(400);
    expect(bodyOf(response).field).toBe('gracePeriodMs');
  });

  it('answers 404 for another owner’s key', async () => {
    const { call, foreign } = await fixture();
    expect((await call('POST', `/keys/${foreign.apiKey.id}/rotate`)).status).toBe(404);
  });
});

describe('DELETE /keys/:id', () => {
  it('revokes the key and answers 200 with its metadata', async () => {
    const { call, plain, keygate } = await fixture();
    const response = await call('DELETE', `/keys/${plain.apiKey.id}`);
    expect(response.status).toBe(200);
    expect(bodyOf(response).apiKey).toMatchObject({ id: plain.apiKey.id, revokedAt: new Date(START).toISOString() });
    expect(await keygate.verify(plain.key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('answers 200 again for a key already revoked', async () => {
    const { call, plain } = await fixture();
    await call('DELETE', `/keys/${plain.apiKey.id}`);
    expect((await call('DELETE', `/keys/${plain.apiKey.id}`)).status).toBe(200);
  });

  it('answers 404 for another owner’s key and leaves it working', async () => {
    const { call, foreign, keygate } = await fixture();
    expect((await call('DELETE', `/keys/${foreign.apiKey.id}`)).status).toBe(404);
    expect(await keygate.verify(foreign.key)).toMatchObject({ ok: true });
  });
});

describe('GET /keys/self', () => {
  it('describes the calling key to any valid key, without the management scope', async () => {
    const { call, plain } = await fixture();
    const response = await call('GET', '/keys/self', undefined, plain.apiKey);
    expect(response.status).toBe(200);
    expect(bodyOf(response)).toEqual({
      apiKey: { id: plain.apiKey.id, name: 'plain', owner: 'acct_1', scopes: ['users:read'], expiresAt: null },
      credits: { owner: null, key: null },
    });
  });

  it('answers 401 without a key', async () => {
    const { call } = await fixture();
    expect((await call('GET', '/keys/self', undefined, null as never)).status).toBe(401);
  });
});

describe('authorization', () => {
  it('answers 401 with a Bearer challenge when no key is attached', async () => {
    const { api } = await fixture();
    const response = await api({ method: 'GET', path: '/keys', contentType: undefined, apiKey: undefined });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api"/);
  });

  it('answers 403 insufficient_scope naming the management scope to a key without it', async () => {
    const { call, plain } = await fixture();
    const response = await call('GET', '/keys', undefined, plain.apiKey);
    expect(response.status).toBe(403);
    expect(bodyOf(response)).toMatchObject({ code: 'insufficient_scope', requiredScopes: ['keys:manage'] });
  });

  it('honours a custom managementScope, wildcards included', async () => {
    const { call, createKey } = await fixture({ managementScope: 'admin:keys' });
    const { apiKey } = await createKey({ owner: 'acct_1', scopes: ['admin:*'] });
    expect((await call('GET', '/keys', undefined, apiKey)).status).toBe(200);
  });

  it('lets a custom authorize choose the owner from the request', async () => {
    const authorize = vi.fn(({ request }: { request: unknown }) => ({ owner: (request as { tenant: string }).tenant }));
    const { api, foreign } = await fixture({ authorize });
    const request = { tenant: 'acct_2' };
    const response = await api({ method: 'GET', path: '/keys', contentType: undefined, apiKey: undefined, request });
    expect(response.status).toBe(200);
    expect(bodyOf(response).keys.map((k: { id: string }) => k.id)).toEqual([foreign.apiKey.id]);
    expect(authorize).toHaveBeenCalledWith({ apiKey: undefined, request: { tenant: 'acct_2' } });
  });

  it('answers 403 forbidden when a custom authorize refuses a key', async () => {
    const { call } = await fixture({ authorize: async () => null });
    const response = await call('GET', '/keys');
    expect(response.status).toBe(403);
    expect(bodyOf(response).code).toBe('forbidden');
  });
});

describe('content types', () => {
  it('answers 415 to POST, PATCH and DELETE without a JSON content type, even without a body', async () => {
    const { api, admin, plain } = await fixture();
    for (const [method, path] of [
      ['POST', '/keys'],
      ['PATCH', `/keys/${plain.apiKey.id}`],
      ['DELETE', `/keys/${plain.apiKey.id}`],
      ['POST', `/keys/${plain.apiKey.id}/rotate`],
    ] as const) {
      for (const contentType of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
        const response = await api({ method, path, contentType, apiKey: admin.apiKey });
        expect(response.status).toBe(415);
        expect(bodyOf(response).code).toBe('unsupported_media_type');
      }
    }
    expect((await api({ method: 'GET', path: '/keys', contentType: undefined, apiKey: admin.apiKey })).status).toBe(
      200,
    );
  });
});

describe('routing and failures', () => {
  it('answers 404 problem+json for an unknown route', async () => {
    const { call } = await fixture();
    const response = await call('GET', '/keys/000000000000/history');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
  });

  it('answers 405 with Allow for a method the route does not have', async () => {
    const { call, plain } = await fixture();
    const collection = await call('PUT', '/keys');
    expect(collection.status).toBe(405);
    expect(collection.headers.allow).toBe('POST, GET, HEAD');
    const item = await call('POST', `/keys/${plain.apiKey.id}`);
    expect(item.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
    expect((await call('DELETE', '/keys/self')).headers.allow).toBe('GET, HEAD');
  });

  it('answers 500 and reports the error when the store fails, without leaking its message', async () => {
    const onError = vi.fn();
    const { call, store } = await fixture({ onError });
    store.failWith(new Error('connection refused to db.internal'));
    const response = await call('GET', '/keys');
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain('db.internal');
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('answers 503 when the store reports it is unavailable', async () => {
    const { call, store } = await fixture({ onError: () => {} });
    store.failWith(new KeygateError('store_unavailable', 'down'));
    expect((await call('GET', '/keys')).status).toBe(503);
  });

  it('puts a plaintext key in create and rotate responses only', async () => {
    const { call, plain } = await fixture();
    const created = await call('POST', '/keys', { name: 'n' });
    const createdKey: string = bodyOf(created).key;
    const id: string = bodyOf(created).apiKey.id;
    const others = [
      await call('GET', '/keys'),
      await call('GET', `/keys/${id}`),
      await call('PATCH', `/keys/${id}`, { name: 'm' }),
      await call('GET', '/keys/self'),
    ];
    const rotated = await call('POST', `/keys/${id}/rotate`, { gracePeriodMs: 1000 });
    const rotatedKey: string = bodyOf(rotated).key;
    others.push(await call('DELETE', `/keys/${bodyOf(rotated).apiKey.id}`), await call('GET', '/keys'));
    for (const response of others) {
      const text = JSON.stringify(response.body);
      for (const key of [createdKey, rotatedKey, plain.key]) expect(text).not.toContain(key);
    }
  });

  it.each([
    ['a missing keygate', { keygate: undefined }],
    ['an invalid managementScope', { managementScope: 'Keys:*' }],
    ['a zero bodyLimit', { bodyLimit: 0 }],
    ['a negative defaultGracePeriodMs', { defaultGracePeriodMs: -1 }],
    ['an authorize that is not a function', { authorize: 'yes' }],
  ])('rejects %s with invalid_options', (_, options) => {
    const { keygate } = setup();
    expect(() => createManagementApi({ keygate, ...options } as ManagementOptions)).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});

function request(chunks: Buffer[], headers: Record<string, string>): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

describe('readJsonBody', () => {
  const json = { 'content-type': 'application/json' };

  it('parses a JSON body', async () => {
    const body = Buffer.from('{"name":"n"}');
    const result = await readJsonBody(request([body], { ...json, 'content-length': String(body.length) }), 100);
    expect(result).toEqual({ ok: true, body: { name: 'n' } });
  });

  it('reads no body when the request announces none', async () => {
    expect(await readJsonBody(request([], {}), 100)).toEqual({ ok: true, body: undefined });
  });

  it('accepts application/*+json and an explicit UTF-8 charset', async () => {
    const headers = { 'content-type': 'application/merge-patch+json; charset=UTF-8', 'transfer-encoding': 'chunked' };
    expect(await readJsonBody(request([Buffer.from('{}')], headers), 100)).toEqual({ ok: true, body: {} });
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form data', 'application/x-www-form-urlencoded'],
    ['JSON in another charset', 'application/json; charset=latin1'],
  ])('answers 415 for %s', async (_, type) => {
    const result = await readJsonBody(
      request([Buffer.from('{}')], { 'content-type': type, 'content-length': '2' }),
      100,
    );
    expect(result).toMatchObject({ ok: false, response: { status: 415 } });
  });

  it('answers 413 from Content-Length alone, without reading', async () => {
    const result = await readJsonBody(request([], { ...json, 'content-length': '101' }), 100);
    expect(result).toMatchObject({ ok: false, response: { status: 413 } });
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const chunks = [Buffer.alloc(60, 0x20), Buffer.alloc(60, 0x20)];
    const result = await readJsonBody(request(chunks, { ...json, 'transfer-encoding': 'chunked' }), 100);
    expect(result).toMatchObject({ ok: false, response: { status: 413 } });
  });

  it('reads no body, rather than wait forever, when the stream was already consumed', async () => {
    const req = request([Buffer.from('{}')], { ...json, 'content-length': '2' });
    for await (const _ of req) {
      // drained by someone else
    }
    expect(await readJsonBody(req, 100)).toEqual({ ok: true, body: undefined });
  });

  it.each([
    ['invalid JSON', Buffer.from('{"name":')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
  ])('answers 400 for %s', async (_, body) => {
    const result = await readJsonBody(request([body], { ...json, 'content-length': String(body.length) }), 100);
    expect(result).toMatchObject({ ok: false, response: { status: 400 } });
  });
});

describe('body helpers the adapters share', () => {
  it('maps a body parser failure to 413, 415 or 400 by its status', async () => {
    const { bodyParseFailure } = await import('../../src/adapter.js');
    expect(bodyParseFailure(413, 1024)).toMatchObject({ status: 413 });
    expect(bodyParseFailure(415, 1024)).toMatchObject({ status: 415 });
    expect(bodyParseFailure(400, 1024)).toMatchObject({ status: 400 });
    expect(bodyParseFailure(undefined, 1024)).toMatchObject({ status: 400 });
  });
});
