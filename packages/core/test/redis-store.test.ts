import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../test/support/redis-global-setup.js';
import { freePort, startRedisServer } from '../../../test/support/redis-server.js';
import { randomBase62 } from '../src/base62.js';
import { isKeygateError, KeygateError } from '../src/errors.js';
import { RedisStore } from '../src/redis/index.js';
import { type RedisCluster, startRedisCluster } from './redis-cluster.js';
import { describeKeyStore, makeFullRecord, makeRecord } from './store-conformance.js';

// Each test gets a fresh random key prefix; cleanup deletes every key under it, node by node.
function freshPrefix(): string {
  return `keygate-test:${randomBase62(10)}:`;
}

async function keysUnder(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys;
}

async function deleteUnder(client: Redis | Cluster, prefix: string): Promise<void> {
  // One key per command: on a cluster, keys of different slots cannot share a DEL.
  await Promise.all((await keysUnder(client, prefix)).map((key) => client.unlink(key)));
}

function fixture(client: () => Redis | Cluster) {
  return async () => {
    const keyPrefix = freshPrefix();
    return {
      store: new RedisStore({ client: client(), keyPrefix }),
      cleanup: () => deleteUnder(client(), keyPrefix),
    };
  };
}

describe('RedisStore on standalone Redis', () => {
  let client: Redis;

  beforeAll(async () => {
    client = new Redis(inject('redisUrl'), { lazyConnect: true });
    await client.connect();
  });

  afterAll(async () => {
    await client?.quit();
  });

  describeKeyStore(
    'RedisStore (standalone)',
    fixture(() => client),
  );

  it('writes only keys under its prefix, and cleanup by prefix removes them all', async () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ client, keyPrefix });
    const record = makeFullRecord();
    await store.create(record);
    const keys = await keysUnder(client, keyPrefix);
    expect(keys.sort()).toEqual(
      [
        `${keyPrefix}id:${record.id}`,
        `${keyPrefix}{o:${record.owner}}:key:${record.id}`,
        `${keyPrefix}{o:${record.owner}}:keys`,
      ].sort(),
    );
    await deleteUnder(client, keyPrefix);
    expect(await keysUnder(client, keyPrefix)).toEqual([]);
  });

  it('uses keygate: as the default prefix', async () => {
    const store = new RedisStore({ client });
    const record = makeRecord();
    await store.create(record);
    try {
      expect(await client.get(`keygate:id:${record.id}`)).toBe(record.owner);
    } finally {
      await client.unlink(
        `keygate:id:${record.id}`,
        `keygate:{o:${record.owner}}:key:${record.id}`,
        `keygate:{o:${record.owner}}:keys`,
      );
    }
  });

  it('still works after the server forgets its scripts (SCRIPT FLUSH)', async () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ client, keyPrefix });
    try {
      const record = makeRecord();
      await store.create(record, { maxActivePerOwner: 2 });
      await client.script('FLUSH');
      await store.update(record.id, { name: 'renamed' });
      await client.script('FLUSH');
      expect(await store.listByOwner(record.owner)).toStrictEqual([{ ...record, name: 'renamed' }]);
    } finally {
      await deleteUnder(client, keyPrefix);
    }
  });

  it('refuses a key prefix with hash-tag braces', () => {
    expect(() => new RedisStore({ client, keyPrefix: '{keygate}:' })).toThrow(KeygateError);
  });

  it('refuses a missing client', () => {
    expect(() => new RedisStore({} as never)).toThrow(/client/);
  });

  it('refuses a cap that is not a non-negative integer', async () => {
    const store = new RedisStore({ client, keyPrefix: freshPrefix() });
    await expect(store.create(makeRecord(), { maxActivePerOwner: 1.5 })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});

describe('RedisStore on a 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = new Cluster([...cluster.nodes], { lazyConnect: true });
    await client.connect();
  });

  afterAll(async () => {
    await client?.quit();
    await cluster?.stop();
  });

  describeKeyStore(
    'RedisStore (cluster)',
    fixture(() => client),
  );

  it("keeps each owner's record and index in one slot, with owners spread over the masters", async () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ client, keyPrefix });
    try {
      const owners = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', '{braces}', 'un}balanced{', 'ünïcødé'];
      const masters = new Set<string>();
      for (const owner of owners) {
        const record = makeRecord({ owner });
        await store.create(record, { maxActivePerOwner: 1 });
        await expect(store.create(makeRecord({ owner }), { maxActivePerOwner: 1 })).rejects.toMatchObject({
          code: 'limit_exceeded',
        });
        expect(await store.findById(record.id)).toStrictEqual(record);
        expect(await store.listByOwner(owner)).toStrictEqual([record]);
        const ownerKeys = (await keysUnder(client, keyPrefix)).filter((k) => !k.startsWith(`${keyPrefix}id:`));
        const slots = new Set(await Promise.all(ownerKeys.map((k) => client.cluster('KEYSLOT', k))));
        expect(slots.size).toBe(1);
        masters.add(String(client.slots[Number([...slots][0])]?.[0]));
        await deleteUnder(client, keyPrefix);
      }
      expect(masters.size).toBeGreaterThan(1);
    } finally {
      await deleteUnder(client, keyPrefix);
    }
  });
});

