// Hostile data over HTTP, identical on Express, Koa and Fastify. A marker key planted in every
// place a client controls (path, encoded path, query, user agent, field names, scope values,
// metadata keys) appears in no audit event, error, log line or response body, in any encoding.
// Odd data in the store (scopes as a string, unreadable or infinite expiries in Redis and
// PostgreSQL) fails closed.
import {
  type AuditEvent,
  type CreatedKey,
  createKeygate,
  hmacSha256Hasher,
  type KeyRecord,
  type KeyStore,
  MemoryStore,
  parseKey,
} from '@keygate/core';
import { PostgresStore } from '@keygate/core/postgres';
import { RedisStore } from '@keygate/core/redis';
import { Redis } from 'ioredis';
import type pg from 'pg';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { postgresSchema } from '../support/postgres.js';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { createFixture, flipOneChar } from './helpers.js';
import { type ManagementApp, managementAdapters } from './management-apps.js';

/** Every form of `key` that must never be found: raw, percent-encoded (all of it), base64, and its secret. */
function forbiddenForms(key: string): string[] {
  const parsed = parseKey(key);
  if (!parsed.ok) throw new Error('the marker must be a key');
  const hex = [...key].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return [
    key,
    parsed.key.secret,
    encodeURIComponent(key),
    hex,
    hex.toLowerCase(),
    Buffer.from(key).toString('base64'),
    Buffer.from(key).toString('base64url'),
    Buffer.from(parsed.key.secret).toString('base64'),
  ];
}

