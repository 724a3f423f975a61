// keygate.credits (get, set, add) and spending through the ledger, on a MemoryStore and a manual clock.
import { describe, expect, it } from 'vitest';
import { spendCredits } from '../../src/credits/ledger.js';
import { NO_REQUEST } from '../../src/events.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import type { Actor } from '../../src/lifecycle/manager.js';
import { expectKeygateError, START, setup, withEvents } from '../support/helpers.js';

const MONTHLY = { amount: 1000, interval: 'month' } as const;
const FEB_1 = Date.UTC(2025, 1, 1);

async function spend(
  keygate: ReturnType<typeof setup>['keygate'],
  key: { id: string; owner: string; lineage: string },
  cost: number,
) {
  return spendCredits(runtimeOf(keygate).credits, key, cost, NO_REQUEST);
}

describe('keygate.credits.set and get', () => {
  it('has no allowance for an owner until one is set', async () => {
    const { keygate } = setup();
    expect(await keygate.credits.get({ owner: 'acct_1' })).toBeNull();
  });

  it('sets an owner allowance with its first refill at the next boundary', async () => {
    const { keygate } = setup();
    const set = await keygate.credits.set({ owner: 'acct_1' }, { remaining: 10, refill: MONTHLY });
    expect(set).toEqual({ remaining: 10, refill: { ...MONTHLY, at: 1 }, refillAt: new Date(FEB_1) });
    expect(await keygate.credits.get({ owner: 'acct_1' })).toEqual(set);
  });

  it('sets a key allowance by key id, kept by its lineage across rotation', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.credits.set({ keyId: apiKey.id }, { remaining: 7 });
    const rotated = await keygate.keys.rotate(apiKey.id);
    expect(await keygate.credits.get({ keyId: rotated.apiKey.id })).toEqual({
      remaining: 7,
      refill: null,
      refillAt: null,
    });
  });

  it('refuses a key id it does not know', async () => {
    const { keygate } = setup();
    await expectKeygateError(keygate.credits.get({ keyId: 'AAAAAAAAAAAA' }), 'not_found');
  });

  it('refuses a malformed allowance naming the field', async () => {
    const { keygate } = setup();
    const error = await expectKeygateError(
      keygate.credits.set({ owner: 'acct_1' }, { remaining: -1 }),
      'invalid_input',
    );
    expect(error.field).toBe('remaining');
  });

  it('removes an allowance set to null', async () => {
    const { keygate } = setup();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 5 });
    await keygate.credits.set({ owner: 'acct_1' }, null);
    expect(await keygate.credits.get({ owner: 'acct_1' })).toBeNull();
  });

  it('shows a due allowance refilled, and refills it once', async () => {
    const { keygate, clock, events } = withEvents();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 10, refill: MONTHLY });
    clock.advance(FEB_1 - START);
    expect((await keygate.credits.get({ owner: 'acct_1' }))?.remaining).toBe(1000);
    await keygate.credits.get({ owner: 'acct_1' });
    expect(events.filter((e) => e.type === 'refilled')).toHaveLength(1);
  });
});

describe('keygate.credits.add', () => {
  it('adds to and takes from an allowance, never below zero', async () => {
    const { keygate } = setup();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 10 });
    expect((await keygate.credits.add({ owner: 'acct_1' }, 5)).remaining).toBe(15);
    expect((await keygate.credits.add({ owner: 'acct_1' }, -50)).remaining).toBe(0);
  });

  it('refuses to add to a target without an allowance', async () => {
    const { keygate } = setup();
    await expectKeygateError(keygate.credits.add({ owner: 'acct_1' }, 5), 'not_found');
  });

  it('refuses an amount that is not an integer', async () => {
    const { keygate } = setup();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 10 });
    await expectKeygateError(keygate.credits.add({ owner: 'acct_1' }, 1.5), 'invalid_input');
  });
});

describe('spending credits', () => {
  it('spends from the owner and the key together', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 100 });
    await keygate.credits.set({ keyId: apiKey.id }, { remaining: 10 });
    const result = await spend(keygate, apiKey, 4);
    expect(result.ok).toBe(true);
    expect((await keygate.credits.get({ owner: 'acct_1' }))?.remaining).toBe(96);
    expect((await keygate.credits.get({ keyId: apiKey.id }))?.remaining).toBe(6);
  });

  it('refuses naming the allowance that cannot pay, and spends nothing anywhere', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 100 });
    await keygate.credits.set({ keyId: apiKey.id }, { remaining: 3 });
    const result = await spend(keygate, apiKey, 4);
    expect(result).toMatchObject({ ok: false, reason: 'insufficient', refusedBy: { allowance: 'key' } });
    expect((await keygate.credits.get({ owner: 'acct_1' }))?.remaining).toBe(100);
  });

  it('lets an unmetered key pass by default', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    expect(await spend(keygate, apiKey, 4)).toEqual({ ok: true, applied: [] });
  });

  it('refuses an unmetered key when whenMissing is refuse', async () => {
    const { keygate, createKey } = setup({ credits: { whenMissing: 'refuse' } });
    const { apiKey } = await createKey();
    expect(await spend(keygate, apiKey, 1)).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('refills a due allowance before spending, whatever was left', async () => {
    const { keygate, createKey, clock } = setup();
    const { apiKey } = await createKey();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 0, refill: MONTHLY });
    clock.advance(FEB_1 - START + 1);
    expect(await spend(keygate, apiKey, 1)).toMatchObject({ ok: true, applied: [{ state: { remaining: 999 } }] });
  });

  it('emits credits_low when a spend crosses the threshold, and credits_exhausted at zero', async () => {
    const { keygate, createKey, events } = withEvents({ credits: { lowThreshold: 5 } });
    const { apiKey } = await createKey();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 8 });
    await spend(keygate, apiKey, 2);
    await spend(keygate, apiKey, 2);
    await spend(keygate, apiKey, 1);
    await spend(keygate, apiKey, 3);
    const types = events.filter((e) => e.type.startsWith('credits')).map((e) => [e.type, e.credits?.remaining]);
    expect(types).toEqual([
      ['credits_low', 4],
      ['credits_exhausted', 0],
    ]);
  });

  it('emits credits_exhausted for a refused request, with its cost and no key material', async () => {
    const { keygate, createKey, events } = withEvents();
    const { key, apiKey } = await createKey();
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 1 });
    await spend(keygate, apiKey, 5);
    const event = events.find((e) => e.type === 'credits_exhausted');
    expect(event).toMatchObject({
      keyId: apiKey.id,
      owner: 'acct_1',
      credits: { allowance: 'owner', remaining: 1, cost: 5 },
    });
    expect(JSON.stringify(events)).not.toContain(key.split('_').at(-1));
  });

  it('fails closed when the store returns a malformed allowance', async () => {
    const { keygate, createKey, store } = setup();
    const { apiKey } = await createKey();
    const inner = store.inner as unknown as { spendCredits: (...args: unknown[]) => Promise<unknown> };
    inner.spendCredits = async () => ({
      outcome: 'spent',
      owner: { remaining: -3, refill: null, refillAt: null },
      key: null,
    });
    await expectKeygateError(spend(keygate, apiKey, 1), 'store_unavailable');
  });
});

