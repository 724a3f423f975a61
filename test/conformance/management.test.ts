// The key-management routes over HTTP, identical on Express, Koa and Fastify: the lifecycle,
// bad input, owner isolation, authorization, body handling, and where plaintext keys appear.
import type { CreatedKey, Keygate } from '@keygate/core';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixture } from './helpers.js';
import { type ManagementApp, type MountOptions, managementAdapters } from './management-apps.js';

const HOUR = 3_600_000;
const JSON_TYPE = { 'content-type': 'application/json' };

describe.each(managementAdapters)('key management on $name', (adapter) => {
  let app: ManagementApp | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(options: MountOptions = {}, keygateOptions: { maxKeysPerOwner?: number } = {}) {
    const { keygate, clock } = createFixture(keygateOptions);
    const issue = (owner: string, scopes: string[]) => keygate.keys.create({ name: `${owner} key`, owner, scopes });
    const admin = await issue('acct_1', ['keys:manage', 'users:read', 'users:write']);
    const plain = await issue('acct_1', ['users:read']);
    const foreign = await issue('acct_2', ['keys:manage']);
    app = await adapter.start(keygate, options);
    const http = request(app.server);
    const as = (key: CreatedKey) => ({ 'x-api-key': key.key });
    return { keygate, clock, admin, plain, foreign, http, as };
  }

  it('runs the lifecycle: create, list, get, patch, rotate, revoke, self', async () => {
    const { http, admin, as, keygate, clock } = await start();

    const created = await http
      .post('/admin/keys')
      .set(as(admin))
      .send({ name: 'ci', scopes: ['users:read'], expiresIn: 24 * HOUR });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body.apiKey).toMatchObject({ name: 'ci', owner: 'acct_1', scopes: ['users:read'] });
    const { key, apiKey } = created.body as { key: string; apiKey: { id: string } };
    expect(await verified(keygate, key)).toBe(true);

    const listed = await http.get('/admin/keys').set(as(admin)).expect(200);
    expect(listed.body.keys.map((k: { id: string }) => k.id)).toContain(apiKey.id);

    const got = await http.get(`/admin/keys/${apiKey.id}`).set(as(admin)).expect(200);
    expect(got.body.apiKey).toMatchObject({ id: apiKey.id, name: 'ci', revokedAt: null });

    const patched = await http
      .patch(`/admin/keys/${apiKey.id}`)
      .set(as(admin))
      .send({ name: 'ci-2', scopes: ['users:read', 'users:write'], expiresAt: null })
      .expect(200);
    expect(patched.body.apiKey).toMatchObject({ name: 'ci-2', scopes: ['users:read', 'users:write'], expiresAt: null });

    const rotated = await http
      .post(`/admin/keys/${apiKey.id}/rotate`)
      .set(as(admin))
      .send({ gracePeriodMs: HOUR })
      .expect(201);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const next = rotated.body as { key: string; apiKey: { id: string; name: string } };
    expect(next.apiKey.name).toBe('ci-2');
    expect(await verified(keygate, key)).toBe(true);
    expect(await verified(keygate, next.key)).toBe(true);
    clock.advance(HOUR);
    expect(await verified(keygate, key)).toBe(false);

    const self = await http.get('/admin/keys/self').set({ 'x-api-key': next.key }).expect(200);
    expect(self.body.apiKey).toEqual({
      id: next.apiKey.id,
      name: 'ci-2',
      owner: 'acct_1',
      scopes: ['users:read', 'users:write'],
      expiresAt: null,
    });

    const revoked = await http.delete(`/admin/keys/${next.apiKey.id}`).set(as(admin)).set(JSON_TYPE).expect(200);
    expect(revoked.body.apiKey.revokedAt).not.toBeNull();
    expect(await verified(keygate, next.key)).toBe(false);
  });

  it('answers 400 problem+json naming the field for bad input', async () => {
    const { http, admin, as } = await start();
    const response = await http.post('/admin/keys').set(as(admin)).send({ name: 'n', expiresAt: 'tomorrow' });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'invalid_request', field: 'expiresAt' });
  });

  it('answers 400 for a body that is not valid JSON', async () => {
    const { http, admin, as } = await start();
    const response = await http
      .post('/admin/keys')
      .set(as(admin))
      .set('content-type', 'application/json')
      .send('{"name":');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const { http, admin, as } = await start();
    const response = await http.post('/admin/keys').set(as(admin)).set('content-type', 'text/plain').send('name=n');
    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('accepts application/merge-patch+json on PATCH', async () => {
    const { http, admin, plain, as } = await start();
    const response = await http
      .patch(`/admin/keys/${plain.apiKey.id}`)
      .set(as(admin))
      .set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify({ name: 'merged' }));
    expect(response.status).toBe(200);
    expect(response.body.apiKey.name).toBe('merged');
  });

  it('answers 413 for a body over the limit', async () => {
    const { http, admin, as } = await start({ bodyLimit: 1024 });
    const response = await http
      .post('/admin/keys')
      .set(as(admin))
      .send({ name: 'n', metadata: { pad: 'x'.repeat(2048) } });
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers another owner’s key with 404, as an unknown id, on every route', async () => {
    const { http, admin, foreign, as, keygate } = await start();
    const id = foreign.apiKey.id;
    const unknown = await http.get('/admin/keys/000000000000').set(as(admin));
    for (const response of [
      await http.get(`/admin/keys/${id}`).set(as(admin)),
      await http.patch(`/admin/keys/${id}`).set(as(admin)).send({ name: 'x' }),
      await http.post(`/admin/keys/${id}/rotate`).set(as(admin)).send({}),
      await http.delete(`/admin/keys/${id}`).set(as(admin)).set(JSON_TYPE),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body).toEqual(unknown.body);
    }
    expect(await verified(keygate, foreign.key)).toBe(true);
  });

  it('answers 403 to a key without the management scope, and 401 without a key', async () => {
    const { http, plain, as } = await start();
    const forbidden = await http.get('/admin/keys').set(as(plain));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ code: 'insufficient_scope', requiredScopes: ['keys:manage'] });
    expect((await http.post('/admin/keys').set(as(plain)).send({ name: 'n' })).status).toBe(403);
    expect((await http.get('/admin/keys')).status).toBe(401);
  });

  it('answers GET /keys/self to any valid key', async () => {
    const { http, plain, as } = await start();
    const response = await http.get('/admin/keys/self').set(as(plain)).expect(200);
    expect(response.body.apiKey).toMatchObject({ id: plain.apiKey.id, scopes: ['users:read'] });
  });

  it('puts the plaintext key in create and rotate responses only', async () => {
    const { http, admin, plain, as } = await start();
    const created = await http.post('/admin/keys').set(as(admin)).send({ name: 'n' }).expect(201);
    const id: string = created.body.apiKey.id;
    const rotated = await http.post(`/admin/keys/${id}/rotate`).set(as(admin)).send({ gracePeriodMs: 1000 });
    const keys = [created.body.key as string, rotated.body.key as string, admin.key, plain.key];
    expect(created.text).toContain(keys[0]);
    expect(rotated.text).toContain(keys[1]);
    const others = [
      await http.get('/admin/keys').set(as(admin)),
      await http.get(`/admin/keys/${id}`).set(as(admin)),
      await http.get('/admin/keys/self').set(as(admin)),
      await http.patch(`/admin/keys/${rotated.body.apiKey.id}`).set(as(admin)).send({ name: 'm' }),
      await http.delete(`/admin/keys/${rotated.body.apiKey.id}`).set(as(admin)).set(JSON_TYPE),
    ];
    for (const response of others) {
      expect(response.status).toBe(200);
      for (const key of keys) expect(response.text).not.toContain(key);
      expect(response.text).not.toContain('hash');
    }
  });

  it('answers 405 with Allow for a method a route lacks, and 404 for an unknown route', async () => {
    const { http, admin, as } = await start();
    const wrong = await http.put('/admin/keys').set(as(admin)).send({});
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST, GET, HEAD');
    const unknown = await http.get('/admin/keys/000000000000/history').set(as(admin));
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers 409 when the owner is at its key cap', async () => {
    const { http, admin, as } = await start({}, { maxKeysPerOwner: 2 });
    const response = await http.post('/admin/keys').set(as(admin)).send({ name: 'n' });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('limit_exceeded');
  });

  it('leaves the app’s other routes alone', async () => {
    const { http, plain, as } = await start();
    const response = await http.get('/admin/ping').set(as(plain)).expect(200);
    expect(response.body).toEqual({ pong: true });
  });
});

async function verified(keygate: Keygate, key: string): Promise<boolean> {
  return (await keygate.verify(key)).ok;
}
