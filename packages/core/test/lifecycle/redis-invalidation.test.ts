// Cross-instance cache invalidation: the bus contract with fakes, then RedisInvalidationBus on a
// real Redis (inject('redisUrl')), with a private redis-server for the disconnect/reconnect case.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import type {} from '../../../../test/support/redis-global-setup.js';
import { type RedisServer, startRedisServer } from '../../../../test/support/redis-server.js';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { randomBase62 } from '../../src/key/base62.js';
import { createKeygate } from '../../src/keygate/create.js';
import { type Keygate, runtimeOf } from '../../src/keygate/instance.js';
import type { KeygateOptions } from '../../src/keygate/options.js';
import type { CacheInvalidation, InvalidationHandlers } from '../../src/lifecycle/invalidation.js';
import { RedisInvalidationBus } from '../../src/lifecycle/redis-invalidation.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { RedisStore } from '../../src/stores/redis/store.js';
import type { KeyStore } from '../../src/stores/store.js';
import { until } from '../support/poll.js';
import { startRedisCluster } from '../support/redis-cluster.js';

// Everything a test opens, closed after it whatever happens.
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
  vi.restoreAllMocks();
});

function client(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, { retryStrategy: () => 50, ...options });
  redis.on('error', () => {});
  cleanups.push(() => redis.disconnect());
  return redis;
}

function instance(store: KeyStore, invalidation: CacheInvalidation | undefined, extra: Partial<KeygateOptions> = {}) {
  const keygate = createKeygate({ store, hasher: hmacSha256Hasher(), lastUsed: false, invalidation, ...extra });
  cleanups.push(() => keygate.close());
  return keygate;
}

