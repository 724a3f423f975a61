// The delegation rule: a key acting on other keys can never create, change, reveal or remove
// anything more powerful than itself. "More powerful" is judged here and nowhere else.
import { type CreditState, longestPeriodMs, shortestPeriodMs } from '../credits/allowance.js';
import { ipRangeWithin } from '../key/ip.js';
import type { KeyRecord, RateLimitPolicy } from '../key/record.js';
import { coversGrant } from '../key/scopes.js';

/**
 * What the delegation rule compares: what a key may do, until when, from where, how often, and in
 * which environment (see createKeygate's `environments`; absent or null: none).
 */
export type KeyPowers = Readonly<Pick<KeyRecord, 'expiresAt' | 'allowedIps' | 'rateLimits'>> & {
  readonly scopes: readonly string[];
  readonly environment?: string | null | undefined;
};

/** A field in which one key is more powerful than another. */
export type PowerField = 'scopes' | 'expiresAt' | 'allowedIps' | 'rateLimits' | 'environment';

/**
 * The delegation rule: the first field in which `target` is more powerful than `holder`, or
 * undefined when it is not (then `holder` may create, see, change or remove it):
 * - scopes: `holder` grants every scope of `target`, wildcards included;
 * - expiry: when `holder` expires, `target` expires too, no later;
 * - IP allowlist: when `holder` has one, `target` has one whose every entry lies within it;
 * - rate limits: when `holder` is limited, `target` has, for each of `holder`'s policies, one no
 *   looser (no higher limit, no higher rate). `rateLimits: null` means the application's default
 *   policies: pass them as `defaultRateLimits`; unknown (the default), null is only as strict as null;
 * - environment: a key of an environment reaches only keys of that same environment (a test key
 *   never produces or touches a live one).
 *
 * @example
 * ```ts
 * exceedingPower(caller, { scopes: ['admin:*'], expiresAt: null, allowedIps: null, rateLimits: null });
 * // 'scopes' for a caller holding only `keys:manage`
 * ```
 */
export function exceedingPower(
  holder: KeyPowers,
  target: KeyPowers,
  defaultRateLimits?: readonly RateLimitPolicy[],
): PowerField | undefined {
  if (!target.scopes.every((scope) => coversGrant(holder.scopes, scope))) return 'scopes';
  if (holder.expiresAt !== null && (target.expiresAt === null || target.expiresAt > holder.expiresAt)) {
    return 'expiresAt';
  }
  const ranges = holder.allowedIps;
  if (
    ranges !== null &&
    (target.allowedIps === null || !target.allowedIps.every((entry) => withinAny(entry, ranges)))
  ) {
    return 'allowedIps';
  }
  if (!limitsNoLooser(holder.rateLimits, target.rateLimits, defaultRateLimits)) return 'rateLimits';
  if ((holder.environment ?? null) !== null && target.environment !== holder.environment) return 'environment';
  return undefined;
}

function withinAny(entry: string, ranges: readonly string[]): boolean {
  return ranges.some((range) => ipRangeWithin(entry, range));
}

function limitsNoLooser(
  holder: readonly RateLimitPolicy[] | null,
  target: readonly RateLimitPolicy[] | null,
  defaults: readonly RateLimitPolicy[] | undefined,
): boolean {
  const own = holder ?? defaults;
  if (own === undefined) return target === null; // both on the defaults, which are unknown
  if (own.length === 0) return true; // the holder is not limited
  const theirs = target ?? defaults;
  if (theirs === undefined) return false;
  return own.every((policy) => theirs.some((candidate) => noLooser(candidate, policy)));
}

// A GCRA policy admits at most limit + (t / window) * limit requests in any t seconds: `a` admits
// no more than `b` at every t when its burst (limit) and its rate (limit / window) are no higher.
function noLooser(a: RateLimitPolicy, b: RateLimitPolicy): boolean {
  return a.limit <= b.limit && a.limit * b.windowSeconds <= b.limit * a.windowSeconds;
}

/**
 * The delegation rule for credits: true when an allowance `given` to another key is more than the
 * acting key has. `holder` lists the allowances the acting key spends from (its owner's, its own);
 * none means it is unmetered and may give any. Each of them bounds `remaining`, and a refill may be
 * given only by a key whose every allowance refills, each by no less and no slower.
 *
 * @example
 * ```ts
 * exceedsCredits([{ remaining: 100, refill: null, refillAt: null }], { remaining: 500, refill: null, refillAt: null });
 * // true: a key holding 100 credits cannot give 500
 * ```
 */
export function exceedsCredits(holder: readonly CreditState[], given: CreditState): boolean {
  return holder.some((own) => {
    if (given.remaining > own.remaining) return true;
    const refill = given.refill;
    if (refill === null) return false;
    if (own.refill === null) return true;
    // Units per period: the given refill's most against the holder's least.
    return (
      refill.amount > own.refill.amount ||
      refill.amount * longestPeriodMs(own.refill) > own.refill.amount * shortestPeriodMs(refill)
    );
  });
}