describe('RedisStore failures', () => {
  it.each([
    ['a fail-fast client (no offline queue)', { enableOfflineQueue: false }],
    ['a client that retries once', { maxRetriesPerRequest: 1 }],
  ])('rejects with store_unavailable when Redis cannot be reached, on %s', async (_label, options) => {
    const port = await freePort(); // nothing listens there
    const dead = new Redis(port, '127.0.0.1', { ...options, retryStrategy: () => 50 });
    dead.on('error', () => {});
    try {
      const error = await new RedisStore({ client: dead, keyPrefix: freshPrefix() })
        .findById('abcdefghijkl')
        .catch((e: unknown) => e);
      expect(isKeygateError(error, 'store_unavailable')).toBe(true);
      expect((error as Error).cause).toBeInstanceOf(Error);
    } finally {
      dead.disconnect();
    }
  });

  it('rejects with store_unavailable while Redis is busy running a script (BUSY)', async () => {
    const server = await startRedisServer(['--busy-reply-threshold', '50']);
    const blocker = new Redis(server.url);
    const client = new Redis(server.url);
    const admin = new Redis(server.url);
    await Promise.all([client.ping(), admin.ping()]);
    // A script that never ends by itself: Redis answers BUSY to others once it has run 50 ms.
    const running = blocker.eval('while true do end', 0).catch(() => undefined);
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const error = await new RedisStore({ client, keyPrefix: freshPrefix() })
        .findById('abcdefghijkl')
        .catch((e: unknown) => e);
      expect(isKeygateError(error, 'store_unavailable')).toBe(true);
      expect((error as Error).cause).toMatchObject({ message: expect.stringMatching(/^BUSY /) });
    } finally {
      // The script must end whatever happened above: a Redis busy in a script ignores SIGTERM.
      await admin.script('KILL').catch(() => server.kill());
      for (const c of [blocker, client, admin]) c.disconnect();
      await running;
      await server.stop();
    }
  });

  it('passes other Redis errors on as they are, e.g. WRONGTYPE on a key written by someone else', async () => {
    const client = new Redis(inject('redisUrl'));
    const keyPrefix = freshPrefix();
    try {
      await client.hset(`${keyPrefix}id:abcdefghijkl`, 'not', 'a pointer');
      const error = await new RedisStore({ client, keyPrefix }).findById('abcdefghijkl').catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(KeygateError);
      expect((error as Error).message).toMatch(/^WRONGTYPE /);
    } finally {
      await deleteUnder(client, keyPrefix);
      await client.quit();
    }
  });
});
