/**
 * A bounded map with per-entry expiry. When full it evicts with the "second chance" (CLOCK)
 * approximation of LRU: a read only sets a flag, and eviction moves flagged entries from the
 * cold end back to the warm end once before dropping unflagged ones. Reads therefore cost one
 * `Map.get` whatever the size — re-inserting on every read (true LRU on a `Map`) leaves deleted
 * slots behind that make hot keys ever slower as the map grows. Expired entries are dropped when
 * read or when eviction reaches them: no timers.
 */
export class LruCache<K, V> {
  readonly #max: number;
  readonly #now: () => number;
  readonly #onRemove: ((key: K, value: V) => void) | undefined;
  readonly #entries = new Map<K, { value: V; expiresAt: number; used: boolean }>();

  /** `onRemove` hears of every entry that leaves: evicted, expired, deleted or cleared. */
  constructor(max: number, now: () => number = Date.now, onRemove?: (key: K, value: V) => void) {
    this.#max = max;
    this.#now = now;
    this.#onRemove = onRemove;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value of a live entry, marking it used; `now` saves a clock read when the caller has one. */
  get(key: K, now: number = this.#now()): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.delete(key);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  set(key: K, value: V, ttlMs: number): void {
    if (this.#max <= 0) return;
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      if (existing.value !== value) this.#onRemove?.(key, existing.value);
      existing.value = value;
      existing.expiresAt = this.#now() + ttlMs;
      existing.used = true;
      return;
    }
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs, used: false });
    if (this.#entries.size > this.#max) this.#evictOne();
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#onRemove?.(key, entry.value);
    return true;
  }

  clear(): void {
    const removed = this.#onRemove === undefined ? [] : [...this.#entries];
    this.#entries.clear();
    for (const [key, entry] of removed) this.#onRemove?.(key, entry.value);
  }

  // Drops the first expired or unflagged entry from the cold end; flagged ones get a second chance.
  // Every entry is flagged at most once per pass, so this ends within one walk of the map.
  #evictOne(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.used && entry.expiresAt > now) {
        entry.used = false;
        this.#entries.delete(key);
        this.#entries.set(key, entry);
        continue;
      }
      this.delete(key);
      return;
    }
  }
}
