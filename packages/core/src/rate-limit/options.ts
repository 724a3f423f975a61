import { KeygateError } from '../errors.js';
import type { RateLimitPolicy } from '../key/record.js';
import { formatRateLimitPolicy } from './headers.js';
import { MAX_LIMIT, MAX_WINDOW_SECONDS, type RateLimiter } from './limiter.js';
import { MemoryRateLimiter } from './memory-limiter.js';

/** What to do when the limiter's store (e.g. Redis) fails or times out. */
export type StoreErrorPolicy = 'open' | 'closed';

/** The per-IP guard on failed authentications. */
export interface FailedAuthLimitOptions {
  /** Failed authentications allowed per IP in a burst and per window. Default 10. */
  limit?: number;
  /** The window of `limit`, in seconds. Default 60 (then one more failure per 6 s). */
  windowSeconds?: number;
  /** Where failures are counted. Default: the main `limiter`. */
  limiter?: RateLimiter;
}

/** Rate limiting of authenticated requests, per key, plus a per-IP guard on failed authentications. */
export interface RateLimitOptions {
  /** Where counters live. Default: a new `MemoryRateLimiter` (this process only); use `RedisRateLimiter` to share limits across instances. */
  limiter?: RateLimiter;
  /** Policies for keys whose record has no `rateLimits` (a record's non-null list replaces them; `[]` exempts the key). Default none. */
  defaults?: readonly RateLimitPolicy[];
  /** Units each authenticated request consumes from every policy. Default 1. */
  cost?: number;
  /**
   * Counts failed authentications (401: invalid, expired or revoked key; 403: a valid key used from
   * outside its IP allowlist) per client IP and, once
   * over the limit, answers 429 before any store lookup or hashing. `false` turns it off.
   * Default `{ limit: 10, windowSeconds: 60 }` on `limiter`.
   */
  failedAuth?: false | FailedAuthLimitOptions;
  /**
   * What happens while the limiter's store fails or times out. Default `'open'`: requests pass
   * without rate limits, because authentication still applies in full (keys are checked against
   * the key store, hashing stays bounded by core's own failure and KDF limits) and only the limits
   * lapse, so a cache outage does not become an API outage. `'closed'` answers 503 instead, for
   * APIs where an unmetered request costs more than a refused one.
   */
  onStoreError?: StoreErrorPolicy;
  /** Also send `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds). Default false. */
  legacyHeaders?: boolean;
  /** Receives one warning per store outage and one notice when it recovers; never a key. Default `console.warn`. */
  warn?: (message: string, error?: unknown) => void;
}

/** A validated, frozen list of policies with its `RateLimit-Policy` header value. */
export interface PolicySet {
  readonly policies: readonly RateLimitPolicy[];
  readonly policyHeader: string;
}

/** Options after validation, with defaults applied. */
export interface ResolvedRateLimitOptions {
  readonly limiter: RateLimiter;
  readonly defaults: PolicySet | undefined;
  readonly cost: number;
  readonly failedAuth: { readonly limiter: RateLimiter; readonly policies: PolicySet } | undefined;
  readonly onStoreError: StoreErrorPolicy;
  readonly legacyHeaders: boolean;
  readonly warn: (message: string, error?: unknown) => void;
}

/** Name of the failed-authentication policy, as shown in its 429. */
export const FAILED_AUTH_POLICY_NAME = 'failed-auth';

