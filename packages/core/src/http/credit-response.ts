// What a route that costs credits answers: the allowances as quota policies in the RateLimit
// headers of draft-ietf-httpapi-ratelimit-headers (`credits` for the owner's, `key-credits` for the
// key's own), and a 429 `quota-exceeded` problem naming the allowance when it cannot pay.
import { refillPeriodSeconds } from '../credits/allowance.js';
import type { AppliedAllowance } from '../credits/ledger.js';
import { type ProblemResponse, problem } from './problem.js';
import { QUOTA_EXCEEDED_TYPE } from './rate-limit-problem.js';

/** The quota policy name of an allowance in the RateLimit headers and a 429's `violated-policies`. */
export function creditPolicyName(allowance: AppliedAllowance['allowance']): string {
  return allowance === 'owner' ? 'credits' : 'key-credits';
}

/**
 * `ratelimit-policy` and `ratelimit` values for the allowances, e.g.
 * `"credits";q=10000;w=2678400` and `"credits";r=9995;t=86400`: `q` is the refill amount (the
 * units left, without a refill), `w` and `t` the refill period and the seconds until the next one.
 */
export function creditHeaders(applied: readonly AppliedAllowance[], now: number): Record<string, string> {
  const policies: string[] = [];
  const states: string[] = [];
  for (const { allowance, state } of applied) {
    const name = `"${creditPolicyName(allowance)}"`;
    const { refill, refillAt } = state;
    if (refill === null || refillAt === null) {
      policies.push(`${name};q=${state.remaining}`);
      states.push(`${name};r=${state.remaining}`);
    } else {
      policies.push(`${name};q=${refill.amount};w=${refillPeriodSeconds(refill, refillAt)}`);
      states.push(`${name};r=${state.remaining};t=${secondsUntil(refillAt, now)}`);
    }
  }
  return policies.length === 0 ? {} : { 'ratelimit-policy': policies.join(', '), ratelimit: states.join(', ') };
}

/**
 * 429 for a request its allowance cannot pay: the `quota-exceeded` problem naming the allowance,
 * with the cost, the credits left and the next refill (`Retry-After` until then, when it refills).
 */
export function creditsExhaustedProblem(
  refusedBy: AppliedAllowance | undefined,
  applied: readonly AppliedAllowance[],
  cost: number,
  now: number,
): ProblemResponse {
  const headers = creditHeaders(applied, now);
  if (refusedBy === undefined) {
    return problem(429, 'quota_exceeded', 'This route costs credits and no credit allowance is set.', headers, {
      type: QUOTA_EXCEEDED_TYPE,
      title: 'Request cannot be satisfied as assigned quota has been exceeded',
      'violated-policies': ['credits'],
      allowance: 'owner',
      cost,
      remaining: 0,
      refillAt: null,
    });
  }
  const { allowance, state } = refusedBy;
  const refillAt = state.refillAt;
  if (refillAt !== null) headers['retry-after'] = String(Math.max(1, secondsUntil(refillAt, now)));
  const when = refillAt === null ? '' : ` It refills at ${new Date(refillAt).toISOString()}.`;
  const whose = allowance === 'owner' ? "The owner's credit allowance" : "This key's credit allowance";
  return problem(
    429,
    'quota_exceeded',
    `${whose} holds ${state.remaining} credits; this request costs ${cost}.${when}`,
    headers,
    {
      type: QUOTA_EXCEEDED_TYPE,
      title: 'Request cannot be satisfied as assigned quota has been exceeded',
      'violated-policies': [creditPolicyName(allowance)],
      allowance,
      cost,
      remaining: state.remaining,
      refillAt: refillAt === null ? null : new Date(refillAt).toISOString(),
    },
  );
}

function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}
