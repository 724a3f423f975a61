import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type {} from '../../../../test/support/redis-global-setup.js';
import { isKeygateError } from '../../src/errors.js';
import { randomBase62 } from '../../src/key/base62.js';
import type { RateLimitPolicy } from '../../src/key/record.js';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-limiter.js';
import { createRateLimitRedisClient } from '../../src/rate-limit/redis/client.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis/limiter.js';
import { manualClock } from '../support/clock.js';

const hourly: RateLimitPolicy = { name: 'hourly', limit: 10, windowSeconds: 3600 };
const daily: RateLimitPolicy = { name: 'daily', limit: 12, windowSeconds: 86_400 };

let client: Redis;
const prefixes: string[] = [];

// Each test gets its own random key prefix; afterEach deletes every key under it.
function limiter(options: { timeoutMs?: number } = {}): RedisRateLimiter {
  const keyPrefix = `keygate-test:rl:${randomBase62(10)}:`;
  prefixes.push(keyPrefix);
  return new RedisRateLimiter({ client, keyPrefix, timeoutMs: 10_000, ...options });
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

async function admittedOf(rl: RedisRateLimiter, subject: string, policies: RateLimitPolicy[], n: number) {
  let admitted = 0;
  for (let i = 0; i < n; i++) if ((await rl.consume(subject, policies)).allowed) admitted++;
  return admitted;
}

beforeAll(async () => {
  client = createRateLimitRedisClient(inject('redisUrl'));
  await new Promise((resolve) => client.once('ready', resolve));
});

afterEach(async () => {
  for (const prefix of prefixes.splice(0)) {
    const keys = await keysUnder(prefix);
    if (keys.length > 0) await client.del(...keys);
  }
  vi.restoreAllMocks();
});

afterAll(async () => {
  await client.quit();
});

describe('RedisRateLimiter', () => {
  it('admits exactly `limit` of many sequential requests', async () => {
    expect(await admittedOf(limiter(), 'key_1', [{ name: 'hourly', limit: 37, windowSeconds: 3600 }], 100)).toBe(37);
  });

  it('admits a request only when every policy admits it', async () => {
    const rl = limiter();
    expect(await admittedOf(rl, 'key_1', [hourly, daily], 15)).toBe(10);
    expect((await rl.consume('key_1', [hourly, daily])).violated).toEqual(['hourly']);
  });

  it('consumes nothing from the other policies when one denies', async () => {
    const rl = limiter();
    await admittedOf(rl, 'key_1', [hourly, daily], 15);
    expect((await rl.check('key_1', [daily])).policies[0]?.remaining).toBe(2);
  });

  it('counts a request of cost n as n units', async () => {
    const rl = limiter();
    expect((await rl.consume('key_1', [hourly], 4)).policies[0]?.remaining).toBe(6);
    expect((await rl.consume('key_1', [hourly], 7)).allowed).toBe(false);
    expect((await rl.consume('key_1', [hourly], 6)).allowed).toBe(true);
  });

  it('counts nothing on check', async () => {
    const rl = limiter();
    for (let i = 0; i < 15; i++) await rl.check('key_1', [hourly]);
    expect(await admittedOf(rl, 'key_1', [hourly], 15)).toBe(10);
  });

  it('makes the same decisions as the in-memory limiter', async () => {
    const rl = limiter();
    const memory = new MemoryRateLimiter({ now: manualClock(0).now });
    for (let i = 0; i < 14; i++) {
      expect(await rl.consume('key_1', [hourly, daily], 1 + (i % 2))).toEqual(
        memory.consume('key_1', [hourly, daily], 1 + (i % 2)),
      );
    }
  });

  it('makes the same decisions as the in-memory limiter with one policy (the script’s single-policy path)', async () => {
    const rl = limiter();
    const memory = new MemoryRateLimiter({ now: manualClock(0).now });
    for (let i = 0; i < 16; i++) {
      const cost = 1 + (i % 3);
      if (i % 4 === 3) expect(await rl.check('key_1', [hourly], cost)).toEqual(memory.check('key_1', [hourly], cost));
      expect(await rl.consume('key_1', [hourly], cost)).toEqual(memory.consume('key_1', [hourly], cost));
    }
    expect(await rl.consume('key_1', [hourly], 0)).toEqual(memory.consume('key_1', [hourly], 0));
  });

  it("ignores the application server's clock", async () => {
    const rl = limiter();
    vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2099, 0, 1));
    vi.spyOn(performance, 'now').mockReturnValue(1e12);
    expect(await admittedOf(rl, 'key_1', [hourly], 5)).toBe(5);
    vi.restoreAllMocks();
    expect(await admittedOf(rl, 'key_1', [hourly], 10)).toBe(5);
  });

  it('keeps subjects apart', async () => {
    const rl = limiter();
    await admittedOf(rl, 'key_1', [hourly], 10);
    expect((await rl.consume('key_2', [hourly])).allowed).toBe(true);
  });

  it('stores one key per policy with the subject as hash tag, expiring at most a window and a second after the quota is full again', async () => {
    const rl = limiter();
    await rl.consume('key_1', [hourly, daily]);
    const keys = (await keysUnder(prefixes[0] as string)).sort();
    expect(keys).toEqual([`${prefixes[0]}{key_1}:daily`, `${prefixes[0]}{key_1}:hourly`]);
    // Full again 360 s after one request of 10 per hour; then at most the hour and a second more.
    const ttl = await client.pttl(`${prefixes[0]}{key_1}:hourly`);
    expect(ttl).toBeGreaterThan(361_000);
    expect(ttl).toBeLessThanOrEqual(360_000 + 3_600_000 + 1_000);
  });

  it('keeps a key alive at least a second past its TAT over many requests', async () => {
    const rl = limiter();
    const burst: RateLimitPolicy = { name: 'burst', limit: 1000, windowSeconds: 1 };
    for (let i = 0; i < 300; i++) await rl.consume('key_1', [burst]);
    const key = `${prefixes[0]}{key_1}:burst`;
    const results = await client.multi().get(key).pttl(key).time().exec();
    const [tat, ttl, time] = (results ?? []).map(([, value]) => value) as [string, number, [string, string]];
    const untilTat = (Number(tat) - (Number(time[0]) * 1e6 + Number(time[1]))) / 1000;
    expect(ttl).toBeGreaterThanOrEqual(untilTat + 1_000 - 2);
  });

  it('sends one command per call', async () => {
    const rl = limiter();
    await rl.consume('key_1', [hourly, daily]);
    const sent: string[] = [];
    const send = client.sendCommand.bind(client);
    vi.spyOn(client, 'sendCommand').mockImplementation((command, ...rest) => {
      sent.push(command.name);
      return send(command, ...rest);
    });
    for (let i = 0; i < 5; i++) await rl.consume('key_1', [hourly, daily]);
    await rl.check('key_1', [hourly, daily]);
    expect(sent).toEqual(Array(6).fill('evalsha'));
  });

  it('answers a lazily connecting client once it is connected', async () => {
    const lazy = createRateLimitRedisClient(inject('redisUrl'), { lazyConnect: true });
    const keyPrefix = `keygate-test:rl:${randomBase62(10)}:`;
    prefixes.push(keyPrefix);
    try {
      const rl = new RedisRateLimiter({ client: lazy, keyPrefix, timeoutMs: 5_000 });
      expect((await rl.consume('key_1', [hourly])).allowed).toBe(true);
    } finally {
      lazy.disconnect();
    }
  });

  it('fails at once with store_unavailable on a client that was closed', async () => {
    const closed = new Redis(inject('redisUrl'));
    await closed.quit();
    const rl = new RedisRateLimiter({ client: closed, keyPrefix: 'keygate-test:rl:closed:' });
    const error = await rl.consume('key_1', [hourly]).catch((caught: unknown) => caught);
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
  });

  it('answers an empty policy list without a round trip', async () => {
    expect(await limiter().consume('key_1', [])).toMatchObject({ allowed: true, policies: [] });
  });

  it.each<[string, object]>([
    ['a key prefix with a brace', { keyPrefix: 'rl:{x}:' }],
    ['a timeout of zero', { timeoutMs: 0 }],
    ['a client that is not ioredis', { client: {} }],
  ])('rejects %s with invalid_options', (_, options) => {
    expect(() => new RedisRateLimiter({ client, ...options })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});