async function subscribers(admin: Redis, channel: string): Promise<number> {
  const reply = (await admin.pubsub('NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

const cachedOk = (keygate: Keygate, key: string) => runtimeOf(keygate).peek(key)?.ok === true;

describe('cache invalidation (bus contract)', () => {
  it('publishes every change made through keys, the last time after the store write', async () => {
    const inner = new MemoryStore();
    let written = false;
    const store: KeyStore = {
      findById: (id) => inner.findById(id),
      create: (record, options) => inner.create(record, options),
      listByOwner: (owner, options) => inner.listByOwner(owner, options),
      rotate: (rotation) => inner.rotate(rotation),
      update: async (id, patch, options) => {
        const result = await inner.update(id, patch, options);
        if (patch.revokedAt) written = true;
        return result;
      },
    };
    const published: Array<{ id: string; written: boolean }> = [];
    const bus: CacheInvalidation = {
      publish: async (id) => {
        published.push({ id, written });
      },
      subscribe: () => () => {},
    };
    const keygate = instance(store, bus);
    const { apiKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
    expect(published).toEqual([]);
    await keygate.keys.update(apiKey.id, { name: 'renamed' });
    const rotated = await keygate.keys.rotate(apiKey.id, { gracePeriodMs: 60_000 });
    await keygate.keys.revoke(rotated.apiKey.id);
    expect(new Set(published.map((p) => p.id))).toEqual(new Set([apiKey.id, rotated.apiKey.id]));
    expect(published.at(-1)).toEqual({ id: rotated.apiKey.id, written: true });
  });

  it('never fails a change when publishing fails: the error goes to onError', async () => {
    const onError = vi.fn();
    const failures: CacheInvalidation[] = [
      { publish: () => Promise.reject(new Error('publish rejected')), subscribe: () => () => {} },
      {
        publish: () => {
          throw new Error('publish threw');
        },
        subscribe: () => () => {},
      },
    ];
    for (const bus of failures) {
      const keygate = instance(new MemoryStore(), bus, { onError });
      const { key, apiKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
      await expect(keygate.keys.revoke(apiKey.id)).resolves.toMatchObject({ id: apiKey.id });
      expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(onError).toHaveBeenCalledWith(new Error('publish rejected'));
    expect(onError).toHaveBeenCalledWith(new Error('publish threw'));
  });

  it('wires evict and evictAll of a subscription to the verified-key cache, and close unsubscribes', async () => {
    let handlers: InvalidationHandlers | undefined;
    const unsubscribe = vi.fn();
    const keygate = instance(new MemoryStore(), {
      publish: async () => {},
      subscribe: (h) => {
        handlers = h;
        return unsubscribe;
      },
    });
    const a = await keygate.keys.create({ name: 'a', owner: 'o' });
    const b = await keygate.keys.create({ name: 'b', owner: 'o' });
    await keygate.verify(a.key);
    await keygate.verify(b.key);
    handlers?.evict(a.apiKey.id);
    expect(runtimeOf(keygate).peek(a.key)).toBeUndefined();
    expect(cachedOk(keygate, b.key)).toBe(true);
    handlers?.evictAll();
    expect(runtimeOf(keygate).peek(b.key)).toBeUndefined();
    await keygate.close();
    await keygate.close();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('rejects an invalidation option that is not a bus', () => {
    expect(() => createKeygate({ store: new MemoryStore(), invalidation: {} as CacheInvalidation })).toThrow(
      /invalidation/,
    );
  });
});

describe('RedisInvalidationBus', () => {
  const url = () => inject('redisUrl');

  async function pair(channel: string) {
    const admin = client(url());
    const keyPrefix = `keygate-test:inv:${randomBase62(10)}:`;
    cleanups.push(async () => {
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
    });
    const buses = [1, 2].map(
      () => new RedisInvalidationBus({ publisher: client(url()), subscriber: client(url()), channel }),
    );
    const [a, b] = buses.map((bus) => instance(new RedisStore({ client: client(url()), keyPrefix }), bus)) as [
      Keygate,
      Keygate,
    ];
    // Confirmed subscriptions flush the cache once: wait for it before caching anything.
    await until('both instances are subscribed', () => buses.every((bus) => bus.subscribed));
    expect(await subscribers(admin, channel)).toBe(2);
    return { admin, a, b };
  }

  it('evicts a revoked, updated or rotated key from the cache of another instance', async () => {
    const channel = `keygate-test:invalidate:${randomBase62(10)}`;
    const { a, b } = await pair(channel);
    const first = await a.keys.create({ name: 'first', owner: 'acct_1', scopes: ['users:read'] });
    expect(await b.verify(first.key)).toMatchObject({ ok: true });
    expect(cachedOk(b, first.key)).toBe(true);

    await a.keys.update(first.apiKey.id, { scopes: ['users:write'] });
    await until('b drops the updated key', () => runtimeOf(b).peek(first.key) === undefined);
    expect(await b.verify(first.key)).toMatchObject({ ok: true, key: { scopes: ['users:write'] } });

    const rotated = await a.keys.rotate(first.apiKey.id);
    await until('b drops the rotated key', () => runtimeOf(b).peek(first.key) === undefined);
    expect(await b.verify(first.key)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await b.verify(rotated.key)).toMatchObject({ ok: true });

    await a.keys.revoke(rotated.apiKey.id);
    await until('b drops the revoked key', () => runtimeOf(b).peek(rotated.key) === undefined);
    expect(await b.verify(rotated.key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('drops a key disabled on one instance from the cache of another at once, and verifies it again once enabled', async () => {
    const channel = `keygate-test:invalidate:${randomBase62(10)}`;
    const { a, b } = await pair(channel);
    const { key, apiKey } = await a.keys.create({ name: 'k', owner: 'acct_1' });
    expect(await b.verify(key)).toMatchObject({ ok: true });
    expect(cachedOk(b, key)).toBe(true);

    await a.keys.disable(apiKey.id);
    await until('b drops the disabled key', () => runtimeOf(b).peek(key) === undefined);
    expect(await b.verify(key)).toEqual({ ok: false, reason: 'disabled', keyId: apiKey.id });

    await a.keys.enable(apiKey.id);
    expect(await b.verify(key)).toMatchObject({ ok: true, key: { id: apiKey.id, disabledAt: null } });
  });

  it('ignores other channels, and one subscription serves several instances until the last one closes', async () => {
    const channel = `keygate-test:invalidate:${randomBase62(10)}`;
    const admin = client(url());
    const store = new MemoryStore();
    const bus = new RedisInvalidationBus({ publisher: client(url()), subscriber: client(url()), channel });
    const one = instance(store, bus);
    const two = instance(store, bus);
    expect(bus.subscribed).toBe(false);
    await until('the bus is subscribed', () => bus.subscribed);
    expect(await subscribers(admin, channel)).toBe(1);
    const { key, apiKey } = await one.keys.create({ name: 'n', owner: 'o' });
    const marker = await one.keys.create({ name: 'marker', owner: 'o' });
    await one.verify(key);
    await two.verify(key);
    await two.verify(marker.key);
    await admin.publish(`${channel}:other`, apiKey.id);
    await admin.publish(channel, 'x'.repeat(65));
    // Messages of one channel arrive in order: once the marker's id has been acted on, so has the junk.
    await admin.publish(channel, marker.apiKey.id);
    await until('two drops the marker key', () => runtimeOf(two).peek(marker.key) === undefined);
    expect(cachedOk(two, key)).toBe(true);
    await admin.publish(channel, apiKey.id);
    await until(
      'both drop the key',
      () => runtimeOf(one).peek(key) === undefined && runtimeOf(two).peek(key) === undefined,
    );

    await one.close();
    expect(await subscribers(admin, channel)).toBe(1);
    await two.verify(key);
    await admin.publish(channel, apiKey.id);
    await until('the remaining instance still hears', () => runtimeOf(two).peek(key) === undefined);
    await two.close();
    await until('the bus unsubscribed', async () => (await subscribers(admin, channel)) === 0);
    expect(bus.subscribed).toBe(false);
  });

  it('validates its options', () => {
    const redis = client(url(), { lazyConnect: true });
    const other = client(url(), { lazyConnect: true });
    expect(() => new RedisInvalidationBus({ publisher: redis, subscriber: redis })).toThrow(/two connections/);
    expect(() => new RedisInvalidationBus({ publisher: {} as Redis, subscriber: other })).toThrow(/publisher/);
    expect(() => new RedisInvalidationBus({ publisher: redis, subscriber: other, channel: '' })).toThrow(/channel/);
    expect(new RedisInvalidationBus({ publisher: redis, subscriber: other }).channel).toBe('keygate:invalidate');
  });

  it('flushes the whole cache once it subscribes again after a disconnect; a failed publish never fails the revoke', async () => {
    let server: RedisServer | undefined;
    try {
      server = await startRedisServer();
      const channel = `keygate-test:invalidate:${randomBase62(10)}`;
      const onError = vi.fn();
      // Fail fast while Redis is down instead of queueing the publish.
      const publisher = client(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
      const busOf = () =>
        new RedisInvalidationBus({ publisher, subscriber: client(server?.url as string), channel, onError: vi.fn() });
      const store = new MemoryStore();
      const [busA, busB] = [busOf(), busOf()];
      const a = instance(store, busA, { onError });
      const b = instance(store, busB);
      await until('both instances are subscribed', () => busA.subscribed && busB.subscribed);

      const revoked = await a.keys.create({ name: 'revoked while down', owner: 'o' });
      const kept = await a.keys.create({ name: 'kept', owner: 'o' });
      await b.verify(revoked.key);
      await b.verify(kept.key);

      await server.kill();
      await until('b notices the disconnect', () => !busB.subscribed);
      // The store change happens; the notice cannot be sent and is reported, not thrown.
      await expect(a.keys.revoke(revoked.apiKey.id)).resolves.toMatchObject({ revokedAt: expect.any(Date) });
      await until('the failed publish is reported', () => onError.mock.calls.length > 0);
      // While the subscription is down b still serves its cache (the TTL is the backstop).
      expect(cachedOk(b, revoked.key)).toBe(true);

      await server.restart();
      await until('b subscribes again', () => busB.subscribed);
      // Flushed in the same turn the subscription was confirmed.
      expect(runtimeOf(b).peek(revoked.key)).toBeUndefined();
      expect(runtimeOf(b).peek(kept.key)).toBeUndefined();
      expect(await b.verify(revoked.key)).toMatchObject({ ok: false, reason: 'revoked' });
      expect(await b.verify(kept.key)).toMatchObject({ ok: true });
    } finally {
      for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
      await server?.stop();
    }
  });
});

describe('RedisInvalidationBus on a 3-master Redis Cluster', () => {
  it('carries a revocation published through the Cluster client to instances subscribed on other nodes', async () => {
    const cluster = await startRedisCluster();
    cleanups.push(() => cluster.stop());
    const cluster1 = new Cluster([...cluster.nodes], { clusterRetryStrategy: () => 50 });
    cluster1.on('error', () => {});
    cleanups.push(() => cluster1.disconnect());
    const keyPrefix = `keygate-test:inv:${randomBase62(10)}:`;
    const channel = `keygate-test:invalidate:${randomBase62(10)}`;
    const nodeUrl = (i: number) => `redis://${cluster.nodes[i]?.host}:${cluster.nodes[i]?.port}`;
    // Each instance publishes through the Cluster client and listens on a node of its own.
    const buses = [0, 2].map(
      (i) => new RedisInvalidationBus({ publisher: cluster1, subscriber: client(nodeUrl(i)), channel }),
    );
    const [a, b] = buses.map((bus) => instance(new RedisStore({ client: cluster1, keyPrefix }), bus)) as [
      Keygate,
      Keygate,
    ];
    await until('both instances are subscribed', () => buses.every((bus) => bus.subscribed));

    const { key, apiKey } = await a.keys.create({ name: 'n', owner: 'acct_c' });
    expect(await b.verify(key)).toMatchObject({ ok: true });
    expect(cachedOk(b, key)).toBe(true);
    await a.keys.revoke(apiKey.id);
    await until('b, on another node, drops the revoked key', () => runtimeOf(b).peek(key) === undefined);
    expect(await b.verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
  });
});
