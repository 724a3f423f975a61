import { KeygateError } from '../errors.js';
import type { RateLimitPolicy } from '../record.js';
import { DecisionBuilder } from './decision.js';
import { admits, burstTolerance, emissionInterval, waitMicros } from './gcra.js';
import { assertCost, assertPolicies, EMPTY_DECISION, type RateLimitDecision, type RateLimiter } from './limiter.js';

/** Options of {@link MemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Most subjects tracked at once; past it an idle or long-unused one is dropped. Default 100 000 (a few tens of MB at most). */
  maxEntries?: number;
  /** A clock in milliseconds from any origin that never goes backwards, for tests. Default `performance.now`. */
  now?: () => number;
}

// One subject: the TAT (µs) of each of its policies, the latest of them (after which the whole
// entry is idle, equivalent to no entry at all, and may be dropped), and whether it was used since
// it last reached the cold end (second-chance eviction: an access sets a flag instead of reordering the map).
interface Entry {
  idleAt: number;
  used: boolean;
  readonly tats: Map<string, number>;
}

// How many idle entries an insertion may drop from the cold end, so the map shrinks back as traffic moves on.
const SWEEP_PER_INSERT = 2;
// How many recently used entries an eviction may move back to the warm end before it evicts one anyway.
const SECOND_CHANCES = 8;

/**
 * A {@link RateLimiter} in this process's memory: exact and synchronous, for single-instance apps
 * and tests. Memory is bounded (LRU over subjects, idle subjects swept as new ones arrive) and
 * nothing runs in the background: no timer per key, no timer at all. Eviction is second-chance
 * (CLOCK), an approximation of least-recently-used that costs an access one flag write.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new KeygateError(
        'invalid_options',
        `keygate: \`maxEntries\` must be an integer of at least 1 (received ${String(max)}).`,
      );
    }
    this.#max = max;
    this.#now = options.now ?? (() => performance.now());
  }

  /** How many subjects are tracked now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Admits and counts a request of `cost` units, or denies it and counts nothing. Synchronous. */
  consume(subject: string, policies: readonly RateLimitPolicy[], cost = 1): RateLimitDecision {
    return this.#decide(subject, policies, cost, true);
  }

  /** The decision `consume` would make now, counting nothing. Synchronous. */
  check(subject: string, policies: readonly RateLimitPolicy[], cost = 1): RateLimitDecision {
    return this.#decide(subject, policies, cost, false);
  }

  #decide(subject: string, policies: readonly RateLimitPolicy[], cost: number, commit: boolean): RateLimitDecision {
    assertCost(cost);
    assertPolicies(policies);
    const count = policies.length;
    if (count === 0) return EMPTY_DECISION;
    const now = Math.floor(this.#now() * 1000);
    let entry = this.#entries.get(subject);

    // First pass: every policy must admit the request before any of them counts it.
    let allowed = true;
    for (let i = 0; i < count && allowed; i++) {
      const policy = policies[i] as RateLimitPolicy;
      const interval = emissionInterval(policy);
      const tat = entry?.tats.get(policy.name) ?? 0;
      allowed = admits(tat, now, cost, interval, burstTolerance(policy, interval));
    }
    const counted = allowed && commit && cost > 0;
    if (entry !== undefined) entry.used = true;
    else if (counted) entry = this.#insert(subject, now);

    // Second pass: count (when admitted) and describe each policy.
    const decision = new DecisionBuilder(count);
    for (let i = 0; i < count; i++) {
      const policy = policies[i] as RateLimitPolicy;
      const interval = emissionInterval(policy);
      const stored = entry?.tats.get(policy.name) ?? 0;
      let tat = Math.max(stored, now);
      let wait = 0;
      if (counted && entry !== undefined) {
        tat += cost * interval;
        entry.tats.set(policy.name, tat);
        if (tat > entry.idleAt) entry.idleAt = tat;
      } else if (!allowed) {
        wait = waitMicros(tat, now, cost, interval, burstTolerance(policy, interval));
      }
      decision.add(i, policy, tat - now, wait);
    }
    return decision.finish(allowed);
  }

  // Adds a subject. First drops idle entries from the cold end (a few, or as many as needed when
  // full); when still full, evicts the coldest entry not used since it last reached the cold end
  // (used ones get a second chance at the warm end). A Map iterates in insertion order: cold end first.
  #insert(subject: string, now: number): Entry {
    const entries = this.#entries;
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
    const entry: Entry = { idleAt: 0, used: false, tats: new Map() };
    entries.set(subject, entry);
    return entry;
  }
}
