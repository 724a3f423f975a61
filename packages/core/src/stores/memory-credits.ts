import { type CreditState, MAX_CREDITS } from '../credits/allowance.js';
import type { CreditSpend, CreditStore, CreditTarget } from './credit-store.js';

/**
 * The credit allowances of a MemoryStore: one map, keyed by owner and lineage. Single-threaded,
 * so every method is atomic as it stands.
 */
export class MemoryCredits implements CreditStore {
  readonly #states = new Map<string, CreditState>();

  async getCredits(target: CreditTarget): Promise<CreditState | null> {
    return this.#states.get(keyOf(target)) ?? null;
  }

  async setCredits(target: CreditTarget, state: CreditState | null): Promise<void> {
    if (state === null) this.#states.delete(keyOf(target));
    else this.#states.set(keyOf(target), Object.freeze({ ...state }));
  }

  async addCredits(target: CreditTarget, delta: number): Promise<CreditState | null> {
    const key = keyOf(target);
    const state = this.#states.get(key);
    if (state === undefined) return null;
    const remaining = Math.min(Math.max(state.remaining + delta, 0), MAX_CREDITS);
    return this.#put(key, { ...state, remaining });
  }

  async spendCredits(owner: string, lineage: string | undefined, cost: number, now: number): Promise<CreditSpend> {
    const ownerKey = keyOf({ owner });
    const lineageKey = lineage === undefined ? undefined : keyOf({ owner, lineage });
    const ownerState = this.#states.get(ownerKey) ?? null;
    const keyState = lineageKey === undefined ? null : (this.#states.get(lineageKey) ?? null);
    const states = [ownerState, keyState];
    let outcome: CreditSpend['outcome'] = 'spent';
    for (const state of states) {
      if (state?.refillAt != null && state.refillAt <= now) outcome = 'due';
    }
    if (outcome === 'spent' && states.some((state) => state !== null && state.remaining < cost)) {
      outcome = 'insufficient';
    }
    if (outcome !== 'spent' || cost === 0) return { outcome, owner: ownerState, key: keyState };
    return {
      outcome,
      owner: ownerState && this.#put(ownerKey, { ...ownerState, remaining: ownerState.remaining - cost }),
      key: keyState && lineageKey ? this.#put(lineageKey, { ...keyState, remaining: keyState.remaining - cost }) : null,
    };
  }

  async refillCredits(target: CreditTarget, dueAt: number, next: number): Promise<CreditState | null> {
    const key = keyOf(target);
    const state = this.#states.get(key);
    if (state === undefined) return null;
    if (state.refill === null || state.refillAt !== dueAt) return state;
    return this.#put(key, { ...state, remaining: state.refill.amount, refillAt: next });
  }

  #put(key: string, state: CreditState): CreditState {
    const frozen = Object.freeze(state);
    this.#states.set(key, frozen);
    return frozen;
  }
}

// Owner and lineage joined by a NUL, which neither holds.
function keyOf({ owner, lineage }: CreditTarget): string {
  return lineage === undefined ? owner : `${owner}\u0000${lineage}`;
}
