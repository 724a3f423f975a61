import type { RateLimitPolicy } from '../key/record.js';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import { decide } from './decision.js';
import {
  assertCost,
  assertParts,
  EMPTY_DECISION,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPart,
} from './limiter.js';
import { linkedPlan, type PolicyPlan, policyPlan } from './policy-plan.js';

/** Options of {@link MemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /**
   * Most subjects tracked at once; past it an idle or long-unused one is dropped. Default 100 000
   * (a few tens of MB at most). The later parts of `consumeAll` calls have a bound of their own, the same.
   */
  maxEntries?: number;
  /** A clock in milliseconds from any origin that never goes backwards, for tests. Default `performance.now`. */
  now?: () => number;
}

// One subject: the TAT (µs) of each policy it was counted under, names[i] holding tats[i]; the
// plan it was last decided over, whose policies come first and in order (so a decision reads and
// advances `tats` in place); the latest TAT (after which the whole entry is idle, equivalent to no
// entry at all, and may be dropped); and whether it was used since it last reached the cold end
// (second-chance eviction: an access sets a flag instead of reordering the map).
interface Entry {
  idleAt: number;
  used: boolean;
  plan: PolicyPlan;
  names: string[];
  tats: number[];
}

const check: OptionChecks = optionChecks('MemoryRateLimiter');
const OPTION_NAMES = optionNames<MemoryRateLimiterOptions>({ maxEntries: true, now: true });

// How many idle entries an insertion may drop from the cold end, so the map shrinks back as traffic moves on.
const SWEEP_PER_INSERT = 2;
// How many recently used entries an eviction may move back to the warm end before it evicts one anyway.
const SECOND_CHANCES = 8;

