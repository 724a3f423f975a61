import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../../test/support/redis-global-setup.js';
import { isKeygateError } from '../../src/errors.js';
import { randomBase62 } from '../../src/key/base62.js';
import { RedisAuditSink, type RedisAuditSinkOptions } from '../../src/redis.js';
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.js';
import { describeAuditSink } from './contract.js';
import { event, NOW } from './events.js';

const DAY = 86_400_000;
let redis: Redis;
const sinks: RedisAuditSink[] = [];

// Each sink gets a fresh random key prefix; everything under it is deleted afterwards.
function sinkWith(options: Partial<RedisAuditSinkOptions> = {}) {
  const keyPrefix = `keygate-test:${randomBase62(10)}:`;
  const sink = new RedisAuditSink({ client: redis, keyPrefix, now: () => NOW, timeoutMs: 10_000, ...options });
  sinks.push(sink);
  return { sink, keyPrefix };
}

async function deleteUnder(prefix: string, client: Redis | Cluster = redis): Promise<void> {
  for (const node of client instanceof Cluster ? client.nodes('master') : [client]) {
    for (const key of await node.keys(`${prefix}*`)) await node.del(key);
  }
}

beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await Promise.all(sinks.map((sink) => sink.close()));
  await redis.quit();
});

describeAuditSink('RedisAuditSink', async () => {
  const { sink, keyPrefix } = sinkWith();
  return {
    sink,
    flush: () => sink.flush(),
    cleanup: async () => {
      await sink.close();
      await deleteUnder(keyPrefix);
    },
  };
});

describe('RedisAuditSink streams', () => {
  it('writes each event to the stream of all events, of its key and of its owner', async () => {
    const { sink, keyPrefix } = sinkWith();
    sink.record(event());
    sink.record(event(1, { type: 'failed', reason: 'malformed', keyId: null, owner: null }));
    await sink.flush();
    expect(await redis.xlen(`${keyPrefix}audit:all`)).toBe(2);
    expect(await redis.xlen(`${keyPrefix}audit:key:key_1`)).toBe(1);
    expect(await redis.xlen(`${keyPrefix}audit:owner:acct_1`)).toBe(1);
  });

  it('caps each stream at about maxEntries (XADD MAXLEN ~)', async () => {
    const { sink, keyPrefix } = sinkWith({ maxEntries: 100, batchSize: 500, maxQueue: 5000 });
    for (let i = 0; i < 2000; i++) sink.record(event(i));
    await sink.flush();
    const length = await redis.xlen(`${keyPrefix}audit:all`);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(300);
    const { events } = await sink.query({ limit: 1 });
    expect(events[0]?.time).toEqual(event(1999).time);
  });

  it('trims entries older than maxAgeMs on write (MINID) and never returns them', async () => {
    const { sink, keyPrefix } = sinkWith({ maxAgeMs: DAY });
    sink.record(event(-3 * DAY));
    sink.record(event(-2 * DAY));
    sink.record(event(-DAY + 1000));
    await sink.flush();
    expect(await redis.xlen(`${keyPrefix}audit:key:key_1`)).toBe(1);
    expect((await sink.query({ keyId: 'key_1' })).events.map((e) => e.time)).toEqual([event(-DAY + 1000).time]);
  });

  it('prunes the stream of all events by age, and lets every stream expire maxAgeMs after its last write', async () => {
    let now = NOW;
    const { sink, keyPrefix } = sinkWith({ maxAgeMs: DAY, now: () => now });
    sink.record(event(0));
    sink.record(event(1000));
    await sink.flush();
    const ttl = await redis.pttl(`${keyPrefix}audit:key:key_1`);
    expect(ttl).toBeGreaterThan(DAY - 60_000);
    expect(ttl).toBeLessThanOrEqual(DAY);
    now = NOW + DAY + 500;
    expect((await sink.query({ keyId: 'key_1' })).events).toHaveLength(1);
    expect(await sink.prune()).toBe(1);
    expect(await redis.xlen(`${keyPrefix}audit:all`)).toBe(1);
  });

  it('keeps the stream in id order when events arrive out of time order (several instances)', async () => {
    const { sink } = sinkWith();
    sink.record(event(5000, { route: 'GET /late' }));
    await sink.flush();
    sink.record(event(1000, { route: 'GET /early' }));
    await sink.flush();
    const { events } = await sink.query({});
    expect(events.map((e) => e.route)).toEqual(['GET /early', 'GET /late']);
    expect(events[0]?.time).toEqual(event(1000).time);
  });

  it('answers a query of an entry it cannot read as store_unavailable', async () => {
    const { sink, keyPrefix } = sinkWith();
    await redis.xadd(`${keyPrefix}audit:all`, `${NOW}-0`, 'e', '{"type":"DROP"}');
    const error = await sink.query({}).catch((e: unknown) => e);
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
  });

  it('refuses a client that is not an ioredis client, and a key prefix with braces', () => {
    expect(() => new RedisAuditSink({ client: {} as never })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    expect(() => new RedisAuditSink({ client: redis, keyPrefix: '{x}' })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});

describe('RedisAuditSink on a 3-master Redis Cluster', () => {
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

  describeAuditSink('RedisAuditSink (cluster)', async () => {
    const keyPrefix = `keygate-test:${randomBase62(10)}:`;
    const sink = new RedisAuditSink({ client, keyPrefix, now: () => NOW, timeoutMs: 10_000 });
    return {
      sink,
      flush: () => sink.flush(),
      cleanup: async () => {
        await sink.close();
        await deleteUnder(keyPrefix, client);
      },
    };
  });
});
