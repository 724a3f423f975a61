// RedisStore under a hostile network: a Redis that accepts connections but never answers (the
// network black-holes it), and a Redis that is stopped. The client is the README's own production
// snippet; every call must reject with store_unavailable within the store's deadline (settled before
// a timer of that length set as the call starts: see support/deadline.ts), and the store must work
// again, without a restart, once Redis answers again.
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../../test/support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import { isKeygateError } from '../../src/errors.js';
import { RedisStore } from '../../src/redis.js';
import type { KeyStore } from '../../src/stores/store.js';
import { INVALID_TIMEOUTS, rejectionWithin } from '../support/deadline.js';
import { readmeOptions } from '../support/readme.js';
import { makeRecord } from '../support/records.js';

/** The client options of the README's RedisStore snippet (checked against README.md below). */
const README_OPTIONS = { maxRetriesPerRequest: 1, connectTimeout: 1_000 } satisfies RedisOptions;
const README_CALL = 'new Redis(process.env.REDIS_URL, ';
const DEADLINE_MS = 1_000; // RedisStore's default timeoutMs

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

// A client as the README makes it, connected (through the proxy unless told otherwise).
async function readmeClient(url = `redis://127.0.0.1:${proxy.port}`, options: RedisOptions = README_OPTIONS) {
  const client = new Redis(url, options);
  client.on('error', () => {}); // reconnect attempts while Redis is away are expected here
  clients.push(client);
  await client.ping();
  return client;
}

// A findById on a store over a client (with these options) of a private Redis, once that Redis is
// stopped: what it rejected with, and whether within the deadline.
async function findByIdOnStoppedRedis(options: RedisOptions) {
  const own = await startRedisServer();
  try {
    const store = new RedisStore({ client: await readmeClient(own.url, options) });
    await own.stop();
    return await rejectionWithin(DEADLINE_MS, () => store.findById('abcdefghijkl'));
  } finally {
    await own.stop();
  }
}

const operations: Array<[string, (store: KeyStore) => Promise<unknown>]> = [
  ['findById', (store) => store.findById('abcdefghijkl')],
  ['create', (store) => store.create(makeRecord())],
  ['update', (store) => store.update('abcdefghijkl', { name: 'renamed' })],
  ['rotate', (store) => store.rotate({ id: 'abcdefghijkl', ifVersion: 0, patch: {}, replacement: makeRecord() })],
  ['listByOwner', (store) => store.listByOwner('owner', { limit: 10 })],
  [
    'touchMany',
    (store) => store.touchMany?.([{ id: 'abcdefghijkl', owner: 'owner', lastUsedAt: new Date() }]) as Promise<void>,
  ],
  [
    'findExpiring',
    (store) => store.findExpiring?.(Date.now() + 60_000, { limit: 10, activeAt: Date.now() }) as Promise<unknown>,
  ],
  ['findUnused', (store) => store.findUnused?.(Date.now(), { limit: 10, activeAt: Date.now() }) as Promise<unknown>],
];

describe('RedisStore deadlines with the README client', () => {
  it('uses exactly the client options of the README snippet', () => {
    expect(readmeOptions(README_CALL)).toEqual(README_OPTIONS);
  });

  it.each(operations)(
    'rejects %s with store_unavailable within the deadline while the network black-holes Redis',
    async (_name, call) => {
      const store = new RedisStore({ client: await readmeClient() });
      proxy.blackhole();
      const { error, inTime } = await rejectionWithin(DEADLINE_MS, () => call(store));
      expect(isKeygateError(error, 'store_unavailable')).toBe(true);
      expect(inTime).toBe(true);
    },
  );

  it('works again without a restart once the network heals', async () => {
    const store = new RedisStore({ client: await readmeClient() });
    const record = makeRecord();
    proxy.blackhole();
    const stalled = await Promise.all([1, 2, 3].map(() => store.findById(record.id).catch((e: unknown) => e)));
    expect(stalled.every((error) => isKeygateError(error, 'store_unavailable'))).toBe(true);
    proxy.heal();
    await store.create(record);
    expect(await store.findById(record.id)).toEqual(record);
  });

  it('sends none of the later steps of a call that timed out once the network heals', async () => {
    const client = await readmeClient();
    const store = new RedisStore({ client });
    const record = makeRecord();
    proxy.blackhole();
    // The create's first command (reserving the id) is held; its script, which writes, comes after.
    expect(await store.create(record).catch((e: unknown) => e)).toMatchObject({ code: 'store_unavailable' });
    proxy.heal();
    await client.ping(); // answered after the held command, so the create has gone as far as it will
    expect(await store.findById(record.id)).toBeNull();
  });

  it('rejects with store_unavailable within the deadline while the network refuses connections to Redis', async () => {
    const store = new RedisStore({ client: await readmeClient() });
    proxy.refuse();
    const { error, inTime } = await rejectionWithin(DEADLINE_MS, () => store.findById('abcdefghijkl'));
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
    expect(inTime).toBe(true);
  });

  it('rejects with store_unavailable within the deadline when Redis is stopped', async () => {
    const { error, inTime } = await findByIdOnStoppedRedis(README_OPTIONS);
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
    expect(inTime).toBe(true);
  });

  it('works again without a restart once a stopped Redis is back', async () => {
    const own = await startRedisServer();
    try {
      const client = await readmeClient(own.url);
      const store = new RedisStore({ client });
      await own.kill();
      await expect(store.findById('abcdefghijkl')).rejects.toMatchObject({ code: 'store_unavailable' });
      const ready = new Promise((resolve) => client.once('ready', resolve));
      await own.restart();
      await ready;
      const record = makeRecord();
      await store.create(record);
      expect(await store.findById(record.id)).toEqual(record);
    } finally {
      await own.stop();
    }
  });
});

describe('RedisStore deadlines whatever the client', () => {
  it("bounds a client with ioredis' defaults (20 retries per command) while Redis is stopped", async () => {
    const { error, inTime } = await findByIdOnStoppedRedis({});
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
    expect(inTime).toBe(true);
  });

  it('applies the timeoutMs it is given', async () => {
    const store = new RedisStore({ client: await readmeClient(undefined, {}), timeoutMs: 250 });
    proxy.blackhole();
    const { error, inTime } = await rejectionWithin(250, () => store.findById('abcdefghijkl'));
    expect(error).toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('250 ms') });
    expect(inTime).toBe(true);
  });

  it.each(INVALID_TIMEOUTS)('refuses timeoutMs %s with invalid_options', (timeoutMs) => {
    const client = new Redis({ lazyConnect: true });
    expect(() => new RedisStore({ client, timeoutMs: timeoutMs as number })).toThrow(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringMatching(/timeoutMs/) }),
    );
  });
});
