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
  // Hash verifications in flight per id (bounded by the verifications in flight).
  readonly #pending = new Map<string, number>();

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

  /** Ms until this id may reach the KDF again, or 0 when it may now. Hashes in flight count as failures. */
  throttledFor(id: string): number {
    const entry = this.#perId.get(id);
    if ((entry?.count ?? 0) + (this.#pending.get(id) ?? 0) < this.#limits.maxPerId) return 0;
    // Throttled by hashes still in flight only: they end soon, so retry shortly.
    if (entry === undefined || entry.count < this.#limits.maxPerId) return 1000;
    return Math.max(1, entry.resetAt - this.#now());
  }

  /** Marks a hash verification for `id` as started; pair with {@link endHash}. */
  startHash(id: string): void {
    this.#pending.set(id, (this.#pending.get(id) ?? 0) + 1);
  }

  /** Marks a hash verification for `id` as finished, whatever its outcome. */
  endHash(id: string): void {
    const left = (this.#pending.get(id) ?? 1) - 1;
    if (left > 0) this.#pending.set(id, left);
    else this.#pending.delete(id);
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
