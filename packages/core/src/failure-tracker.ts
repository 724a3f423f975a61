import { LruCache } from './lru.js';

/** Limits on how much hashing failed attempts may cause. */
export interface FailureLimits {
  /** How long a failed key (its digest) is remembered and rejected without a lookup, in ms. */
  readonly rememberMs: number;
  /** Failed hash verifications allowed per key id per window before that id is throttled. */
  readonly maxPerId: number;
  /** The window of `maxPerId`, in ms. */
  readonly windowMs: number;
  /** How many digests and ids are tracked at most (oldest dropped first). */
  readonly maxEntries: number;
}

/**
 * Remembers recent failures so that wrong keys cost no repeated hashing: an exact failed key is
 * rejected from memory, and an id with too many failed secrets stops reaching the KDF until its window ends.
 */
export class FailureTracker {
  readonly #limits: FailureLimits;
  readonly #now: () => number;
  readonly #failedDigests: LruCache<string, true>;
  readonly #perId: LruCache<string, { count: number; resetAt: number }>;

  constructor(limits: FailureLimits, now: () => number) {
    this.#limits = limits;
    this.#now = now;
    this.#failedDigests = new LruCache(limits.maxEntries, now);
    this.#perId = new LruCache(limits.maxEntries, now);
  }

  /** True when this exact key failed recently. */
  isKnownFailure(digest: string): boolean {
    return this.#failedDigests.get(digest) === true;
  }

  /** Remembers a failed key, so the next identical attempt costs a map lookup. */
  rememberFailure(digest: string): void {
    this.#failedDigests.set(digest, true, this.#limits.rememberMs);
  }

  /** Ms until this id may reach the KDF again, or 0 when it may now. */
  throttledFor(id: string): number {
    const entry = this.#perId.get(id);
    if (entry === undefined || entry.count < this.#limits.maxPerId) return 0;
    return Math.max(1, entry.resetAt - this.#now());
  }

  /** Counts one failed hash verification against `id`. */
  recordHashFailure(id: string, digest: string): void {
    this.rememberFailure(digest);
    const now = this.#now();
    const entry = this.#perId.get(id);
    if (entry === undefined) {
      this.#perId.set(id, { count: 1, resetAt: now + this.#limits.windowMs }, this.#limits.windowMs);
    } else {
      entry.count++;
    }
  }
}
