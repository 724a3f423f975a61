import type { CreditState } from '../credits/allowance.js';

/** Whose allowance: an owner's (shared by all its keys), or one key lineage's (a rotated key keeps it). */
export interface CreditTarget {
  /** The owner: its allowance, or the owner of the key lineage. */
  readonly owner: string;
  /** The key lineage (a key's `lineage`: a key id, never empty), or undefined for the owner's own allowance. */
  readonly lineage?: string | undefined;
}

/** What {@link CreditStore.spendCredits} did, with both allowances as they are after it. */
export interface CreditSpend {
  /**
   * `spent`: every allowance that exists held `cost` and each lost it (also when none exists);
   * `insufficient`: one of them holds less, nothing was spent; `due`: one of them is due a refill
   * (its `refillAt` is at or before `now`), nothing was spent.
   */
  readonly outcome: 'spent' | 'insufficient' | 'due';
  /** The owner's allowance, or null when it has none. */
  readonly owner: CreditState | null;
  /** The key lineage's allowance, or null when it has none. */
  readonly key: CreditState | null;
}

/**
 * Credit allowances, kept by a key store (MemoryStore, RedisStore and PostgresStore implement it).
 * Every method is atomic, across processes for a shared store; none of them computes a refill
 * instant (keygate does, see credits/allowance.ts) or refills on its own. Run the credit
 * conformance suite of keygate's tests against a custom store.
 */
export interface CreditStore {
  /** The allowance of `target`, or null when it has none. */
  getCredits(target: CreditTarget): Promise<CreditState | null>;
  /** Replaces the allowance of `target` (null removes it: the target is no longer metered). */
  setCredits(target: CreditTarget, state: CreditState | null): Promise<void>;
  /**
   * Adds `delta` (negative takes away) to the allowance of `target`, clamped to 0..10^15, and
   * returns it as it is after; null (and nothing written) when it has none.
   */
  addCredits(target: CreditTarget, delta: number): Promise<CreditState | null>;
  /**
   * Spends `cost` from the owner's allowance and, when `lineage` is given, from that lineage's, in
   * one atomic step: both or neither (see {@link CreditSpend}). `now` is epoch ms.
   */
  spendCredits(owner: string, lineage: string | undefined, cost: number, now: number): Promise<CreditSpend>;
  /**
   * Refills the allowance of `target` when its `refillAt` still equals `dueAt`: `remaining` becomes
   * its refill amount and `refillAt` becomes `next`. Returns the allowance as it is after (refilled
   * here or by another instance first), or null when it has none.
   */
  refillCredits(target: CreditTarget, dueAt: number, next: number): Promise<CreditState | null>;
}

const CREDIT_METHODS = ['getCredits', 'setCredits', 'addCredits', 'spendCredits', 'refillCredits'] as const;

/** True when `store` implements every method of {@link CreditStore}. */
export function isCreditStore(store: object): store is CreditStore {
  return CREDIT_METHODS.every((name) => typeof (store as Record<string, unknown>)[name] === 'function');
}
