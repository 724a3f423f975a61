// `GET /keys/:id/events`: a key's audit events from createKeygate's `audit` sink, newest first and
// paginated, under the delegation rule: only for keys the caller may see, anything else answering
// exactly as an unknown id does. On every adapter.
import { MemoryAuditSink } from '@keygate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OWNER, startDelegation } from './delegation-helpers.js';
import type { ManagementApp } from './management-apps.js';
import { managementAdapters } from './management-apps.js';

const UNKNOWN = '000000000000';

describe.each(managementAdapters)('audit events on $name', (adapter) => {
  const apps: ManagementApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  const start = async () => {
    const audit = new MemoryAuditSink();
    return { audit, ...(await startDelegation(adapter, { keygate: { audit } }, apps)) };
  };

  it("answers a key's events, newest first, with the request each came from", async () => {
    const { http, issue, as, keygate } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const target = await issue({ scopes: [] });
    await http.get('/admin/ping').set(as(target)).set('user-agent', 'probe/1.0');
    await keygate.keys.update(target.apiKey.id, { name: 'renamed' });
    const response = await http.get(`/admin/keys/${target.apiKey.id}/events`).set(as(manager)).expect(200);
    expect(response.body.nextCursor).toBeNull();
    expect(response.body.events.map((e: { type: string }) => e.type)).toEqual(['updated', 'verified', 'created']);
    expect(response.body.events[1]).toMatchObject({
      keyId: target.apiKey.id,
      owner: OWNER,
      route: 'GET /admin/ping',
      userAgent: 'probe/1.0',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
    });
  });

  it('pages through the events with limit and cursor, each once', async () => {
    const { http, issue, as, keygate } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const target = await issue();
    for (let i = 0; i < 6; i++) await keygate.keys.update(target.apiKey.id, { name: `name ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = cursor === null ? { limit: '3' } : { limit: '3', cursor };
      const page = await http.get(`/admin/keys/${target.apiKey.id}/events`).query(query).set(as(manager)).expect(200);
      expect(page.body.events.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.events.map((e: { type: string }) => e.type));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...Array(6).fill('updated'), 'created']);
  });

  it('keeps to since and until', async () => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const target = await issue();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = await http.get(`/admin/keys/${target.apiKey.id}/events`).query({ since: future }).set(as(manager));
    expect(later.body.events).toEqual([]);
    const earlier = await http.get(`/admin/keys/${target.apiKey.id}/events`).query({ until: future }).set(as(manager));
    expect(earlier.body.events).toHaveLength(1);
  });

  it('answers as for an unknown id for a more powerful key, another owner’s key and an unknown one', async () => {
    const { http, issue, as, keygate } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const admin = await issue({ scopes: ['admin:*'] });
    const foreign = await keygate.keys.create({ name: 'theirs', owner: 'acct_2' });
    const unknown = await http.get(`/admin/keys/${UNKNOWN}/events`).set(as(manager));
    expect(unknown.status).toBe(404);
    for (const id of [admin.apiKey.id, foreign.apiKey.id]) {
      const response = await http.get(`/admin/keys/${id}/events`).set(as(manager));
      expect(response.status).toBe(404);
      expect(response.body).toEqual(unknown.body);
    }
  });

  it('refuses a key without the management scope, even for its own events', async () => {
    const { http, issue, as } = await start();
    const plain = await issue();
    const response = await http.get(`/admin/keys/${plain.apiKey.id}/events`).set(as(plain));
    expect(response.status).toBe(403);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=2&limit=3', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['since=yesterday', 'since'],
    ['until=2026-01-01', 'until'],
    ['since=2026-02-01T00:00Z&until=2026-01-01T00:00Z', 'until'],
    ['colour=red', 'colour'],
  ])('answers 400 naming the parameter for the query %s', async (query, field) => {
    const { http, issue, as } = await start();
    const manager = await issue({ scopes: ['keys:manage'] });
    const response = await http.get(`/admin/keys/${manager.apiKey.id}/events?${query}`).set(as(manager));
    expect(response.body).toMatchObject({ status: 400, code: 'invalid_request', field });
  });

  it('answers 404 when the instance has no audit log', async () => {
    const { http, issue, as } = await startDelegation(adapter, {}, apps);
    const manager = await issue({ scopes: ['keys:manage'] });
    const response = await http.get(`/admin/keys/${manager.apiKey.id}/events`).set(as(manager));
    expect(response.status).toBe(404);
  });
});
