// Who a request's limits count, asked by the rate-limit step per request. The subjects of each
// kind are namespaced so that no two kinds can name the same counters: a key lineage is a key id
// (letters and digits only); every other subject starts with a word and a ':' or '@', which no key
// id (nor client IP subject) holds: `owner:<owner>`, `custom:<what the function returned>`, and for
// owner-level limits `owner-limits:<owner>` or `owner-limits@<environment>:<owner>`.
import { KeygateError } from '../errors.js';
import type { RequestContext } from '../events.js';
import type { ApiKey } from '../key/record.js';
import {
  isRateLimitSubject,
  MAX_SUBJECT_LENGTH,
  type MaybePromise,
  type RateLimitDecision,
  type RateLimiter,
} from '../rate-limit/limiter.js';
import type { PolicySet } from '../rate-limit/policy-sets.js';
import type { RateLimitSubject, ResolvedOwnerLimits } from '../rate-limit/subject-options.js';

/** Longest subject a `rateLimit.subject` function may return. */
export const MAX_CUSTOM_SUBJECT_LENGTH = 256;

// Gives the key-level subject of a request, or throws a KeygateError (the request then gets a 500).
type SubjectOf = (key: ApiKey, request: RequestContext) => string;

// Control characters: unreadable in Redis keys and logs, and a custom subject never needs them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The key-level subject of the `subject` option, or undefined for `'key'`: the lineage, which the
 * step reads inline (`key.lineage || key.id`) so that the default path calls nothing.
 */
function keySubjectOf(subject: RateLimitSubject): SubjectOf | undefined {
  if (subject === 'key') return undefined;
  if (subject === 'owner') return (key) => checked(`owner:${key.owner}`, 'the key owner');
  return (key, request) => {
    let value: unknown;
    try {
      value = subject(key, request);
    } catch (error) {
      throw new KeygateError('invalid_options', 'keygate: the `rateLimit.subject` function threw.', { cause: error });
    }
    if (
      typeof value !== 'string' ||
      value.length === 0 ||
      value.length > MAX_CUSTOM_SUBJECT_LENGTH ||
      CONTROL.test(value)
    ) {
      throw new KeygateError(
        'invalid_options',
        `keygate: the \`rateLimit.subject\` function must return a string of 1-${MAX_CUSTOM_SUBJECT_LENGTH} characters without control characters (it returned ${shape(value)}).`,
      );
    }
    return `custom:${value}`;
  };
}

/** One limiter call for a request: the policies its decision shows, and the call. */
export interface Counting {
  readonly set: PolicySet;
  readonly call: () => MaybePromise<RateLimitDecision>;
}

/**
 * What to count for a key whose own policies are `set`, unless the options are the defaults
 * (`subject: 'key'`, no owner-level limits: undefined, the step counts inline). The key's policies
 * under its subject; with owner-level limits, the owner's policies too (its environment's list,
 * counted per owner and environment, or the defaults, per owner) in one `consumeAll` anchored on
 * the owner, or either alone when the other has none. Undefined when no policy applies. Throws a
 * KeygateError when a subject cannot be had (the request then gets a 500).
 */
export function subjectCounter(
  subject: RateLimitSubject,
  limits: ResolvedOwnerLimits | undefined,
  limiter: RateLimiter,
  cost: number,
): ((key: ApiKey, set: PolicySet | undefined, request: RequestContext) => Counting | undefined) | undefined {
  const subjectOf = keySubjectOf(subject);
  if (limits === undefined) {
    if (subjectOf === undefined) return undefined;
    return (key, set, request) => {
      if (set === undefined || set.policies.length === 0) return undefined;
      const keySubject = subjectOf(key, request);
      return { set, call: () => limiter.consume(keySubject, set.policies, cost) };
    };
  }
  const consumeAll = limiter.consumeAll as NonNullable<RateLimiter['consumeAll']>;
  const together = new WeakMap<PolicySet, WeakMap<PolicySet, PolicySet>>();
  const keySubject = (key: ApiKey, request: RequestContext): string =>
    subjectOf === undefined ? checked(key.lineage || key.id, 'the key lineage') : subjectOf(key, request);
  return (key, set, request) => {
    const environment = key.environment ?? undefined;
    const own = environment === undefined ? undefined : limits.environments.get(environment);
    const ownerSet = own ?? limits.defaults;
    const keyed = set !== undefined && set.policies.length > 0;
    if (ownerSet === undefined || ownerSet.policies.length === 0) {
      if (!keyed) return undefined;
      const subject = keySubject(key, request);
      return { set, call: () => limiter.consume(subject, set.policies, cost) };
    }
    const tag = own === undefined ? 'owner-limits:' : `owner-limits@${environment}:`;
    const ownerSubject = checked(`${tag}${key.owner}`, 'the key owner');
    if (!keyed) return { set: ownerSet, call: () => limiter.consume(ownerSubject, ownerSet.policies, cost) };
    const parts = [
      { subject: ownerSubject, policies: ownerSet.policies },
      { subject: keySubject(key, request), policies: set.policies },
    ];
    return { set: bothOf(together, ownerSet, set), call: () => consumeAll.call(limiter, parts, cost) };
  };
}

// A subject limiters accept, or the error refusing the request (a record's odd owner or lineage).
function checked(subject: string, what: string): string {
  if (isRateLimitSubject(subject)) return subject;
  throw new KeygateError(
    'store_unavailable',
    `keygate: ${what} cannot be a rate-limit subject (1-${MAX_SUBJECT_LENGTH} characters without NUL).`,
  );
}

// The policies of an owner-level list and a key's together, as one decision shows them: built once per pair.
function bothOf(
  cache: WeakMap<PolicySet, WeakMap<PolicySet, PolicySet>>,
  first: PolicySet,
  second: PolicySet,
): PolicySet {
  let inner = cache.get(first);
  if (inner === undefined) {
    inner = new WeakMap();
    cache.set(first, inner);
  }
  let set = inner.get(second);
  if (set === undefined) {
    set = Object.freeze({
      policies: Object.freeze([...first.policies, ...second.policies]),
      policyHeader: `${first.policyHeader}, ${second.policyHeader}`,
    });
    inner.set(second, set);
  }
  return set;
}

// What a function returned, without its text (it may hold anything).
function shape(value: unknown): string {
  if (typeof value !== 'string') return value === null ? 'null' : typeof value;
  return value.length === 0 ? 'an empty string' : `a string of ${value.length} characters`;
}
