// The one rule for credit allowances, wherever one comes from: the library's `credits.set`, the
// management routes, the CLI, or a store's answer (odd stored values fail closed here). And the
// one calendar of refills: every store keeps the next refill instant, computed here only.
import { KeygateError } from '../errors.js';

/** The most credits an allowance can hold: exact in every store (a Lua double, a PostgreSQL bigint). */
export const MAX_CREDITS = 1_000_000_000_000_000;
/** The shortest refill period given in milliseconds: one second. */
export const MIN_REFILL_MS = 1_000;
/** The longest refill period given in milliseconds: 366 days. */
export const MAX_REFILL_MS = 366 * 86_400_000;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * How an allowance refills: back to `amount` (not by `amount`) at each boundary, in UTC.
 *
 * @example
 * ```ts
 * const monthly: CreditRefill = { amount: 10_000, interval: 'month' }; // on the 1st, 00:00 UTC
 * const nightly: CreditRefill = { amount: 500, interval: 'day', at: 3 }; // every day, 03:00 UTC
 * ```
 */
export interface CreditRefill {
  /** Units the allowance is set back to at each refill, 1 to 10^15. */
  readonly amount: number;
  /** `'day'`, `'month'`, or a period in milliseconds (1 s to 366 days). */
  readonly interval: 'day' | 'month' | number;
  /**
   * For `'day'`: the UTC hour of the refill, 0-23 (default 0). For `'month'`: the day of the month,
   * 1-31 (default 1; in a shorter month, its last day). For a period in ms: the instant (epoch ms)
   * periods count from (default 0).
   */
  readonly at?: number;
}

/** An allowance as every store keeps it: units left, the refill plan, and when it next refills (epoch ms). */
export interface CreditState {
  /** Units left, 0 to 10^15. */
  readonly remaining: number;
  /** The refill plan, or null for an allowance that only ever goes down (or up through `credits.add`). */
  readonly refill: CreditRefill | null;
  /** The next refill instant (epoch ms), null exactly when `refill` is null. */
  readonly refillAt: number | null;
}

/** Builds the error of one caller's context from the field at fault and what is wrong with it. */
export type CreditsError = (field: string, problem: string) => KeygateError;

const invalidInput: CreditsError = (field, problem) =>
  new KeygateError('invalid_input', `keygate: credits \`${field}\` ${problem}.`, { field });

/** Throws unless `value` is a whole number of credits from `min` to 10^15; returns it. */
export function checkCreditCount(value: unknown, field: string, error: CreditsError = invalidInput, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > MAX_CREDITS) {
    throw error(field, `must be an integer from ${min} to ${MAX_CREDITS} (received ${describe(value)})`);
  }
  return value;
}

/** Checks a refill plan and returns a frozen copy with `at` filled in; throws `error(field, problem)`. */
export function checkRefill(value: unknown, field: string, error: CreditsError = invalidInput): CreditRefill {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw error(field, "must be { amount, interval: 'day' | 'month' | ms, at? }");
  }
  const { amount, interval, at, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw error(field, 'has an unknown field (allowed: amount, interval, at)');
  const checkedAmount = checkCreditCount(amount, `${field}.amount`, error, 1);
  if (interval === 'day') return plan(checkedAmount, interval, whole(at, 0, 23, 0, `${field}.at`, error));
  if (interval === 'month') return plan(checkedAmount, interval, whole(at, 1, 31, 1, `${field}.at`, error));
  if (typeof interval === 'number' && Number.isSafeInteger(interval)) {
    whole(interval, MIN_REFILL_MS, MAX_REFILL_MS, 0, `${field}.interval`, error);
    return plan(checkedAmount, interval, whole(at, 0, Number.MAX_SAFE_INTEGER, 0, `${field}.at`, error));
  }
  throw error(`${field}.interval`, `must be 'day', 'month' or a whole number of ms (received ${describe(interval)})`);
}

/**
 * Checks an allowance a store returned: odd values (a negative or fractional count, a refill plan
 * that is not one, a refill instant without a plan) throw `store_unavailable`, so that spending
 * fails closed instead of trusting them.
 */
export function checkCreditState(value: unknown): CreditState {
  const error: CreditsError = (field, problem) =>
    new KeygateError(
      'store_unavailable',
      `keygate: the store returned a malformed allowance (\`${field}\` ${problem}).`,
    );
  if (typeof value !== 'object' || value === null) throw error('allowance', 'is not an object');
  const { remaining, refill, refillAt } = value as Record<string, unknown>;
  const checkedRefill = refill === null ? null : checkRefill(refill, 'refill', error);
  if ((checkedRefill === null) !== (refillAt === null)) throw error('refillAt', 'does not match `refill`');
  return Object.freeze({
    remaining: checkCreditCount(remaining, 'remaining', error),
    refill: checkedRefill,
    refillAt: refillAt === null ? null : whole(refillAt, 0, Number.MAX_SAFE_INTEGER, 0, 'refillAt', error),
  });
}

/** The first refill boundary strictly after `after` (epoch ms). */
export function nextRefill(refill: CreditRefill, after: number): number {
  if (refill.interval === 'month') {
    const date = new Date(after);
    let year = date.getUTCFullYear();
    let month = date.getUTCMonth();
    for (;;) {
      const boundary = monthBoundary(year, month, refill.at ?? 1);
      if (boundary > after) return boundary;
      month += 1;
      if (month === 12) {
        month = 0;
        year += 1;
      }
    }
  }
  const period = refill.interval === 'day' ? DAY_MS : refill.interval;
  const anchor = refill.interval === 'day' ? (refill.at ?? 0) * HOUR_MS : (refill.at ?? 0);
  return anchor + (Math.floor((after - anchor) / period) + 1) * period;
}

/** Seconds of the refill period that ends at `refillAt` (for the `w` of a RateLimit-Policy). */
export function refillPeriodSeconds(refill: CreditRefill, refillAt: number): number {
  if (refill.interval === 'day') return DAY_MS / 1000;
  if (typeof refill.interval === 'number') return Math.ceil(refill.interval / 1000);
  const end = new Date(refillAt);
  const year = end.getUTCFullYear();
  const month = end.getUTCMonth();
  const start =
    month === 0 ? monthBoundary(year - 1, 11, refill.at ?? 1) : monthBoundary(year, month - 1, refill.at ?? 1);
  return Math.round((refillAt - start) / 1000);
}

/** The longest a refill period can be, in ms (a month counts 31 days): how delegation compares plans. */
export function longestPeriodMs(refill: CreditRefill): number {
  if (refill.interval === 'day') return DAY_MS;
  if (refill.interval === 'month') return 31 * DAY_MS;
  return refill.interval;
}

/** The shortest a refill period can be, in ms (a month counts 28 days). */
export function shortestPeriodMs(refill: CreditRefill): number {
  if (refill.interval === 'month') return 28 * DAY_MS;
  return longestPeriodMs(refill);
}

// Day `day` of a month (or its last day), 00:00 UTC.
function monthBoundary(year: number, month: number, day: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(day, last));
}

function plan(amount: number, interval: CreditRefill['interval'], at: number): CreditRefill {
  return Object.freeze({ amount, interval, at });
}

function whole(value: unknown, min: number, max: number, fallback: number, field: string, error: CreditsError): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw error(field, `must be an integer from ${min} to ${max} (received ${describe(value)})`);
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}
