// consumeAll: one decision over several subjects (an owner and one of its keys), the same on the
// in-memory and the Redis limiter. A request passes only when every policy of every part admits
// it, and a refusal counts nothing anywhere.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../../test/support/redis-global-setup.js';
import { isKeygateError } from '../../src/errors.js';
import { randomBase62 } from '../../src/key/base62.js';
import type { RateLimitPolicy } from '../../src/key/record.js';
import type { RateLimitDecision, RateLimiter, RateLimitPart } from '../../src/rate-limit/limiter.js';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-limiter.js';
import { createRateLimitRedisClient } from '../../src/rate-limit/redis/client.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis/limiter.js';

const ownerHourly: RateLimitPolicy = { name: 'owner-hourly', limit: 3, windowSeconds: 3600 };
const keyHourly: RateLimitPolicy = { name: 'hourly', limit: 2, windowSeconds: 3600 };
const roomy: RateLimitPolicy = { name: 'hourly', limit: 100, windowSeconds: 3600 };

let client: Redis;
const prefixes: string[] = [];

beforeAll(async () => {
  client = createRateLimitRedisClient(inject('redisUrl'));
  await new Promise((resolve) => client.once('ready', resolve));
});

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

afterEach(async () => {
  for (const prefix of prefixes.splice(0)) {
    const keys = await keysUnder(prefix);
    if (keys.length > 0) await client.del(...keys);
  }
});

afterAll(async () => {
  await client?.quit();
});

function redisPrefix(): string {
  const keyPrefix = `keygate-test:rl:${randomBase62(10)}:`;
  prefixes.push(keyPrefix);
  return keyPrefix;
}

type Linked = RateLimiter & Required<Pick<RateLimiter, 'consumeAll'>>;

const LIMITERS: ReadonlyArray<readonly [string, () => Linked]> = [
  ['MemoryRateLimiter', () => new MemoryRateLimiter()],
  ['RedisRateLimiter', () => new RedisRateLimiter({ client, keyPrefix: redisPrefix(), timeoutMs: 10_000 })],
];

const owner = (name: string, policies = [ownerHourly]): RateLimitPart => ({ subject: `owner:${name}`, policies });
const key = (lineage: string, policies = [roomy]): RateLimitPart => ({ subject: lineage, policies });

async function admitted(rl: Linked, parts: readonly RateLimitPart[], requests: number): Promise<number> {
  let count = 0;
  for (let i = 0; i < requests; i++) if ((await rl.consumeAll(parts)).allowed) count++;
  return count;
}

