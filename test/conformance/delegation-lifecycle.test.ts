// Delegation, part two: the owner cap across rotations, rate-limit lineage, a caller re-read on
// every request, cross-site form posts, races between instances and paged listing. On every adapter.
import { MemoryStore } from '@keygate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { JSON_TYPE, meetingStore, OWNER, secondInstance, startDelegation } from './delegation-helpers.js';
import { type ManagementApp, managementAdapters } from './management-apps.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(managementAdapters)('delegation lifecycle on $name', (adapter) => {
  const apps: ManagementApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  const start = (options: Parameters<typeof startDelegation>[1] = {}) => startDelegation(adapter, options, apps);
  // Two apps, as two instances, on one store whose lifecycle writes meet before they land.
  const racingApps = async () => {
    const store = meetingStore(new MemoryStore());
    const [one, two] = [await start({ store }), await start({ store })];
    return { one, two, manager: await one.issue({ scopes: ['keys:manage'] }), target: await one.issue() };
  };

  it('repeated rotations with long grace periods never leave an owner more than cap + 1 usable keys', async () => {
    const { http, issue, as, keygate } = await start({ keygate: { maxKeysPerOwner: 3 } });
    const manager = await issue({ scopes: ['keys:manage'] });
    let target = await issue();
    await issue();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const rotated = await http
        .post(`/admin/keys/${target.apiKey.id}/rotate`)
        .set(as(manager))
        .send({ gracePeriodMs: 6 * DAY });
      statuses.push(rotated.status);
      if (rotated.status === 201) target = { key: rotated.body.key, apiKey: rotated.body.apiKey };
      const { keys } = await keygate.keys.list(OWNER);
      expect(keys.length).toBeLessThanOrEqual(4);
    }
    expect(statuses[0]).toBe(201);
    expect(statuses.slice(1).every((status) => status === 409)).toBe(true);
    const withoutGrace = await http
      .post(`/admin/keys/${target.apiKey.id}/rotate`)
      .set(as(manager))
      .send({ gracePeriodMs: 0 });
    expect(withoutGrace.status).toBe(201);
  });

  it('answers 409 limit_exceeded to a grace rotation while a key in its grace period fills cap + 1', async () => {
    const { http, issue, as } = await start({ keygate: { maxKeysPerOwner: 2 } });
    const manager = await issue({ scopes: ['keys:manage'] });
    const other = await issue();
    const rotate = (id: string, gracePeriodMs: number) =>
      http.post(`/admin/keys/${id}/rotate`).set(as(manager)).send({ gracePeriodMs });
    expect((await rotate(other.apiKey.id, HOUR)).status).toBe(201);
    const refused = await rotate(manager.apiKey.id, HOUR);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('limit_exceeded');
    expect((await rotate(manager.apiKey.id, 0)).status).toBe(201);
  });

  it('refuses a grace period longer than the maximum, 7 days by default, naming gracePeriodMs', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const target = await issue();
    const response = await http
      .post(`/admin/keys/${target.apiKey.id}/rotate`)
      .set(as(manager))
      .send({ gracePeriodMs: 8 * DAY });
    expect(response.body).toMatchObject({ status: 400, field: 'gracePeriodMs' });
  });

  it('a rotated key continues its predecessor’s rate-limit counters', async () => {
    const rateLimit = { defaults: [{ name: 'hourly', limit: 2, windowSeconds: 3600 }], failedAuth: false as const };
    const { http, issue, as } = await start({ gate: { rateLimit } });
    const manager = await issue({ scopes: ['keys:manage'], rateLimits: [] });
    const client = await issue();
    await http.get('/admin/ping').set(as(client)).expect(200);
    await http.get('/admin/ping').set(as(client)).expect(200);
    const rotated = await http.post(`/admin/keys/${client.apiKey.id}/rotate`).set(as(manager)).send({}).expect(201);
    const next = await http.get('/admin/ping').set({ 'x-api-key': rotated.body.key });
    expect(next.status).toBe(429);
    expect(next.headers['retry-after']).toBeDefined();
  });

  it('refuses a caller revoked on another instance at once, though its verification is cached here', async () => {
    const { http, issue, as, store } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    await http.get('/admin/keys').set(as(manager)).expect(200);
    await secondInstance(store).keys.revoke(manager.apiKey.id);
    const minted = await http.post('/admin/keys').set(as(manager)).send({ name: 'permanent' });
    expect(minted.status).toBe(401);
    expect(minted.body.code).toBe('revoked');
  });

  it('refuses a caller rotated out on another instance, even within its grace period', async () => {
    const { http, issue, as, store } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    await http.get('/admin/keys').set(as(manager)).expect(200);
    await secondInstance(store).keys.rotate(manager.apiKey.id, { gracePeriodMs: HOUR });
    expect((await http.get('/admin/keys').set(as(manager))).status).toBe(401);
  });

  it('applies the caller’s current scopes, not the cached ones', async () => {
    const { http, issue, as, store } = await start();
    const manager = await issue({ scopes: ['keys:manage', 'users:read'] });
    await http.get('/admin/keys').set(as(manager)).expect(200);
    await secondInstance(store).keys.update(manager.apiKey.id, { scopes: ['keys:manage'] });
    const response = await http
      .post('/admin/keys')
      .set(as(manager))
      .send({ name: 'n', scopes: ['users:read'] });
    expect(response.body).toMatchObject({ status: 403, field: 'scopes' });
    await secondInstance(store).keys.update(manager.apiKey.id, { scopes: [] });
    expect((await http.get('/admin/keys').set(as(manager))).status).toBe(403);
  });

  it.each([
    ['no content type', undefined],
    ['a form post', 'application/x-www-form-urlencoded'],
    ['text/plain', 'text/plain'],
    ['multipart', 'multipart/form-data; boundary=x'],
  ])('answers 415 to POST, PATCH and DELETE with %s, even without a body', async (_, contentType) => {
    const { http, issue, as, ids } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const target = await issue();
    const before = await ids();
    for (const call of [
      http.post('/admin/keys'),
      http.post(`/admin/keys/${target.apiKey.id}/rotate`),
      http.patch(`/admin/keys/${target.apiKey.id}`),
      http.delete(`/admin/keys/${target.apiKey.id}`),
    ]) {
      const sent = call.set(as(manager));
      if (contentType !== undefined) sent.set('content-type', contentType);
      const response = await (contentType === undefined
        ? sent
        : sent.send(contentType.startsWith('text') ? 'name=x' : ''));
      expect(response.status).toBe(415);
      expect(response.body.code).toBe('unsupported_media_type');
    }
    expect(await ids()).toEqual(before);
  });

  it('accepts DELETE and rotate with a JSON content type and no body', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const [a, b] = [await issue(), await issue()];
    expect((await http.post(`/admin/keys/${a.apiKey.id}/rotate`).set(as(manager)).set(JSON_TYPE)).status).toBe(201);
    expect((await http.delete(`/admin/keys/${b.apiKey.id}`).set(as(manager)).set(JSON_TYPE)).status).toBe(200);
  });

  it('two instances rotating one key at once end with exactly one replacement, the loser answered 409', async () => {
    const { one, two, manager, target } = await racingApps();
    const before = await one.ids();
    const responses = await Promise.all(
      [one, two].map((app) =>
        app.http.post(`/admin/keys/${target.apiKey.id}/rotate`).set(app.as(manager)).send({ gracePeriodMs: HOUR }),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await one.ids()).toHaveLength(before.length + 1);
  });

  it('a revoke racing a rotation leaves no usable replacement of a revoked key', async () => {
    const { one, two, manager, target } = await racingApps();
    const before = await one.ids();
    const [revoked, rotated] = await Promise.all([
      one.http.delete(`/admin/keys/${target.apiKey.id}`).set(one.as(manager)).set(JSON_TYPE),
      two.http.post(`/admin/keys/${target.apiKey.id}/rotate`).set(two.as(manager)).send({ gracePeriodMs: HOUR }),
    ]);
    expect([revoked.status, rotated.status].filter((status) => status === 409)).toHaveLength(1);
    if (revoked.status === 200) {
      expect(await one.ids()).toEqual(before);
    } else {
      expect(rotated.status).toBe(201);
      expect((await one.keygate.keys.get(target.apiKey.id))?.revokedAt).toBeNull();
    }
  });

  it('pages through the owner’s keys with limit and an opaque cursor', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const created = [manager.apiKey.id];
    for (let i = 0; i < 4; i++) created.push((await issue()).apiKey.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string | number> = { limit: 2, ...(cursor ? { cursor } : {}) };
      const page = await http.get('/admin/keys').query(query).set(as(manager)).expect(200);
      expect(page.body.keys.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.keys.map((k: { id: string }) => k.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen.sort()).toEqual(created.sort());
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=2&limit=3', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['state=gone', 'state'],
    ['colour=red', 'colour'],
  ])('answers 400 naming the parameter for the query %s', async (query, field) => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const response = await http.get(`/admin/keys?${query}`).set(as(manager));
    expect(response.body).toMatchObject({ status: 400, code: 'invalid_request', field });
  });

  it('lists revoked keys only when asked for state=all', async () => {
    const { http, issue, as, keygate } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const gone = await issue();
    await keygate.keys.revoke(gone.apiKey.id);
    const active = await http.get('/admin/keys').set(as(manager)).expect(200);
    expect(active.body.keys.map((k: { id: string }) => k.id)).toEqual([manager.apiKey.id]);
    const all = await http.get('/admin/keys?state=all').set(as(manager)).expect(200);
    expect(all.body.keys.map((k: { id: string }) => k.id)).toContain(gone.apiKey.id);
  });
});
