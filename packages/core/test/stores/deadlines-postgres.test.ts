// PostgresStore under a hostile network: a server that accepts connections but never answers (the
// network black-holes it), and a server that is gone. The pool is the README's own production
// snippet; every call must reject with store_unavailable within the store's deadline (settled
// before a timer of that length set as the call starts: see support/deadline.ts), the pool must not
// fill up with stuck connections, and the store must work again, without a restart, once the
// server answers again.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, postgresSchema } from '../../../../test/support/postgres.js';
import { freePort } from '../../../../test/support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import { isKeygateError } from '../../src/errors.js';
import { PostgresStore } from '../../src/postgres.js';
import { INVALID_TIMEOUTS, rejectionWithin } from '../support/deadline.js';
import { readmeOptions } from '../support/readme.js';
import { makeRecord } from '../support/records.js';

/** The pool options of the README's PostgresStore snippet, but the URL (checked against README.md below). */
const README_OPTIONS = { max: 10, connectionTimeoutMillis: 1_000, statement_timeout: 1_000 } satisfies pg.PoolConfig;
const README_CALL = 'new pg.Pool(';
const DEADLINE_MS = 1_000; // PostgresStore's default timeoutMs
const table = 'api_keys';

const db = postgresSchema();
const { schema } = db;
// PostgreSQL's port; the proxy and the server are both on 127.0.0.1.
const serverPort = Number(new URL(databaseUrl).port || 5432);
let proxy: TcpProxy;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  proxy = await startTcpProxy(serverPort);
  await new PostgresStore({ pool: db.pool(), schema, table }).migrate();
});
afterEach(async () => {
  proxy.retarget(serverPort);
  proxy.heal();
  await Promise.all(pools.splice(0).map((pool) => pool.end()));
});
afterAll(async () => {
  await proxy?.close();
});

// The URL of the test database, through the proxy.
function proxiedUrl(): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.href;
}

// A store on a pool as the README makes it (or with `options`), through the proxy.
function storeOnPool(options: pg.PoolConfig = README_OPTIONS, timeoutMs?: number) {
  const pool = new pg.Pool({ connectionString: proxiedUrl(), ...options });
  pool.on('error', () => {}); // idle connections dropping is what these tests do
  pools.push(pool);
  return { pool, store: new PostgresStore({ pool, schema, table, timeoutMs }) };
}

describe('PostgresStore deadlines with the README pool', () => {
  it('uses exactly the pool options of the README snippet', () => {
    const url = 'postgres://keygate@db.internal/keys';
    expect(readmeOptions(README_CALL, { DATABASE_URL: url })).toEqual({ connectionString: url, ...README_OPTIONS });
  });

  it.each([
    ['a pooled connection', true],
    ['a new connection', false],
  ])(
    'rejects with store_unavailable within the deadline while the network black-holes PostgreSQL, on %s',
    async (_label, warm) => {
      const { store } = storeOnPool();
      if (warm) await store.findById('abcdefghijkl');
      proxy.blackhole();
      const { error, inTime } = await rejectionWithin(DEADLINE_MS, () => store.findById('abcdefghijkl'));
      expect(isKeygateError(error, 'store_unavailable')).toBe(true);
      expect(inTime).toBe(true);
    },
  );

  it('keeps every call within the deadline when more calls than the pool has connections wait', async () => {
    const { store } = storeOnPool();
    await store.findById('abcdefghijkl');
    proxy.blackhole();
    const calls = Array.from({ length: 3 * README_OPTIONS.max }, () =>
      rejectionWithin(DEADLINE_MS, () => store.findById('abcdefghijkl')),
    );
    const outcomes = await Promise.all(calls);
    expect(outcomes.every(({ error }) => isKeygateError(error, 'store_unavailable'))).toBe(true);
    expect(outcomes.every(({ inTime }) => inTime)).toBe(true);
  });

  it('destroys the connection of a call that outlived the deadline instead of returning it to the pool', async () => {
    const { pool, store } = storeOnPool();
    await store.findById('abcdefghijkl');
    expect(pool.totalCount).toBe(1);
    proxy.blackhole();
    await expect(store.findById('abcdefghijkl')).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(pool.totalCount).toBe(0);
  });

  it('works again without a restart once the network heals, after the pool was exhausted', async () => {
    const { store } = storeOnPool();
    await store.findById('abcdefghijkl');
    proxy.blackhole();
    const stalled = await Promise.all(
      Array.from({ length: 3 * README_OPTIONS.max }, () => store.findById('abcdefghijkl').catch((e: unknown) => e)),
    );
    expect(stalled.every((error) => isKeygateError(error, 'store_unavailable'))).toBe(true);
    proxy.heal();
    const record = makeRecord();
    await store.create(record, { maxActivePerOwner: 5 });
    expect(await store.findById(record.id)).toEqual(record);
  });

  it('rejects with store_unavailable within the deadline when the server is gone', async () => {
    const { store } = storeOnPool();
    await store.findById('abcdefghijkl');
    proxy.retarget(await freePort()); // nothing listens there; open connections are closed
    const { error, inTime } = await rejectionWithin(DEADLINE_MS, () => store.findById('abcdefghijkl'));
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
    expect(inTime).toBe(true);
  });

  it('works again without a restart once the server is back', async () => {
    const { store } = storeOnPool();
    proxy.retarget(await freePort());
    await expect(store.findById('abcdefghijkl')).rejects.toMatchObject({ code: 'store_unavailable' });
    proxy.retarget(serverPort);
    const record = makeRecord();
    await store.create(record);
    expect(await store.findById(record.id)).toEqual(record);
  });
});

describe('PostgresStore deadlines whatever the pool', () => {
  it("bounds a pool with pg's defaults (no connection timeout) while the network black-holes PostgreSQL", async () => {
    const { store } = storeOnPool({});
    proxy.blackhole();
    const { error, inTime } = await rejectionWithin(DEADLINE_MS, () => store.findById('abcdefghijkl'));
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
    expect(inTime).toBe(true);
    proxy.heal();
    expect(await store.findById('abcdefghijkl')).toBeNull();
  });

  it('applies the timeoutMs it is given', async () => {
    const { store } = storeOnPool({}, 250);
    await store.findById('abcdefghijkl');
    proxy.blackhole();
    const { error, inTime } = await rejectionWithin(250, () => store.findById('abcdefghijkl'));
    expect(error).toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('250 ms') });
    expect(inTime).toBe(true);
  });

  it.each(INVALID_TIMEOUTS)('refuses timeoutMs %s with invalid_options', (timeoutMs) => {
    const pool = new pg.Pool();
    expect(() => new PostgresStore({ pool, timeoutMs: timeoutMs as number })).toThrow(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringMatching(/timeoutMs/) }),
    );
  });
});
