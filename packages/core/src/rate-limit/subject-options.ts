// Who a limit counts: the `subject` and `owner` rate-limit options, checked once.
import type { RequestContext } from '../events.js';
import type { ApiKey, RateLimitPolicy } from '../key/record.js';
import { type OptionChecks, optionNames } from '../options.js';
import { type PolicySet, resolveEnvironmentPolicies, resolvePolicySet } from './policy-sets.js';

/**
 * Who a key's policies count: `'key'`, per key lineage (a rotated key continues its predecessor's
 * counters); `'owner'`, per owner (all keys of an owner share them); or a function of the key and
 * the request's context (route, client IP, user agent: what audit events carry) returning a
 * subject of 1-256 characters. Its result is namespaced, so that it never names the counters of a
 * key or an owner; a throw or any other result refuses the request with a 500.
 */
export type RateLimitSubject = 'key' | 'owner' | ((key: ApiKey, request: RequestContext) => string);

/** Owner-level limits, counted per owner on top of the key's own (a request must pass both). */
export interface OwnerLimitOptions {
  /** Policies of every owner. Default none. */
  defaults?: readonly RateLimitPolicy[];
  /** Policies per environment instead of `defaults` (for the keys of that environment, counted apart). Default none. */
  environments?: { readonly [environment: string]: readonly RateLimitPolicy[] };
}

/** Owner-level limits after validation. */
export interface ResolvedOwnerLimits {
  readonly defaults: PolicySet | undefined;
  readonly environments: ReadonlyMap<string, PolicySet>;
}

const OWNER_OPTION_NAMES = optionNames<OwnerLimitOptions>({ defaults: true, environments: true });

/** `rateLimit.subject`: `'key'` (the default), `'owner'` or a function. */
export function resolveSubject(value: unknown, check: OptionChecks): RateLimitSubject {
  if (typeof value === 'function') return value as RateLimitSubject;
  return check.oneOf<'key' | 'owner'>('rateLimit.subject', value, ['key', 'owner'], 'key');
}

/**
 * `rateLimit.owner`: a policy list (the defaults of every owner) or `{ defaults, environments }`.
 * Undefined when there is none, so that the request path does not look for them.
 */
export function resolveOwnerLimits(value: unknown, check: OptionChecks): ResolvedOwnerLimits | undefined {
  if (value === undefined) return undefined;
  const given: OwnerLimitOptions = Array.isArray(value)
    ? { defaults: value }
    : check.object<OwnerLimitOptions>('rateLimit.owner', value, OWNER_OPTION_NAMES);
  const where = Array.isArray(value) ? 'rateLimit.owner' : 'rateLimit.owner.defaults';
  const defaults = given.defaults === undefined ? undefined : resolvePolicySet(given.defaults, where, check);
  const environments = resolveEnvironmentPolicies(given.environments, 'rateLimit.owner.environments', check);
  const none = (defaults === undefined || defaults.policies.length === 0) && environments.size === 0;
  return none ? undefined : Object.freeze({ defaults, environments });
}
