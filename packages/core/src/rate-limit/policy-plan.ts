// A policy list compiled once for the decisions over it: validated, with the GCRA constants of
// each policy and a string that identifies the definitions (for keys of caches that must tell a
// changed policy from the old one).

import { KeygateError } from '../errors.js';
import { checkPolicies } from '../key/rate-limit-policy.js';
import type { RateLimitPolicy } from '../key/record.js';
import { burstTolerance, emissionInterval } from './gcra.js';

/** A validated policy list with what every decision over it needs. */
export interface PolicyPlan {
  /** The policies, in the order given. */
  readonly policies: readonly RateLimitPolicy[];
  /** Each policy's name, in order. */
  readonly names: readonly string[];
  /** Each policy's emission interval T, in µs. */
  readonly intervals: readonly number[];
  /** Each policy's burst tolerance τ = limit·T, in µs. */
  readonly tolerances: readonly number[];
  /** The definitions (name, limit, window of each policy, in order): two lists are alike exactly when these are equal. */
  readonly definition: string;
}

// Plans of lists that cannot change (a frozen array of frozen policies), such as the rate-limit
// step's resolved lists: built once per list. Any other list is planned per call.
const plans = new WeakMap<readonly RateLimitPolicy[], PolicyPlan>();

/** The plan of `policies`; throws `invalid_input` for a list {@link checkPolicies} refuses. */
export function policyPlan(policies: readonly RateLimitPolicy[]): PolicyPlan {
  const cached = typeof policies === 'object' && policies !== null ? plans.get(policies) : undefined;
  if (cached !== undefined) return cached;
  checkPolicies(
    policies,
    'policies',
    (field, problem) => new KeygateError('invalid_input', `keygate: rate-limit \`${field}\` ${problem}.`),
  );
  const intervals = policies.map(emissionInterval);
  const plan: PolicyPlan = Object.freeze({
    policies,
    names: Object.freeze(policies.map((p) => p.name)),
    intervals: Object.freeze(intervals),
    tolerances: Object.freeze(policies.map((p, i) => burstTolerance(p, intervals[i] as number))),
    definition: JSON.stringify(policies.map((p) => [p.name, p.limit, p.windowSeconds])),
  });
  if (Object.isFrozen(policies) && policies.every((p) => Object.isFrozen(p))) plans.set(policies, plan);
  return plan;
}

// Linked plans of two plans (the rate-limit step's owner and key lists): built once per pair.
const pairs = new WeakMap<PolicyPlan, WeakMap<PolicyPlan, PolicyPlan>>();

/**
 * One plan over the policies of several plans, in order, for a decision over several subjects
 * (see RateLimiter.consumeAll): a policy name may then appear more than once. Its definition is
 * a list of the plans' definitions, so it never equals the definition of a plain plan.
 */
export function linkedPlan(plans: readonly PolicyPlan[]): PolicyPlan {
  const [first, second] = plans;
  const cached = plans.length === 2 ? pairs.get(first as PolicyPlan)?.get(second as PolicyPlan) : undefined;
  if (cached !== undefined) return cached;
  const plan: PolicyPlan = Object.freeze({
    policies: Object.freeze(plans.flatMap((p) => p.policies)),
    names: Object.freeze(plans.flatMap((p) => p.names)),
    intervals: Object.freeze(plans.flatMap((p) => p.intervals)),
    tolerances: Object.freeze(plans.flatMap((p) => p.tolerances)),
    definition: `[${plans.map((p) => p.definition).join(',')}]`,
  });
  if (plans.length === 2) {
    let inner = pairs.get(first as PolicyPlan);
    if (inner === undefined) {
      inner = new WeakMap();
      pairs.set(first as PolicyPlan, inner);
    }
    inner.set(second as PolicyPlan, plan);
  }
  return plan;
}
