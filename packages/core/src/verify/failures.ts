import { LruCache } from './lru.js';

/** Limits on how much hashing failed attempts may cause. */
export interface FailureLimits {
  /** How long a failed key (its digest) is remembered and rejected without a lookup, in ms. */
  readonly rememberMs: number;
  /** Failed hash verifications allowed per key id and client per window before that pair is throttled. */
  readonly maxPerId: number;
  /** The window of `maxPerId`, in ms. */
  readonly windowMs: number;
  /** How many digests and ids are tracked at most (oldest dropped first). */
  readonly maxEntries: number;
}

/**
 * Remembers recent failures so that wrong keys cost no repeated hashing: an exact failed key is
 * rejected from memory, and a client with too many failed secrets for one id stops reaching the KDF
 * for that id until its window ends. Counted per id AND client: a client sending wrong secrets for
 * a known id throttles only itself, never the key's real holder.
 */
export class FailureTracker {
  readonly #limits: FailureLimits;
  readonly #now: () => number;
  readonly #failedDigests: LruCache<string, true>;
  readonly #perId: LruCache<string, { count: number; resetAt: number }>;
  // Hash verifications in flight per id and client (bounded by the verifications in flight).
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

  /** Ms until `client` may reach the KDF for this id again, or 0 when it may now. Hashes in flight count as failures. */
  throttledFor(id: string, client: string): number {
    const entry = this.#perId.get(pair(id, client));
    if ((entry?.count ?? 0) + (this.#pending.get(pair(id, client)) ?? 0) < this.#limits.maxPerId) return 0;
    // Throttled by hashes still in flight only: they end soon, so retry shortly.
    if (entry === undefined || entry.count < this.#limits.maxPerId) return 1000;
    return Math.max(1, entry.resetAt - this.#now());
  }

  /** Marks a hash verification of `client` for `id` as started; pair with {@link endHash}. */
  startHash(id: string, client: string): void {
    const key = pair(id, client);
    this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
  }

  /** Marks a hash verification of `client` for `id` as finished, whatever its outcome. */
  endHash(id: string, client: string): void {
    const key = pair(id, client);
    const left = (this.#pending.get(key) ?? 1) - 1;
    if (left > 0) this.#pending.set(key, left);
    else this.#pending.delete(key);
  }

  /** Counts one failed hash verification of `client` against `id`. */
  recordHashFailure(id: string, client: string, digest: string): void {
    this.rememberFailure(digest);
    const now = this.#now();
    const key = pair(id, client);
    const entry = this.#perId.get(key);
    if (entry === undefined) {
      this.#perId.set(key, { count: 1, resetAt: now + this.#limits.windowMs }, this.#limits.windowMs);
    } else {
      entry.count++;
    }
  }
}

// One id and client as a map key (ids are base62, so a space cannot occur in one).
function pair(id: string, client: string): string {
  return `${id} ${client}`;
}
