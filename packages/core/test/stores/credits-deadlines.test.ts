// Every credit call of RedisStore and PostgresStore rejects with store_unavailable within the
// store's deadline while the network black-holes the server (a TCP proxy that stops forwarding),
// and the store works again once the network heals. The clients are the READMEs' own settings
// (see deadlines-redis.test.ts and deadlines-postgres.test.ts for the calls of the KeyStore).
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, postgresSchema } from '../../../../test/support/postgres.js';
import { type RedisServer, startRedisServer } from '../../../../test/support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import type { CreditState } from '../../src/credits/allowance.js';
import { isKeygateError } from '../../src/errors.js';
import { PostgresStore } from '../../src/postgres.js';
import { RedisStore } from '../../src/redis.js';
import type { CreditStore } from '../../src/stores/credit-store.js';
import { rejectionWithin } from '../support/deadline.js';
import { randomOwner, T0 } from '../support/records.js';

const DEADLINE_MS = 1_000; // the stores' default timeoutMs
const LINEAGE = 'AAAAAAAAAAAA';
const plain = (remaining: number): CreditState => ({ remaining, refill: null, refillAt: null });

const operations: Array<[string, (store: CreditStore, owner: string) => Promise<unknown>]> = [
  ['getCredits', (store, owner) => store.getCredits({ owner })],
  ['setCredits', (store, owner) => store.setCredits({ owner }, plain(5))],
  ['addCredits', (store, owner) => store.addCredits({ owner }, 1)],
  ['spendCredits', (store, owner) => store.spendCredits(owner, LINEAGE, 1, T0)],
  ['refillCredits', (store, owner) => store.refillCredits({ owner, lineage: LINEAGE }, T0, T0 + 1)],
];

// Black-holes the network under a warm `store`, then runs `call`; heals the network afterwards and
// checks the store answers again.
async function underBlackhole(proxy: TcpProxy, store: CreditStore, call: (owner: string) => Promise<unknown>) {
  const owner = randomOwner();
  await store.setCredits({ owner }, plain(10));
  proxy.blackhole();
  const outcome = await rejectionWithin(DEADLINE_MS, () => call(owner));
  proxy.heal();
  expect(isKeygateError(outcome.error, 'store_unavailable')).toBe(true);
  expect(outcome.inTime).toBe(true);
  expect((await store.spendCredits(owner, undefined, 1, T0)).outcome).toBe('spent');
}

describe('RedisStore credit deadlines', () => {
  let server: RedisServer;
  let proxy: TcpProxy;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    proxy = await startTcpProxy(server.port);
  });
  afterEach(() => {
    proxy.heal();
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it.each(operations)(
    'rejects %s with store_unavailable within the deadline while the network black-holes Redis',
    async (_name, call) => {
      const client = new Redis(`redis://127.0.0.1:${proxy.port}`, { maxRetriesPerRequest: 1, connectTimeout: 1_000 });
      client.on('error', () => {});
      clients.push(client);
      const store = new RedisStore({ client });
      await underBlackhole(proxy, store, (owner) => call(store, owner));
    },
  );
});

describe('PostgresStore credit deadlines', () => {
  const db = postgresSchema();
  const table = 'api_keys';
  let proxy: TcpProxy;
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(databaseUrl).port || 5432));
    await new PostgresStore({ pool: db.pool(), schema: db.schema, table }).migrate();
  });
  afterEach(async () => {
    proxy.heal();
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it.each(operations)(
    'rejects %s with store_unavailable within the deadline while the network black-holes PostgreSQL',
    async (_name, call) => {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      const pool = new pg.Pool({
        connectionString: url.href,
        max: 10,
        connectionTimeoutMillis: 1_000,
        statement_timeout: 1_000,
      });
      pool.on('error', () => {});
      pools.push(pool);
      const store = new PostgresStore({ pool, schema: db.schema, table });
      await underBlackhole(proxy, store, (owner) => call(store, owner));
    },
  );
});
