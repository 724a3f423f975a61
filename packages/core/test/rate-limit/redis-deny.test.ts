// The deny cache of RedisRateLimiter against a private redis-server, whose INFO commandstats
// count exactly the script runs this file sends.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../../test/support/redis-server.js';
import { randomBase62 } from '../../src/key/base62.js';
import type { RateLimitPolicy } from '../../src/key/record.js';
import { createRateLimitRedisClient } from '../../src/rate-limit/redis/client.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis/limiter.js';

let server: RedisServer;
let client: Redis;
let admin: Redis;

function limiter(options: { denyCacheSize?: number } = {}): RedisRateLimiter {
  return new RedisRateLimiter({
    client,
    keyPrefix: `keygate-test:rl:${randomBase62(10)}:`,
    timeoutMs: 10_000,
    ...options,
  });
}

// Script runs (EVALSHA, or EVAL after a NOSCRIPT) Redis has executed so far.
async function scriptRuns(): Promise<number> {
  const stats = await admin.info('commandstats');
  let runs = 0;
  for (const match of stats.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) runs += Number(match[2]);
  return runs;
}

async function refusedOf(rl: RedisRateLimiter, subject: string, policies: RateLimitPolicy[], n: number) {
  let refused = 0;
  for (let i = 0; i < n; i++) if (!(await rl.consume(subject, policies)).allowed) refused++;
  return refused;
}

beforeAll(async () => {
  server = await startRedisServer();
  client = createRateLimitRedisClient(server.url, { commandTimeout: 10_000 });
  admin = new Redis(server.url);
  await new Promise((resolve) => client.once('ready', resolve));
});

afterAll(async () => {
  await client?.quit();
  await admin?.quit();
  await server?.stop();
});

describe('RedisRateLimiter deny cache', () => {
  it('sends at most one script run per 100 refused requests in a flood over the limit', async () => {
    const rl = limiter();
    const hourly = [{ name: 'hourly', limit: 5, windowSeconds: 3600 }];
    const before = await scriptRuns();
    let refused = await refusedOf(rl, 'key_1', hourly, 1_000);
    const concurrent = await Promise.all(Array.from({ length: 1_000 }, () => rl.consume('key_1', hourly)));
    refused += concurrent.filter((d) => !d.allowed).length;
    expect(refused).toBe(1_995);
    const runs = (await scriptRuns()) - before;
    // 5 admitted, then 1 refused by Redis; every request after that is refused here.
    expect(runs).toBe(6);
    expect(runs / refused).toBeLessThanOrEqual(0.01);
  });

  it('lets a refused subject pass again once its retry time has come, not before and not much after', async () => {
    const rl = limiter();
    // 5 per second: after a burst of 5, the next request fits 200 ms after Redis decided the burst,
    // which it did between sending and hearing back.
    const burst = [{ name: 'burst', limit: 5, windowSeconds: 1 }];
    const sentFirst = performance.now();
    const first = await Promise.all(Array.from({ length: 5 }, () => rl.consume('key_1', burst)));
    const decidedFirst = performance.now();
    expect(first.every((d) => d.allowed)).toBe(true);
    const before = await scriptRuns();
    // Ask again and again, noting when each ask starts, until one passes. A busy machine makes the
    // asks fewer and later but never changes which must pass: none decided before 200 ms after the
    // burst was sent, and the first one started 200 ms after the burst was decided.
    let passedAt = 0;
    let lastRefusalStartedAt = 0;
    let refused = 0;
    while (passedAt === 0) {
      const startedAt = performance.now();
      const decision = await rl.consume('key_1', burst);
      if (decision.allowed) passedAt = performance.now();
      else {
        refused++;
        lastRefusalStartedAt = startedAt;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(passedAt).toBeGreaterThanOrEqual(sentFirst + 200);
    expect(lastRefusalStartedAt).toBeLessThan(decidedFirst + 200);
    expect(refused).toBeGreaterThan(20);
    // The refusal, the pass, and at most a few calls around the retry time reach Redis.
    expect((await scriptRuns()) - before).toBeLessThanOrEqual(4);
  });

  it('never holds a raised limit back behind a refusal under the old one', async () => {
    const rl = limiter();
    const old = [{ name: 'requests', limit: 2, windowSeconds: 60 }];
    const raised = [{ name: 'requests', limit: 100, windowSeconds: 3600 }];
    expect(await refusedOf(rl, 'key_1', old, 3)).toBe(1);
    expect(await refusedOf(rl, 'key_1', old, 10)).toBe(10);
    expect((await rl.consume('key_1', raised)).allowed).toBe(true);
  });

  it('refuses no other subject and no other policy for a remembered refusal', async () => {
    const rl = limiter();
    const hourly = [{ name: 'hourly', limit: 1, windowSeconds: 3600 }];
    expect(await refusedOf(rl, 'key_1', hourly, 3)).toBe(2);
    expect((await rl.consume('key_2', hourly)).allowed).toBe(true);
    expect((await rl.consume('key_1', [{ name: 'daily', limit: 1, windowSeconds: 86_400 }])).allowed).toBe(true);
  });

  it('forgets the oldest refusals past denyCacheSize, which then ask Redis again', async () => {
    const rl = limiter({ denyCacheSize: 2 });
    const hourly = [{ name: 'hourly', limit: 1, windowSeconds: 3600 }];
    for (const subject of ['key_1', 'key_2', 'key_3']) await refusedOf(rl, subject, hourly, 2);
    const before = await scriptRuns();
    await rl.consume('key_3', hourly);
    expect((await scriptRuns()) - before).toBe(0);
    await rl.consume('key_1', hourly);
    expect((await scriptRuns()) - before).toBe(1);
  });

  it('asks Redis for every request with denyCacheSize 0', async () => {
    const rl = limiter({ denyCacheSize: 0 });
    const hourly = [{ name: 'hourly', limit: 1, windowSeconds: 3600 }];
    const before = await scriptRuns();
    expect(await refusedOf(rl, 'key_1', hourly, 5)).toBe(4);
    expect((await scriptRuns()) - before).toBe(5);
  });
});
