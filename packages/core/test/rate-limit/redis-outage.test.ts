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

// A generous bound for calls made with a 100 ms timeout: it catches a call queued behind a dead
// Redis (which would wait for the reconnection), not slowness.
const FAULT_BOUND_MS = 1_000;
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

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

describe('RedisRateLimiter when Redis fails', () => {
  it.each<[StoreErrorPolicy, RateLimitResult]>([
    ['open', { ok: true, headers: undefined }],
    ['closed', expect.objectContaining({ ok: false, response: expect.objectContaining({ status: 503 }) })],
  ])(
    'with onStoreError %s answers every call within a bound while Redis is down, warns once, and recovers after a restart',
    async (onStoreError, duringOutage) => {
      const server = await privateRedis();
      const client = await ready(createRateLimitRedisClient(server.url));
      const warn = vi.fn();
      const limiter = new RedisRateLimiter({ client, keyPrefix: prefix() });
      const step = createRateLimitStep({ limiter, defaults: [hourly], failedAuth: false, onStoreError, warn });
      expect((await step.consume(key)).ok).toBe(true);

      await server.kill();
      for (let i = 0; i < 25; i++) {
        const { value, ms } = await timed(async () => step.consume(key));
        expect(value).toEqual(duringOutage);
        expect(ms).toBeLessThan(FAULT_BOUND_MS);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(warn).toHaveBeenCalledOnce();

      await server.restart();
      const deadline = Date.now() + 10_000;
      let result: RateLimitResult;
      do {
        const { value, ms } = await timed(async () => step.consume(key));
        expect(ms).toBeLessThan(FAULT_BOUND_MS);
        result = value;
        if (result.ok && result.headers) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      } while (Date.now() < deadline);
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
    const { value, ms } = await timed(() => limiter.consume('key_1', [hourly]).catch((error: unknown) => error));
    expect(isKeygateError(value, 'store_unavailable')).toBe(true);
    expect(ms).toBeLessThan(FAULT_BOUND_MS);
  });

  it('never queues a call on a disconnected user-supplied client with default ioredis settings', async () => {
    const server = await privateRedis();
    const client = await ready(new Redis(server.url, { retryStrategy: () => 50 }));
    client.on('error', () => {});
    const limiter = new RedisRateLimiter({ client, keyPrefix: prefix(), timeoutMs: 100 });
    await server.kill();
    while (client.status === 'ready') await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 10; i++) {
      const { value, ms } = await timed(() => limiter.consume('key_1', [hourly]).catch((error: unknown) => error));
      expect(isKeygateError(value, 'store_unavailable')).toBe(true);
      expect(ms).toBeLessThan(FAULT_BOUND_MS);
    }
    expect((client as unknown as { offlineQueue: { length: number } }).offlineQueue.length).toBe(0);
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
