// Arguments RedisStore and PostgresStore refuse in their credit calls with invalid_input, before
// anything is written: what a store writes, it must be able to read back (credit-args.ts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresSchema } from '../../../../test/support/postgres.js';
import type {} from '../../../../test/support/redis-global-setup.js';
import type { CreditState } from '../../src/credits/allowance.js';
import { MAX_CREDITS } from '../../src/credits/allowance.js';
import { randomBase62 } from '../../src/key/base62.js';
import { PostgresStore } from '../../src/postgres.js';
import { RedisStore } from '../../src/redis.js';
import type { CreditStore } from '../../src/stores/credit-store.js';
import { randomOwner, T0 } from '../support/records.js';

const db = postgresSchema({ max: 2 });
const keyPrefix = `keygate-test:credit-args:${randomBase62(10)}:`;
let client: Redis;
const stores: Record<string, CreditStore> = {};

beforeAll(async () => {
  client = new Redis(inject('redisUrl'));
  stores.RedisStore = new RedisStore({ client, keyPrefix });
  const postgres = new PostgresStore({ pool: db.pool(), schema: db.schema, table: 'arg_keys' });
  await postgres.migrate();
  stores.PostgresStore = postgres;
});

afterAll(async () => {
  const keys = await client.keys(`${keyPrefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
});

const odd = (state: unknown) => state as CreditState;
const calls: Array<[string, (store: CreditStore, owner: string) => Promise<unknown>]> = [
  ['an empty lineage', (store, owner) => store.getCredits({ owner, lineage: '' })],
  ['an owner that is not a string', (store) => store.getCredits({ owner: 5 as unknown as string })],
  ['a target that is not an object', (store) => store.getCredits(null as never)],
  [
    'a negative count',
    (store, owner) => store.setCredits({ owner }, odd({ remaining: -1, refill: null, refillAt: null })),
  ],
  [
    'a fractional count',
    (store, owner) => store.setCredits({ owner }, odd({ remaining: 1.5, refill: null, refillAt: null })),
  ],
  [
    'more than 10^15 credits',
    (store, owner) => store.setCredits({ owner }, odd({ remaining: MAX_CREDITS + 1, refill: null, refillAt: null })),
  ],
  [
    'a refill plan without an instant',
    (store, owner) =>
      store.setCredits({ owner }, odd({ remaining: 1, refill: { amount: 5, interval: 'day' }, refillAt: null })),
  ],
  [
    'an instant without a refill plan',
    (store, owner) => store.setCredits({ owner }, odd({ remaining: 1, refill: null, refillAt: T0 })),
  ],
  [
    'an unknown interval',
    (store, owner) =>
      store.setCredits({ owner }, odd({ remaining: 1, refill: { amount: 5, interval: 'week' }, refillAt: T0 })),
  ],
  ['a fractional delta', (store, owner) => store.addCredits({ owner }, 0.5)],
  ['a negative cost', (store, owner) => store.spendCredits(owner, undefined, -1, T0)],
  ['a fractional cost', (store, owner) => store.spendCredits(owner, undefined, 0.5, T0)],
  ['a cost as a string', (store, owner) => store.spendCredits(owner, undefined, '1' as unknown as number, T0)],
  ['an instant that is not a number', (store, owner) => store.spendCredits(owner, undefined, 1, Number.NaN)],
  ['a refill instant past 2^53', (store, owner) => store.refillCredits({ owner }, T0, 2 ** 53)],
];

describe.each(['RedisStore', 'PostgresStore'])('%s credit arguments', (name) => {
  it.each(calls)('refuses %s with invalid_input and writes nothing', async (_, call) => {
    const owner = randomOwner();
    await expect(call(stores[name] as CreditStore, owner)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await (stores[name] as CreditStore).getCredits({ owner })).toBeNull();
  });
});
