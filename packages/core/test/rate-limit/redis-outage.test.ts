// Redis failing under the limiter: killed and restarted, paused, scripts flushed. Each test runs
// against a private redis-server (these would disturb the shared one).
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../../test/support/redis-server.js';
import { isKeygateError } from '../../src/errors.js';
import { createRateLimitStep, type RateLimitResult } from '../../src/http/rate-limit-step.js';
import { randomBase62 } from '../../src/key/base62.js';
import type { ApiKey, RateLimitPolicy } from '../../src/key/record.js';
import type { StoreErrorPolicy } from '../../src/rate-limit/options.js';
import { createRateLimitRedisClient } from '../../src/rate-limit/redis/client.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis/limiter.js';
import { pollFor, until } from '../support/poll.js';
import { commandsWaiting } from '../support/redis-queues.js';

// A call made while Redis is down must not wait for it: the tests check that the client holds no
// command for Redis (support/redis-queues.ts) and that a timeout is the limiter's, not the clock.
const hourly: RateLimitPolicy = { name: 'hourly', limit: 20, windowSeconds: 3600 };
const key = { id: 'key_1', rateLimits: null } as unknown as ApiKey;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function privateRedis(): Promise<RedisServer> {
  const server = await startRedisServer();
  cleanups.push(() => server.stop());
  return server;
}

async function ready(client: Redis): Promise<Redis> {
  cleanups.push(() => client.disconnect());
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

const prefix = () => `keygate-test:rl:${randomBase62(10)}:`;

describe('RedisRateLimiter when Redis fails', () => {
  it.each<[StoreErrorPolicy, RateLimitResult]>([
    ['open', { ok: true, headers: undefined }],
    ['closed', expect.objectContaining({ ok: false, response: expect.objectContaining({ status: 503 }) })],
  ])(
    'with onStoreError %s answers every call without waiting on Redis while it is down, warns once, and recovers after a restart',
    async (onStoreError, duringOutage) => {
      const server = await privateRedis();
      const client = await ready(createRateLimitRedisClient(server.url));
      const warn = vi.fn();
      const limiter = new RedisRateLimiter({ client, keyPrefix: prefix() });
      const step = createRateLimitStep({ limiter, defaults: [hourly], failedAuth: false, onStoreError, warn });
      expect((await step.consume(key)).ok).toBe(true);

      await server.kill();
      // Calls spread over the reconnection attempts (10 ms apart): down, reconnecting, down again.
      for (let i = 0; i < 25; i++) {
        expect(await step.consume(key)).toEqual(duringOutage);
        expect(commandsWaiting(client)).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(warn).toHaveBeenCalledOnce();

      await server.restart();
      const result = await pollFor('the limiter to count again after the restart', async () => {
        const value = await step.consume(key);
        expect(commandsWaiting(client)).toBe(0);
        return value.ok && value.headers ? value : undefined;
      });
      expect(result).toMatchObject({ ok: true, headers: { ratelimit: expect.stringContaining('"hourly"') } });
      expect(warn.mock.calls.map((call) => call[0])).toEqual([
        expect.stringContaining('store is unavailable'),
        expect.stringContaining('answers again'),
      ]);
    },
  );

  // With createRateLimitRedisClient, ioredis' own commandTimeout bounds the call; without one, the limiter's timer does.
  it.each([
    { client: 'createRateLimitRedisClient()', make: (url: string) => createRateLimitRedisClient(url) },
    { client: 'a client without commandTimeout', make: (url: string) => new Redis(url, { maxRetriesPerRequest: 0 }) },
  ])('rejects within the timeout when Redis stops answering ($client)', async ({ make }) => {
    const server = await privateRedis();
    const client = await ready(make(server.url));
    client.on('error', () => {});
    const admin = await ready(new Redis(server.url));
    const limiter = new RedisRateLimiter({ client, keyPrefix: prefix(), timeoutMs: 100 });
    await admin.call('CLIENT', 'PAUSE', '2000', 'ALL');
    const error = await limiter.consume('key_1', [hourly]).catch((e: unknown) => e);
    // Redis answers once the 2 s pause ends; what rejected first was the 100 ms timeout.
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
    expect((error as Error).message).toContain('did not answer within 100 ms');
  });

  it('never queues a call on a disconnected user-supplied client with default ioredis settings', async () => {
    const server = await privateRedis();
    const client = await ready(new Redis(server.url, { retryStrategy: () => 50 }));
    client.on('error', () => {});
    const limiter = new RedisRateLimiter({ client, keyPrefix: prefix(), timeoutMs: 100 });
    await server.kill();
    await until('the client notices Redis is gone', () => client.status !== 'ready', { everyMs: 5 });
    for (let i = 0; i < 10; i++) {
      const error = await limiter.consume('key_1', [hourly]).catch((e: unknown) => e);
      expect(isKeygateError(error, 'store_unavailable')).toBe(true);
      expect(commandsWaiting(client)).toBe(0);
    }
  });

  it('stays exact when the script cache is flushed mid-run (SCRIPT FLUSH)', async () => {
    const server = await privateRedis();
    const client = await ready(createRateLimitRedisClient(server.url));
    const admin = await ready(new Redis(server.url));
    const limiter = new RedisRateLimiter({ client, keyPrefix: prefix(), timeoutMs: 2_000 });
    let admitted = 0;
    for (let i = 0; i < 60; i++) {
      if (i % 15 === 7) await admin.script('FLUSH');
      if ((await limiter.consume('key_1', [hourly])).allowed) admitted++;
    }
    expect(admitted).toBe(20);
  });
});