/**
 * A {@link RateLimiter} in this process's memory: exact and synchronous, for single-instance apps
 * and tests. Memory is bounded (LRU over subjects, idle subjects swept as new ones arrive) and
 * nothing runs in the background: no timer per key, no timer at all. Eviction is second-chance
 * (CLOCK), an approximation of least-recently-used that costs an access one flag write.
 * The adapters' `rateLimit` option uses one by default; it can also be called directly.
 *
 * @example
 * ```ts
 * const limiter = new MemoryRateLimiter({ maxEntries: 10_000 });
 * const decision = limiter.consume('203.0.113.7', [{ name: 'login', limit: 5, windowSeconds: 60 }]);
 * if (!decision.allowed) console.log(`retry in ${decision.retryAfterSeconds} s`, decision.violated);
 * ```
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #entries = new Map<string, Entry>();
  // The later parts of consumeAll calls, by `<first subject's length>:<first subject><subject>`:
  // apart from #entries, so that no subject given to `consume` can ever name one of them.
  readonly #linked = new Map<string, Entry>();
  readonly #max: number;
  readonly #now: () => number;

  /** Options are checked here: an invalid value throws `invalid_options`; an unknown name is reported once with `console.warn`. */
  constructor(options: MemoryRateLimiterOptions = {}) {
    check.object(undefined, options, OPTION_NAMES);
    this.#max = check.integer('maxEntries', options.maxEntries, { min: 1, default: 100_000 });
    this.#now = check.function('now', options.now, () => performance.now());
  }

  /** How many subjects are tracked now. */
  get size(): number {
    return this.#entries.size + this.#linked.size;
  }

  /** Admits and counts a request of `cost` units, or denies it and counts nothing. Synchronous. */
  consume(subject: string, policies: readonly RateLimitPolicy[], cost = 1): RateLimitDecision {
    return this.#decide(subject, policies, cost, true);
  }

  /** The decision `consume` would make now, counting nothing. Synchronous. */
  check(subject: string, policies: readonly RateLimitPolicy[], cost = 1): RateLimitDecision {
    return this.#decide(subject, policies, cost, false);
  }

  /**
   * One decision over several subjects (see {@link RateLimiter.consumeAll}): counted on every part
   * when every policy admits it, on none otherwise. Synchronous.
   */
  consumeAll(parts: readonly RateLimitPart[], cost = 1): RateLimitDecision {
    assertParts(parts);
    assertCost(cost);
    const first = (parts[0] as RateLimitPart).subject;
    const plans = parts.map((part) => policyPlan(part.policies));
    const plan = linkedPlan(plans);
    if (plan.names.length === 0) return EMPTY_DECISION;
    const now = Math.floor(this.#now() * 1000);
    const names = parts.map((part, i) => (i === 0 ? first : `${first.length}:${first}${part.subject}`));
    const entries = names.map((name, i) => (i === 0 ? this.#entries : this.#linked).get(name));
    // Every part's TATs in one list, in the linked plan's order; a part not tracked yet is full.
    const tats: number[] = [];
    for (let i = 0; i < plans.length; i++) {
      const partPlan = plans[i] as PolicyPlan;
      const entry = entries[i];
      if (entry !== undefined) {
        entry.used = true;
        if (entry.plan !== partPlan) align(entry, partPlan);
      }
      for (let j = 0; j < partPlan.names.length; j++) tats.push(entry === undefined ? 0 : (entry.tats[j] as number));
    }
    const decision = decide(plan, tats, now, cost, true);
    if (!decision.allowed || cost === 0) return decision;
    let at = 0;
    for (let i = 0; i < plans.length; i++) {
      const partPlan = plans[i] as PolicyPlan;
      const count = partPlan.names.length;
      const counted = tats.slice(at, at + count);
      at += count;
      if (count === 0) continue;
      const entry = entries[i];
      if (entry === undefined) {
        const map = i === 0 ? this.#entries : this.#linked;
        const fresh: Entry = { idleAt: 0, used: false, plan: partPlan, names: [...partPlan.names], tats: counted };
        this.#insert(map, names[i] as string, fresh, now);
        continue;
      }
      for (let j = 0; j < count; j++) {
        const tat = counted[j] as number;
        entry.tats[j] = tat;
        if (tat > entry.idleAt) entry.idleAt = tat;
      }
    }
    return decision;
  }

  #decide(subject: string, policies: readonly RateLimitPolicy[], cost: number, commit: boolean): RateLimitDecision {
    assertCost(cost);
    const plan = policyPlan(policies);
    const count = plan.names.length;
    if (count === 0) return EMPTY_DECISION;
    const now = Math.floor(this.#now() * 1000);
    const entry = this.#entries.get(subject);
    if (entry === undefined) {
      // A new subject is tracked only once a request of it is counted.
      const tats = new Array<number>(count).fill(0);
      const decision = decide(plan, tats, now, cost, commit);
      if (decision.allowed && commit && cost > 0)
        this.#insert(this.#entries, subject, { idleAt: 0, used: false, plan, names: [...plan.names], tats }, now);
      return decision;
    }
    entry.used = true;
    if (entry.plan !== plan) align(entry, plan);
    const decision = decide(plan, entry.tats, now, cost, commit);
    if (decision.allowed && commit && cost > 0) {
      for (let i = 0; i < count; i++) {
        const tat = entry.tats[i] as number;
        if (tat > entry.idleAt) entry.idleAt = tat;
      }
    }
    return decision;
  }

  // Adds a subject. First drops idle entries from the cold end (a few, or as many as needed when
  // full); when still full, evicts the coldest entry not used since it last reached the cold end
  // (used ones get a second chance at the warm end). A Map iterates in insertion order: cold end first.
  #insert(entries: Map<string, Entry>, subject: string, entry: Entry, now: number): void {
    let sweeps = SWEEP_PER_INSERT;
    let chances = SECOND_CHANCES;
    for (const [key, old] of entries) {
      const full = entries.size >= this.#max;
      if (old.idleAt <= now) {
        entries.delete(key);
        if (!full && --sweeps <= 0) break;
      } else if (!full) {
        break;
      } else if (old.used && chances-- > 0) {
        old.used = false;
        entries.delete(key);
        entries.set(key, old);
      } else {
        entries.delete(key);
        break;
      }
    }
    for (const tat of entry.tats) if (tat > entry.idleAt) entry.idleAt = tat;
    entries.set(subject, entry);
  }
}

// Puts the policies of `plan` first in `entry`, in order, keeping the TATs of the others after them.
function align(entry: Entry, plan: PolicyPlan): void {
  const { names } = plan;
  let same = true;
  for (let i = 0; i < names.length && same; i++) same = entry.names[i] === names[i];
  if (!same) {
    const oldNames = entry.names;
    const oldTats = entry.tats;
    const tats = names.map((name) => {
      const at = oldNames.indexOf(name);
      return at < 0 ? 0 : (oldTats[at] as number);
    });
    const rest = oldNames.filter((name) => !names.includes(name));
    entry.names = [...names, ...rest];
    entry.tats = [...tats, ...rest.map((name) => oldTats[oldNames.indexOf(name)] as number)];
  }
  entry.plan = plan;
}