describe('delegated credit changes (the actor may give no more than it has)', () => {
  async function actorWithCredits(remaining: number | null) {
    const context = setup();
    const parent = await context.createKey({ scopes: ['keys:manage'] });
    const child = await context.createKey();
    if (remaining !== null) await context.keygate.credits.set({ keyId: parent.apiKey.id }, { remaining });
    const actor: Actor = { key: parent.apiKey };
    return { ...context, actor, parent, child };
  }

  it('lets a key give a key it manages up to what it has', async () => {
    const { keygate, actor, child } = await actorWithCredits(50);
    expect((await keygate.credits.set({ keyId: child.apiKey.id }, { remaining: 50 }, { actor }))?.remaining).toBe(50);
  });

  it('refuses a key giving more than it has', async () => {
    const { keygate, actor, child } = await actorWithCredits(50);
    await expectKeygateError(
      keygate.credits.set({ keyId: child.apiKey.id }, { remaining: 51 }, { actor }),
      'forbidden',
    );
  });

  it('refuses a key adding past what it has', async () => {
    const { keygate, actor, child } = await actorWithCredits(50);
    await keygate.credits.set({ keyId: child.apiKey.id }, { remaining: 40 }, { actor });
    await expectKeygateError(keygate.credits.add({ keyId: child.apiKey.id }, 11, { actor }), 'forbidden');
  });

  it('refuses a key with a fixed allowance giving a refill', async () => {
    const { keygate, actor, child } = await actorWithCredits(50);
    const input = { remaining: 1, refill: { amount: 1, interval: 'day' as const } };
    await expectKeygateError(keygate.credits.set({ keyId: child.apiKey.id }, input, { actor }), 'forbidden');
  });

  it('refuses a metered key unmetering another', async () => {
    const { keygate, actor, child } = await actorWithCredits(50);
    await keygate.credits.set({ keyId: child.apiKey.id }, { remaining: 5 }, { actor });
    await expectKeygateError(keygate.credits.set({ keyId: child.apiKey.id }, null, { actor }), 'forbidden');
  });

  it('refuses a key cutting an allowance larger than its own, and leaves it as it was', async () => {
    const { keygate, actor, child } = await actorWithCredits(10);
    await keygate.credits.set({ keyId: child.apiKey.id }, { remaining: 1000 });
    await expectKeygateError(keygate.credits.set({ keyId: child.apiKey.id }, { remaining: 0 }, { actor }), 'forbidden');
    await expectKeygateError(keygate.credits.add({ keyId: child.apiKey.id }, -1000, { actor }), 'forbidden');
    await expectKeygateError(keygate.credits.set({ keyId: child.apiKey.id }, null, { actor }), 'forbidden');
    expect((await keygate.credits.get({ keyId: child.apiKey.id }))?.remaining).toBe(1000);
  });

  it('lets a metered key cap a key that has no allowance of its own', async () => {
    const { keygate, actor, child } = await actorWithCredits(10);
    expect((await keygate.credits.set({ keyId: child.apiKey.id }, { remaining: 5 }, { actor }))?.remaining).toBe(5);
  });

  it('refuses a key changing its own allowance', async () => {
    const { keygate, actor, parent } = await actorWithCredits(50);
    await expectKeygateError(keygate.credits.add({ keyId: parent.apiKey.id }, 1000, { actor }), 'forbidden');
  });

  it("refuses a key changing its owner's allowance", async () => {
    const { keygate, actor } = await actorWithCredits(null);
    await expectKeygateError(keygate.credits.set({ owner: 'acct_1' }, { remaining: 10 ** 9 }, { actor }), 'forbidden');
  });

  it("reads another owner's allowance as unknown", async () => {
    const { keygate, actor } = await actorWithCredits(null);
    await expectKeygateError(keygate.credits.get({ owner: 'acct_2' }, { actor }), 'not_found');
  });

  it('bounds a key by its owner allowance too', async () => {
    const { keygate, actor, child } = await actorWithCredits(null);
    await keygate.credits.set({ owner: 'acct_1' }, { remaining: 20 });
    await expectKeygateError(
      keygate.credits.set({ keyId: child.apiKey.id }, { remaining: 21 }, { actor }),
      'forbidden',
    );
  });
});
