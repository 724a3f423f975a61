// Refusals a remote limiter answered, remembered so that requests it would certainly refuse again
// are refused here, without a round trip.
//
// Why this is exact: a GCRA refusal reports each policy's TAT. Only admitted requests move a TAT,
// and only later (no instance can move it earlier; an expired key is a TAT already passed), so the
// TATs of the refusal are a lower bound of the subject's TATs from then on. Measured from the local
// time `since` the call was sent (no later than the store decided), that lower bound is still one
// on this process's clock. Whatever request that lower bound refuses, the store would refuse too;
// anything else goes to the store. An entry belongs to one subject under one policy definition
// (name, limit, window of each policy, in order): a changed policy, such as a raised limit, has a
// key of its own and is never held back by a refusal under the old one.
import { decide, waitFor } from './decision.js';
import type { RateLimitDecision } from './limiter.js';
import type { PolicyPlan } from './policy-plan.js';

// What one refusal proves: from local time `since` (ms), each TAT at least `tats[i]` µs later.
interface Refusal {
  readonly since: number;
  readonly tats: readonly number[];
  // The cost refused, and the local time (ms) from which it might pass; the entry is dropped then.
  readonly cost: number;
  readonly until: number;
}

/** The key of a subject's refusals under a plan's definitions (a definition holds no NUL: JSON escapes it). */
export function denyKeyOf(subject: string, plan: PolicyPlan): string {
  return `${subject}\u0000${plan.definition}`;
}

/** A bounded map of refusals, by subject and policy definition (see {@link denyKeyOf}). */
export class DenyCache {
  readonly #entries = new Map<string, Refusal>();
  readonly #max: number;

  /** `max`: most refusals remembered at once; past it the oldest is forgotten (which costs a round trip, never a wrong answer). */
  constructor(max: number) {
    this.#max = max;
  }

  /** How many refusals are remembered now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The refusal of a request of `cost` at local time `now` (ms) that a remembered refusal proves,
   * or undefined when the store must decide. Forgets an entry once its refused request might pass.
   */
  refuse(key: string, plan: PolicyPlan, cost: number, now: number): RateLimitDecision | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.until) {
      this.#entries.delete(key);
      return undefined;
    }
    // Rounded up: the later the clock reads, the lower the TATs look, so no request is held back.
    const elapsed = Math.ceil((now - entry.since) * 1000);
    const decision = decide(plan, entry.tats as number[], elapsed, cost, false);
    return decision.allowed ? undefined : decision;
  }

  /**
   * Remembers the TATs (µs after the store's now) that the store reported for a call sent at local
   * time `since` (ms): as a refusal of `cost` when the call was refused, or else as newer TATs of
   * an existing entry (whose cost may pass by then: the entry is dropped).
   */
  remember(key: string, plan: PolicyPlan, since: number, tats: readonly number[], refusedCost?: number): void {
    const entries = this.#entries;
    const cost = refusedCost ?? entries.get(key)?.cost;
    if (cost === undefined) return;
    const wait = waitFor(plan, tats, 0, cost);
    if (wait <= 0) {
      entries.delete(key);
      return;
    }
    if (entries.size >= this.#max && !entries.has(key)) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    entries.set(key, { since, tats: [...tats], cost, until: since + wait / 1000 });
  }
}
