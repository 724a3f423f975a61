// The audit sinks under a hostile network: a PostgreSQL or Redis that accepts connections but never
// answers. Recording never waits and never grows the queue past its bound; each write gives up
// within the sink's deadline (the batch is counted as dropped); requests go on as if nothing happened.
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, postgresSchema } from '../../../../test/support/postgres.js';
import { type RedisServer, startRedisServer } from '../../../../test/support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import type { AuditSink } from '../../src/audit/sink.js';
import { isKeygateError } from '../../src/errors.js';
import { createKeygate } from '../../src/keygate/create.js';
import { PostgresAuditSink } from '../../src/postgres.js';
import { RedisAuditSink } from '../../src/redis.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { event } from './events.js';

const DEADLINE_MS = 300;
const LATE = Symbol('late');
const db = postgresSchema();
let pgProxy: TcpProxy;
let redisServer: RedisServer;
let redisProxy: TcpProxy;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  await new PostgresAuditSink({ pool: db.pool(), schema: db.schema }).migrate();
  pgProxy = await startTcpProxy(Number(new URL(databaseUrl).port || 5432));
  redisServer = await startRedisServer();
  redisProxy = await startTcpProxy(redisServer.port);
});
afterEach(async () => {
  pgProxy.heal();
  redisProxy.heal();
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await pgProxy?.close();
  await redisProxy?.close();
  await redisServer?.stop();
});

/** Whether `call` settled before a timer of `ms` set just after it started (see support/deadline.ts). */
async function settlesWithin(ms: number, call: () => Promise<unknown>): Promise<boolean> {
  const outcome = call().then(
    () => true,
    () => true,
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(resolve, ms, LATE);
  });
  const first = await Promise.race([outcome, late]);
  clearTimeout(timer);
  return first !== LATE;
}

function postgresSink(errors: unknown[]): AuditSink & { flush(): Promise<void> } {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(pgProxy.port);
  const pool = new pg.Pool({ connectionString: url.href, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  const sink = new PostgresAuditSink({
    pool,
    schema: db.schema,
    timeoutMs: DEADLINE_MS,
    maxQueue: 50,
    batchSize: 10,
    onError: (e) => errors.push(e),
  });
  closers.push(
    () => sink.close(),
    () => pool.end(),
  );
  return sink;
}

function redisSink(errors: unknown[]): AuditSink & { flush(): Promise<void> } {
  const client = new Redis(`redis://127.0.0.1:${redisProxy.port}`, { maxRetriesPerRequest: 1, connectTimeout: 1_000 });
  client.on('error', () => {});
  const sink = new RedisAuditSink({
    client,
    timeoutMs: DEADLINE_MS,
    maxQueue: 50,
    batchSize: 10,
    onError: (e) => errors.push(e),
  });
  closers.push(
    () => sink.close(),
    () => client.disconnect(),
  );
  return sink;
}

describe.each([
  ['PostgresAuditSink', postgresSink, () => pgProxy],
  ['RedisAuditSink', redisSink, () => redisProxy],
])('%s while the network black-holes its server', (_, open, proxyOf) => {
  it('gives up each write within its deadline, counting the batch as dropped', async () => {
    const errors: unknown[] = [];
    const sink = open(errors);
    sink.record(event(0));
    await sink.flush(); // connected and working
    proxyOf().blackhole();
    for (let i = 0; i < 10; i++) sink.record(event(i + 1));
    expect(await settlesWithin(DEADLINE_MS, () => sink.flush())).toBe(true);
    expect(sink.dropped).toBe(10);
    expect(errors.every((e) => isKeygateError(e, 'store_unavailable'))).toBe(true);
  });

  it('never lets the queue grow past maxQueue, and recording never waits', async () => {
    const sink = open([]);
    proxyOf().blackhole();
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) sink.record(event(i));
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS);
    expect(sink.dropped).toBeGreaterThanOrEqual(10_000 - 50 - 10);
  });

  it('never delays a request: keys are created and verified while the audit write hangs', async () => {
    const sink = open([]);
    proxyOf().blackhole();
    const keygate = createKeygate({ store: new MemoryStore(), audit: sink });
    const verified = await (async () => {
      for (let i = 0; i < 5; i++) {
        const { key } = await keygate.keys.create({ name: 'k', owner: 'acct_1' });
        expect((await keygate.verify(key)).ok).toBe(true);
      }
      return true;
    })();
    expect(verified).toBe(true);
  });
});