describe.each(LIMITERS)('%s.consumeAll', (_name, make) => {
  it('shares an owner limit between two keys of the owner', async () => {
    const rl = make();
    expect(await admitted(rl, [owner('acme'), key('keyA')], 2)).toBe(2);
    expect(await admitted(rl, [owner('acme'), key('keyB')], 5)).toBe(1);
  });

  it('does not share an owner limit with the keys of another owner', async () => {
    const rl = make();
    expect(await admitted(rl, [owner('acme'), key('keyA')], 5)).toBe(3);
    expect(await admitted(rl, [owner('globex'), key('keyC')], 5)).toBe(3);
  });

  it('counts nothing on the owner when the key limit refuses', async () => {
    const rl = make();
    expect(await admitted(rl, [owner('acme'), key('keyA', [keyHourly])], 6)).toBe(2);
    // The four refusals of keyA took nothing from the owner: one more fits, for another key.
    expect(await admitted(rl, [owner('acme'), key('keyB', [keyHourly])], 3)).toBe(1);
  });

  it('counts nothing on the key when the owner limit refuses', async () => {
    const rl = make();
    const tight = [{ name: 'owner-hourly', limit: 1, windowSeconds: 3600 }];
    expect(await admitted(rl, [owner('acme', tight), key('keyA', [keyHourly])], 4)).toBe(1);
    // keyA's refused requests cost its own limit nothing: under a roomier owner it has one left.
    expect(await admitted(rl, [owner('acme', [roomy]), key('keyA', [keyHourly])], 3)).toBe(1);
  });

  it('reports the policies of every part, in order, and names only the violated ones', async () => {
    const rl = make();
    await admitted(rl, [owner('acme'), key('keyA', [keyHourly])], 2);
    const refused = (await rl.consumeAll([owner('acme'), key('keyA', [keyHourly])])) as RateLimitDecision;
    expect(refused.allowed).toBe(false);
    expect(refused.policies.map((state) => [state.policy.name, state.remaining])).toEqual([
      ['owner-hourly', 1],
      ['hourly', 0],
    ]);
    expect(refused.violated).toEqual(['hourly']);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('counts the first part on the counters of consume, and a later part on counters of its own', async () => {
    const rl = make();
    await rl.consumeAll([owner('acme'), key('keyA', [keyHourly])]);
    expect((await rl.check('owner:acme', [ownerHourly])).policies[0]?.remaining).toBe(2);
    // keyA alone (no owner) has counters apart from those it has under its owner.
    expect((await rl.check('keyA', [keyHourly])).policies[0]?.remaining).toBe(2);
  });

  it('never mixes up the subjects of two parts that read alike when joined', async () => {
    const rl = make();
    const one = [{ name: 'p', limit: 1, windowSeconds: 3600 }];
    expect(
      (
        await rl.consumeAll([
          { subject: 'ab', policies: one },
          { subject: 'c', policies: one },
        ])
      ).allowed,
    ).toBe(true);
    expect(
      (
        await rl.consumeAll([
          { subject: 'a', policies: one },
          { subject: 'bc', policies: one },
        ])
      ).allowed,
    ).toBe(true);
  });

  it('refuses parts that are not 1-8 subjects of 1-512 characters without NUL', async () => {
    const rl = make();
    const bad: unknown[] = [
      [],
      [{ subject: '', policies: [] }],
      [{ subject: 'a\u0000b', policies: [roomy] }],
      [{ subject: 'x'.repeat(513), policies: [roomy] }],
      [null],
      Array.from({ length: 9 }, (_, i) => ({ subject: `s${i}`, policies: [roomy] })),
    ];
    for (const parts of bad) {
      let thrown: unknown;
      try {
        await rl.consumeAll(parts as RateLimitPart[]);
      } catch (error) {
        thrown = error;
      }
      expect(isKeygateError(thrown, 'invalid_input')).toBe(true);
    }
  });

  it('admits without counting anything when no part has a policy', async () => {
    const rl = make();
    const decision = await rl.consumeAll([owner('acme', []), key('keyA', [])]);
    expect(decision.allowed).toBe(true);
    expect(decision.policies).toEqual([]);
  });
});

describe('RedisRateLimiter.consumeAll on Redis', () => {
  it('keeps every key of a linked call in the first subject’s hash slot', async () => {
    const keyPrefix = redisPrefix();
    const rl = new RedisRateLimiter({ client, keyPrefix, timeoutMs: 10_000 });
    await rl.consumeAll([owner('acme'), key('keyA', [keyHourly])]);
    expect(await keysUnder(keyPrefix)).toEqual(
      [`${keyPrefix}{owner:acme}:owner-hourly`, `${keyPrefix}{owner:acme}\u0000keyA\u0000hourly`].sort(),
    );
  });

  it('stays exact across two limiters on two clients sharing an owner', async () => {
    const keyPrefix = redisPrefix();
    const second = createRateLimitRedisClient(inject('redisUrl'));
    try {
      const a = new RedisRateLimiter({ client, keyPrefix, timeoutMs: 10_000 });
      const b = new RedisRateLimiter({ client: second, keyPrefix, timeoutMs: 10_000 });
      const calls = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).consumeAll([owner('acme'), key(i % 4 < 2 ? 'keyA' : 'keyB')]),
      );
      const decisions = await Promise.all(calls);
      expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    } finally {
      await second.quit();
    }
  });

  it('decides the linked calls of one turn in the order they were made', async () => {
    const rl = new RedisRateLimiter({ client, keyPrefix: redisPrefix(), timeoutMs: 10_000, denyCacheSize: 0 });
    const lineages = ['keyA', 'keyB', 'keyA', 'keyC', 'keyA'];
    const decisions = await Promise.all(lineages.map((lineage) => rl.consumeAll([owner('acme'), key(lineage)])));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
  });

  it('refuses from the deny cache only what Redis would refuse', async () => {
    const rl = new RedisRateLimiter({ client, keyPrefix: redisPrefix(), timeoutMs: 10_000 });
    expect(await admitted(rl, [owner('acme'), key('keyA', [keyHourly])], 3)).toBe(2);
    // keyA is refused (remembered); keyB of the same owner still has the owner's last unit.
    expect(await admitted(rl, [owner('acme'), key('keyB', [keyHourly])], 2)).toBe(1);
  });
});
