// The credit methods of a store as keygate uses them: every allowance a store returns is checked
// (checkCreditState), so a malformed one fails closed with `store_unavailable` instead of being
// spent from or shown.
import { type CreditState, checkCreditState } from '../credits/allowance.js';
import { KeygateError } from '../errors.js';
import type { CreditSpend, CreditStore } from './credit-store.js';

const OUTCOMES: ReadonlySet<unknown> = new Set(['spent', 'insufficient', 'due']);

/** `store`'s credit methods, their answers checked. */
export function checkedCredits(store: CreditStore): CreditStore {
  return Object.freeze<CreditStore>({
    getCredits: async (target) => stateOrNull(await store.getCredits(target)),
    setCredits: (target, state) => store.setCredits(target, state),
    addCredits: async (target, delta) => stateOrNull(await store.addCredits(target, delta)),
    refillCredits: async (target, dueAt, next) => stateOrNull(await store.refillCredits(target, dueAt, next)),
    spendCredits: async (owner, lineage, cost, now) => {
      const spend: unknown = await store.spendCredits(owner, lineage, cost, now);
      const { outcome, owner: ownerState, key } = (spend ?? {}) as Partial<CreditSpend>;
      if (!OUTCOMES.has(outcome)) {
        throw new KeygateError('store_unavailable', 'keygate: the store returned a malformed credit spend.');
      }
      return {
        outcome: outcome as CreditSpend['outcome'],
        owner: stateOrNull(ownerState),
        key: lineage === undefined ? null : stateOrNull(key),
      };
    },
  });
}

function stateOrNull(value: unknown): CreditState | null {
  return value === null ? null : checkCreditState(value);
}
