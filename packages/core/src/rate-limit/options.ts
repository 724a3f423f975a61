import { MAX_LIMIT, MAX_WINDOW_SECONDS } from '../key/rate-limit-policy.js';
import type { RateLimitPolicy } from '../key/record.js';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import type { RateLimiter } from './limiter.js';
import { MemoryRateLimiter } from './memory-limiter.js';
import { type PolicySet, resolveEnvironmentPolicies, resolvePolicySet } from './policy-sets.js';

import {
  type OwnerLimitOptions,
  type RateLimitSubject,
  type ResolvedOwnerLimits,
  resolveOwnerLimits,
  resolveSubject,
} from './subject-options.js';

export { type PolicySet, policySet, resolvePolicySet } from './policy-sets.js';

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

/**
 * Rate limiting of authenticated requests, per key, plus a per-IP guard on failed authentications
 * (the `rateLimit` option of the adapters). Checked when the middleware is built: an invalid value
 * throws `invalid_options`; an unknown name is reported once with `console.warn`.
 */
export interface RateLimitOptions {
  /** Where counters live. Default: a new `MemoryRateLimiter` (this process only); use `RedisRateLimiter` to share limits across instances. */
  limiter?: RateLimiter;
  /** Policies for keys whose record has no `rateLimits` (a record's non-null list replaces them; `[]` exempts the key). Default none. */
  defaults?: readonly RateLimitPolicy[];
  /**
   * Default policies per environment (the instance's `environments` option), e.g. lower limits for
   * `test` keys: a key's own `rateLimits` still win, then its environment's list here, then
   * `defaults`. Each list follows the rules of `defaults`. Default none.
   */
  environments?: { readonly [environment: string]: readonly RateLimitPolicy[] };
  /**
   * Who a key's policies count: `'key'` (per key lineage: a rotated key continues its predecessor's
   * counters), `'owner'` (all keys of an owner share them) or `(key, request) => string` (a custom
   * subject from the key and the request's context). Default `'key'`.
   */
  subject?: RateLimitSubject;
  /**
   * Owner-level limits, counted per owner on top of the key's own: a request passes only when both
   * admit it, and a refusal counts on neither. A list (every owner's policies) or
   * `{ defaults, environments }` (per environment, like the key-level lists, counted per owner and
   * environment). Needs a limiter with `consumeAll` (both built-in ones have it). Default none.
   */
  owner?: readonly RateLimitPolicy[] | OwnerLimitOptions;
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

/** Options after validation, with defaults applied. */
export interface ResolvedRateLimitOptions {
  readonly limiter: RateLimiter;
  readonly defaults: PolicySet | undefined;
  /** Default policies per environment name. */
  readonly environments: ReadonlyMap<string, PolicySet>;
  readonly subject: RateLimitSubject;
  /** Owner-level limits; undefined when there are none. */
  readonly owner: ResolvedOwnerLimits | undefined;
  readonly cost: number;
  readonly failedAuth: { readonly limiter: RateLimiter; readonly policies: PolicySet } | undefined;
  readonly onStoreError: StoreErrorPolicy;
  readonly legacyHeaders: boolean;
  readonly warn: (message: string, error?: unknown) => void;
}

/** Name of the failed-authentication policy, as shown in its 429. */
export const FAILED_AUTH_POLICY_NAME = 'failed-auth';

// The rate-limit options are part of the authentication middleware's; a policy list may be another entry point's.
const check: OptionChecks = optionChecks('authentication options');
const RATE_LIMIT_OPTION_NAMES = optionNames<RateLimitOptions>({
  limiter: true,
  defaults: true,
  environments: true,
  subject: true,
  owner: true,
  cost: true,
  failedAuth: true,
  onStoreError: true,
  legacyHeaders: true,
  warn: true,
});
const FAILED_AUTH_OPTION_NAMES = optionNames<FailedAuthLimitOptions>({
  limit: true,
  windowSeconds: true,
  limiter: true,
});

/** Validates rate-limit options once and applies defaults; throws `invalid_options` naming the bad field. */
export function resolveRateLimitOptions(options: RateLimitOptions): ResolvedRateLimitOptions {
  check.object('rateLimit', options, RATE_LIMIT_OPTION_NAMES);
  const limiter = options.limiter ?? new MemoryRateLimiter();
  assertLimiter(limiter, 'rateLimit.limiter');
  const defaults =
    options.defaults === undefined ? undefined : resolvePolicySet(options.defaults, 'rateLimit.defaults', check);
  const owner = resolveOwnerLimits(options.owner, check);
  if (owner !== undefined && typeof limiter.consumeAll !== 'function') {
    check.fail(
      '`rateLimit.limiter` must implement consumeAll for owner-level limits (`rateLimit.owner`), as MemoryRateLimiter and RedisRateLimiter do.',
      'rateLimit.limiter',
    );
  }
  return Object.freeze({
    limiter,
    defaults,
    environments: resolveEnvironmentPolicies(options.environments, 'rateLimit.environments', check),
    subject: resolveSubject(options.subject, check),
    owner,
    cost: check.integer('rateLimit.cost', options.cost, { min: 1, max: MAX_LIMIT, default: 1 }),
    failedAuth: resolveFailedAuth(options.failedAuth, limiter),
    onStoreError: check.oneOf<StoreErrorPolicy>(
      'rateLimit.onStoreError',
      options.onStoreError,
      ['open', 'closed'],
      'open',
    ),
    legacyHeaders: check.boolean('rateLimit.legacyHeaders', options.legacyHeaders, false),
    warn: check.function('rateLimit.warn', options.warn, (message: string, error?: unknown) =>
      console.warn(message, error ?? ''),
    ),
  });
}

function resolveFailedAuth(
  options: RateLimitOptions['failedAuth'],
  limiter: RateLimiter,
): ResolvedRateLimitOptions['failedAuth'] {
  if (options === false) return undefined;
  const given =
    options === undefined
      ? {}
      : check.object<FailedAuthLimitOptions>('rateLimit.failedAuth', options, FAILED_AUTH_OPTION_NAMES);
  const guardLimiter = given.limiter ?? limiter;
  assertLimiter(guardLimiter, 'rateLimit.failedAuth.limiter');
  const policy = {
    name: FAILED_AUTH_POLICY_NAME,
    limit: check.integer('rateLimit.failedAuth.limit', given.limit, { min: 1, max: MAX_LIMIT, default: 10 }),
    windowSeconds: check.integer('rateLimit.failedAuth.windowSeconds', given.windowSeconds, {
      min: 1,
      max: MAX_WINDOW_SECONDS,
      default: 60,
    }),
  };
  return Object.freeze({ limiter: guardLimiter, policies: resolvePolicySet([policy], 'rateLimit.failedAuth', check) });
}

function assertLimiter(limiter: RateLimiter, where: string): void {
  if (typeof limiter?.consume !== 'function' || typeof limiter.check !== 'function') {
    check.fail(
      `\`${where}\` must implement RateLimiter (e.g. new MemoryRateLimiter() or new RedisRateLimiter({ client })).`,
      where,
    );
  }
}
