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
