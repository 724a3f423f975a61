// Disabled keys over HTTP, identical on Express, Koa and Fastify: a disabled key is refused with
// 401 `disabled` until enabled again, and the management routes POST /keys/:id/disable and
// /keys/:id/enable follow the rules of the other write routes.
import type { CreatedKey } from '@keygate/core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { CHALLENGE, createFixture, expectProblem, type Fixture } from './helpers.js';
import { type ManagementApp, managementAdapters } from './management-apps.js';

const JSON_TYPE = { 'content-type': 'application/json' };

describe.each(adapters)('$name: a disabled key', (adapter) => {
  let fx: Fixture;
  let app: RunningApp;

  beforeAll(async () => {
    fx = createFixture();
    app = await adapter.start({ keygate: fx.keygate });
  });
  afterAll(() => app.close());

  const me = (key: CreatedKey) => request(app.server).get(ROUTES.me.path).set('X-API-Key', key.key);

  it('is refused with 401 problem+json, code disabled, at once though it was just accepted', async () => {
    const created = await fx.issue();
    expect((await me(created)).status).toBe(200);
    await fx.keygate.keys.disable(created.apiKey.id);
    const body = expectProblem(await me(created), { status: 401, code: 'disabled', challenge: CHALLENGE.invalidToken });
    expect(body.detail).toContain('disabled');
  });

  it('is accepted again once enabled', async () => {
    const created = await fx.issue();
    await fx.keygate.keys.disable(created.apiKey.id);
    expect((await me(created)).status).toBe(401);
    await fx.keygate.keys.enable(created.apiKey.id);
    const res = await me(created);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(created.apiKey.id);
  });
});

describe.each(managementAdapters)('disable and enable routes on $name', (adapter) => {
  let app: ManagementApp | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start() {
    const fx = createFixture();
    const issue = (owner: string, scopes: string[]) => fx.keygate.keys.create({ name: `${owner} key`, owner, scopes });
    const admin = await issue('acct_1', ['keys:manage', 'users:read']);
    const plain = await issue('acct_1', ['users:read']);
    const stronger = await issue('acct_1', ['admin:*']);
    const foreign = await issue('acct_2', ['users:read']);
    app = await adapter.start(fx.keygate);
    const http = request(app.server);
    const as = (key: CreatedKey) => ({ 'x-api-key': key.key });
    const works = async (key: CreatedKey) => (await fx.keygate.verify(key.key)).ok;
    return { keygate: fx.keygate, http, as, admin, plain, stronger, foreign, works };
  }

  it('POST /keys/:id/disable disables the key and answers it with disabledAt set', async () => {
    const { http, as, admin, plain, works } = await start();
    const res = await http.post(`/admin/keys/${plain.apiKey.id}/disable`).set(as(admin)).send({});
    expect(res.status).toBe(200);
    expect(res.body.apiKey).toMatchObject({ id: plain.apiKey.id, disabledAt: expect.any(String), revokedAt: null });
    expect(await works(plain)).toBe(false);
    const got = await http.get(`/admin/keys/${plain.apiKey.id}`).set(as(admin)).expect(200);
    expect(got.body.apiKey.disabledAt).toBe(res.body.apiKey.disabledAt);
  });

  it('POST /keys/:id/enable enables the key again and answers it with disabledAt null', async () => {
    const { http, as, admin, plain, works } = await start();
    await http.post(`/admin/keys/${plain.apiKey.id}/disable`).set(as(admin)).set(JSON_TYPE).expect(200);
    const res = await http.post(`/admin/keys/${plain.apiKey.id}/enable`).set(as(admin)).set(JSON_TYPE);
    expect(res.status).toBe(200);
    expect(res.body.apiKey).toMatchObject({ id: plain.apiKey.id, disabledAt: null });
    expect(await works(plain)).toBe(true);
  });

  it('answers 404, as for an unknown id, for another owner’s key or a key more powerful than the caller', async () => {
    const { http, as, admin, stronger, foreign, works } = await start();
    const unknown = await http.post('/admin/keys/000000000000/disable').set(as(admin)).send({});
    expect(unknown.status).toBe(404);
    for (const target of [stronger, foreign]) {
      for (const action of ['disable', 'enable']) {
        const res = await http.post(`/admin/keys/${target.apiKey.id}/${action}`).set(as(admin)).send({});
        expect(res.status).toBe(404);
        expect(res.body).toEqual(unknown.body);
      }
      expect(await works(target)).toBe(true);
    }
  });

  it('answers 403 to a caller without the management scope, and 401 without a key', async () => {
    const { http, as, admin, plain, works } = await start();
    expect((await http.post(`/admin/keys/${admin.apiKey.id}/disable`).set(as(plain)).send({})).status).toBe(403);
    expect((await http.post(`/admin/keys/${plain.apiKey.id}/disable`).send({})).status).toBe(401);
    expect(await works(admin)).toBe(true);
  });

  it('answers 415 for a body that is not JSON, and 400 naming an unknown field', async () => {
    const { http, as, admin, plain, works } = await start();
    const path = `/admin/keys/${plain.apiKey.id}/disable`;
    const text = await http.post(path).set(as(admin)).set('content-type', 'text/plain').send('now');
    expect(text.status).toBe(415);
    const unknown = await http.post(path).set(as(admin)).send({ reason: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'invalid_request', field: 'reason' });
    expect(await works(plain)).toBe(true);
  });

  it('answers 409 conflict for a revoked key', async () => {
    const { keygate, http, as, admin, plain } = await start();
    await keygate.keys.revoke(plain.apiKey.id);
    const res = await http.post(`/admin/keys/${plain.apiKey.id}/disable`).set(as(admin)).send({});
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('conflict');
  });

  it('lets a key disable itself, after which it is refused with 401 disabled, so it cannot enable itself', async () => {
    const { http, as, admin, works } = await start();
    await http.post(`/admin/keys/${admin.apiKey.id}/disable`).set(as(admin)).send({}).expect(200);
    expect(await works(admin)).toBe(false);
    const res = await http.post(`/admin/keys/${admin.apiKey.id}/enable`).set(as(admin)).send({});
    expectProblem(res, { status: 401, code: 'disabled', challenge: CHALLENGE.invalidToken });
    expect(await works(admin)).toBe(false);
  });

  it('answers 405 with Allow: POST for another method', async () => {
    const { http, as, admin, plain } = await start();
    const res = await http.get(`/admin/keys/${plain.apiKey.id}/disable`).set(as(admin));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });
});
