// The one rule for rate-limit policy lists, wherever a list comes from: the `rateLimit` options,
// a key created or changed through the lifecycle, a record a store returns, or a direct limiter call.
import type { KeygateError } from '../errors.js';
import type { RateLimitPolicy } from './record.js';
import { isSafeToEcho, quoteSafely } from './redaction.js';

/** The longest window a policy may have: 366 days, in seconds. */
export const MAX_WINDOW_SECONDS = 366 * 86_400;
/** The largest `limit` a policy may have. */
export const MAX_LIMIT = 1_000_000_000;

/** A policy name: a letter or digit, then up to 63 letters, digits, `_`, `.` or `-` (safe in RateLimit headers). */
const POLICY_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Builds the error of one caller's context from the field at fault and what is wrong with it. */
export type PolicyError = (field: string, problem: string) => KeygateError;

/**
 * Checks a list of policies and returns a frozen copy: at most `maxPolicies` of them, each exactly
 * `{ name, limit, windowSeconds }`, names following the one naming rule and unique within the list,
 * `limit` from 1 to 1,000,000,000 and `windowSeconds` from 1 to 366 days. Throws `error(field, problem)`.
 *
 * @example
 * ```ts
 * checkPolicies([{ name: 'burst', limit: 10, windowSeconds: 1 }], 'rateLimits', invalidInput);
 * ```
 */
export function checkPolicies(
  value: unknown,
  where: string,
  error: PolicyError,
  maxPolicies = Number.POSITIVE_INFINITY,
): readonly RateLimitPolicy[] {
  if (!Array.isArray(value) || value.length > maxPolicies) {
    const most = Number.isFinite(maxPolicies) ? ` of at most ${maxPolicies}` : '';
    throw error(where, `must be an array${most} of { name, limit, windowSeconds }`);
  }
  const names = new Set<string>();
  return Object.freeze(
    value.map((policy: unknown, i) => {
      const at = `${where}[${i}]`;
      if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
        throw error(at, 'must be an object { name, limit, windowSeconds }');
      }
      const { name, limit, windowSeconds, ...rest } = policy as Record<string, unknown>;
      const extra = Object.keys(rest)[0];
      if (extra !== undefined) {
        throw error(
          isSafeToEcho(extra) ? `${at}.${extra}` : at,
          `has an unknown field: ${quoteSafely(extra, '(name not shown)')}`,
        );
      }
      if (typeof name !== 'string' || !POLICY_NAME_RE.test(name)) {
        throw error(`${at}.name`, "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
      }
      if (names.has(name)) throw error(`${at}.name`, `repeats the policy name "${name}"`);
      names.add(name);
      return Object.freeze({
        name,
        limit: whole(limit, MAX_LIMIT, `${at}.limit`, error),
        windowSeconds: whole(windowSeconds, MAX_WINDOW_SECONDS, `${at}.windowSeconds`, error),
      });
    }),
  );
}

function whole(value: unknown, max: number, field: string, error: PolicyError): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw error(
      field,
      `must be an integer from 1 to ${max} (received ${typeof value === 'number' ? value : typeof value})`,
    );
  }
  return value;
}
