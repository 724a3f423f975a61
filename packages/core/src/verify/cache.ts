// The verified-key cache: digest of a presented key → its success result, fresh for a TTL, then
// kept (stale) so that the next verification re-reads the record but re-hashes only when the
// stored hash changed. Bounded; evicts with the "second chance" (CLOCK) approximation of LRU.
import type { ApiKey } from '../key/record.js';

/** A successful verification, frozen and shared by every hit. */
export interface VerifiedResult {
  readonly ok: true;
  readonly key: ApiKey;
}

/**
 * One cache entry, which is also the result every hit returns (one object per key, not two: the
 * cache is sized for 100,000 keys). What only the cache uses lives in private fields: invisible to
 * callers, and writable although the instance is frozen.
 */
export class CachedResult implements VerifiedResult {
  readonly ok = true as const;
  readonly key: ApiKey;
  readonly #hashMark: number;
  readonly #hashCheck: number;
  readonly #freshUntil: number;
  #used = false;

  constructor(key: ApiKey, storedHash: string, freshUntil: number) {
    this.key = key;
    this.#hashMark = hashMark(storedHash, FNV_OFFSET);
    this.#hashCheck = hashMark(storedHash, SECOND_OFFSET);
    this.#freshUntil = freshUntil;
    Object.freeze(this);
  }

  /** True while the entry answers without a store read. */
  isFresh(now: number): boolean {
    return now < this.#freshUntil;
  }

  /** True when `storedHash` is (as far as two 30-bit marks tell) the hash this key was verified against. */
  sameHash(storedHash: string): boolean {
    return (
      this.#hashMark === hashMark(storedHash, FNV_OFFSET) && this.#hashCheck === hashMark(storedHash, SECOND_OFFSET)
    );
  }

  /** Marks the entry used (eviction spares it once). */
  touch(): void {
    this.#used = true;
  }

  /** Clears the mark and tells whether it was set. */
  untouch(): boolean {
    const used = this.#used;
    this.#used = false;
    return used;
  }
}

/**
 * At most `max` entries, by digest, with an index by key id (to drop a changed key at once).
 * Reads cost one `Map.get` whatever the size: a read only sets a flag, and eviction moves flagged
 * entries from the cold end back to the warm end once before dropping unflagged ones.
 */
export class VerifiedCache {
  readonly #max: number;
  readonly #entries = new Map<string, CachedResult>();
  readonly #digestById = new Map<string, string>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Entries held now, fresh or stale. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry of a digest, fresh or stale, marked used. */
  get(digest: string): CachedResult | undefined {
    const entry = this.#entries.get(digest);
    entry?.touch();
    return entry;
  }

  /** Stores (or replaces) the entry of a digest. */
  set(digest: string, entry: CachedResult): void {
    if (this.#max <= 0) return;
    const { id } = entry.key;
    const previous = this.#digestById.get(id);
    if (previous !== undefined && previous !== digest) this.#entries.delete(previous);
    const existing = this.#entries.get(digest);
    if (existing !== undefined && existing.key.id !== id) this.#digestById.delete(existing.key.id);
    if (existing !== undefined) entry.touch();
    this.#entries.set(digest, entry);
    this.#digestById.set(id, digest);
    if (this.#entries.size > this.#max) this.#evictOne();
  }

  /** Drops the entry of one digest. */
  delete(digest: string): void {
    const entry = this.#entries.get(digest);
    if (entry === undefined) return;
    this.#entries.delete(digest);
    if (this.#digestById.get(entry.key.id) === digest) this.#digestById.delete(entry.key.id);
  }

  /** Drops the entry of one key id. */
  deleteId(id: string): void {
    const digest = this.#digestById.get(id);
    if (digest !== undefined) this.delete(digest);
  }

  /** Drops everything. */
  clear(): void {
    this.#entries.clear();
    this.#digestById.clear();
  }

  // Drops the first unflagged entry from the cold end; flagged ones get a second chance. Every
  // entry is flagged at most once per pass, so this ends within one walk of the map.
  #evictOne(): void {
    for (const [digest, entry] of this.#entries) {
      if (entry.untouch()) {
        this.#entries.delete(digest);
        this.#entries.set(digest, entry);
        continue;
      }
      this.delete(digest);
      return;
    }
  }
}

// Two 30-bit FNV-1a marks of a stored hash stand for it (small integers, held in the entry without
// an allocation, where the hash string itself took 80 bytes per key): a changed hash goes unnoticed
// with a chance of 2^-60. keygate only rewrites a hash for the same secret (a re-hash).
const FNV_OFFSET = 0x811c9dc5;
const SECOND_OFFSET = 0x050c5d1f;

function hashMark(stored: string, offset: number): number {
  let h = offset;
  for (let i = 0; i < stored.length; i++) h = Math.imul(h ^ stored.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}