/** Everything a logged value shows: message, stack, cause and own properties. */
function shown(value: unknown): string {
  if (value instanceof Error) {
    return [value.name, value.message, value.stack, JSON.stringify(value), shown(value.cause)].join('\n');
  }
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

describe.each(managementAdapters)('$name: a planted key appears in no message', (adapter) => {
  let app: ManagementApp;
  let admin: CreatedKey;
  let marker: CreatedKey;
  let target: CreatedKey;
  const events: AuditEvent[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    const { keygate } = createFixture({ onEvent: (event) => events.push(event) });
    const issue = (name: string, scopes: string[]) => keygate.keys.create({ name, owner: 'acct_1', scopes });
    admin = await issue('admin', ['keys:manage', 'users:read']);
    marker = await issue('marker', ['keys:manage', 'users:read']);
    target = await issue('target', ['users:read']);
    // No onError anywhere: failures go to the console, which is captured.
    app = await adapter.start(keygate, { allowMetadata: ['plan'] });
  });
  afterAll(() => app.close());

  beforeEach(() => {
    for (const level of ['error', 'warn', 'log', 'info', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(shown).join(' '));
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Asserts that no form of the marker is in the responses, events or log lines seen so far. */
  function expectNoMarker(responses: Array<{ text: string; headers: Record<string, unknown> }>) {
    const outputs = [
      ...responses.map((res) => `${res.text}\n${JSON.stringify(res.headers)}`),
      ...events.map((event) => JSON.stringify(event)),
      ...logged,
    ];
    for (const form of forbiddenForms(marker.key)) {
      for (const output of outputs) expect(output.includes(form), `${form} in ${output.slice(0, 300)}`).toBe(false);
    }
  }

  it.each([
    ['after a percent-encoded space', (k: string) => `/x%20${k}`],
    ['after an encoded slash', (k: string) => `/a%2F${k}`],
    ['after an encoded underscore', (k: string) => `/a%5F${k}`],
    ['with its underscores encoded', (k: string) => `/${k.replaceAll('_', '%5F')}`],
    ['joined to word characters', (k: string) => `/files/${k}_v2`],
    ['fully percent-encoded', (k: string) => `/${forbiddenForms(k)[3]}`],
  ])('keeps a key %s in the path out of events, logs and answers', async (_, place) => {
    events.length = 0;
    const path = `/admin/keys${place(marker.key)}`;
    const responses = [
      await request(app.server).get(path).set('x-api-key', admin.key),
      await request(app.server).get(path).set('x-api-key', flipOneChar(admin.key)),
      await request(app.server).get(path).set('x-api-key', marker.key),
    ];
    expect(events.map((event) => event.type)).toEqual(['verified', 'failed', 'verified']);
    for (const event of events) expect(event.route).toContain('[redacted]');
    expectNoMarker(responses);
  });

  it('keeps a key in the query string out of events, logs and answers', async () => {
    events.length = 0;
    const k = marker.key;
    const responses = [];
    for (const query of [`${k}=1`, `cursor=${k}`, `state=${k}`, `${k}=1&${k}=2`, `x=${k.replaceAll('_', '%5F')}`]) {
      responses.push(await request(app.server).get(`/admin/keys?${query}`).set('x-api-key', admin.key));
    }
    expect(responses.map((res) => res.status)).toEqual([400, 400, 400, 400, 400]);
    expect(events).toHaveLength(5);
    expectNoMarker(responses);
  });

  it('keeps a key in the user agent out of events, logs and answers', async () => {
    events.length = 0;
    const responses = [];
    for (const agent of [marker.key, `bot/${marker.key}_v2`, `bot%20${marker.key.replaceAll('_', '%5F')}`]) {
      responses.push(await request(app.server).get('/admin/keys').set('x-api-key', admin.key).set('user-agent', agent));
    }
    expect(events.map((event) => event.userAgent)).toEqual([
      '[redacted]',
      'bot/[redacted]_v2',
      expect.stringContaining('[redacted]'),
    ]);
    expectNoMarker(responses);
  });

  it('names no field, scope or metadata key that is a key, on create and on update', async () => {
    events.length = 0;
    const k = marker.key;
    const http = request(app.server);
    const as = { 'x-api-key': admin.key };
    const patch = (body: object) => http.patch(`/admin/keys/${target.apiKey.id}`).set(as).send(body);
    const responses = [
      await http
        .post('/admin/keys')
        .set(as)
        .send({ name: 'x', [k]: 1 }),
      await http
        .post('/admin/keys')
        .set(as)
        .send({ name: 'x', [`${k}_v2`]: 1 }),
      await http
        .post('/admin/keys')
        .set(as)
        .send({ name: 'x', scopes: [k] }),
      await http
        .post('/admin/keys')
        .set(as)
        .send({ name: 'x', scopes: [`users:${k}`] }),
      await http
        .post('/admin/keys')
        .set(as)
        .send({ name: 'x', metadata: { [k]: 1 } }),
      await patch({ [k]: 1 }),
      await patch({ scopes: [k.replaceAll('_', '%5F')] }),
      await patch({ metadata: { plan: 'pro', [k]: 'x' } }),
    ];
    expect(responses.map((res) => res.status)).toEqual([400, 400, 400, 400, 403, 400, 400, 403]);
    for (const res of responses) expect(res.body.field ?? '').not.toContain(k.slice(0, 20));
    expectNoMarker(responses);
  });

  it('the management answers to the planted key itself hold only its public fields', async () => {
    const responses = [
      await request(app.server).get('/admin/keys/self').set('x-api-key', marker.key),
      await request(app.server).get(`/admin/keys/${marker.apiKey.id}`).set('x-api-key', admin.key),
      await request(app.server).get('/admin/keys').set('x-api-key', admin.key),
    ];
    expect(responses.map((res) => res.status)).toEqual([200, 200, 200]);
    expectNoMarker(responses);
  });
});

/** A store over a MemoryStore whose reads pass every record through `tamper`, as a broken custom store would. */
function tamperingStore(tamper: (record: KeyRecord) => object): KeyStore {
  const inner = new MemoryStore();
  const odd = (record: KeyRecord | null) => (record === null ? null : (tamper(record) as KeyRecord));
  return {
    findById: async (id) => odd(await inner.findById(id)),
    create: (record, options) => inner.create(record, options),
    update: async (id, patch, options) => odd(await inner.update(id, patch, options)),
    rotate: async (rotation) => odd(await inner.rotate(rotation)),
    listByOwner: (owner, options) => inner.listByOwner(owner, options),
  };
}

describe.each(adapters)('$name: odd data in the store fails closed', (adapter) => {
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function serve(store: KeyStore) {
    const onError = vi.fn();
    const keygate = createKeygate({ store, hasher: hmacSha256Hasher() });
    app = await adapter.start({ keygate, onError });
    const created = await keygate.keys.create({ name: 'odd', owner: 'acct_1', scopes: ['users:read'] });
    const get = (path: string) =>
      request((app as RunningApp).server)
        .get(path)
        .set('x-api-key', created.key);
    return { created, get, onError };
  }

  it('refuses a key whose custom store gives its scopes as the string "*": 503, and onError is told', async () => {
    const { get, onError } = await serve(tamperingStore((record) => ({ ...record, scopes: '*' })));
    for (const path of [ROUTES.write.path, ROUTES.me.path]) {
      const res = await get(path);
      expect(res.status, path).toBe(503);
      expect(res.body.key).toBeUndefined();
    }
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'store_unavailable' }));
  });

  describe('Redis', () => {
    let client: Redis;
    beforeAll(async () => {
      client = new Redis(inject('redisUrl'), { lazyConnect: true });
      await client.connect();
    });
    afterAll(async () => {
      await client?.quit();
    });

    it('refuses a key whose stored expiresAt is not a number, as expired', async () => {
      const keyPrefix = `keygate-test:hostile:${Date.now()}:${Math.random().toString(36).slice(2)}:`;
      const { created, get } = await serve(new RedisStore({ client, keyPrefix }));
      // The record's hash, in the layout of packages/core/src/stores/redis/keys.ts.
      const record = `${keyPrefix}{o:${created.apiKey.owner}}:key:${created.apiKey.id}`;
      expect(await client.hexists(record, 'id')).toBe(1);
      try {
        await client.hset(record, 'expiresAt', 'never');
        const res = await get(ROUTES.me.path);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('expired');
        expect((await get(ROUTES.me.path)).status).toBe(401);
      } finally {
        const keys = await client.keys(`${keyPrefix}*`);
        if (keys.length > 0) await client.del(...keys);
      }
    });
  });

  describe('PostgreSQL', () => {
    const db = postgresSchema();
    let pool: pg.Pool;
    let store: PostgresStore;
    beforeAll(async () => {
      pool = db.pool();
      store = new PostgresStore({ pool, schema: db.schema, table: 'api_keys' });
      await store.migrate();
    });

    it.each(['-infinity', 'infinity'])(
      'refuses a key whose expires_at is %s, as expired, not immortal',
      async (when) => {
        const { created, get } = await serve(store);
        const table = `"${db.schema}"."api_keys"`;
        await pool.query(`UPDATE ${table} SET expires_at = $2::timestamptz WHERE id = $1`, [created.apiKey.id, when]);
        const res = await get(ROUTES.me.path);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('expired');
        expect((await get(ROUTES.me.path)).status).toBe(401);
      },
    );
  });
});
