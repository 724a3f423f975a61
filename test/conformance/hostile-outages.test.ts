// Hostile outages over HTTP, identical on Express, Koa and Fastify. A key store the network
// black-holes (connections accepted, nothing answered) costs a request at most the store's
// deadline (the error keygate reports is the deadline's own, so nothing waited longer): 503 with
// Retry-After, and 200 again once the network heals, without a restart. A
// store failing for a reason that is not an outage (a table that does not exist) answers 500.
import { type CreatedKey, createKeygate, hmacSha256Hasher, type Keygate } from '@keygate/core';
import { PostgresStore } from '@keygate/core/postgres';
import { RedisStore } from '@keygate/core/redis';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresSchema } from '../support/postgres.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { expectProblem, foreignKey } from './helpers.js';

// The README's RedisStore client options (packages/core/test/stores/deadlines-redis.test.ts checks
// them against README.md), and RedisStore's default deadline.
const README_REDIS_OPTIONS = { maxRetriesPerRequest: 1, connectTimeout: 1_000 };
const DEADLINE_MS = 1_000;

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

describe.each(adapters)('$name: a key store the network black-holes', (adapter) => {
  const reported: unknown[] = [];
  let proxy: TcpProxy;
  let client: Redis;
  let keygate: Keygate;
  let app: RunningApp;

  beforeAll(async () => {
    proxy = await startTcpProxy(server.port);
    client = new Redis(`redis://127.0.0.1:${proxy.port}`, README_REDIS_OPTIONS);
    client.on('error', () => {});
    keygate = createKeygate({
      store: new RedisStore({ client, keyPrefix: `outage-${adapter.name}:` }),
      hasher: hmacSha256Hasher(),
      lastUsed: false, // no background write outlives the client
    });
    app = await adapter.start({ keygate, onError: (error) => reported.push(error) });
  });
  afterEach(() => {
    proxy.heal();
    reported.length = 0;
  });
  afterAll(async () => {
    await app?.close();
    client?.disconnect();
    await proxy?.close();
  });

  // A key the store holds and no cache has seen yet.
  const uncachedKey = (): Promise<CreatedKey> => keygate.keys.create({ name: 'outage', owner: 'user_1' });

  it('answers 503 problem+json with Retry-After within the deadline for a key not in the cache', async () => {
    const { key } = await uncachedKey();
    proxy.blackhole();
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', key);
    expectProblem(res, { status: 503, code: 'unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The store's deadline ended the request's wait: its error, not a later one, is what was reported.
    expect(reported).toEqual([
      expect.objectContaining({
        code: 'store_unavailable',
        message: expect.stringContaining(`did not answer within ${DEADLINE_MS} ms`),
      }),
    ]);
  });

  it('answers 200 again once the network heals, without a restart', async () => {
    const { key, apiKey } = await uncachedKey();
    proxy.blackhole();
    expect((await request(app.server).get(ROUTES.me.path).set('X-API-Key', key)).status).toBe(503);
    proxy.heal();
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', key);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(apiKey.id);
  });
});

describe.each(adapters)('$name: a key store failing for a reason that is not an outage', (adapter) => {
  // A fresh schema in which the key table was never created.
  const db = postgresSchema();
  const reported: unknown[] = [];
  let app: RunningApp;

  beforeAll(async () => {
    const store = new PostgresStore({ pool: db.pool(), schema: db.schema, table: 'missing' });
    const keygate = createKeygate({ store, hasher: hmacSha256Hasher() });
    app = await adapter.start({ keygate, onError: (error) => reported.push(error) });
  });
  afterAll(() => app?.close());

  it('answers 500 problem+json without Retry-After, and reports the error to onError', async () => {
    const { key } = await foreignKey();
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', key);
    expectProblem(res, { status: 500, code: 'internal' });
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.text).not.toContain('missing');
    expect(reported).toEqual([expect.objectContaining({ code: '42P01' })]); // undefined_table
  });
});