const POLICY_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Validates rate-limit options once and applies defaults; throws `invalid_options` naming the bad field. */
export function resolveRateLimitOptions(options: RateLimitOptions): ResolvedRateLimitOptions {
  if (typeof options !== 'object' || options === null) fail('`rateLimit` must be an options object.');
  const limiter = options.limiter ?? new MemoryRateLimiter();
  assertLimiter(limiter, 'rateLimit.limiter');
  const defaults =
    options.defaults === undefined ? undefined : resolvePolicySet(options.defaults, 'rateLimit.defaults');
  const cost = options.cost ?? 1;
  if (!Number.isInteger(cost) || cost < 1 || cost > MAX_LIMIT) {
    fail(`\`rateLimit.cost\` must be a positive integer (received ${String(cost)}).`);
  }
  const onStoreError = options.onStoreError ?? 'open';
  if (onStoreError !== 'open' && onStoreError !== 'closed') {
    fail(`\`rateLimit.onStoreError\` is 'open' or 'closed' (received ${String(onStoreError)}).`);
  }
  const warn = options.warn ?? ((message: string, error?: unknown) => console.warn(message, error ?? ''));
  if (typeof warn !== 'function') fail('`rateLimit.warn` must be a function.');
  return Object.freeze({
    limiter,
    defaults,
    cost,
    failedAuth: resolveFailedAuth(options.failedAuth, limiter),
    onStoreError,
    legacyHeaders: options.legacyHeaders === true,
    warn,
  });
}

/** Validates a policy list (names unique, header-safe; limits and windows positive integers) and freezes a copy. */
export function resolvePolicySet(policies: unknown, where: string): PolicySet {
  if (!Array.isArray(policies)) fail(`\`${where}\` must be an array of { name, limit, windowSeconds }.`);
  const seen = new Set<string>();
  const resolved = policies.map((policy: Partial<RateLimitPolicy> | null, i: number) => {
    const at = `${where}[${i}]`;
    if (typeof policy !== 'object' || policy === null) fail(`\`${at}\` must be { name, limit, windowSeconds }.`);
    const { name, limit, windowSeconds } = policy;
    if (typeof name !== 'string' || !POLICY_NAME_RE.test(name)) {
      fail(`\`${at}.name\` must be 1-64 letters, digits, '_', '.' or '-' (received ${JSON.stringify(name)}).`);
    }
    if (seen.has(name)) fail(`\`${at}.name\` repeats the policy name "${name}".`);
    seen.add(name);
    return Object.freeze({
      name,
      limit: integer(`${at}.limit`, limit, 1, MAX_LIMIT),
      windowSeconds: integer(`${at}.windowSeconds`, windowSeconds, 1, MAX_WINDOW_SECONDS),
    });
  });
  return Object.freeze({ policies: Object.freeze(resolved), policyHeader: formatRateLimitPolicy(resolved) });
}

function resolveFailedAuth(
  options: RateLimitOptions['failedAuth'],
  limiter: RateLimiter,
): ResolvedRateLimitOptions['failedAuth'] {
  if (options === false) return undefined;
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    fail('`rateLimit.failedAuth` must be false or { limit, windowSeconds, limiter }.');
  }
  const guardLimiter = options?.limiter ?? limiter;
  assertLimiter(guardLimiter, 'rateLimit.failedAuth.limiter');
  const policy = {
    name: FAILED_AUTH_POLICY_NAME,
    limit: integer('rateLimit.failedAuth.limit', options?.limit ?? 10, 1, MAX_LIMIT),
    windowSeconds: integer('rateLimit.failedAuth.windowSeconds', options?.windowSeconds ?? 60, 1, MAX_WINDOW_SECONDS),
  };
  return Object.freeze({ limiter: guardLimiter, policies: resolvePolicySet([policy], 'rateLimit.failedAuth') });
}

function assertLimiter(limiter: RateLimiter, where: string): void {
  if (typeof limiter?.consume !== 'function' || typeof limiter.check !== 'function') {
    fail(`\`${where}\` must implement RateLimiter (e.g. new MemoryRateLimiter() or new RedisRateLimiter({ client })).`);
  }
}

function integer(where: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`\`${where}\` must be an integer from ${min} to ${max} (received ${String(value)}).`);
  }
  return value;
}

function fail(message: string): never {
  throw new KeygateError('invalid_options', `keygate: ${message}`);
}
