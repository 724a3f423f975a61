// Policy lists of the options, checked by the one policy rule (../key/rate-limit-policy.ts) and
// compiled once: the `defaults`, the per-environment lists, the owner-level lists.
import { ENVIRONMENT_NAME_RULE, isEnvironmentName } from '../key/environment.js';
import { checkPolicies } from '../key/rate-limit-policy.js';
import type { RateLimitPolicy } from '../key/record.js';
import { type OptionChecks, optionChecks } from '../options.js';
import { formatRateLimitPolicy } from './headers.js';

/** A validated, frozen list of policies with its `RateLimit-Policy` header value. */
export interface PolicySet {
  readonly policies: readonly RateLimitPolicy[];
  readonly policyHeader: string;
}

const plain: OptionChecks = optionChecks();

/**
 * Checks a policy list of the options by the one policy rule (see checkPolicies) and compiles it;
 * `where` names the list in messages, `checks` the entry point.
 */
export function resolvePolicySet(policies: unknown, where: string, checks: OptionChecks = plain): PolicySet {
  return policySet(checkPolicies(policies, where, (field, problem) => checks.fail(`\`${field}\` ${problem}.`, where)));
}

/** A checked policy list with its `RateLimit-Policy` header value, frozen. */
export function policySet(policies: readonly RateLimitPolicy[]): PolicySet {
  return Object.freeze({ policies, policyHeader: formatRateLimitPolicy(policies) });
}

/** Environment names to policy lists (e.g. `rateLimit.environments`), each by the one policy rule. */
export function resolveEnvironmentPolicies(
  value: unknown,
  where: string,
  checks: OptionChecks,
): ReadonlyMap<string, PolicySet> {
  const map = new Map<string, PolicySet>();
  if (value === undefined) return map;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    checks.fail(`\`${where}\` must map environment names to policy lists.`, where);
  }
  for (const [name, policies] of Object.entries(value)) {
    if (!isEnvironmentName(name)) {
      checks.fail(`\`${where}\` keys must be environment names matching ${ENVIRONMENT_NAME_RULE}.`, where);
    }
    map.set(name, resolvePolicySet(policies, `${where}.${name}`, checks));
  }
  return map;
}
