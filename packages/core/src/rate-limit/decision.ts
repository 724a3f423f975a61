// Turns per-policy GCRA state into a RateLimitDecision. The in-memory limiter and the Redis
// limiter (whose Lua script returns untilFull and wait per policy) describe policies alike here.
import type { RateLimitPolicy } from '../record.js';
import { burstTolerance, emissionInterval, MICROS, remainingUnits, resetSeconds } from './gcra.js';
import { NONE_VIOLATED, type PolicyState, type RateLimitDecision } from './limiter.js';

/** Collects the state of each policy of one decision, then the decision itself. */
export class DecisionBuilder {
  readonly #states: PolicyState[];
  #wait = 0;
  #violated: string[] | undefined;

  constructor(policyCount: number) {
    this.#states = new Array<PolicyState>(policyCount);
  }

  /**
   * Describes policy `i`: `untilFull` = its TAT after the decision minus now, `wait` = how long
   * it holds back a denied request (0 when it admits), both in microseconds.
   */
  add(i: number, policy: RateLimitPolicy, untilFull: number, wait: number): void {
    const interval = emissionInterval(policy);
    const tolerance = burstTolerance(policy, interval);
    if (wait > 0) {
      this.#violated ??= [];
      this.#violated.push(policy.name);
      if (wait > this.#wait) this.#wait = wait;
    }
    const remaining = remainingUnits(untilFull, interval, tolerance);
    this.#states[i] = { policy, remaining, resetSeconds: resetSeconds(untilFull, remaining, interval, tolerance) };
  }

  /** The decision; a denial waits for its slowest violated policy, at least one second. */
  finish(allowed: boolean): RateLimitDecision {
    return {
      allowed,
      policies: this.#states,
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(this.#wait / MICROS)),
      violated: this.#violated ?? NONE_VIOLATED,
    };
  }
}
