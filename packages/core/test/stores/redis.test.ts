import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../../test/support/redis-global-setup.js';
import { freePort, startRedisServer } from '../../../../test/support/redis-server.js';
import { isKeygateError, KeygateError } from '../../src/errors.js';
import { randomBase62 } from '../../src/key/base62.js';
import type { KeyRecord } from '../../src/key/record.js';
import { RedisStore } from '../../src/redis.js';
import { encodeRecord } from '../../src/stores/redis/codec.js';
import type { RecordRotation } from '../../src/stores/store.js';
import { until } from '../support/poll.js';
import { at, makeFullRecord, makeRecord, T0 } from '../support/records.js';
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.js';
import { describeKeyStore, listAll } from './conformance.js';

// A rotation of `old` (as stored) into a new key of its owner, created 10 s after T0.
function rotationOf(old: KeyRecord): RecordRotation {
  const replacement = makeRecord({ owner: old.owner, lineage: old.lineage, createdAt: at(10) });
  return {
    id: old.id,
    ifVersion: old.version,
    patch: { replacedBy: replacement.id, version: old.version + 1 },
    replacement,
  };
}

// Byte order of ASCII ids, the order Redis gives equal scores.
function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

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
    const record = makeFullRecord({ revokedAt: null });
    await store.create(record);
    const keys = await keysUnder(client, keyPrefix);
    expect(keys.sort()).toEqual(
      [
        `${keyPrefix}id:${record.id}`,
        `${keyPrefix}{o:${record.owner}}:key:${record.id}`,
        `${keyPrefix}{o:${record.owner}}:keys`,
        `${keyPrefix}{o:${record.owner}}:live`,
        `${keyPrefix}{o:${record.owner}}:expiring`,
        `${keyPrefix}{all}:expiring`,
        `${keyPrefix}{all}:idle`,
      ].sort(),
    );
    await deleteUnder(client, keyPrefix);
    expect(await keysUnder(client, keyPrefix)).toEqual([]);
  });

  it('skips a search index entry that disagrees with its record, and corrects it', async () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ client, keyPrefix });
    const record = makeRecord({ expiresAt: new Date(T0 + 3_600_000) });
    await store.create(record);
    const member = `${record.id} o:${record.owner}`;
    await client.zadd(`${keyPrefix}{all}:expiring`, T0 + 60_000, member);
    const options = { limit: 10, activeAt: T0 };
    expect((await store.findExpiring(T0 + 120_000, options)).records).toEqual([]);
    expect(await client.zscore(`${keyPrefix}{all}:expiring`, member)).toBe(String(T0 + 3_600_000));
    expect((await store.findExpiring(T0 + 7_200_000, options)).records.map((r) => r.id)).toEqual([record.id]);
    await deleteUnder(client, keyPrefix);
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
        `keygate:{o:${record.owner}}:live`,
        'keygate:{all}:idle',
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
      const replacement = makeRecord({ owner: record.owner, createdAt: new Date(record.createdAt.getTime() + 1) });
      await store.rotate({
        id: record.id,
        ifVersion: 1,
        patch: { replacedBy: replacement.id, version: 2 },
        replacement,
      });
      await client.script('FLUSH');
      const renamed = { ...record, name: 'renamed', replacedBy: replacement.id, version: 2 };
      expect(await listAll(store, record.owner)).toStrictEqual([renamed, replacement]);
    } finally {
      await deleteUnder(client, keyPrefix);
    }
  });

  // A store under a fresh prefix for one test; its keys are deleted afterwards.
  async function withStore(test: (store: RedisStore, keyPrefix: string) => Promise<void>): Promise<void> {
    const keyPrefix = freshPrefix();
    try {
      await test(new RedisStore({ client, keyPrefix }), keyPrefix);
    } finally {
      await deleteUnder(client, keyPrefix);
    }
  }

  describe('rotate', () => {
    it('lets exactly one of two stores with their own clients rotate one key version', async () => {
      const keyPrefix = freshPrefix();
      const clients = [new Redis(inject('redisUrl')), new Redis(inject('redisUrl'))];
      try {
        const [first, second] = clients.map((c) => new RedisStore({ client: c, keyPrefix })) as [
          RedisStore,
          RedisStore,
        ];
        for (let round = 0; round < 20; round++) {
          const old = makeRecord();
          await first.create(old);
          const changes = [rotationOf(old), rotationOf(old)] as const;
          const results = await Promise.allSettled([first.rotate(changes[0]), second.rotate(changes[1])]);
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          const stored = (await Promise.all(changes.map((c) => first.findById(c.replacement.id)))).filter(Boolean);
          expect(stored).toHaveLength(1);
          expect((await first.findById(old.id))?.replacedBy).toBe(stored[0]?.id);
        }
      } finally {
        await deleteUnder(client, keyPrefix);
        await Promise.all(clients.map((c) => c.quit()));
      }
    });

    it('refuses a replacement of another owner with invalid_input and writes nothing', async () => {
      await withStore(async (store, keyPrefix) => {
        const old = makeRecord();
        await store.create(old);
        const change = rotationOf(old);
        const foreign = { ...change, replacement: { ...change.replacement, owner: 'someone-else' } };
        await expect(store.rotate(foreign)).rejects.toMatchObject({ code: 'invalid_input' });
        expect(await client.exists(`${keyPrefix}id:${change.replacement.id}`)).toBe(0);
        expect(await store.findById(old.id)).toStrictEqual(old);
      });
    });

    it.each([
      ['the replaced key changed', 'conflict', { ifVersion: 0 }],
      ["the owner's cap is reached", 'limit_exceeded', { maxActivePerOwner: 0 }],
    ] as const)('frees the replacement id when it refuses because %s', async (_label, code, overrides) => {
      await withStore(async (store, keyPrefix) => {
        const old = makeRecord();
        await store.create(old);
        const change = { ...rotationOf(old), ...overrides };
        await expect(store.rotate(change)).rejects.toMatchObject({ code });
        expect(await client.exists(`${keyPrefix}id:${change.replacement.id}`)).toBe(0);
      });
    });

    it('returns null and frees the replacement id when the replaced key has a pointer but no record yet', async () => {
      await withStore(async (store, keyPrefix) => {
        const old = makeRecord();
        await client.set(`${keyPrefix}id:${old.id}`, old.owner); // a create still in flight
        const change = rotationOf(old);
        expect(await store.rotate(change)).toBeNull();
        expect(await client.exists(`${keyPrefix}id:${change.replacement.id}`)).toBe(0);
      });
    });
  });

  describe('listByOwner pages', () => {
    it('examines at most limit + 100 entries, so expired keys give a short page that has a next one', async () => {
      await withStore(async (store) => {
        const owner = `owner-${randomBase62(10)}`;
        await Promise.all(
          Array.from({ length: 150 }, (_, i) =>
            store.create(makeRecord({ owner, createdAt: at(i), expiresAt: at(i + 1) })),
          ),
        );
        const active = makeRecord({ owner, createdAt: at(1000) });
        await store.create(active);
        const activeAt = at(2000).getTime();
        const first = await store.listByOwner(owner, { limit: 5, activeAt });
        expect(first.records).toEqual([]);
        expect(first.next).toStrictEqual({ createdAt: at(104), id: expect.any(String) });
        expect(await store.listByOwner(owner, { limit: 5, activeAt, after: first.next ?? undefined })).toStrictEqual({
          records: [active],
          next: null,
        });
      });
    });

    it('continues the active listing after the last listed key is revoked between two pages', async () => {
      await withStore(async (store) => {
        const owner = `owner-${randomBase62(10)}`;
        const records = Array.from({ length: 6 }, () => makeRecord({ owner, createdAt: at(1) }));
        for (const record of records) await store.create(record);
        const activeAt = at(2).getTime();
        const first = await store.listByOwner(owner, { limit: 2, activeAt });
        await store.update((first.records[1] as KeyRecord).id, { revokedAt: at(2) });
        const rest = await store.listByOwner(owner, { limit: 10, activeAt, after: first.next ?? undefined });
        const expected = records
          .map((r) => r.id)
          .sort(byBytes)
          .slice(2);
        expect(rest.records.map((r) => r.id)).toEqual(expected);
      });
    });

    it('orders keys created in one millisecond by the bytes of their ids, upper case first', async () => {
      await withStore(async (store) => {
        const owner = `owner-${randomBase62(10)}`;
        const ids = ['b1234567890a', 'A1234567890a', 'a1234567890a', 'Z1234567890a', '01234567890a'];
        for (const id of ids) await store.create(makeRecord({ id, owner, createdAt: at(1) }));
        const listed = await listAll(store, owner, { limit: 1 });
        expect(listed.map((r) => r.id)).toEqual([
          '01234567890a',
          'A1234567890a',
          'Z1234567890a',
          'a1234567890a',
          'b1234567890a',
        ]);
      });
    });
  });

  it('reads a record written before versions and lineages as version 0 of its own lineage', async () => {
    await withStore(async (store, keyPrefix) => {
      const record = makeRecord({ version: 0 });
      const slot = `${keyPrefix}{o:${record.owner}}:`;
      const legacy = encodeRecord(record);
      for (const field of ['lineage', 'version']) legacy.splice(legacy.indexOf(field), 2);
      await client.set(`${keyPrefix}id:${record.id}`, record.owner);
      await client.hset(`${slot}key:${record.id}`, ...legacy);
      expect(await store.findById(record.id)).toStrictEqual(record);
      expect(await store.update(record.id, { name: 'renamed', version: 1 }, { ifVersion: 0 })).toStrictEqual({
        ...record,
        name: 'renamed',
        version: 1,
      });
    });
  });

  it.each([
    ['create', (store: RedisStore) => store.create(makeRecord({ owner: 'owner-x' }))],
    ['update', (store: RedisStore) => store.update('abcdefghijkl', { name: 'x' })],
    ['rotate', (store: RedisStore) => store.rotate(rotationOf(makeRecord({ owner: 'owner-x' })))],
    ['listByOwner', (store: RedisStore) => store.listByOwner('owner-x', { limit: 1 })],
  ])('rejects %s with store_unavailable when a script gives a reply it does not expect', async (_name, call) => {
    const odd = { get: async () => 'owner-x', set: async () => 'OK', del: async () => 1, evalsha: async () => 'odd' };
    const store = new RedisStore({ client: odd as unknown as Redis, keyPrefix: freshPrefix() });
    await expect(call(store)).rejects.toMatchObject({ code: 'store_unavailable' });
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
        expect(await listAll(store, owner)).toStrictEqual([record]);
        const ownerKeys = (await keysUnder(client, keyPrefix)).filter(
          (k) => !k.startsWith(`${keyPrefix}id:`) && !k.startsWith(`${keyPrefix}{all}:`),
        );
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
      // Redis answers BUSY once the script has run 50 ms: wait for that answer, not for a time.
      await until('Redis answers BUSY', () =>
        admin.ping().then(
          () => false,
          (e: unknown) => /^BUSY /.test((e as Error).message),
        ),
      );
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
