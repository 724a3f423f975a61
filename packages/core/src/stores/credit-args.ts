// The arguments of the CreditStore methods, checked alike by every store that writes them
// somewhere (RedisStore, PostgresStore) with the rules of credits/allowance.ts: a bad argument
// throws `invalid_input` before anything is sent, and what a store writes it can read back.
import { type CreditState, checkCreditCount, checkRefill } from '../credits/allowance.js';
import { KeygateError } from '../errors.js';
import type { CreditTarget } from './credit-store.js';

/**
 * An allowance given to the store, checked with the rules of credits/allowance.ts (`invalid_input`
 * otherwise): what the store writes is always what it can read back.
 */
export function checkCreditArg(state: CreditState): CreditState {
  if (typeof state !== 'object' || state === null) throw invalidArg('state', 'must be an allowance or null');
  const remaining = checkCreditCount(state.remaining, 'remaining');
  const refill = state.refill === null ? null : checkRefill(state.refill, 'refill');
  const { refillAt } = state;
  if (refill === null ? refillAt !== null : !isInstant(refillAt)) {
    throw invalidArg('refillAt', 'must be an instant (epoch ms) exactly when `refill` is set, otherwise null');
  }
  return { remaining, refill, refillAt };
}

/**
 * Checks the arguments every credit method shares: a target (an owner, and a lineage: a non-empty
 * string, or undefined for the owner's allowance), and integers; throws `invalid_input`.
 */
export const creditArgs = Object.freeze({
  target(target: unknown): CreditTarget {
    if (typeof target !== 'object' || target === null) throw invalidArg('target', 'must be { owner, lineage? }');
    const { owner, lineage } = target as Record<string, unknown>;
    if (typeof owner !== 'string') throw invalidArg('owner', 'must be a string');
    if (lineage !== undefined && (typeof lineage !== 'string' || lineage === '')) {
      throw invalidArg('lineage', 'must be a non-empty string or undefined');
    }
    return { owner, lineage };
  },
  cost(cost: unknown): number {
    return checkCreditCount(cost, 'cost');
  },
  delta(delta: unknown): number {
    if (typeof delta !== 'number' || !Number.isSafeInteger(delta)) throw invalidArg('delta', 'must be a safe integer');
    return delta;
  },
  instant(value: unknown, field: string): number {
    if (!isInstant(value)) throw invalidArg(field, 'must be an instant (epoch ms, a non-negative safe integer)');
    return value;
  },
});

function isInstant(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function invalidArg(field: string, problem: string): KeygateError {
  return new KeygateError('invalid_input', `keygate: credits \`${field}\` ${problem}.`, { field });
}
