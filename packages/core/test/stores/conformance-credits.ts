// KeyStore conformance, part four: credit allowances (CreditStore), which every built-in store
// implements. Registered by describeKeyStore (conformance.ts) for stores that have them. Owners are
// random per test, so a store shared between tests works.
import { describe, expect, it } from 'vitest';
import { type CreditState, MAX_CREDITS } from '../../src/credits/allowance.js';
import { type CreditStore, isCreditStore } from '../../src/stores/credit-store.js';
import type { KeyStore } from '../../src/stores/store.js';
import { randomOwner } from '../support/records.js';

const T0 = Date.UTC(2030, 0, 1);
const plain = (remaining: number): CreditState => ({ remaining, refill: null, refillAt: null });
const monthly = (remaining: number, refillAt = T0 + 1000): CreditState => ({
  remaining,
  refill: { amount: 100, interval: 'month', at: 1 },
  refillAt,
});

/** Registers the credit tests for a store that implements CreditStore. */
export function describeCreditConformance(storeOf: () => KeyStore): void {
  describe('credits', () => {
    const credits = (): CreditStore => {
      const store = storeOf();
      if (!isCreditStore(store)) throw new Error('the store does not implement CreditStore');
      return store;
    };

    it('has no allowance for an owner or a key until one is set', async () => {
      const owner = randomOwner();
      expect(await credits().getCredits({ owner })).toBeNull();
      expect(await credits().getCredits({ owner, lineage: 'AAAAAAAAAAAA' })).toBeNull();
    });

    it('returns an allowance as it was set, refill plan and instant included', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, monthly(42));
      expect(await credits().getCredits({ owner })).toStrictEqual(monthly(42));
    });

    it('keeps the allowances of an owner and of each of its key lineages apart', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, plain(1));
      await credits().setCredits({ owner, lineage: 'AAAAAAAAAAAA' }, plain(2));
      await credits().setCredits({ owner, lineage: 'BBBBBBBBBBBB' }, plain(3));
      expect((await credits().getCredits({ owner }))?.remaining).toBe(1);
      expect((await credits().getCredits({ owner, lineage: 'AAAAAAAAAAAA' }))?.remaining).toBe(2);
      expect((await credits().getCredits({ owner, lineage: 'BBBBBBBBBBBB' }))?.remaining).toBe(3);
      expect(await credits().getCredits({ owner: randomOwner(), lineage: 'AAAAAAAAAAAA' })).toBeNull();
    });

    it('removes an allowance set to null', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, plain(5));
      await credits().setCredits({ owner }, null);
      expect(await credits().getCredits({ owner })).toBeNull();
    });

    it('holds up to 10^15 credits exactly', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, plain(MAX_CREDITS));
      expect((await credits().spendCredits(owner, undefined, 1, T0)).owner?.remaining).toBe(MAX_CREDITS - 1);
    });

    it('adds and takes away credits, clamped to 0 and 10^15', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, monthly(10));
      expect(await credits().addCredits({ owner }, 5)).toStrictEqual(monthly(15));
      expect((await credits().addCredits({ owner }, -100))?.remaining).toBe(0);
      expect((await credits().addCredits({ owner }, MAX_CREDITS + 5))?.remaining).toBe(MAX_CREDITS);
    });

    it('adds nothing to a target without an allowance', async () => {
      const owner = randomOwner();
      expect(await credits().addCredits({ owner }, 5)).toBeNull();
      expect(await credits().getCredits({ owner })).toBeNull();
    });

    it('spends from the owner and the key lineage together', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, plain(10));
      await credits().setCredits({ owner, lineage: 'AAAAAAAAAAAA' }, plain(4));
      const spend = await credits().spendCredits(owner, 'AAAAAAAAAAAA', 3, T0);
      expect(spend).toStrictEqual({ outcome: 'spent', owner: plain(7), key: plain(1) });
    });

    it('spends nothing anywhere when one allowance holds less than the cost', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, plain(10));
      await credits().setCredits({ owner, lineage: 'AAAAAAAAAAAA' }, plain(2));
      const spend = await credits().spendCredits(owner, 'AAAAAAAAAAAA', 3, T0);
      expect(spend).toStrictEqual({ outcome: 'insufficient', owner: plain(10), key: plain(2) });
      expect((await credits().getCredits({ owner }))?.remaining).toBe(10);
    });

    it('spends the last credits exactly, then refuses', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, plain(3));
      expect((await credits().spendCredits(owner, undefined, 3, T0)).outcome).toBe('spent');
      const refused = await credits().spendCredits(owner, undefined, 1, T0);
      expect(refused).toStrictEqual({ outcome: 'insufficient', owner: plain(0), key: null });
    });

    it('spends from whichever allowances exist, and counts none as spent when neither does', async () => {
      const owner = randomOwner();
      expect(await credits().spendCredits(owner, 'AAAAAAAAAAAA', 5, T0)).toStrictEqual({
        outcome: 'spent',
        owner: null,
        key: null,
      });
      await credits().setCredits({ owner, lineage: 'AAAAAAAAAAAA' }, plain(5));
      expect((await credits().spendCredits(owner, 'AAAAAAAAAAAA', 5, T0)).key?.remaining).toBe(0);
    });

    it('reports an allowance due a refill and spends nothing', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, monthly(50, T0));
      expect(await credits().spendCredits(owner, undefined, 1, T0)).toStrictEqual({
        outcome: 'due',
        owner: monthly(50, T0),
        key: null,
      });
    });

    it('refills back to the amount when the refill instant is still the one given', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, monthly(3, T0));
      expect(await credits().refillCredits({ owner }, T0, T0 + 5000)).toStrictEqual(monthly(100, T0 + 5000));
    });

    it('refills once when two instances refill the same period', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, monthly(3, T0));
      await credits().refillCredits({ owner }, T0, T0 + 5000);
      await credits().spendCredits(owner, undefined, 10, T0 + 1);
      expect(await credits().refillCredits({ owner }, T0, T0 + 5000)).toStrictEqual(monthly(90, T0 + 5000));
    });

    it('never goes below zero when many spends race for the last credits', async () => {
      const owner = randomOwner();
      await credits().setCredits({ owner }, plain(10));
      const spends = await Promise.all(
        Array.from({ length: 40 }, () => credits().spendCredits(owner, undefined, 1, T0)),
      );
      expect(spends.filter((s) => s.outcome === 'spent')).toHaveLength(10);
      expect((await credits().getCredits({ owner }))?.remaining).toBe(0);
    });
  });
}
