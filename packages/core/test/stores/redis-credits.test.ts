// RedisStore's credit allowances as stored: one compact string per allowance in the owner's hash
// slot, exact integers, and odd stored values failing closed (the CreditStore behaviour itself is
// the conformance suite's, credits part).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../../test/support/redis-global-setup.js';
import { type CreditState, MAX_CREDITS } from '../../src/credits/allowance.js';
import { isKeygateError } from '../../src/errors.js';
import { randomBase62 } from '../../src/key/base62.js';
import { RedisStore } from '../../src/redis.js';
import { randomOwner, T0 } from '../support/records.js';

const LINEAGE = 'AAAAAAAAAAAA';
const keyPrefix = `keygate-test:credits:${randomBase62(10)}:`;
let client: Redis;
let store: RedisStore;

beforeAll(() => {
  client = new Redis(inject('redisUrl'));
  store = new RedisStore({ client, keyPrefix });
});

afterAll(async () => {
  const keys = await client.keys(`${keyPrefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
});

describe('RedisStore credit allowances as stored', () => {
  it("keeps the owner's allowance and each key lineage's in the owner's hash slot", async () => {
    const owner = randomOwner();
    await store.setCredits({ owner }, { remaining: 7, refill: null, refillAt: null });
    await store.setCredits({ owner, lineage: LINEAGE }, { remaining: 3, refill: null, refillAt: null });
    expect(await client.get(`${keyPrefix}{o:${owner}}:credits`)).toBe('7');
    expect(await client.get(`${keyPrefix}{o:${owner}}:credits:${LINEAGE}`)).toBe('3');
  });

  it('writes an allowance with a refill plan as five integers and words, remaining first', async () => {
    const owner = randomOwner();
    const monthly = { remaining: 42, refill: { amount: 100, interval: 'month', at: 1 }, refillAt: T0 } as const;
    await store.setCredits({ owner }, monthly);
    expect(await client.get(`${keyPrefix}{o:${owner}}:credits`)).toBe(`42 ${T0} 100 month 1`);
  });

  it('keeps 16-digit counts and instants exact through every script', async () => {
    const owner = randomOwner();
    const far = Number.MAX_SAFE_INTEGER - 1;
    const state: CreditState = {
      remaining: MAX_CREDITS,
      refill: { amount: MAX_CREDITS, interval: 366 * 86_400_000, at: Number.MAX_SAFE_INTEGER },
      refillAt: far,
    };
    await store.setCredits({ owner }, state);
    expect(await store.getCredits({ owner })).toStrictEqual(state);
    expect((await store.spendCredits(owner, undefined, 1, far - 1)).owner?.remaining).toBe(MAX_CREDITS - 1);
    expect((await store.addCredits({ owner }, -(MAX_CREDITS - 3)))?.remaining).toBe(2);
    expect(await store.refillCredits({ owner }, far, Number.MAX_SAFE_INTEGER)).toStrictEqual({
      ...state,
      refillAt: Number.MAX_SAFE_INTEGER,
    });
  });
});

describe('RedisStore credit allowances that are not what it wrote', () => {
  it.each([
    ['not a number', 'lots'],
    ['a negative count', '-5'],
    ['a fraction', '1.5'],
    ['more than 10^15', '1000000000000001'],
    ['a refill instant without a plan', '10 123'],
    ['a refill instant past 2^53', '10 99999999999999999 5 day 0'],
    ['JSON', '{"remaining":5}'],
  ])('refuses %s with store_unavailable, and writes nothing', async (_, stored) => {
    const owner = randomOwner();
    const key = `${keyPrefix}{o:${owner}}:credits`;
    await client.set(key, stored);
    for (const call of [
      () => store.getCredits({ owner }),
      () => store.spendCredits(owner, undefined, 1, T0),
      () => store.addCredits({ owner }, 1),
      () => store.refillCredits({ owner }, 123, 456),
    ]) {
      expect(isKeygateError(await call().catch((e: unknown) => e), 'store_unavailable')).toBe(true);
    }
    expect(await client.get(key)).toBe(stored);
  });

  it.each([
    ['a refill plan of 0 credits', `10 ${T0 + 1000} 0 day 0`],
    ['an unknown interval', `10 ${T0 + 1000} 5 week 0`],
    ['an hour of day past 23', `10 ${T0 + 1000} 5 day 24`],
  ])('refuses %s with store_unavailable', async (_, stored) => {
    const owner = randomOwner();
    await client.set(`${keyPrefix}{o:${owner}}:credits`, stored);
    expect(isKeygateError(await store.getCredits({ owner }).catch((e: unknown) => e), 'store_unavailable')).toBe(true);
    const spend = await store.spendCredits(owner, undefined, 1, T0).catch((e: unknown) => e);
    expect(isKeygateError(spend, 'store_unavailable')).toBe(true);
  });

  it("refuses a spend with store_unavailable when the key lineage's allowance is odd, and spends nothing", async () => {
    const owner = randomOwner();
    await store.setCredits({ owner }, { remaining: 10, refill: null, refillAt: null });
    await client.set(`${keyPrefix}{o:${owner}}:credits:${LINEAGE}`, 'odd');
    const spend = await store.spendCredits(owner, LINEAGE, 1, T0).catch((e: unknown) => e);
    expect(isKeygateError(spend, 'store_unavailable')).toBe(true);
    expect((await store.getCredits({ owner }))?.remaining).toBe(10);
  });
});
