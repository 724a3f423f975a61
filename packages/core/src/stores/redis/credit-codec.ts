// RedisStore allowances as Redis strings, one per allowance, compact and readable by the credit
// scripts (credit-scripts.ts) without JSON: `<remaining>` for an allowance without a refill plan,
// `<remaining> <refillAt> <amount> <interval> <at>` with one (interval `day`, `month` or a period
// in ms). Every number is an exact integer (at most 2^53 - 1) in decimal digits, as String() and
// Lua's %d write it. Remaining and refillAt come first: all a spend reads; the rest is carried as
// it is. What a read finds is checked (checkCreditState): odd data fails closed.
import { type CreditState, checkCreditState } from '../../credits/allowance.js';
import { KeygateError } from '../../errors.js';
import { checkCreditArg } from '../credit-args.js';

const STATE_RE = /^(\d{1,16})(?: (\d{1,16}) (\d{1,16}) (day|month|\d{1,16}) (\d{1,16}))?$/;

/** An allowance as its Redis string; throws `invalid_input` for one that is not an allowance. */
export function encodeCreditState(state: CreditState): string {
  const checked = checkCreditArg(state);
  if (checked.refill === null || checked.refillAt === null) return String(checked.remaining);
  const { amount, interval, at } = checked.refill;
  return `${checked.remaining} ${checked.refillAt} ${amount} ${interval} ${at ?? 0}`;
}

/** The allowance in a stored string, null for none (a nil reply); throws `store_unavailable` for anything else. */
export function decodeCreditState(value: unknown): CreditState | null {
  if (value === null) return null;
  const match = typeof value === 'string' ? STATE_RE.exec(value) : null;
  if (match === null) {
    throw new KeygateError('store_unavailable', 'keygate: the Redis key store returned a malformed allowance.');
  }
  const [, remaining, refillAt, amount, interval, at] = match;
  if (refillAt === undefined) return checkCreditState({ remaining: Number(remaining), refill: null, refillAt: null });
  return checkCreditState({
    remaining: Number(remaining),
    refill: {
      amount: Number(amount),
      interval: interval === 'day' || interval === 'month' ? interval : Number(interval),
      at: Number(at),
    },
    refillAt: Number(refillAt),
  });
}
