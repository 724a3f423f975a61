// Calls made in one event-loop turn are sent as one script run, which decides them in order:
// exactly the decisions the same calls would get one by one.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type {} from '../../../../test/support/redis-global-setup.js';
import { randomBase62 } from '../../src/key/base62.js';
import type { RateLimitPolicy } from '../../src/key/record.js';
import type { RateLimitDecision } from '../../src/rate-limit/limiter.js';
import { createRateLimitRedisClient } from '../../src/rate-limit/redis/client.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis/limiter.js';

const hourly: RateLimitPolicy = { name: 'hourly', limit: 5, windowSeconds: 3600 };
const daily: RateLimitPolicy = { name: 'daily', limit: 9, windowSeconds: 86_400 };

let client: Redis;
const prefixes: string[] = [];

// Each limiter gets its own key prefix; no deny cache unless asked, so every call reaches Redis.
function limiter(denyCacheSize = 0): RedisRateLimiter {
  const keyPrefix = `keygate-test:rl:${randomBase62(10)}:`;
  prefixes.push(keyPrefix);
  return new RedisRateLimiter({ client, keyPrefix, timeoutMs: 10_000, denyCacheSize }); // deadlines are not under test here
}

// Counts the rate-limit script runs sent from here on.
function countScripts(): { readonly runs: number } {
  const counter = { runs: 0 };
  const send = client.sendCommand.bind(client);
  vi.spyOn(client, 'sendCommand').mockImplementation((command, ...rest) => {
    if (command.name === 'evalsha' || command.name === 'eval') counter.runs++;
    return send(command, ...rest);
  });
  return counter;
}

// A mixed run: [subject, policies, cost, check?] per call.
type Call = [string, RateLimitPolicy[], number, boolean?];
const MIXED: Call[] = [
  ['key_a', [hourly], 1],
  ['key_b', [hourly, daily], 2],
  ['key_a', [hourly], 3],
  ['key_a', [hourly], 2, true],
  ['key_c', [daily], 4],
  ['key_b', [hourly, daily], 2],
  ['key_a', [hourly], 1],
  ['key_b', [daily], 3],
  ['key_a', [hourly], 1],
  ['key_c', [daily], 6],
  ['key_b', [hourly, daily], 1],
  ['key_c', [daily], 5],
  ['key_a', [hourly], 0],
  ['key_b', [hourly, daily], 1, true],
];
const run = (rl: RedisRateLimiter, [subject, policies, cost, check]: Call) =>
  check ? rl.check(subject, policies, cost) : rl.consume(subject, policies, cost);

beforeAll(async () => {
  client = createRateLimitRedisClient(inject('redisUrl'));
  await new Promise((resolve) => client.once('ready', resolve));
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const prefix of prefixes.splice(0)) {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
  }
});

afterAll(async () => {
  await client.quit();
});

describe('RedisRateLimiter, calls of one event-loop turn', () => {
  it('admits exactly 5 of 20 concurrent calls from one subject under a limit of 5', async () => {
    const rl = limiter();
    const decisions = await Promise.all(Array.from({ length: 20 }, () => rl.consume('key_1', [hourly])));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
  });

  it('admits the first calls made, in order', async () => {
    const rl = limiter();
    const decisions = await Promise.all(Array.from({ length: 8 }, () => rl.consume('key_1', [hourly])));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false, false]);
  });

  it('sends one script run for all the calls of a turn', async () => {
    const rl = limiter();
    await rl.consume('key_0', [hourly]);
    const counter = countScripts();
    await Promise.all(MIXED.map((call) => run(rl, call)));
    expect(counter.runs).toBe(1);
  });

  it('gives concurrent calls of mixed subjects, policies, costs and checks the decisions of the same calls one by one', async () => {
    const batched = limiter();
    const oneByOne = limiter();
    const concurrent = await Promise.all(MIXED.map((call) => run(batched, call)));
    const sequential: RateLimitDecision[] = [];
    for (const call of MIXED) sequential.push(await run(oneByOne, call));
    expect(concurrent).toEqual(sequential);
    expect(concurrent.filter((d) => d.allowed).length).toBeGreaterThan(3);
    expect(concurrent.filter((d) => !d.allowed).length).toBeGreaterThan(3);
  });

  it('keeps the order of calls on one subject whose policy is defined differently from call to call', async () => {
    const tight: RateLimitPolicy[] = [{ name: 'hourly', limit: 2, windowSeconds: 3600 }];
    const loose: RateLimitPolicy[] = [{ name: 'hourly', limit: 3, windowSeconds: 3600 }];
    const calls = [tight, loose, tight, loose, loose, tight, loose];
    const batched = limiter();
    const oneByOne = limiter();
    const concurrent = await Promise.all(calls.map((policies) => batched.consume('key_1', policies)));
    const sequential: RateLimitDecision[] = [];
    for (const policies of calls) sequential.push(await oneByOne.consume('key_1', policies));
    expect(concurrent).toEqual(sequential);
  });

  it('reports in each decision the policy objects the call passed', async () => {
    const rl = limiter();
    const first = [{ ...hourly }];
    const second = [{ ...hourly }];
    const [a, b] = await Promise.all([rl.consume('key_1', first), rl.consume('key_1', second)]);
    expect(a?.policies[0]?.policy).toBe(first[0]);
    expect(b?.policies[0]?.policy).toBe(second[0]);
  });
});
