// The limiter calls of one event-loop turn and one hash slot, sent as one run of the GCRA script
// (./gcra.lua.ts) and decided from its reply exactly as if each had been sent alone, in order, at
// the instant the script ran.
import { KeygateError } from '../../errors.js';
import { decide } from '../decision.js';
import { type DenyCache, denyKeyOf } from '../deny-cache.js';
import type { RateLimitDecision } from '../limiter.js';
import type { PolicyPlan } from '../policy-plan.js';

/** One limiter call waiting for its batch. */
export interface QueuedCall {
  /** The subject, or for a linked call (consumeAll) the identity of its subjects. */
  readonly subject: string;
  /** A linked call's Redis keys, one per policy of its plan; else each is `keyOf(subject, policy)`. */
  readonly keys: readonly string[] | undefined;
  readonly plan: PolicyPlan;
  readonly cost: number;
  /** True for `check`: decided, never counted. */
  readonly dry: boolean;
  /** The call's deny-cache key, when already built. */
  readonly denyKey: string | undefined;
  readonly resolve: (decision: RateLimitDecision) => void;
  readonly reject: (error: unknown) => void;
}

// The calls on one subject under one policy definition, in the order made: the script reads the
// subject's TATs once, decides the calls one after the other, and writes the TATs once.
interface Group {
  readonly subject: string;
  readonly keys: readonly string[] | undefined;
  readonly plan: PolicyPlan;
  readonly calls: QueuedCall[];
}

/** The calls of one turn for one hash slot, grouped per subject and policy definition, in order. */
export class RateLimitBatch {
  readonly #groups: Group[] = [];
  // The latest group of each subject once there are two groups (a batch of one subject needs no map).
  #latest: Map<string, Group> | undefined;
  // Whether a linked call (consumeAll) was added.
  #linked = false;

  /**
   * Adds a call at the end of the batch: to the latest group of its subject when its policies are
   * defined alike, else as a new group after it, so that the calls on a subject keep their order.
   */
  add(call: QueuedCall): void {
    const groups = this.#groups;
    const last = groups[groups.length - 1];
    // Linked calls share keys across subjects (an owner's): once the batch holds one, a call joins
    // only the last group, so that no call is decided before one made earlier on the same keys.
    const latest = last?.subject === call.subject ? last : this.#linked ? undefined : this.#latest?.get(call.subject);
    if (call.keys !== undefined) this.#linked = true;
    if (latest !== undefined && (latest.plan === call.plan || latest.plan.definition === call.plan.definition)) {
      latest.calls.push(call);
      return;
    }
    const group: Group = { subject: call.subject, keys: call.keys, plan: call.plan, calls: [call] };
    if (last !== undefined && this.#latest === undefined) this.#latest = new Map([[last.subject, last]]);
    this.#latest?.set(call.subject, group);
    groups.push(group);
  }

  /** The script's arguments: the key count, KEYS, then ARGV (see ./gcra.lua.ts). */
  args(keyOf: (subject: string, policyName: string) => string): (string | number)[] {
    const keys: (string | number)[] = [0];
    const argv: number[] = [];
    for (const { subject, keys: linked, plan, calls } of this.#groups) {
      const { names, intervals, tolerances } = plan;
      argv.push(names.length);
      for (let i = 0; i < names.length; i++) {
        keys.push(linked === undefined ? keyOf(subject, names[i] as string) : (linked[i] as string));
        argv.push(intervals[i] as number, tolerances[i] as number);
      }
      argv.push(calls.length);
      for (const call of calls) argv.push(call.dry ? -1 - call.cost : call.cost);
    }
    keys[0] = keys.length - 1;
    for (const value of argv) keys.push(value);
    return keys;
  }

  /**
   * Decides every call from the script's reply (each group's TATs before its first call, in µs
   * after the script's `TIME`), in order, and remembers each refusal in `deny` as of local time
   * `since` (ms, taken before sending).
   */
  settle(reply: unknown, since: number, deny: DenyCache | undefined): void {
    const values = typeof reply === 'number' ? [reply] : reply;
    let expected = 0;
    for (const group of this.#groups) expected += group.plan.names.length;
    if (!Array.isArray(values) || values.length !== expected) {
      this.fail(new KeygateError('store_unavailable', 'keygate: unexpected reply from the rate-limit script.'));
      return;
    }
    let at = 0;
    for (const { subject, plan, calls } of this.#groups) {
      const count = plan.names.length;
      const tats = new Array<number>(count);
      for (let i = 0; i < count; i++) tats[i] = Number(values[at++]);
      let refused: number | undefined;
      for (const call of calls) {
        const decision = decide(call.plan, tats, 0, call.cost, !call.dry);
        if (!decision.allowed) refused = call.cost;
        call.resolve(decision);
      }
      // The group's TATs after its calls: a refusal to remember, or newer TATs for one remembered.
      if (deny !== undefined && (refused !== undefined || deny.size > 0)) {
        deny.remember(calls[0]?.denyKey ?? denyKeyOf(subject, plan), plan, since, tats, refused);
      }
    }
  }

  /** Rejects every call with `error`. */
  fail(error: unknown): void {
    for (const group of this.#groups) for (const call of group.calls) call.reject(error);
  }
}
