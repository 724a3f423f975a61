// The credit routes of key management, identical on Express, Koa and Fastify: GET /keys/self shows
// the allowances the caller spends from; GET, PUT, POST and DELETE /keys/:id/credits read and change
// a key's own allowance on the caller's behalf, and a caller never gives more than it has.
import type { CreatedKey } from '@keygate/core';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixture } from './helpers.js';
import { type ManagementApp, managementAdapters } from './management-apps.js';

const JSON_TYPE = { 'content-type': 'application/json' };

describe.each(managementAdapters)('credit routes on $name', (adapter) => {
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
    const as = (key: CreatedKey) => ({ 'x-api-key': key.key, ...JSON_TYPE });
    const creditsOf = async (key: CreatedKey) => (await fx.keygate.credits.get({ keyId: key.apiKey.id }))?.remaining;
    return { keygate: fx.keygate, http, as, admin, plain, stronger, foreign, creditsOf };
  }

  it("GET /keys/self shows the caller's own allowance and its owner's", async () => {
    const { keygate, http, as, plain } = await start();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 900, refill: { amount: 1000, interval: 'month' } });
    await keygate.credits.set({ keyId: plain.apiKey.id }, { remaining: 40 });
    const res = await http.get('/admin/keys/self').set(as(plain));
    expect(res.status).toBe(200);
    expect(res.body.credits).toEqual({
      owner: { remaining: 900, refill: { amount: 1000, interval: 'month', at: 1 }, refillAt: expect.any(String) },
      key: { remaining: 40, refill: null, refillAt: null },
    });
  });

  it('GET /keys/self shows null allowances for an unmetered key', async () => {
    const { http, as, plain } = await start();
    const res = await http.get('/admin/keys/self').set(as(plain));
    expect(res.body.credits).toEqual({ owner: null, key: null });
  });

  it("PUT /keys/:id/credits sets a key's allowance within what the caller has", async () => {
    const { http, as, admin, plain, creditsOf } = await start();
    const res = await http.put(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin)).send({ remaining: 25 });
    expect(res.status).toBe(200);
    expect(res.body.credits).toEqual({ remaining: 25, refill: null, refillAt: null });
    expect(await creditsOf(plain)).toBe(25);
  });

  it('POST /keys/:id/credits adds to the allowance, and GET reads it', async () => {
    const { http, as, admin, plain } = await start();
    await http.put(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin)).send({ remaining: 10 }).expect(200);
    const added = await http.post(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin)).send({ add: 5 });
    expect(added.body.credits.remaining).toBe(15);
    const got = await http.get(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin));
    expect(got.body.credits.remaining).toBe(15);
  });

  it('DELETE /keys/:id/credits removes the allowance', async () => {
    const { http, as, admin, plain, creditsOf } = await start();
    await http.put(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin)).send({ remaining: 10 }).expect(200);
    expect((await http.delete(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin))).status).toBe(200);
    expect(await creditsOf(plain)).toBeUndefined();
  });

  it('answers 403 naming credits when a metered caller gives more than it has, and changes nothing', async () => {
    const { keygate, http, as, admin, plain, creditsOf } = await start();
    await keygate.credits.set({ keyId: admin.apiKey.id }, { remaining: 100 });
    const res = await http.put(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin)).send({ remaining: 101 });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'forbidden', field: 'credits' });
    expect(await creditsOf(plain)).toBeUndefined();
  });

  it('answers 403 to a metered caller cutting a larger allowance than its own, and changes nothing', async () => {
    const { keygate, http, as, admin, plain, creditsOf } = await start();
    await keygate.credits.set({ keyId: admin.apiKey.id }, { remaining: 10 });
    await keygate.credits.set({ keyId: plain.apiKey.id }, { remaining: 1000 });
    const cut = await http.put(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin)).send({ remaining: 0 });
    expect(cut.status).toBe(403);
    expect((await http.delete(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin))).status).toBe(403);
    expect(await creditsOf(plain)).toBe(1000);
  });

  it('answers 403 to a caller topping up its own allowance', async () => {
    const { keygate, http, as, admin, creditsOf } = await start();
    await keygate.credits.set({ keyId: admin.apiKey.id }, { remaining: 1 });
    const res = await http
      .post(`/admin/keys/${admin.apiKey.id}/credits`)
      .set(as(admin))
      .send({ add: 10 ** 9 });
    expect(res.status).toBe(403);
    expect(await creditsOf(admin)).toBe(1);
  });

  it('answers 404, as for an unknown id, for another owner’s key or a key more powerful than the caller', async () => {
    const { http, as, admin, stronger, foreign, creditsOf } = await start();
    const unknown = await http.put('/admin/keys/000000000000/credits').set(as(admin)).send({ remaining: 1 });
    expect(unknown.status).toBe(404);
    for (const target of [stronger, foreign]) {
      const res = await http.put(`/admin/keys/${target.apiKey.id}/credits`).set(as(admin)).send({ remaining: 1 });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(unknown.body);
      expect(await creditsOf(target)).toBeUndefined();
    }
  });

  it('answers 403 to a caller without the management scope', async () => {
    const { http, as, admin, plain } = await start();
    expect(
      (await http.put(`/admin/keys/${admin.apiKey.id}/credits`).set(as(plain)).send({ remaining: 1 })).status,
    ).toBe(403);
  });

  it.each([
    [{ remaining: -1 }, 'remaining'],
    [{ remaining: 5, refill: { amount: 5, interval: 'week' } }, 'refill.interval'],
    [{ remaining: 5, bonus: 1 }, 'bonus'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const { http, as, admin, plain } = await start();
    const res = await http.put(`/admin/keys/${plain.apiKey.id}/credits`).set(as(admin)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(field);
  });

  it('answers 415 to a PUT whose body is not JSON', async () => {
    const { http, admin, plain } = await start();
    const res = await http
      .put(`/admin/keys/${plain.apiKey.id}/credits`)
      .set({ 'x-api-key': admin.key, 'content-type': 'text/plain' })
      .send('remaining=5');
    expect(res.status).toBe(415);
  });

  it('creates a key of the environment named in the body, and never one of another environment', async () => {
    const fx = createFixture({ prefix: 'sk_live', environments: { sk_live: 'live', sk_test: 'test' } });
    const admin = await fx.keygate.keys.create({
      name: 'admin',
      owner: 'acct_1',
      scopes: ['keys:manage'],
      environment: 'test',
    });
    app = await adapter.start(fx.keygate);
    const { server } = app;
    const post = (environment: string) =>
      request(server)
        .post('/admin/keys')
        .set({ 'x-api-key': admin.key, ...JSON_TYPE })
        .send({ name: 'ci', environment });
    const res = await post('test');
    expect(res.status).toBe(201);
    expect(res.body.key).toMatch(/^sk_test_/);
    const live = await post('live');
    expect(live.status).toBe(403);
    expect(live.body.field).toBe('environment');
  });
});
