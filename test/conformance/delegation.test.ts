// Delegation, part one: a key managing keys can never create, see, change or remove anything more
// powerful than itself (scopes, expiry, IP allowlist, rate limits), nor loosen its own
// restrictions; metadata is written only when the application allows it. On every adapter.
import { afterEach, describe, expect, it } from 'vitest';
import { JSON_TYPE, startDelegation } from './delegation-helpers.js';
import type { ManagementApp } from './management-apps.js';
import { managementAdapters } from './management-apps.js';

const HOUR = 3_600_000;
const UNKNOWN = '000000000000';

describe.each(managementAdapters)('delegation on $name', (adapter) => {
  const apps: ManagementApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  const start = (options: Parameters<typeof startDelegation>[1] = {}) => startDelegation(adapter, options, apps);

  it('a keys:manage key cannot rotate a more powerful key: 404 as for an unknown id, and no new key exists', async () => {
    const { http, issue, as, ids, works } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const admin = await issue({ scopes: ['admin:*', 'keys:manage'] });
    const before = await ids();
    const unknown = await http.post(`/admin/keys/${UNKNOWN}/rotate`).set(as(manager)).send({});
    const attempt = await http.post(`/admin/keys/${admin.apiKey.id}/rotate`).set(as(manager)).send({});
    expect(attempt.status).toBe(404);
    expect(attempt.body).toEqual(unknown.body);
    expect(attempt.text).not.toMatch(/"key"/);
    expect(await ids()).toEqual(before);
    expect(await works(admin)).toBe(true);
  });

  it('a keys:manage key cannot read, change or revoke a more powerful key: each answers as an unknown id', async () => {
    const { http, issue, as, works } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const admin = await issue({ scopes: ['admin:*'] });
    const unknown = await http.get(`/admin/keys/${UNKNOWN}`).set(as(manager));
    for (const response of [
      await http.get(`/admin/keys/${admin.apiKey.id}`).set(as(manager)),
      await http.patch(`/admin/keys/${admin.apiKey.id}`).set(as(manager)).send({ name: 'mine now' }),
      await http.delete(`/admin/keys/${admin.apiKey.id}`).set(as(manager)).set(JSON_TYPE),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body).toEqual(unknown.body);
    }
    expect(await works(admin)).toBe(true);
  });

  it('lists only the keys the caller could manage', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage', 'users:read'] });
    const peer = await issue({ scopes: ['users:read'] });
    const weaker = await issue({ scopes: ['users:read'], expiresIn: HOUR, allowedIps: ['192.0.2.1'] });
    await issue({ scopes: ['users:write'] });
    await issue({ scopes: ['users:read'], rateLimits: [] });
    const listed = await http.get('/admin/keys').set(as(manager)).expect(200);
    const ids = listed.body.keys.map((k: { id: string }) => k.id);
    expect(ids.sort()).toEqual([manager.apiKey.id, peer.apiKey.id, weaker.apiKey.id].sort());
  });

  it('treats a key whose expiry is later than the caller’s as more powerful', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'], expiresIn: HOUR });
    const lasting = await issue({ scopes: [], expiresIn: 2 * HOUR });
    const shorter = await issue({ scopes: [], expiresIn: HOUR / 2 });
    expect((await http.get(`/admin/keys/${lasting.apiKey.id}`).set(as(manager))).status).toBe(404);
    expect((await http.get(`/admin/keys/${shorter.apiKey.id}`).set(as(manager))).status).toBe(200);
  });

  it.each([
    ['expiresAt', { expiresAt: null }],
    ['expiresAt', { expiresIn: 10 * HOUR }],
    ['allowedIps', { allowedIps: null }],
    ['rateLimits', { rateLimits: [] }],
    ['scopes', { scopes: ['keys:manage'] }],
  ])('a key cannot change its own %s', async (field, patch) => {
    const { http, issue, as, keygate } = await start();
    const manager = await issue({
      scopes: ['keys:manage'],
      expiresIn: HOUR,
      allowedIps: ['127.0.0.0/8', '::1'],
      rateLimits: [{ name: 'burst', limit: 50, windowSeconds: 1 }],
    });
    const response = await http.patch(`/admin/keys/${manager.apiKey.id}`).set(as(manager)).send(patch);
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ code: 'forbidden', field });
    const { scopes, expiresAt, allowedIps, rateLimits } = manager.apiKey;
    const stored = await keygate.keys.get(manager.apiKey.id);
    expect(stored).toMatchObject({ scopes, expiresAt, allowedIps, rateLimits, version: 1 });
  });

  it('a key may rename itself', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'], expiresIn: HOUR });
    const response = await http.patch(`/admin/keys/${manager.apiKey.id}`).set(as(manager)).send({ name: 'renamed' });
    expect(response.status).toBe(200);
    expect(response.body.apiKey.name).toBe('renamed');
  });

  it('an expiring key can lift neither its own expiry nor mint a key that outlives it', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'], expiresIn: HOUR });
    const lift = await http.patch(`/admin/keys/${manager.apiKey.id}`).set(as(manager)).send({ expiresAt: null });
    expect(lift.body).toMatchObject({ status: 403, field: 'expiresAt' });
    for (const body of [{ name: 'forever' }, { name: 'longer', expiresIn: 2 * HOUR }]) {
      const minted = await http.post('/admin/keys').set(as(manager)).send(body);
      expect(minted.body).toMatchObject({ status: 403, code: 'forbidden', field: 'expiresAt' });
    }
    const within = await http
      .post('/admin/keys')
      .set(as(manager))
      .send({ name: 'ok', expiresIn: HOUR / 2 });
    expect(within.status).toBe(201);
  });

  it('a key with an IP allowlist cannot mint a key with a wider or no allowlist', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'], allowedIps: ['127.0.0.0/8', '::1'] });
    for (const allowedIps of [undefined, ['10.0.0.0/8'], ['127.0.0.0/7'], ['0.0.0.0/0']]) {
      const response = await http.post('/admin/keys').set(as(manager)).send({ name: 'n', allowedIps });
      expect(response.body).toMatchObject({ status: 403, field: 'allowedIps' });
    }
    const within = await http
      .post('/admin/keys')
      .set(as(manager))
      .send({ name: 'n', allowedIps: ['127.0.0.1'] });
    expect(within.status).toBe(201);
  });

  it('a rate-limited key cannot mint a key with looser or no limits, policy by policy', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({
      scopes: ['keys:manage'],
      rateLimits: [{ name: 'burst', limit: 10, windowSeconds: 2 }],
    });
    const higherBurst = [{ name: 'burst', limit: 20, windowSeconds: 2 }];
    const higherRate = [{ name: 'burst', limit: 8, windowSeconds: 1 }];
    for (const rateLimits of [undefined, [], higherBurst, higherRate]) {
      const response = await http.post('/admin/keys').set(as(manager)).send({ name: 'n', rateLimits });
      expect(response.body).toMatchObject({ status: 403, field: 'rateLimits' });
    }
    const stricter = [{ name: 'slow', limit: 5, windowSeconds: 2 }];
    expect((await http.post('/admin/keys').set(as(manager)).send({ name: 'n', rateLimits: stricter })).status).toBe(
      201,
    );
  });

  it('a key on the default limits gives keys custom limits only when the routes know the defaults', async () => {
    const defaults = [{ name: 'burst', limit: 10, windowSeconds: 1 }];
    const unknown = await start();
    const known = await start({ mount: { rateLimitDefaults: defaults } });
    const body = { name: 'n', rateLimits: [{ name: 'burst', limit: 5, windowSeconds: 1 }] };
    for (const [fixture, status] of [
      [unknown, 403],
      [known, 201],
    ] as const) {
      const manager = await fixture.issue({ scopes: ['keys:manage'] });
      expect((await fixture.http.post('/admin/keys').set(fixture.as(manager)).send(body)).status).toBe(status);
    }
  });

  it('a key cannot grant a scope it does not hold, wildcards included', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage', 'users:*'] });
    for (const scopes of [['users:read'], ['users:*'], ['users:read:*']]) {
      expect((await http.post('/admin/keys').set(as(manager)).send({ name: 'n', scopes })).status).toBe(201);
    }
    for (const scopes of [['*'], ['admin:read'], ['users:read', 'billing:*']]) {
      const response = await http.post('/admin/keys').set(as(manager)).send({ name: 'n', scopes });
      expect(response.body).toMatchObject({ status: 403, field: 'scopes' });
    }
  });

  it('a key cannot widen a key it manages beyond itself', async () => {
    const { http, issue, as, keygate } = await start();
    const manager = await issue({ scopes: ['keys:manage', 'users:read'], expiresIn: HOUR });
    const child = await issue({ scopes: ['users:read'], expiresIn: HOUR / 2 });
    for (const patch of [{ scopes: ['admin:*'] }, { expiresAt: null }, { expiresIn: 5 * HOUR }]) {
      const response = await http.patch(`/admin/keys/${child.apiKey.id}`).set(as(manager)).send(patch);
      expect(response.status).toBe(403);
    }
    expect((await keygate.keys.get(child.apiKey.id))?.version).toBe(1);
  });

  it('refuses metadata by default with 403 naming the field', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'], metadata: { plan: 'free' } });
    const created = await http
      .post('/admin/keys')
      .set(as(manager))
      .send({ name: 'n', metadata: { plan: 'pro' } });
    expect(created.body).toMatchObject({ status: 403, code: 'forbidden', field: 'metadata' });
    const patched = await http.patch(`/admin/keys/${manager.apiKey.id}`).set(as(manager)).send({ metadata: {} });
    expect(patched.body).toMatchObject({ status: 403, field: 'metadata' });
  });

  it('takes any metadata when allowMetadata is true', async () => {
    const { http, issue, as } = await start({ mount: { allowMetadata: true } });
    const manager = await issue({ scopes: ['keys:manage'] });
    const created = await http
      .post('/admin/keys')
      .set(as(manager))
      .send({ name: 'n', metadata: { team: 'ops' } });
    expect(created.body.apiKey.metadata).toEqual({ team: 'ops' });
  });

  it('takes only the listed metadata fields and keeps the others as they are', async () => {
    const { http, issue, as } = await start({ mount: { allowMetadata: ['label'] } });
    const manager = await issue({ scopes: ['keys:manage'], metadata: { plan: 'free', label: 'old' } });
    const path = `/admin/keys/${manager.apiKey.id}`;
    const refused = await http
      .patch(path)
      .set(as(manager))
      .send({ metadata: { plan: 'enterprise' } });
    expect(refused.body).toMatchObject({ status: 403, field: 'metadata.plan' });
    const patched = await http
      .patch(path)
      .set(as(manager))
      .send({ metadata: { label: 'new' } });
    expect(patched.body.apiKey.metadata).toEqual({ plan: 'free', label: 'new' });
  });
});
