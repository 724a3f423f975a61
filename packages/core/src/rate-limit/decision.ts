// The one GCRA decision of keygate, over every policy of a plan. The in-memory limiter decides
// here on its own state; the Redis limiter replays here, call by call, the steps its script took
// (../redis/gcra.lua.ts applies the same formulas inside Redis); the deny cache decides here on
// what it remembers of a refusal.
import { admits, MICROS, remainingUnits, resetSeconds, waitMicros } from './gcra.js';
import { NONE_VIOLATED, type PolicyState, type RateLimitDecision } from './limiter.js';
import type { PolicyPlan } from './policy-plan.js';

/**
 * Decides a request of `cost` at time `now` (µs) over every policy of `plan`: admitted only when
 * every policy admits it. `tats[i]` is policy i's TAT on the same clock (anything up to `now` is a
 * full bucket). When the request is counted (admitted, `commit`, cost above 0) each TAT advances
 * in place to max(tat, now) + cost·T; otherwise `tats` is left as it is.
 */
export function decide(
  plan: PolicyPlan,
  tats: number[],
  now: number,
  cost: number,
  commit: boolean,
): RateLimitDecision {
  const { policies, intervals, tolerances } = plan;
  const count = policies.length;
  let allowed = true;
  for (let i = 0; i < count && allowed; i++) {
    allowed = admits(tats[i] as number, now, cost, intervals[i] as number, tolerances[i] as number);
  }
  const counted = allowed && commit && cost > 0;
  const states = new Array<PolicyState>(count);
  let wait = 0;
  let violated: string[] | undefined;
  for (let i = 0; i < count; i++) {
    const interval = intervals[i] as number;
    const tolerance = tolerances[i] as number;
    let tat = Math.max(tats[i] as number, now);
    if (counted) {
      tat += cost * interval;
      tats[i] = tat;
    } else if (!allowed) {
      const policyWait = waitMicros(tat, now, cost, interval, tolerance);
      if (policyWait > 0) {
        violated ??= [];
        violated.push(plan.names[i] as string);
        if (policyWait > wait) wait = policyWait;
      }
    }
    const untilFull = tat - now;
    const remaining = remainingUnits(untilFull, interval, tolerance);
    states[i] = {
      policy: policies[i] as PolicyState['policy'],
      remaining,
      resetSeconds: resetSeconds(untilFull, remaining, interval, tolerance),
    };
  }
  // A denial waits for its slowest violated policy, at least one second.
  return {
    allowed,
    policies: states,
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(wait / MICROS)),
    violated: violated ?? NONE_VIOLATED,
  };
}

/** Microseconds from `now` until `tats` admits a request of `cost` (0 when it does now). */
export function waitFor(plan: PolicyPlan, tats: readonly number[], now: number, cost: number): number {
  let wait = 0;
  for (let i = 0; i < plan.policies.length; i++) {
    const policyWait = waitMicros(
      tats[i] as number,
      now,
      cost,
      plan.intervals[i] as number,
      plan.tolerances[i] as number,
    );
    if (policyWait > wait) wait = policyWait;
  }
  return wait;
}
